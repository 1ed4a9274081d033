"""A whole visit in the real window with every device and the backend simulated: real touches only."""
from __future__ import annotations

import shutil

import pytest

from tests.ui.harness import ARTIFACTS

pytestmark = pytest.mark.ui


def wait_enabled(kiosk, wid: str, timeout: float = 30):
    return kiosk.wait_for(lambda s: not kiosk.widget(wid)["disabled"], f"{wid} enabled", timeout)


def test_certificate_visit_with_health_card_prints_the_receipt(kiosk, tmp_path):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    wait_enabled(kiosk, "service_inps_cu")
    kiosk.tap("service_inps_cu")
    kiosk.wait_for_screen("identify")
    kiosk.wait_for(lambda s: s["devices"]["card_reader"]["state"] == "online", "card reader online")
    kiosk.tap("sim_insert_button")
    kiosk.wait_for(lambda s: "Mario Rossi" in kiosk.widget("card_status")["text"], "the greeting")
    kiosk.screenshot("identified")
    kiosk.tap("sim_take_button")
    kiosk.wait_for_screen("fields")
    kiosk.tap("continue_button")                      # nothing chosen yet: the field says so
    kiosk.wait_for(lambda s: any("Compila" in t for t in kiosk.texts()), "the field error")
    kiosk.tap("edit_year")
    for key in "2025":
        kiosk.tap(f"key_{key}")
    kiosk.tap("keyboard_ok")
    kiosk.wait_for(lambda s: kiosk.widget("edit_year")["text"] == "2025", "the typed year")
    kiosk.screenshot("fields")
    kiosk.tap("continue_button")
    kiosk.wait_for_screen("review")
    summary = kiosk.widget("summary")["text"]
    assert "Mario Rossi" in summary and "2025" in summary and "Gratuito" in summary
    kiosk.screenshot("review")
    kiosk.tap("confirm_button")
    state = kiosk.wait_for_screen("receipt", timeout=60)
    reference = kiosk.widget("reference")["text"]
    assert reference and "rilasciato" in kiosk.widget("heading")["text"]
    assert "Prendi la ricevuta" in kiosk.widget("details")["text"]
    kiosk.screenshot("receipt")
    paper = sorted((tmp_path / "data" / "simulators" / "paper").glob("*.png"))
    assert paper, "the virtual printer rendered no receipt"
    shutil.copy(paper[-1], ARTIFACTS / f"{kiosk.name}-paper.png")
    kiosk.tap("finish_button")
    state = kiosk.wait_for_screen("attract")
    assert state["session_empty"] and state["end_reason"] == "completed"


def test_typed_codice_fiscale_with_a_wrong_check_character_is_explained(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    wait_enabled(kiosk, "service_anpr_nascita")
    kiosk.tap("service_anpr_nascita")
    kiosk.wait_for_screen("identify")
    kiosk.tap("type_code_button")
    for ch in "RSSMRA80A01H501A":
        kiosk.tap(f"key_{ch}")
    kiosk.tap("keyboard_ok")
    error = kiosk.wait_for(lambda s: kiosk.widget("keyboard_error")["text"], "the error message")
    text = kiosk.widget("keyboard_error")["text"]
    assert text and "RSSMRA" not in text
    kiosk.screenshot("typed-code-error")
    kiosk.tap("key_backspace")
    kiosk.tap("key_U")
    kiosk.tap("keyboard_ok")
    kiosk.wait_for_screen("review")
    assert "RSSMRA*********U" in kiosk.widget("summary")["text"]
