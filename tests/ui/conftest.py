"""Fixtures for tests that run the real kiosk in a real window (Xvfb started here when there is no DISPLAY)."""
from __future__ import annotations

import pytest

from tests.ui.harness import KioskWindow, VirtualDisplay

FAST_TIMEOUTS = """
[timeouts]
inactivity_s = 30.0
warning_s = 20.0
max_extensions = 10
"""


@pytest.fixture(scope="session")
def display():
    vd = VirtualDisplay()
    yield vd.start()
    vd.stop()


@pytest.fixture
def kiosk_factory(display, tmp_path, request):
    started: list[KioskWindow] = []

    def start(site_config: str = FAST_TIMEOUTS, **kw) -> KioskWindow:
        name = request.node.name.replace("[", "-").replace("]", "")
        win = KioskWindow(display, tmp_path, site_config, name=name, **kw)
        started.append(win)
        return win.start()

    yield start
    for win in started:
        win.stop()


@pytest.fixture
def kiosk(kiosk_factory):
    return kiosk_factory()
