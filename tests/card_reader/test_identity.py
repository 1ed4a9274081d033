"""Codice fiscale rules against real-format codes, and identities built from card data."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from drivers.card_reader import parse_personal_data
from kiosk.i18n import translate
from kiosk.identity import (CodiceFiscaleError, IdentityError, check_character, decode_codice_fiscale,
                            identity_from_card, identity_from_typed, mask_codice_fiscale)
from simulators.card_reader import CARDS

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize("code, birth, sex, place", [
    ("RSSMRA85T10A562S", dt.date(1985, 12, 10), "M", "A562"),   # the textbook Mario Rossi
    ("MRTMTT25D09F205Z", dt.date(1925, 4, 9), "M", "F205"),     # Wikipedia's Matteo Moretti, Milan
    ("BNCNNA50C62F205Z", dt.date(1950, 3, 22), "F", "F205"),    # a woman: day + 40
    ("rssmra85t10a562s", dt.date(1985, 12, 10), "M", "A562"),   # typed in lower case
    (" RSSMRA 85T10 A562S ", dt.date(1985, 12, 10), "M", "A562"),
])
def test_valid_codes_decode_to_birth_date_sex_and_place(code, birth, sex, place):
    d = decode_codice_fiscale(code, TODAY)
    assert (d.birth_date, d.sex, d.place_code, d.omocodia) == (birth, sex, place, False)


def test_omocodia_code_is_accepted_and_decodes_to_the_same_person():
    plain = decode_codice_fiscale("VRDLCU72E07H501F", TODAY)
    omo = decode_codice_fiscale("VRDLCU72E07H50MX", TODAY)  # last place digit 1 → M, new check letter
    assert omo.omocodia and (omo.birth_date, omo.sex, omo.place_code) == \
        (plain.birth_date, plain.sex, plain.place_code)


def test_omocodia_letters_everywhere_still_decode():
    digits = "RSSMRA85T10A562"
    substituted = list(digits)
    for pos in (6, 7, 9, 10, 12, 13, 14):
        substituted[pos] = "LMNPQRSTUV"[int(digits[pos])]
    first15 = "".join(substituted)
    d = decode_codice_fiscale(first15 + check_character(first15), TODAY)
    assert d.birth_date == dt.date(1985, 12, 10) and d.place_code == "A562"


@pytest.mark.parametrize("code, reason, message_part", [
    ("RSSMRA85T10A562T", "check", "last character does not match"),
    ("RSSMRA85F10A562S", "month", "month letter"),
    ("RSSMRA85B30A562S", "day", "day of birth"),           # 30 February (check fails first? no: recomputed)
    ("RSSMRA85T10A56", "length", "16 characters"),
    ("RSSMR485T10A562S", "name_letters", "first six"),
    ("RSSMRA8XT10A562S", "year", "year of birth"),
    ("RSSMRA85T10K562S", "place", "place-of-birth"),
    ("RSSMRA85T1ÀA562S", "characters", "only letters and digits"),
    ("", "empty", "type your tax code"),
])
def test_wrong_codes_get_a_specific_message(code, reason, message_part):
    if reason in ("day", "month", "place") and len(code) == 16:
        code = code[:15] + check_character(code[:15])  # so that only the intended part is wrong
    with pytest.raises(CodiceFiscaleError) as info:
        decode_codice_fiscale(code, TODAY)
    assert info.value.code == reason
    assert message_part in str(info.value)


def test_error_messages_are_translated_to_italian():
    with pytest.raises(CodiceFiscaleError) as info:
        decode_codice_fiscale("RSSMRA85T10A562T", TODAY)
    italian = info.value.translated("it")
    assert italian != info.value.message and "carattere" in italian.lower()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_either_a_decoded_code_or_a_clear_refusal(text):
    try:
        d = decode_codice_fiscale(text, TODAY)
    except CodiceFiscaleError as exc:
        assert exc.message
    else:
        assert d.birth_date <= TODAY


def test_mask_keeps_six_letters_and_last_three():
    assert mask_codice_fiscale("RSSMRA85T10A562S") == "RSSMRA*********S"
    assert mask_codice_fiscale("short") == "*****"


def test_typed_code_is_not_verified_by_card_and_never_leaks_in_repr():
    ident = identity_from_typed("RSSMRA85T10A562S", TODAY)
    assert ident.identified_by == "typed" and not ident.verified_by_card
    assert "85T10" not in repr(ident) and "RSSMRA*********S" in repr(ident)


def card(name: str):
    return parse_personal_data(CARDS[name].personal_data())


@pytest.mark.parametrize("name, surname, given, sex, birth", [
    ("mario_rossi", "ROSSI", "MARIO", "M", dt.date(1985, 12, 10)),
    ("anna_bianchi", "BIANCHI", "ANNA", "F", dt.date(1950, 3, 22)),
    ("luca_verdi", "VERDI", "LUCA", "M", dt.date(1972, 5, 7)),
])
def test_good_health_cards_give_a_card_verified_identity(name, surname, given, sex, birth):
    ident = identity_from_card(card(name), TODAY)
    assert (ident.surname, ident.given_name, ident.sex, ident.birth_date) == (surname, given, sex, birth)
    assert ident.verified_by_card and ident.card_expiry > TODAY


@pytest.mark.parametrize("name, reason", [("giuseppe_esposito", "expired"), ("mismatch", "inconsistent")])
def test_bad_health_cards_are_refused_with_the_reason(name, reason):
    with pytest.raises(IdentityError) as info:
        identity_from_card(card(name), TODAY)
    assert info.value.code == reason
    assert translate(info.value.message, "it") != info.value.message


def test_card_with_a_broken_code_is_refused_as_bad_codice_fiscale():
    data = card("mario_rossi")
    broken = type(data)(**{**data.__dict__, "codice_fiscale": "RSSMRA85T10A562T"})
    with pytest.raises(IdentityError) as info:
        identity_from_card(broken, TODAY)
    assert info.value.code == "bad_codice_fiscale"
