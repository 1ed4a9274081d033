"""No personal data in logs: codice fiscale masked, the visitor's names masked, even inside tracebacks."""
from __future__ import annotations

import logging

from hypothesis import given, strategies as st

from kiosk.privacy import MaskingFilter, PersonalDataRegistry, mask_codice_fiscale


def test_codice_fiscale_is_masked_including_omocodia():
    assert mask_codice_fiscale("cf=RSSMRA80A01H501U ok") == "cf=RSSMRA*********U ok"
    assert mask_codice_fiscale("RSSMRA8LA01H50MV") == "RSSMRA*********V"
    assert mask_codice_fiscale("nothing here 12345") == "nothing here 12345"


@given(st.text(max_size=40), st.text(max_size=40))
def test_masked_text_never_contains_a_full_code(prefix, suffix):
    assert "80A01H501" not in mask_codice_fiscale(prefix + "RSSMRA80A01H501U" + suffix)


def test_filter_masks_message_args_and_traceback(caplog):
    registry = PersonalDataRegistry()
    registry.add("ROSSI", "MARIO")
    logger = logging.getLogger("kiosk.test_privacy")
    handler = logging.Handler()
    records = []
    handler.emit = records.append
    handler.addFilter(MaskingFilter(registry))
    logger.addHandler(handler)
    try:
        logger.warning("visitor %s %s with %s", "Mario", "Rossi", "RSSMRA80A01H501U")
        try:
            raise ValueError("bad card for ROSSI")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    first, second = records
    assert first.getMessage() == "visitor M*** R*** with RSSMRA*********U"
    assert "ROSSI" not in second.exc_text and "R***" in second.exc_text
    registry.clear()
    assert registry.mask("ROSSI") == "ROSSI"
