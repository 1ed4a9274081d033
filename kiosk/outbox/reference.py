"""Kiosk-local reference numbers printed on the receipt, e.g. ``00123-261125-0042-K``: kiosk number, date
(DDMMYY), sequence of the day, and a check letter so a clerk reading it over the phone catches a typo.

The check letter is a weighted sum mod 23 (weights 1, 2, 3, … are distinct and non-zero mod 23, and 23 is prime),
which detects every single wrong digit and every swap of two neighbouring digits."""
from __future__ import annotations

import datetime as _dt
import re

CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"   # 23 letters: no I, O or Z (read as 1, 0, 2)
_FORMAT = re.compile(r"(\d{5})-(\d{6})-(\d{4,6})-([A-Z])\Z")


def kiosk_number(kiosk_id: str) -> str:
    """'PT-00123' → '00123' (the digits of the operator's kiosk id, five wide)."""
    digits = "".join(ch for ch in kiosk_id if ch.isdigit())
    if not digits:
        raise ValueError(f"kiosk id {kiosk_id!r} contains no digits")
    return digits[-5:].rjust(5, "0")


def check_letter(digits: str) -> str:
    total = sum(i * int(d) for i, d in enumerate(digits, 1))
    return CHECK_LETTERS[total % 23]


def make_reference(kiosk_id: str, day: _dt.date, sequence: int) -> str:
    if sequence < 1 or sequence >= 1_000_000:
        raise ValueError(f"sequence of the day out of range: {sequence}")
    body = f"{kiosk_number(kiosk_id)}-{day:%d%m%y}-{sequence:04d}"
    return f"{body}-{check_letter(body.replace('-', ''))}"


def is_valid_reference(ref: str) -> bool:
    """True when ``ref`` has the right shape and its check letter matches (for a clerk's look-up screen)."""
    m = _FORMAT.match(ref.strip().upper()) if isinstance(ref, str) else None
    if not m:
        return False
    return check_letter("".join(m.groups()[:3])) == m.group(4)
