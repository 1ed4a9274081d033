"""A receipt as a printer-neutral document: lines with styles, QR codes, barcodes, a logo, a cut.

The core builds these and never sees ESC/POS; the printer driver turns them into bytes (drivers/printer/render.py),
so a receipt can be built, checked and stored without a printer. Text blocks are single printed lines already laid
out for ``columns``; ``kiosk.receipts.layout`` does the wrapping. The JSON form (``to_dict``/``from_dict``) is
what ``kiosk printer print-file`` reads.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import ClassVar, Union

COLUMN_CHOICES = (32, 42, 48)


class ReceiptFormatError(ValueError):
    """A receipt document (usually from JSON) is malformed; the message says where."""


class Align(str, enum.Enum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Style:
    bold: bool = False
    underline: bool = False
    invert: bool = False
    align: Align = Align.LEFT
    width: int = 1   # character width multiplier 1..8
    height: int = 1  # character height multiplier 1..8

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 8:
                raise ReceiptFormatError(f"style {name} must be 1..8, found {v!r}")
        object.__setattr__(self, "align", Align(self.align))


PLAIN = Style()


@dataclass(frozen=True)
class Text:
    text: str
    style: Style = PLAIN
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class Rule:
    """A full-width separator line."""
    char: str = "-"
    kind: ClassVar[str] = "rule"


@dataclass(frozen=True)
class Feed:
    lines: int = 1
    kind: ClassVar[str] = "feed"


@dataclass(frozen=True)
class QrCode:
    payload: str
    module: int = 6   # module size in printer dots
    kind: ClassVar[str] = "qr"


@dataclass(frozen=True)
class Barcode:
    """Code 128 of ``data`` with the human-readable text below it."""
    data: str
    height: int = 64  # dots
    kind: ClassVar[str] = "barcode"


@dataclass(frozen=True)
class Logo:
    """A monochrome image file (PNG), printed centred as a raster."""
    path: str
    kind: ClassVar[str] = "logo"


@dataclass(frozen=True)
class Cut:
    kind: ClassVar[str] = "cut"


Block = Union[Text, Rule, Feed, QrCode, Barcode, Logo, Cut]
BLOCK_TYPES: dict[str, type] = {t.kind: t for t in (Text, Rule, Feed, QrCode, Barcode, Logo, Cut)}


@dataclass(frozen=True)
class Receipt:
    blocks: tuple[Block, ...]
    columns: int = 48
    #: what a whole reprint says at its top (the template puts it in the citizen's language too)
    reprint_label: str = "REPRINT"
    #: short non-personal description for logs ("certificate 00123-…"); never the citizen's data
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))
        if self.columns not in COLUMN_CHOICES:
            raise ReceiptFormatError(f"columns must be one of {COLUMN_CHOICES}, found {self.columns!r}")
        for i, b in enumerate(self.blocks):
            if type(b) not in BLOCK_TYPES.values():
                raise ReceiptFormatError(f"block {i}: not a receipt block: {type(b).__name__}")
            _check_block(i, b)

    def as_reprint(self) -> "Receipt":
        """The same receipt, whole, with a banner saying it is a reprint (after an interrupted print)."""
        banner = Text(f" {self.reprint_label} "[: self.columns],
                      Style(bold=True, invert=True, align=Align.CENTER))
        return replace(self, blocks=(banner, Feed(1)) + self.blocks)

    def text_lines(self) -> list[str]:
        """Just the words, for previews and tests."""
        return [b.text for b in self.blocks if isinstance(b, Text)]

    # --- JSON form ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        out = []
        for b in self.blocks:
            d: dict = {"kind": b.kind}
            if isinstance(b, Text):
                d["text"] = b.text
                if b.style != PLAIN:
                    d["style"] = {k: (v.value if isinstance(v, Align) else v)
                                  for k, v in vars(b.style).items() if getattr(PLAIN, k) != v}
            else:
                d.update(vars(b))
            out.append(d)
        return {"columns": self.columns, "reprint_label": self.reprint_label, "title": self.title,
                "blocks": out}

    @classmethod
    def from_dict(cls, data: object) -> "Receipt":
        if not isinstance(data, dict):
            raise ReceiptFormatError("a receipt must be a JSON object with a 'blocks' list")
        blocks_in = data.get("blocks")
        if not isinstance(blocks_in, list):
            raise ReceiptFormatError("'blocks' must be a list")
        blocks = []
        for i, raw in enumerate(blocks_in):
            if not isinstance(raw, dict) or raw.get("kind") not in BLOCK_TYPES:
                raise ReceiptFormatError(f"block {i}: 'kind' must be one of {', '.join(BLOCK_TYPES)}")
            args = {k: v for k, v in raw.items() if k != "kind"}
            try:
                if raw["kind"] == "text":
                    style = args.pop("style", {})
                    if not isinstance(style, dict):
                        raise ReceiptFormatError(f"block {i}: 'style' must be an object")
                    block = Text(str(args.pop("text")), Style(**style))
                    if args:
                        raise TypeError(f"unexpected {', '.join(args)}")
                else:
                    block = BLOCK_TYPES[raw["kind"]](**args)
            except (TypeError, ValueError, KeyError) as exc:
                raise ReceiptFormatError(f"block {i} ({raw['kind']}): {exc}") from None
            blocks.append(block)
        columns = data.get("columns", 48)
        return cls(tuple(blocks), columns=columns, reprint_label=str(data.get("reprint_label", "REPRINT")),
                   title=str(data.get("title", "")))


def _check_block(i: int, b: Block) -> None:
    def whole(name: str, lo: int, hi: int) -> None:
        v = getattr(b, name)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ReceiptFormatError(f"block {i} ({b.kind}): {name} must be {lo}..{hi}, found {v!r}")
    if isinstance(b, Text):
        if not isinstance(b.text, str) or not isinstance(b.style, Style):
            raise ReceiptFormatError(f"block {i} (text): text must be text with a Style")
    elif isinstance(b, Feed):
        whole("lines", 0, 20)
    elif isinstance(b, QrCode):
        whole("module", 1, 16)
        if not isinstance(b.payload, str) or not b.payload or len(b.payload.encode()) > 2000:
            raise ReceiptFormatError(f"block {i} (qr): payload must be 1..2000 bytes of text")
    elif isinstance(b, Barcode):
        whole("height", 1, 255)
        if not isinstance(b.data, str) or not b.data or not b.data.isascii() or len(b.data) > 40:
            raise ReceiptFormatError(f"block {i} (barcode): data must be 1..40 ASCII characters")
    elif isinstance(b, Rule):
        if not isinstance(b.char, str) or len(b.char) != 1:
            raise ReceiptFormatError(f"block {i} (rule): char must be one character")
    elif isinstance(b, Logo):
        if not isinstance(b.path, str) or not b.path:
            raise ReceiptFormatError(f"block {i} (logo): path must be a file path")
