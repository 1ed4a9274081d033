"""The photo step in a real Kivy window under Xvfb: real clicks with xdotool, real screenshots of the display.
Screenshots land in test-artifacts/ui/photo-*.png."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.i18n import translate
from tests.ui.harness import ARTIFACTS, ROOT, VirtualDisplay, wait_until

pytestmark = pytest.mark.ui
_pointer: dict[str, tuple[int, int]] = {}


@pytest.fixture(scope="module")
def display():
    vd = VirtualDisplay()
    yield vd.start()
    vd.stop()


class PhotoWindow:
    def __init__(self, display: str, workdir: Path, scenario: str) -> None:
        self.display, self.workdir = display, workdir
        self.env = dict(os.environ, DISPLAY=display)
        self.log = open(workdir / "host.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.photo.ui.host", str(workdir), scenario],
                                     cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def state(self) -> dict | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"host exited {self.proc.returncode}: "
                                 f"{(self.workdir / 'host.log').read_text(errors='replace')[-3000:]}")
        path = self.workdir / "state.json"
        return json.loads(path.read_text()) if path.exists() else None

    def wait_phase(self, phase: str, timeout: float = 40) -> dict:
        return wait_until(lambda: (s := self.state()) and s["phase"] == phase and s, timeout, f"phase {phase}")

    def command(self, text: str) -> None:
        (self.workdir / "command").write_text(text)

    def click(self, wid: str) -> None:
        r = wait_until(lambda: (s := self.state()) and s["rects"][wid]["visible"] and s["rects"][wid], 10,
                       f"{wid} visible")
        x, y = int(r["x"] + r["w"] / 2), int(r["y"] + r["h"] / 2)
        # --sync never returns for a move to where the pointer already is; a new window must see it arrive
        stops = [(x, y + 2), (x, y)] if _pointer.get(self.display) == (x, y) else [(x, y)]
        for px, py in stops:
            subprocess.run(["xdotool", "mousemove", "--sync", str(px), str(py)], env=self.env, check=True,
                           timeout=10)
        _pointer[self.display] = (x, y)
        subprocess.run(["xdotool", "click", "1"], env=self.env, check=True, timeout=10)

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"photo-{label}.png"
        subprocess.run(["import", "-window", "root", "-crop", "720x1280+0+0", str(target)], env=self.env,
                       check=True, timeout=20)
        return target

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture
def window_factory(display, tmp_path):
    started = []

    def start(scenario: str) -> PhotoWindow:
        w = PhotoWindow(display, tmp_path, scenario)
        started.append(w)
        return w
    yield start
    for w in started:
        w.stop()


def test_preview_guides_then_captures_and_the_citizen_accepts(window_factory):
    from PIL import Image
    win = window_factory("too_far")
    closer = translate("Move a little closer", "it")         # the window speaks Italian
    assert closer != "Move a little closer"
    s = wait_until(lambda: (s := win.state()) and s["instruction"] == closer and s, 60, "live guidance")
    assert s["phase"] == "preview"
    texture = s["texture_id"]
    assert s["preview_texture"] == texture
    win.screenshot("1-too-far")
    win.command("scenario=compliant")
    s = win.wait_phase("countdown", 60)
    win.screenshot("2-countdown")
    s = win.wait_phase("captured", 60)
    assert s["texture_id"] == texture                           # one preview texture for the whole session
    win.screenshot("3-captured")
    win.click("use_button")
    photo = wait_until(lambda: (win.workdir / "accepted.jpg").exists() and win.workdir / "accepted.jpg", 15,
                       "the accepted photo")
    image = Image.open(photo)
    assert image.size == (827, 1063) and round(image.info["dpi"][0]) == 600
    assert photo.stat().st_size <= 500_000


def test_retake_then_out_of_attempts_offers_a_way_out(window_factory):
    win = window_factory("compliant")
    win.wait_phase("captured", 90)
    win.click("retake_button")
    s = win.wait_phase("preview", 15)
    assert s["attempts_left"] == 1
    win.wait_phase("captured", 90)
    win.click("retake_button")
    s = win.wait_phase("failed", 15)
    assert "35 x 45" in s["note"]
    win.screenshot("4-no-attempts-left")
    win.click("skip_button")
    wait_until(lambda: (win.workdir / "skipped").exists(), 15, "the skip callback")
    assert not (win.workdir / "accepted.jpg").exists()


def test_a_dead_camera_leads_to_the_way_out_not_a_frozen_screen(window_factory):
    win = window_factory("nobody")
    sit = translate("Please sit in front of the camera", "it")
    wait_until(lambda: (s := win.state()) and s["instruction"] == sit, 60, "guidance to sit in front of the camera")
    win.command("unplug")
    win.wait_phase("camera_down", 30)
    win.screenshot("5-camera-down")
    win.click("skip_button")
    wait_until(lambda: (win.workdir / "skipped").exists(), 15, "the skip callback")
