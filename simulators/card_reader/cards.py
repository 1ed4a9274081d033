"""The virtual cards the simulator can take: health cards with given data, and cards that are not.

The EF_DatiPersonali bytes are built here independently of the driver's parser, following the card's layout:
six hex characters of length, then fields each prefixed by two hex characters of length.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Chip(str, enum.Enum):
    HEALTH = "health"      # TS-CNS with EF_DatiPersonali
    NONE = "none"          # no chip: no answer to reset
    MUTE = "mute"          # answers reset, then never answers an APDU
    BANK = "bank"          # a working chip without the health-card files
    GARBLED = "garbled"    # the file exists but its content is not the health-card layout


#: a real health card's ATR shape (T=1); only its presence matters to the driver
HEALTH_ATR = bytes.fromhex("3bff1800ff8131fe55006b02090403010101434e5310318064")
BANK_ATR = bytes.fromhex("3b6800000073c84013009000")


@dataclass(frozen=True)
class VirtualCard:
    name: str
    chip: Chip
    fields: tuple[str, ...] = ()
    description: str = ""
    atr: bytes = HEALTH_ATR
    extra_files: dict = field(default_factory=dict)

    def personal_data(self) -> bytes:
        """EF_DatiPersonali content."""
        if self.chip is Chip.GARBLED:
            return b"00003A\xff\xfe garbage that is not the health-card layout \x00\x01"
        body = "".join(f"{len(v):02X}{v}" for v in self.fields)
        return (f"{len(body):06X}" + body).encode("ascii")


def _health(name: str, issue: str, expiry: str, surname: str, given: str, born: str, sex: str, height: str,
            cf: str, description: str) -> VirtualCard:
    return VirtualCard(name, Chip.HEALTH, ("80380", issue, expiry, surname, given, born, sex, height, cf, "ITA"),
                       description)


CARDS: dict[str, VirtualCard] = {c.name: c for c in (
    _health("mario_rossi", "01012025", "31122030", "ROSSI", "MARIO", "10121985", "M", "178",
            "RSSMRA85T10A562S", "valid health card, man born 1985 in San Giuliano Terme"),
    _health("anna_bianchi", "15062024", "14062030", "BIANCHI", "ANNA", "22031950", "F", "",
            "BNCNNA50C62F205Z", "valid health card, woman born 1950 in Milan"),
    _health("luca_verdi", "01032023", "28022029", "VERDI", "LUCA", "07051972", "M", "181",
            "VRDLCU72E07H50MX", "valid health card with an omocodia code (Rome)"),
    _health("giuseppe_esposito", "01012017", "31122022", "ESPOSITO", "GIUSEPPE", "01011960", "M", "170",
            "SPSGPP60A01F839X", "health card that expired in 2022"),
    _health("mismatch", "01012025", "31122030", "ROSSI", "MARIO", "11121985", "M", "178",
            "RSSMRA85T10A562S", "health card whose birth date disagrees with its codice fiscale"),
    VirtualCard("no_chip", Chip.NONE, description="plastic card without a chip"),
    VirtualCard("mute_chip", Chip.MUTE, description="chip answers reset, then is silent"),
    VirtualCard("bank_card", Chip.BANK, atr=BANK_ATR, description="EMV bank card"),
    VirtualCard("garbled", Chip.GARBLED, description="health-card files with unreadable content"),
)}
