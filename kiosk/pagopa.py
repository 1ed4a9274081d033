"""pagoPA payment notices: check a notice code before it reaches paper, and build the QR payload.

A wrong digit on a payment notice sends the citizen to pay the wrong debt (or fail at the counter), so the receipt
templates refuse an invalid notice instead of printing it. Rules (shared/specs/backend-api.md):
notice code = aux digit (0, 1 or 3) + 17 digits; for aux 3 the last two digits are the check digits:
the preceding 16 digits, as a number, mod 93. QR payload: ``PAGOPA|002|<notice>|<payee tax code>|<cents>``.
"""
from __future__ import annotations

from dataclasses import dataclass

QR_VERSION = "002"
AUX_DIGITS = ("0", "1", "3")


class PagoPAError(ValueError):
    """A payment notice field is wrong; the message names the field and what is wrong with it."""


def check_digits_aux3(first16: str) -> str:
    """The two check digits for an aux-3 notice: the 16 preceding digits mod 93."""
    return f"{int(first16) % 93:02d}"


def validate_notice_code(code: str) -> str:
    """Return the notice code without spaces, or raise PagoPAError saying what is wrong."""
    if not isinstance(code, str):
        raise PagoPAError(f"notice code must be text, found {type(code).__name__}")
    compact = code.replace(" ", "")
    if len(compact) != 18 or not compact.isascii() or not compact.isdigit():
        raise PagoPAError(f"notice code must be 18 digits, found {len(compact)} characters")
    if compact[0] not in AUX_DIGITS:
        raise PagoPAError(f"notice code must start with 0, 1 or 3 (aux digit), found {compact[0]}")
    if compact[0] == "3" and compact[16:] != check_digits_aux3(compact[:16]):
        raise PagoPAError("notice code check digits do not match (aux 3, mod 93)")
    return compact


def validate_payee_tax_code(tax_code: str) -> str:
    if not isinstance(tax_code, str) or len(tax_code) != 11 or not tax_code.isascii() or not tax_code.isdigit():
        raise PagoPAError("payee tax code must be 11 digits")
    return tax_code


def validate_amount_cents(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PagoPAError(f"amount must be a positive whole number of cents, found {amount!r}")
    if amount > 99_999_999_99:
        raise PagoPAError("amount is larger than pagoPA allows")
    return amount


@dataclass(frozen=True)
class PaymentNotice:
    """A validated payment request from the backend (``payment`` in the request reply)."""
    notice_code: str
    payee_tax_code: str
    amount_cents: int
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "notice_code", validate_notice_code(self.notice_code))
        validate_payee_tax_code(self.payee_tax_code)
        validate_amount_cents(self.amount_cents)

    @classmethod
    def from_dict(cls, data: dict) -> "PaymentNotice":
        if not isinstance(data, dict):
            raise PagoPAError(f"payment must be an object, found {type(data).__name__}")
        missing = [k for k in ("notice_code", "payee_tax_code", "amount_cents") if k not in data]
        if missing:
            raise PagoPAError(f"payment is missing {', '.join(missing)}")
        return cls(data["notice_code"], data["payee_tax_code"], data["amount_cents"],
                   str(data.get("description") or ""))

    def qr_payload(self) -> str:
        return f"PAGOPA|{QR_VERSION}|{self.notice_code}|{self.payee_tax_code}|{self.amount_cents}"

    def grouped_notice_code(self) -> str:
        """As printed on pagoPA notices: groups of four digits, easier to read aloud at a counter."""
        c = self.notice_code
        return " ".join(c[i:i + 4] for i in range(0, len(c), 4))


def format_euro(amount_cents: int) -> str:
    """Italian money format: € 1.234,50 (the same in every language, as on the official notice)."""
    euros, cents = divmod(amount_cents, 100)
    return f"€ {euros:,}".replace(",", ".") + f",{cents:02d}"
