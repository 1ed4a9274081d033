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
    kiosk.wait_for(lambda s: kiosk.widget("keyboard_error")["text"], "the error message")
    text = kiosk.widget("keyboard_error")["text"]
    assert text and "RSSMRA" not in text
    kiosk.screenshot("typed-code-error")
    kiosk.tap("key_backspace")
    kiosk.tap("key_U")
    kiosk.tap("keyboard_ok")
    kiosk.wait_for_screen("review")
    assert "RSSMRA*********U" in kiosk.widget("summary")["text"]


def identify_with_card(kiosk):
    kiosk.wait_for_screen("identify")
    kiosk.wait_for(lambda s: s["devices"]["card_reader"]["state"] == "online", "card reader online")
    kiosk.tap("sim_insert_button")
    kiosk.wait_for(lambda s: "Mario Rossi" in kiosk.widget("card_status")["text"], "the greeting")
    kiosk.tap("sim_take_button")


def test_backend_down_the_request_is_recorded_and_sent_later(kiosk):
    kiosk.wait_for(lambda s: s["backend_ready"], "the outbox and sender")
    kiosk.ask(cmd="sim", device="backend", method="set_faults", kwargs={"unavailable_retry_after": 1})
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    wait_enabled(kiosk, "service_anpr_nascita")
    kiosk.tap("service_anpr_nascita")
    identify_with_card(kiosk)
    kiosk.wait_for_screen("review")
    kiosk.tap("confirm_button")
    kiosk.wait_for_screen("receipt", timeout=60)
    assert "salvata" in kiosk.widget("heading")["text"]
    reference = kiosk.widget("reference")["text"]
    kiosk.screenshot("recorded-offline")
    assert kiosk.ask(cmd="outbox")["pending"] == 1
    kiosk.ask(cmd="sim", device="backend", method="set_faults", kwargs={"unavailable_retry_after": None})
    kiosk.wait_for(lambda s: kiosk.ask(cmd="outbox")["delivered"] == 1, "the delivery after the outage", 60)
    assert reference


def test_paper_out_greys_out_services_with_the_reason(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    wait_enabled(kiosk, "service_anpr_nascita")
    kiosk.ask(cmd="sim", device="printer", method="set_faults", kwargs={"paper_out": True})
    kiosk.wait_for(lambda s: kiosk.widget("service_anpr_nascita")["disabled"], "the service greyed out", 30)
    assert "carta" in kiosk.widget("service_anpr_nascita")["text"]
    kiosk.screenshot("paper-out")
    kiosk.ask(cmd="sim", device="printer", method="refill")
    wait_enabled(kiosk, "service_anpr_nascita")


def test_passport_renewal_with_the_photo_taken_at_the_kiosk(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    wait_enabled(kiosk, "service_passaporto_rinnovo")
    kiosk.tap("service_passaporto_rinnovo")
    identify_with_card(kiosk)
    kiosk.wait_for_screen("fields")
    kiosk.tap("edit_old_passport")
    for ch in "YA1234567":
        kiosk.tap(f"key_{ch}")
    kiosk.tap("keyboard_ok")
    kiosk.tap("continue_button")
    kiosk.wait_for_screen("photo")
    kiosk.wait_for(lambda s: kiosk.widget("use_button")["opacity"] > 0 and not kiosk.widget("use_button")["disabled"],
                   "the captured photo to confirm", 60)
    kiosk.screenshot("photo-captured")
    kiosk.tap("use_button")
    kiosk.wait_for_screen("review")
    assert "YA1234567" in kiosk.widget("summary")["text"] and "116,00 €" in kiosk.widget("summary")["text"]
    assert kiosk.widget("photo")["opacity"] == 1
    kiosk.screenshot("photo-review")
    kiosk.tap("confirm_button")
    kiosk.wait_for_screen("receipt", timeout=60)
    assert "accettata" in kiosk.widget("heading")["text"]
    kiosk.screenshot("passport-receipt")
