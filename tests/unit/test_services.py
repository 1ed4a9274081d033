"""The shipped catalog is complete and a wrong catalog is refused with a message naming the service."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.field_validators import validate
from kiosk.services import CatalogError, load_catalog, parse_catalog

TODAY = dt.date(2026, 11, 25)


def test_catalog_has_every_programme_service_in_both_languages():
    ids = {s.id for s in load_catalog()}
    for expected in ("anpr.residenza", "anpr.stato_famiglia", "anpr.nascita", "inps.obism", "inps.cu",
                     "giustizia.casellario", "passaporto.rilascio", "passaporto.rinnovo", "cie.richiesta",
                     "ade.codice_fiscale_neonato", "pagopa.avviso", "spazi.prenotazione"):
        assert expected in ids
    for s in load_catalog():
        assert s.name("it") and s.name("en")
        assert not s.photo or "camera" in s.devices


@pytest.mark.parametrize("raw, fragment", [
    ({"service": [{"id": "x", "name": {"it": "X"}}]}, "missing the text for en"),
    ({"service": [{"id": "x", "name": {"it": "X", "en": "X"}, "fee_cents": -1}]}, "fee_cents"),
    ({"service": [{"id": "x", "name": {"it": "X", "en": "X"}, "photo": True}]}, "camera"),
    ({"service": [{"id": "x", "name": {"it": "X", "en": "X"},
                   "field": [{"name": "a", "kind": "text", "label": {"it": "a", "en": "a"},
                              "validators": ["psychic"]}]}]}, "unknown validator"),
    ({"service": []}, "no [[service]]"),
])
def test_bad_catalog_is_refused_clearly(raw, fragment):
    for s in raw["service"]:
        s.setdefault("description", {"it": "d", "en": "d"})
    with pytest.raises(CatalogError, match=fragment.replace("[", r"\[")):
        parse_catalog(raw)


@pytest.mark.parametrize("value, rules, ok", [
    ("", ("required",), False),
    ("", ("past_date",), True),
    ("25/11/2026", ("required", "past_date"), True),
    ("26/11/2026", ("past_date",), False),
    ("31/02/2020", ("past_date",), False),
    ("2027", ("year_range:2015-2026",), False),
    ("2020", ("year_range:2015-2026",), True),
    ("301000000000000091", ("notice_code",), False),
    ("12345678901", ("tax_code_11",), True),
    ("1234567890A", ("tax_code_11",), False),
])
def test_field_validators(value, rules, ok):
    assert (validate(value, rules, TODAY) is None) is ok
