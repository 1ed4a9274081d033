"""The Italian health card (TS-CNS) chip: the APDUs that reach EF_DatiPersonali and the parser of its content.

The parser checks only the layout (lengths, ASCII, field count) and returns the fields as the card holds them;
what they mean (a valid codice fiscale, an expired card) is judged by kiosk.identity, which the driver layer
must not import.
"""
from __future__ import annotations

from dataclasses import dataclass

#: 3F00 (MF) / 1100 (DF) / 1102 (EF_DatiPersonali), selected one level at a time by file identifier
PATH = (b"\x3f\x00", b"\x11\x00", b"\x11\x02")
FIELD_NAMES = ("issuer", "issue_date", "expiry_date", "surname", "given_name", "birth_date", "sex",
               "height", "codice_fiscale", "citizenship")
#: bytes asked per READ BINARY (short APDU, Le = 0xFF)
CHUNK = 0xFF
SW_OK = b"\x90\x00"
SW_END_OF_FILE = b"\x62\x82"


def select_apdu(fid: bytes) -> bytes:
    return b"\x00\xa4\x00\x00\x02" + fid


def read_binary_apdu(offset: int, length: int = CHUNK) -> bytes:
    if not 0 <= offset <= 0x7FFF:
        raise ValueError(f"READ BINARY offset {offset} out of range")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF])


class CardLayoutError(ValueError):
    """EF_DatiPersonali is not laid out as a health card's (truncated, not ASCII, bad lengths)."""


@dataclass(frozen=True)
class CardData:
    """EF_DatiPersonali as stored: text fields, dates as ddmmyyyy, empty string for an empty field."""
    issuer: str
    issue_date: str
    expiry_date: str
    surname: str
    given_name: str
    birth_date: str
    sex: str
    height: str
    codice_fiscale: str
    citizenship: str
    atr: bytes = b""

    def __repr__(self) -> str:  # never put a name or a code in a log line by accident
        return f"CardData(issuer={self.issuer!r}, fields=<hidden>)"

    __str__ = __repr__


def declared_length(head: bytes) -> int:
    """Total bytes of EF_DatiPersonali (6-character header included), from its first six characters."""
    try:
        text = head[:6].decode("ascii")
        if len(text) != 6:
            raise ValueError
        return 6 + int(text, 16)
    except ValueError:
        raise CardLayoutError("the first six characters are not a hexadecimal length") from None


def parse_personal_data(raw: bytes, atr: bytes = b"") -> CardData:
    """Parse the file; raise CardLayoutError saying what is wrong."""
    total = declared_length(raw)
    if len(raw) < total:
        raise CardLayoutError(f"file shorter ({len(raw)} bytes) than its declared length ({total})")
    try:
        text = raw[6:total].decode("ascii")
    except UnicodeDecodeError:
        raise CardLayoutError("the personal data are not ASCII text") from None
    fields: list[str] = []
    pos = 0
    while pos < len(text) and len(fields) < len(FIELD_NAMES):
        size_text = text[pos:pos + 2]
        try:
            size = int(size_text, 16)
            if len(size_text) != 2:
                raise ValueError
        except ValueError:
            raise CardLayoutError(f"field {len(fields) + 1}: length {size_text!r} is not hexadecimal") from None
        value = text[pos + 2:pos + 2 + size]
        if len(value) != size:
            raise CardLayoutError(f"field {len(fields) + 1} runs past the end of the file")
        if not value.isprintable():
            raise CardLayoutError(f"field {len(fields) + 1} has control characters")
        fields.append(value.strip())
        pos += 2 + size
    if len(fields) < FIELD_NAMES.index("codice_fiscale") + 1:
        raise CardLayoutError(f"only {len(fields)} fields; a health card has at least 9")
    fields += [""] * (len(FIELD_NAMES) - len(fields))
    return CardData(*fields, atr=atr)
