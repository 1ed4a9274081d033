"""Who the citizen is: codice fiscale rules, the Identity a visit carries, and the health-card identification flow.

The codice fiscale is checked the same way whether it comes from the card or from the on-screen keyboard; a
typed code is marked as not verified by a card. Every refusal carries a short English message marked with N_,
translated where it is shown, and a stable ``code`` for logs. Logs only ever see ``mask_codice_fiscale``.
"""
from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass
from typing import Callable, Literal

from drivers.card_reader import CardData, InvalidCard
from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import DeviceError, DeviceEvent, EventKind
from kiosk import privacy
from kiosk.i18n import N_, translate

log = logging.getLogger("kiosk.identity")

MONTHS = "ABCDEHLMPRST"
OMOCODIA = "LMNPQRSTUV"                       # replaces 0..9
OMOCODIA_POSITIONS = (6, 7, 9, 10, 12, 13, 14)  # 0-based: characters 7, 8, 10, 11, 13, 14, 15
_ODD = dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21)))
_ODD.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)))
_EVEN = {**{d: int(d) for d in "0123456789"}, **{c: ord(c) - 65 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}
_PLACE_FIRST = "ABCDEFGHILMZ"
MIN_AGE = 10

#: every reason a code or a card is refused, with what the citizen reads
MESSAGES: dict[str, str] = {
    "empty": N_("Please type your tax code (codice fiscale)."),
    "length": N_("A tax code has 16 characters."),
    "characters": N_("A tax code contains only letters and digits."),
    "name_letters": N_("The first six characters must be letters."),
    "year": N_("Characters 7 and 8 (year of birth) are not valid."),
    "month": N_("The month letter (character 9) is not valid."),
    "day": N_("The day of birth (characters 10 and 11) is not valid."),
    "place": N_("The place-of-birth code (characters 12 to 15) is not valid."),
    "check": N_("The last character does not match: please check the code."),
    "no_chip": N_("This card has no chip, or its chip does not answer. Please insert your health card."),
    "chip_error": N_("The chip on this card cannot be read. Please try again or type your tax code."),
    "not_health_card": N_("This is not a health card (Tessera Sanitaria). Please insert your health card."),
    "unknown_layout": N_("The data on this card cannot be read. Please type your tax code instead."),
    "expired": N_("This health card has expired. Please use a valid card or type your tax code."),
    "bad_codice_fiscale": N_("The tax code on this card is not valid. Please type your tax code instead."),
    "inconsistent": N_("The data on this card do not match its tax code. Please type your tax code instead."),
    "reader_error": N_("The card reader is not working. Please type your tax code instead."),
}


class IdentityError(ValueError):
    """A refused code or card. ``message`` is the English source (N_-marked); ``code`` is for logs."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.message = MESSAGES[code]
        self.detail = detail
        super().__init__(self.message)

    def translated(self, lang: str) -> str:
        return translate(self.message, lang)


class CodiceFiscaleError(IdentityError):
    """The codice fiscale itself is wrong (length, characters, date, place, check character)."""


@dataclass(frozen=True)
class DecodedCodiceFiscale:
    code: str           # upper case, as given (omocodia letters kept)
    birth_date: dt.date
    sex: Literal["M", "F"]
    place_code: str     # Belfiore code, digits restored
    omocodia: bool


def normalise(text: str) -> str:
    return "".join(text.split()).upper()


def check_character(first15: str) -> str:
    """The 16th character for the first 15 (positions counted from 1: odd ones use the odd table)."""
    total = sum(_ODD[c] if i % 2 == 0 else _EVEN[c] for i, c in enumerate(first15))
    return chr(65 + total % 26)


def _digits(text: str) -> str:
    """Undo omocodia: L..V back to 0..9."""
    return "".join(str(OMOCODIA.index(c)) if c in OMOCODIA else c for c in text)


def decode_codice_fiscale(text: str, today: dt.date | None = None) -> DecodedCodiceFiscale:
    """Validate and decode; raise CodiceFiscaleError naming the first thing that is wrong."""
    code = normalise(text)
    today = today or dt.date.today()
    if not code:
        raise CodiceFiscaleError("empty")
    if not code.isascii() or not code.isalnum():
        raise CodiceFiscaleError("characters")
    if len(code) != 16:
        raise CodiceFiscaleError("length", f"{len(code)} characters")
    if not code[:6].isalpha():
        raise CodiceFiscaleError("name_letters")
    for pos in OMOCODIA_POSITIONS:
        c = code[pos]
        if not (c.isdigit() or c in OMOCODIA):
            field = "year" if pos < 8 else "day" if pos < 11 else "place"
            raise CodiceFiscaleError(field, f"character {pos + 1} is {c!r}")
    if code[8] not in MONTHS:
        raise CodiceFiscaleError("month")
    if code[11] not in _PLACE_FIRST:
        raise CodiceFiscaleError("place")
    if not code[15].isalpha() or check_character(code[:15]) != code[15]:
        raise CodiceFiscaleError("check")
    yy, day = int(_digits(code[6:8])), int(_digits(code[9:11]))
    sex: Literal["M", "F"] = "F" if day > 40 else "M"
    day -= 40 if day > 40 else 0
    # the code has no century; somebody using a totem on their own is taken to be at least MIN_AGE years old
    year = 2000 + yy if 2000 + yy <= today.year - MIN_AGE else 1900 + yy
    try:
        birth = dt.date(year, MONTHS.index(code[8]) + 1, day)
    except ValueError:
        raise CodiceFiscaleError("day") from None
    if birth > today:
        raise CodiceFiscaleError("year")
    omocodia = any(code[p] in OMOCODIA for p in OMOCODIA_POSITIONS)
    return DecodedCodiceFiscale(code, birth, sex, code[11] + _digits(code[12:15]), omocodia)


def mask_codice_fiscale(code: str) -> str:
    """One code in the log form of kiosk.privacy (RSSMRA*********U); anything that is not a whole code is
    all stars, so a half-typed code never reaches a log either."""
    code = normalise(code)
    masked = privacy.mask_codice_fiscale(code)
    return masked if masked != code else "*" * len(code)


def _consonants_vowels(name: str) -> tuple[str, str]:
    letters = [c for c in normalise(name) if "A" <= c <= "Z"]
    return "".join(c for c in letters if c not in "AEIOU"), "".join(c for c in letters if c in "AEIOU")


def surname_code(surname: str) -> str:
    cons, vow = _consonants_vowels(surname)
    return (cons + vow + "XXX")[:3]


def given_name_code(given_name: str) -> str:
    cons, vow = _consonants_vowels(given_name)
    if len(cons) >= 4:
        return cons[0] + cons[2] + cons[3]
    return (cons + vow + "XXX")[:3]


@dataclass(frozen=True)
class Identity:
    """The citizen for one visit. ``identified_by`` says whether a card vouched for the code."""
    surname: str
    given_name: str
    birth_date: dt.date
    sex: Literal["M", "F"]
    codice_fiscale: str
    card_expiry: dt.date | None
    identified_by: Literal["health_card", "typed"]

    @property
    def verified_by_card(self) -> bool:
        return self.identified_by == "health_card"

    @property
    def masked(self) -> str:
        return mask_codice_fiscale(self.codice_fiscale)

    def __repr__(self) -> str:  # a stray log of the object must not leak the person
        return f"Identity({self.masked}, identified_by={self.identified_by})"

    __str__ = __repr__


def identity_from_typed(text: str, today: dt.date | None = None) -> Identity:
    """A code typed on the keyboard: checked and decoded, not verified by a card."""
    decoded = decode_codice_fiscale(text, today)
    return Identity("", "", decoded.birth_date, decoded.sex, decoded.code, None, "typed")


def _card_date(text: str) -> dt.date:
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError
        return dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise IdentityError("unknown_layout", f"date {len(text)} characters, not ddmmyyyy") from None


def identity_from_card(data: CardData, today: dt.date | None = None) -> Identity:
    """Check the card's fields against each other and the date; raise IdentityError with the reason."""
    today = today or dt.date.today()
    expiry = _card_date(data.expiry_date)
    birth = _card_date(data.birth_date)
    try:
        decoded = decode_codice_fiscale(data.codice_fiscale, today)
    except CodiceFiscaleError as exc:
        raise IdentityError("bad_codice_fiscale", exc.code) from None
    if expiry < today:
        raise IdentityError("expired", f"expired {expiry.isoformat()}")
    mismatches = []
    if (decoded.birth_date.year % 100, decoded.birth_date.month, decoded.birth_date.day) != \
            (birth.year % 100, birth.month, birth.day):
        mismatches.append("birth date")
    if data.sex.upper() != decoded.sex:
        mismatches.append("sex")
    if surname_code(data.surname) != decoded.code[:3] or given_name_code(data.given_name) != decoded.code[3:6]:
        mismatches.append("name")
    if mismatches:
        raise IdentityError("inconsistent", ", ".join(mismatches))
    return Identity(data.surname, data.given_name, birth, decoded.sex, decoded.code, expiry, "health_card")


# --- the flow a screen drives -------------------------------------------------------------------------
class CardStep(str, enum.Enum):
    INSERTED = "inserted"          # show "reading your card…"
    IDENTIFIED = "identified"      # outcome.identity is set
    INVALID = "invalid"            # outcome.message says why (N_-marked); the card is being ejected
    REMOVED = "removed"            # the citizen took the card
    RETAINED = "retained"          # a forgotten card went to the retain bin
    READER_ERROR = "reader_error"  # offer the keyboard instead


@dataclass(frozen=True)
class CardOutcome:
    step: CardStep
    identity: Identity | None = None
    code: str = ""
    message: str = ""


class CardIdentification:
    """One visit's use of the reader: ``start()`` opens the shutter; the listener gets INSERTED, then
    IDENTIFIED or INVALID (the card is then ejected by itself), then REMOVED/RETAINED. ``finish()`` at the end of
    the visit closes the shutter and gives back a card still inside.

    The listener runs on the reader's thread: a Kivy screen hands it on with ``Clock.schedule_once``.
    """

    def __init__(self, reader, listener: Callable[[CardOutcome], None], *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.reader = reader
        self.listener = listener
        self.clock = clock
        self._unsubscribe: Callable[[], None] | None = None
        self._last: Identity | None = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.reader.subscribe(self._on_event)
        self.reader.accept_card().add_done_callback(self._check_ok)

    def finish(self) -> None:
        self.reader.end_visit().add_done_callback(self._check_ok)
        self._last = None

    def close(self) -> None:
        """Stop listening (the reader keeps running)."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def _tell(self, outcome: CardOutcome) -> None:
        try:
            self.listener(outcome)
        except Exception:
            log.exception("card identification listener failed on %s", outcome.step.value)

    def _check_ok(self, fut) -> None:
        exc = fut.exception()
        if exc is not None:
            log.warning("card reader operation failed: %s", exc)
            self._tell(CardOutcome(CardStep.READER_ERROR, code="reader_error", message=MESSAGES["reader_error"]))

    def _on_event(self, event: DeviceEvent) -> None:
        if event.kind is EventKind.MEDIA_INSERTED:
            self._tell(CardOutcome(CardStep.INSERTED))
            self.reader.read_card().add_done_callback(self._on_read)
        elif event.kind is EventKind.MEDIA_REMOVED:
            self._tell(CardOutcome(CardStep.REMOVED))
        elif event.kind is EventKind.MEDIA_RETAINED:
            who = self._last.masked if self._last else "unread card"
            log.warning("card retained (%s): %s", event.detail, who)
            self._tell(CardOutcome(CardStep.RETAINED, code="retained"))

    def _on_read(self, fut) -> None:
        exc = fut.exception()
        if exc is None:
            try:
                identity = identity_from_card(fut.result(), self.clock.now().date())
            except IdentityError as err:
                log.info("health card refused: %s (%s)", err.code, err.detail)
                self._refuse(err.code)
                return
            self._last = identity
            log.info("health card read: %s", identity.masked)
            self._tell(CardOutcome(CardStep.IDENTIFIED, identity=identity))
        elif isinstance(exc, InvalidCard):
            self._refuse(exc.reason)
        elif isinstance(exc, DeviceError):
            log.warning("card read failed: %s", exc)
            self._tell(CardOutcome(CardStep.READER_ERROR, code="reader_error", message=MESSAGES["reader_error"]))
            self.reader.eject()
        else:
            log.error("card read failed unexpectedly: %r", exc)
            self._tell(CardOutcome(CardStep.READER_ERROR, code="reader_error", message=MESSAGES["reader_error"]))

    def _refuse(self, code: str) -> None:
        self._tell(CardOutcome(CardStep.INVALID, code=code, message=MESSAGES.get(code, MESSAGES["unknown_layout"])))
        self.reader.eject()
