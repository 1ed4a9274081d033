"""Validation of what a citizen types, one function per rule named in the service catalog.

Each returns None when the value is fine, else a short translatable sentence saying what to change.
"""
from __future__ import annotations

import datetime as _dt
from typing import Callable

from kiosk import pagopa
from kiosk.i18n import N_


def parse_date(text: str) -> _dt.date | None:
    """DD/MM/YYYY (also with - or .), the way Italians write dates."""
    for sep in ("/", "-", "."):
        parts = text.strip().split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                return _dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None


def _required(value: str, arg: str, today: _dt.date) -> str | None:
    return N_("Please fill in this field.") if not value.strip() else None


def _past_date(value: str, arg: str, today: _dt.date) -> str | None:
    d = parse_date(value)
    if d is None:
        return N_("Write the date as day/month/year, for example 25/11/2026.")
    return N_("The date cannot be in the future.") if d > today else None


def _future_date(value: str, arg: str, today: _dt.date) -> str | None:
    d = parse_date(value)
    if d is None:
        return N_("Write the date as day/month/year, for example 25/11/2026.")
    return N_("Choose today or a later day.") if d < today else None


def _max_len(value: str, arg: str, today: _dt.date) -> str | None:
    return N_("This is too long.") if len(value) > int(arg) else None


def _number_range(value: str, arg: str, today: _dt.date) -> str | None:
    lo, hi = (int(x) for x in arg.split("-"))
    v = value.strip()
    return None if v.isdigit() and lo <= int(v) <= hi else N_("Please enter a number in the allowed range.")


_year_range = _number_range


def _tax_code_11(value: str, arg: str, today: _dt.date) -> str | None:
    try:
        pagopa.validate_payee_tax_code(value.strip())
    except pagopa.PagoPAError:
        return N_("The payee tax code has 11 digits.")
    return None


def _notice_code(value: str, arg: str, today: _dt.date) -> str | None:
    compact = value.replace(" ", "")
    if len(compact) != 18 or not compact.isdigit():
        return N_("The notice code has 18 digits.")
    try:
        pagopa.validate_notice_code(compact)
    except pagopa.PagoPAError:
        return N_("This notice code is not valid: please check it.")
    return None


KNOWN_VALIDATORS: dict[str, Callable[[str, str, _dt.date], str | None]] = {
    "required": _required, "past_date": _past_date, "future_date": _future_date, "max_len": _max_len,
    "number_range": _number_range, "year_range": _year_range, "tax_code_11": _tax_code_11,
    "notice_code": _notice_code,
}


def validate(value: str, validators: tuple[str, ...], today: _dt.date) -> str | None:
    """First problem found, or None. An empty optional field is fine."""
    if not value.strip() and "required" not in validators:
        return None
    for rule in validators:
        name, _, arg = rule.partition(":")
        problem = KNOWN_VALIDATORS[name](value, arg, today)
        if problem:
            return problem
    return None
