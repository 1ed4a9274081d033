"""The simulated paper: what the printer has put on the roll since the last cut, and its PNG.

Text is drawn in a monospace font, one 12×24-dot cell per character (font A) scaled by the size multipliers, from
characters already decoded with the selected code page — so a wrong code page shows as wrong letters, exactly as
on a real roll. QR codes and barcodes are drawn from their payloads; rasters are drawn as sent.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

log = logging.getLogger("simulators.printer")

FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                   "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
                   "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf")
CELL_W, CELL_H = 12, 24          # font A
CELL_W_B, CELL_H_B = 9, 17       # font B
MARGIN = 24                      # white paper outside the printable width, in the PNG


@dataclass(frozen=True)
class CharStyle:
    bold: bool = False
    underline: bool = False
    invert: bool = False
    width: int = 1
    height: int = 1
    font_b: bool = False


@dataclass
class PrintedReceipt:
    """One piece of paper, cut (``complete``) or torn off by a fault (paper out, disconnect)."""
    index: int
    lines: list[str]
    qr_payloads: list[str]
    barcodes: list[tuple[str, str]]
    unknown_commands: list[str]
    complete: bool
    png_path: Path | None
    image: Image.Image
    finished_at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Glyphs:
    def __init__(self) -> None:
        self.font = None
        for path in FONT_CANDIDATES:
            if Path(path).exists():
                self.font = ImageFont.truetype(path, 20)
                break
        if self.font is None:
            log.warning("no monospace TrueType font found; using Pillow's default font")
            self.font = ImageFont.load_default(20)
        self._cache: dict[tuple[str, bool, bool], Image.Image] = {}

    def cell(self, ch: str, bold: bool, font_b: bool) -> Image.Image:
        key = (ch, bold, font_b)
        img = self._cache.get(key)
        if img is None:
            img = Image.new("L", (CELL_W, CELL_H), 255)
            d = ImageDraw.Draw(img)
            d.text((0, 0), ch, font=self.font, fill=0)
            if bold:
                d.text((1, 0), ch, font=self.font, fill=0)
            if font_b:
                img = img.resize((CELL_W_B, CELL_H_B), Image.LANCZOS)
            self._cache[key] = img
        return img


GLYPHS = _Glyphs()


class Paper:
    def __init__(self, width_dots: int, out_dir: Path | None) -> None:
        self.width = width_dots
        self.out_dir = out_dir
        self.count = 0
        self._reset()

    def _reset(self) -> None:
        self.strips: list[Image.Image] = []
        self.segments: list[tuple[str, CharStyle]] = []
        self.lines: list[str] = []
        self.qr_payloads: list[str] = []
        self.barcodes: list[tuple[str, str]] = []
        self.unknown: list[str] = []

    @property
    def blank(self) -> bool:
        return not (self.strips or self.segments)

    # --- content -------------------------------------------------------------------------------------
    def add_text(self, text: str, style: CharStyle) -> None:
        self.segments.append((text, style))

    def mark_unknown(self, what: str, style: CharStyle) -> None:
        """Unknown commands show on the paper, inverted, so nobody mistakes them for a clean print."""
        self.unknown.append(what)
        self.segments.append((f"[?{what}]", CharStyle(invert=True)))

    def line_feed(self, align: str, pitch: int = 30) -> None:
        text = "".join(t for t, _ in self.segments)
        self.lines.append(text)
        cells = [(ch, st) for t, st in self.segments for ch in t]
        self.segments = []
        if not cells:
            self.feed_dots(pitch)
            return
        heights = [(CELL_H_B if st.font_b else CELL_H) * st.height for _, st in cells]
        line_h = max(heights)
        strip = Image.new("L", (self.width, max(pitch, line_h + 6)), 255)
        total_w = sum((CELL_W_B if st.font_b else CELL_W) * st.width for _, st in cells)
        x = {"center": (self.width - total_w) // 2, "right": self.width - total_w}.get(align, 0)
        x = max(0, x)
        for ch, st in cells:
            glyph = GLYPHS.cell(ch, st.bold, st.font_b)
            cw, chh = glyph.width * st.width, glyph.height * st.height
            if (st.width, st.height) != (1, 1):
                glyph = glyph.resize((cw, chh), Image.NEAREST)
            if st.underline:
                glyph = glyph.copy()
                ImageDraw.Draw(glyph).rectangle((0, chh - 2, cw, chh - 1), fill=0)
            if st.invert:
                glyph = ImageOps.invert(glyph)
            if x + cw > self.width:  # the printer wraps a line that is too long
                self.strips.append(strip)
                strip = Image.new("L", (self.width, max(pitch, line_h + 6)), 255)
                x = 0
            strip.paste(glyph, (x, line_h - chh))
            x += cw
        self.strips.append(strip)

    def feed_dots(self, dots: int) -> None:
        if dots > 0:
            self.strips.append(Image.new("L", (self.width, dots), 255))

    def add_image(self, img: Image.Image, align: str) -> None:
        """A raster as sent (mode '1' or 'L', black ink)."""
        self.flush_pending()
        img = img.convert("L")
        if img.width > self.width:
            img = img.crop((0, 0, self.width, img.height))
        strip = Image.new("L", (self.width, img.height), 255)
        x = {"center": (self.width - img.width) // 2, "right": self.width - img.width}.get(align, 0)
        strip.paste(img, (max(0, x), 0))
        self.strips.append(strip)

    def add_qr(self, payload: str, module: int, ec: str, align: str) -> None:
        import qrcode
        level = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
                 "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}[ec]
        qr = qrcode.QRCode(error_correction=level, box_size=module, border=4)
        qr.add_data(payload)
        qr.make(fit=True)
        self.qr_payloads.append(payload)
        self.add_image(qr.make_image().get_image().convert("L"), align)

    def add_barcode(self, kind: str, text: str, modules: str, module_w: int, height: int,
                    hri_below: bool, align: str) -> None:
        self.barcodes.append((kind, text))
        quiet = 10 * module_w
        img = Image.new("L", (len(modules) * module_w + 2 * quiet, height), 255)
        d = ImageDraw.Draw(img)
        for i, bit in enumerate(modules):
            if bit == "1":
                x0 = quiet + i * module_w
                d.rectangle((x0, 0, x0 + module_w - 1, height - 1), fill=0)
        self.add_image(img, align)
        if hri_below:
            self.segments = [(text, CharStyle())]
            self.line_feed(align, pitch=CELL_H + 6)
            self.lines.pop()  # the human-readable text is part of the barcode, not a text line

    def flush_pending(self) -> None:
        """Text without LF before an image: a real printer prints it on its own line first."""
        if self.segments:
            self.line_feed("left")

    # --- cut -----------------------------------------------------------------------------------------
    def cut(self, complete: bool = True) -> PrintedReceipt | None:
        cut_at = time.monotonic()  # when the cut happened, before the PNG work (benchmarks time the wire)
        self.flush_pending()
        if self.blank and not self.lines:
            self._reset()
            return None
        self.count += 1
        height = sum(s.height for s in self.strips) or 1
        paper = Image.new("L", (self.width + 2 * MARGIN, height + 2 * MARGIN), 255)
        y = MARGIN
        for s in self.strips:
            paper.paste(s, (MARGIN, y))
            y += s.height
        if not complete:  # a torn edge, so a partial receipt is obvious in the PNG
            d = ImageDraw.Draw(paper)
            w, h = paper.size
            d.line([(x, h - 8 - (6 if (x // 12) % 2 else 0)) for x in range(0, w + 12, 12)], fill=0, width=2)
        path = None
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"receipt-{self.count:04d}{'' if complete else '-partial'}.png"
            paper.save(path)
        receipt = PrintedReceipt(self.count, self.lines, self.qr_payloads, self.barcodes, self.unknown,
                                 complete, path, paper, cut_at)
        self._reset()
        return receipt

    def discard_line(self) -> None:
        self.segments = []
