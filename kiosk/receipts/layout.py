"""Laying words out on a fixed number of columns (32 on 58 mm paper, 42 or 48 on 80 mm)."""
from __future__ import annotations

import textwrap

from kiosk.receipts.model import Align, Block, Style, Text

BOLD = Style(bold=True)
CENTER = Style(align=Align.CENTER)
RIGHT = Style(align=Align.RIGHT)


def wrap(text: str, width: int) -> list[str]:
    """Wrapped lines; words longer than a line (URLs, codes) are split rather than lost off the edge."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines += textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False) or [""]
    return lines


def paragraph(text: str, columns: int, style: Style = Style()) -> list[Block]:
    width = max(1, columns // style.width)
    return [Text(line, style) for line in wrap(text, width)]


def label_value(label: str, value: str, columns: int, *, bold: bool = False) -> list[Block]:
    """``label ....... value`` on one line when it fits, else the label, then the value right-aligned."""
    style = Style(bold=bold)
    if len(label) + 2 + len(value) <= columns:
        return [Text(label + " " * (columns - len(label) - len(value)) + value, style)]
    return [Text(line) for line in wrap(label + ":", columns)] + \
        [Text(line, Style(bold=bold, align=Align.RIGHT)) for line in wrap(value, columns)]


def wrap_url(url: str, width: int) -> list[str]:
    """A URL broken after '/' where possible, so each printed line can be typed back without guessing."""
    lines, current = [], ""
    for part in url.replace("/", "/\0").split("\0"):
        while len(part) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(part[:width])
            part = part[width:]
        if len(current) + len(part) > width:
            lines.append(current)
            current = ""
        current += part
    if current:
        lines.append(current)
    return lines
