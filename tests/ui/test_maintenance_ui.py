"""The technician's way in: corner gesture, PIN with lockout, an audited action, and out of service."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.ui


def corner_gesture(kiosk):
    width = kiosk.state()["window"][0]
    for x in (20, width - 20, 20):
        kiosk.tap_at(x, 20)


def type_pin(kiosk, pin):
    for d in pin:
        kiosk.tap(f"key_{d}")
    kiosk.tap("keyboard_ok")


def test_gesture_and_pin_open_maintenance_and_actions_are_audited(kiosk, tmp_path):
    kiosk.wait_for_screen("attract")
    kiosk.tap_at(20, 20)                              # a single corner touch neither starts a visit...
    assert kiosk.state()["screen"] == "attract"
    corner_gesture(kiosk)                             # ...the gesture asks for the PIN
    kiosk.wait_for(lambda s: kiosk.widget("keyboard_title")["text"] == "PIN del tecnico", "the PIN pad")
    type_pin(kiosk, "9999")
    kiosk.wait_for(lambda s: "4 tentativi" in kiosk.widget("keyboard_error")["text"], "wrong-PIN message")
    assert kiosk.widget("keyboard_value")["text"] == "|"          # digits never shown, cleared after a miss
    type_pin(kiosk, "1234")                           # simulation-mode PIN
    kiosk.wait_for_screen("maintenance")
    kiosk.wait_for(lambda s: "[b]printer[/b]: online" in kiosk.widget("status")["text"], "device status")
    kiosk.screenshot("maintenance")
    kiosk.tap("service_button")                       # take out of service
    kiosk.tap("close_button")
    kiosk.wait_for_screen("attract")
    kiosk.wait_for(lambda s: "fuori servizio" in kiosk.widget("start_button")["text"], "out-of-service notice")
    kiosk.tap("start_button")
    assert kiosk.state()["screen"] == "attract"
    kiosk.screenshot("out-of-service")
    audit = [json.loads(l) for l in (tmp_path / "data" / "audit.log").read_text().splitlines()]
    assert [a["action"] for a in audit] == ["gesture", "login", "gesture", "login", "toggle_service", "close"] \
        or [a["action"] for a in audit][-4:] == ["login", "login", "toggle_service", "close"]
    assert not any("1234" in json.dumps(a) or "9999" in json.dumps(a) for a in audit)
