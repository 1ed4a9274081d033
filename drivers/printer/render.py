"""Receipt document → ESC/POS bytes, built once and sent by whichever transport is configured.

python-escpos (its ``Dummy`` printer) renders QR codes, barcodes, rasters and the cut. Text and styles are written
here because python-escpos's ``set()`` re-sends ~30 bytes of every style on each call and its text encoder picks
code pages by itself; a kiosk receipt must stay small (≤ 2 KB without logo) and be CP858 on purpose, so that
"città" and "€" print right. The document is duck-typed (``kind`` attribute per block, see kiosk/receipts/model.py)
because drivers never import the kiosk package.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from escpos.printer import Dummy
from PIL import Image, ImageOps

log = logging.getLogger("kiosk.printer")

ESC, GS = b"\x1b", b"\x1d"
INIT = ESC + b"@"
CODEPAGE_CP858 = 19  # ESC t 19 on Epson-compatible printers
#: characters CP858 lacks, replaced by their nearest printable form rather than "?"
_FALLBACK = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "•": "*", " ": " "}


@dataclass(frozen=True)
class PrinterProfile:
    """What the connected printer can do. ``dots`` is the printable width (576 for 48 columns on 80 mm)."""
    columns: int = 48
    native_qr: bool = True
    escpos_profile: str = "TM-T88V"
    codepage: int = CODEPAGE_CP858
    encoding: str = "cp858"

    @property
    def dots(self) -> int:
        return {48: 576, 42: 512, 32: 384}.get(self.columns, self.columns * 12)


def encode_text(text: str, encoding: str = "cp858") -> bytes:
    """Encode for the printer; characters outside the code page degrade to a close form, never to garbage."""
    out = bytearray()
    for ch in text:
        ch = _FALLBACK.get(ch, ch)
        try:
            out += ch.encode(encoding)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore")
            out += plain or b"?"
    return bytes(out)


class _StyleState:
    """Emits only the style commands that change, so a receipt costs a few bytes per styled line."""

    def __init__(self) -> None:
        self.bold = self.underline = self.invert = False
        self.align = "left"
        self.size = (1, 1)

    def apply(self, style: Any) -> bytes:
        out = b""
        if style.bold != self.bold:
            out += ESC + b"E" + bytes([int(style.bold)])
            self.bold = style.bold
        if style.underline != self.underline:
            out += ESC + b"-" + bytes([int(style.underline)])
            self.underline = style.underline
        if style.invert != self.invert:
            out += GS + b"B" + bytes([int(style.invert)])
            self.invert = style.invert
        out += self.set_align(_align_name(style.align))
        size = (style.width, style.height)
        if size != self.size:
            out += GS + b"!" + bytes([((size[0] - 1) << 4) | (size[1] - 1)])
            self.size = size
        return out

    def set_align(self, align: str) -> bytes:
        if align == self.align:
            return b""
        self.align = align
        return ESC + b"a" + bytes([{"left": 0, "center": 1, "right": 2}[align]])


def _align_name(align: Any) -> str:
    return getattr(align, "value", align)


def render(document: Any, profile: PrinterProfile) -> bytes:
    """The whole job: initialise, select the code page explicitly, the blocks, and a cut at the end."""
    p = Dummy(profile=profile.escpos_profile)
    st = _StyleState()
    p._raw(INIT + ESC + b"t" + bytes([profile.codepage]))
    blocks = list(document.blocks)
    for block in blocks:
        kind = block.kind
        if kind == "text":
            p._raw(st.apply(block.style) + encode_text(block.text, profile.encoding) + b"\n")
        elif kind == "rule":
            p._raw(st.apply(_PlainStyle) + encode_text(block.char * profile.columns, profile.encoding) + b"\n")
        elif kind == "feed":
            if block.lines:
                p._raw(ESC + b"d" + bytes([block.lines]))
        elif kind == "qr":
            p._raw(st.set_align("center"))
            _qr(p, block.payload, block.module, profile)
        elif kind == "barcode":
            p._raw(st.apply(_PlainStyle))
            _barcode(p, block.data, block.height, profile)
            st.align = "center"  # python-escpos centres barcodes with ESC a 1
        elif kind == "logo":
            p._raw(st.set_align("center"))
            p.image(load_logo(block.path, _image_width(p, profile)), impl="bitImageRaster", fragment_height=2048)
        elif kind == "cut":
            p._raw(st.apply(_PlainStyle))
            p.cut()
        else:
            raise ValueError(f"unknown receipt block kind {kind!r}")
    if not blocks or blocks[-1].kind != "cut":
        p._raw(st.apply(_PlainStyle))
        p.cut()
    return bytes(p.output)


class _PlainStyle:
    bold = underline = invert = False
    align = "left"
    width = height = 1


def _qr(p: Dummy, payload: str, module: int, profile: PrinterProfile) -> None:
    if profile.native_qr:
        # GS ( k: a few dozen bytes; the printer draws the symbol. Error correction M survives a worn roll.
        p.qr(payload, ec=1, size=module, native=True)
        p._raw(b"\n")
    else:
        # Raster fallback for printers without native QR: kilobytes, but works everywhere.
        import qrcode
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module, border=2)
        qr.add_data(payload)
        qr.make(fit=True)
        img = qr.make_image().get_image().convert("1")
        p.image(img, impl="bitImageRaster", fragment_height=2048)


def code128_data(text: str) -> tuple[str, int]:
    """GS k data for Code 128 — set C (two digits a symbol) for digit runs of four or more, set B otherwise —
    and the number of symbols, which decides whether the barcode fits the paper."""
    out, symbols, mode, i = "", 0, "", 0
    while i < len(text):
        run = 0
        while i + run < len(text) and text[i + run].isdigit():
            run += 1
        if run >= 4:
            even = run - run % 2
            if mode != "C":
                out, mode, symbols = out + "{C", "C", symbols + 1
            out += "".join(chr(int(text[k:k + 2])) for k in range(i, i + even, 2))
            symbols += even // 2
            i += even
        else:
            if mode != "B":
                out, mode, symbols = out + "{B", "B", symbols + 1
            out += "{{" if text[i] == "{" else text[i]
            symbols += 1
            i += 1
    return out, symbols


def _barcode(p: Dummy, data: str, height: int, profile: PrinterProfile) -> None:
    """Code 128 with 2-dot modules (python-escpos and most printers allow 2..6); too wide → printed as text."""
    command, symbols = code128_data(data)
    modules = 11 * (symbols + 1) + 13 + 20  # symbols + check + stop + quiet zones
    if modules * 2 > profile.dots:
        log.warning("printer: barcode of %d characters does not fit %d dots; printing it as text", len(data),
                    profile.dots)
        p._raw(ESC + b"a\x01" + encode_text(data, profile.encoding) + b"\n")
        return
    # The printer renders it (GS k). python-escpos 3.1's public barcode() prints "Using hardware barcode
    # renderer" to stdout on every receipt; its hardware path is called directly to keep stdout clean.
    p._hw_barcode(command, "CODE128", height=height, width=2, pos="BELOW", font="A", align_ct=True,
                  function_type="B")


def _image_width(p: Dummy, profile: PrinterProfile) -> int:
    """python-escpos refuses images wider than its profile's media width (512 for TM-T88V), so stay within both."""
    media = (p.profile.profile_data.get("media") or {}).get("width") or {}
    return min(profile.dots, int(media.get("pixels") or profile.dots))


def load_logo(path: str, max_width: int) -> Image.Image:
    """A logo as a 1-bit image: cropped to its ink, no wider than the paper, width a multiple of 8."""
    img = Image.open(path)
    img.load()
    if img.mode in ("RGBA", "LA", "P"):
        bg = Image.new("RGBA", img.size, "white")
        img = Image.alpha_composite(bg, img.convert("RGBA"))
    gray = img.convert("L")
    box = ImageOps.invert(gray).getbbox()
    if box:
        gray = gray.crop(box)
    if gray.width > max_width:
        gray = gray.resize((max_width, max(1, round(gray.height * max_width / gray.width))))
    pad = (-gray.width) % 8
    if pad:
        gray = ImageOps.expand(gray, border=(0, 0, pad, 0), fill=255)
    return gray.convert("1")

