"""Live guidance off the UI thread: previews at the camera rate, guidance from the newest frame, stability."""
from __future__ import annotations

import threading

import pytest

from drivers.backoff import Backoff
from drivers.camera import CameraDriver
from kiosk.photo.analyser import PhotoAnalyser
from kiosk.photo.checks import Check
from kiosk.photo.live import LiveGuidance
from simulators.camera import CameraSimulator
from tests.photo.test_camera_driver import wait_until


@pytest.fixture
def rig():
    sim = CameraSimulator("too_far", width=1920, height=1080, fps=15)
    cam = CameraDriver(sim.start(), backoff=Backoff(base=0.05, cap=0.2))
    cam.open()
    previews, guidance, threads = [], [], set()

    def on_preview(image, seq):
        threads.add(threading.current_thread().name)
        previews.append((image.shape, seq))

    def on_guidance(g):
        threads.add(threading.current_thread().name)
        guidance.append(g)

    live = LiveGuidance(cam, PhotoAnalyser(), on_preview=on_preview, on_guidance=on_guidance,
                        preview_width=480)
    yield sim, live, previews, guidance, threads
    live.stop(wait=2.0)
    cam.close()
    sim.stop()


def test_guidance_follows_the_person_and_becomes_stable_when_compliant(rig):
    sim, live, previews, guidance, threads = rig
    live.start()
    assert wait_until(lambda: len(guidance) >= 2, timeout=20)
    assert guidance[-1].report.instruction == "Move a little closer"
    assert not guidance[-1].stable
    sim.set_scenario("compliant")
    assert wait_until(lambda: guidance and guidance[-1].stable, timeout=30)
    assert guidance[-1].report.ok
    assert previews and previews[-1][0] == (270, 480, 3)
    assert threads == {"photo-preview", "photo-analysis"}
    seqs = [s for _shape, s in previews]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)     # each frame once, never an old one
    live.stop(wait=2.0)
    assert not live.running


def test_a_restart_right_after_a_stop_never_leaves_two_runs_alive(rig):
    _sim, live, previews, _guidance, _threads = rig
    live.start()
    assert wait_until(lambda: len(previews) >= 2, timeout=20)
    live.stop()                     # returns at once, as the UI thread needs
    live.start()

    def running() -> list[str]:
        return sorted(t.name for t in threading.enumerate() if t.name.startswith("photo-"))
    assert wait_until(lambda: running() == ["photo-analysis", "photo-preview"], timeout=10), running()
    n = len(previews)
    assert wait_until(lambda: len(previews) > n + 3, timeout=10)


def test_the_empty_backdrop_is_learnt_while_nobody_is_there(rig):
    sim, live, _previews, guidance, _threads = rig
    assert live.analyser.backdrop_lab is None
    sim.set_scenario("nobody")
    live.start()
    assert wait_until(lambda: guidance and not guidance[-1].report.faces, timeout=20)
    assert live.analyser.backdrop_lab is not None
    sim.set_scenario("compliant")
    assert wait_until(lambda: guidance and guidance[-1].report.ok, timeout=30)
    assert "from the empty backdrop" in guidance[-1].report.result(Check.BACKGROUND).detail
