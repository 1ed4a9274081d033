"""EF_DatiPersonali layout parsing: good files, and bad ones refused with a reason, never a crash."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from drivers.card_reader import CardLayoutError, parse_personal_data
from simulators.card_reader import CARDS


def test_fields_come_out_in_the_card_order():
    data = parse_personal_data(CARDS["anna_bianchi"].personal_data())
    assert (data.surname, data.given_name, data.birth_date, data.sex, data.codice_fiscale, data.expiry_date) == \
        ("BIANCHI", "ANNA", "22031950", "F", "BNCNNA50C62F205Z", "14062030")
    assert data.height == ""          # an empty field has length 00
    assert "BIANCHI" not in repr(data)


@pytest.mark.parametrize("raw, words", [
    (b"00", "hexadecimal length"),
    (b"000010" + b"05ROSSI", "shorter"),
    (b"00000A" + b"05RO\xffSI03ABC", "not ASCII"),
    (b"000007" + b"0ZROSSI", "not hexadecimal"),
    (b"000007" + b"09ROSSI", "past the end"),
    (b"000007" + b"05ROSSI", "at least 9"),
])
def test_malformed_files_are_refused_with_what_is_wrong(raw, words):
    with pytest.raises(CardLayoutError, match=words):
        parse_personal_data(raw)


def test_garbled_card_content_is_refused():
    with pytest.raises(CardLayoutError):
        parse_personal_data(CARDS["garbled"].personal_data())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_content_is_parsed_or_refused_but_never_crashes(raw):
    try:
        parse_personal_data(raw)
    except CardLayoutError:
        pass_through = True
        assert pass_through
