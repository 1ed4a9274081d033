"""The kiosk shell in a real window: start, touch, inactivity, lockdown, languages, accessibility modes."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui


def test_starts_on_attract_and_a_touch_goes_home(kiosk):
    state = kiosk.wait_for_screen("attract")
    assert state["step"] == "attract" and state["session_empty"]
    kiosk.screenshot("attract")
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    texts = kiosk.texts()
    assert any("Certificato di residenza" in t for t in texts), texts
    assert any("Passaporto" in t for t in texts)
    kiosk.screenshot("home-it")


def test_language_switch_retranslates_home(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    assert kiosk.widget("heading")["text"] == "Di cosa hai bisogno oggi?"
    kiosk.tap("lang_en")
    kiosk.wait_for(lambda s: s["language"] == "en", "English")
    assert kiosk.widget("heading")["text"] == "What do you need today?"
    assert any("Residence certificate" in t for t in kiosk.texts())
    kiosk.screenshot("home-en")
    kiosk.tap("lang_it")
    kiosk.wait_for(lambda s: s["language"] == "it", "Italian again")
    assert kiosk.widget("heading")["text"] == "Di cosa hai bisogno oggi?"


def test_inactivity_warning_extends_then_times_out_and_wipes(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    kiosk.tap("lang_en")
    kiosk.advance(31)
    kiosk.wait_for(lambda s: s["warning_shown"], "the inactivity warning")
    kiosk.screenshot("inactivity-warning")
    kiosk.tap("extend_button")
    state = kiosk.wait_for(lambda s: not s["warning_shown"], "the warning to close")
    assert state["screen"] == "home" and state["extensions_left"] == 9 and state["language"] == "en"
    kiosk.advance(31)
    kiosk.wait_for(lambda s: s["warning_shown"], "the warning again")
    kiosk.advance(21)
    state = kiosk.wait_for_screen("attract")
    assert state["end_reason"] == "inactivity"
    assert state["session_empty"] and state["language"] == "it" and not state["warning_shown"]


def test_escape_f1_and_window_close_do_not_quit(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    kiosk.key("Escape")
    kiosk.key("F1")
    kiosk.request_close()
    # Each request reaches the app (it logs the refusal) and the app stays on the same screen.
    kiosk.wait_for(lambda s: "close request refused" in kiosk.log_text(), "the close request to arrive")
    assert "key escape ignored" in kiosk.log_text()
    state = kiosk.state()
    assert kiosk.alive() and state["screen"] == "home"


def test_large_text_and_high_contrast_modes(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    before = kiosk.widget("heading")["height"]
    kiosk.tap("text_size_button")
    kiosk.wait_for(lambda s: s["large_text"] and kiosk.widget("heading")["height"] > before * 1.2,
                   "the heading to grow by more than 20 %")
    kiosk.tap("contrast_button")
    kiosk.wait_for(lambda s: s["high_contrast"], "high contrast")
    kiosk.screenshot("home-large-high-contrast")


def test_bad_configuration_gives_one_clear_message(kiosk_factory, display, tmp_path):
    from tests.ui.harness import KioskWindow
    win = KioskWindow(display, tmp_path, "[printer]\ncolumns = \"wide\"\n", name="bad-config")
    import subprocess
    out = subprocess.run(win.cmd, env=win.env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "site.toml" in out.stderr and "[printer] columns" in out.stderr
    assert "expected whole number" in out.stderr and "'wide'" in out.stderr
    assert "Traceback" not in out.stderr


def test_unexpected_error_in_the_ui_returns_to_attract_and_keeps_running(kiosk):
    kiosk.tap("start_button")
    kiosk.wait_for_screen("home")
    kiosk.tap("lang_en")
    kiosk.ask(cmd="crash")
    state = kiosk.wait_for(lambda s: s["screen"] == "attract" and s["settled"], "the failsafe")
    assert state["end_reason"] == "error" and state["session_empty"] and kiosk.alive()
    assert "went wrong" in kiosk.widget("notice")["text"] or "qualcosa" in kiosk.widget("notice")["text"]
    assert "unhandled exception in the UI loop" in kiosk.log_text()
    kiosk.screenshot("failsafe")
    kiosk.tap("start_button")                         # and the next citizen can start
    kiosk.wait_for_screen("home")



def test_a_storm_of_random_touches_never_breaks_the_kiosk(kiosk):
    """Absurd input: 80 taps at random places (seeded) across whatever screens they lead to."""
    import random
    rng = random.Random(20261125)
    width, height = kiosk.state()["window"]
    kiosk.wait_for(lambda s: s["backend_ready"], "the devices and outbox")
    for _ in range(80):
        kiosk.tap_at(rng.randrange(5, width - 5), rng.randrange(5, height - 5))
    state = kiosk.wait_for(lambda s: s["settled"], "the screen to settle")
    step_screen = {"attract": "attract", "home": "home", "identify": "identify", "fields": "fields",
                   "photo": "photo", "review": "review", "submit": "submit", "receipt": "receipt"}
    assert kiosk.alive()
    assert state["screen"] == step_screen[state["step"]] or state["screen"] == "maintenance"
    assert "unhandled exception" not in kiosk.log_text()
    kiosk.screenshot("after-touch-storm")
