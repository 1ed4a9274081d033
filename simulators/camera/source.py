"""A live camera stand-in: a still scene made into a stream with small motion and sensor noise, paced at the
camera's rate, that can be unplugged and plugged back like a USB camera.

In-process use::

    sim = CameraSimulator("compliant", width=1920, height=1080, fps=30)
    url = sim.start()                 # "sim://camera?id=1" for CameraDriver(url)
    sim.set_scenario("too_far"); sim.unplug(); sim.plug(); sim.stop()

``sim://camera?scenario=dark&width=1280&height=720&fps=30`` (no id) makes a private simulator for the driver.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time

import cv2
import numpy as np

from simulators.camera.scene import SCENARIOS, render

log = logging.getLogger("kiosk.sim.camera")

_registry: dict[str, "CameraSimulator"] = {}
_registry_lock = threading.Lock()
_ids = itertools.count(1)


class SimulatorUnplugged(OSError):
    """The simulated camera is not connected."""


class CameraSimulator:
    def __init__(self, scenario: str = "compliant", *, width: int = 1920, height: int = 1080, fps: float = 30.0,
                 noise: float = 2.0, motion_px: float = 3.0, seed: int = 0) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown camera scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
        if width < 16 or height < 16 or fps <= 0:
            raise ValueError(f"bad simulated camera mode {width}x{height}@{fps}")
        self.width, self.height, self.fps = width, height, fps
        self.motion_px = motion_px
        self._scenario = scenario
        self._still: np.ndarray | None = None
        self._lock = threading.Lock()
        self._plugged = threading.Event()
        self._plugged.set()
        self._changed = threading.Event()
        rng = np.random.default_rng(seed)
        self._noise = [np.clip(rng.normal(0, noise, (height, width, 3)), -20, 20).astype(np.int8)
                       for _ in range(3)] if noise > 0 else []
        self.id = ""
        self.frames_served = 0

    # --- control ------------------------------------------------------------------------------------
    def start(self) -> str:
        """Register for ``sim://camera?id=…`` and return that URL."""
        with _registry_lock:
            if not self.id:
                self.id = str(next(_ids))
            _registry[self.id] = self
        return f"sim://camera?id={self.id}"

    def stop(self) -> None:
        with _registry_lock:
            _registry.pop(self.id, None)
        self.unplug()

    @property
    def scenario(self) -> str:
        return self._scenario

    def set_scenario(self, scenario: str) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown camera scenario {scenario!r}")
        with self._lock:
            self._scenario, self._still = scenario, None

    def unplug(self) -> None:
        self._plugged.clear()
        self._changed.set()

    def plug(self) -> None:
        self._plugged.set()

    @property
    def plugged(self) -> bool:
        return self._plugged.is_set()

    # --- frames -------------------------------------------------------------------------------------
    def still(self) -> np.ndarray:
        with self._lock:
            if self._still is None:
                self._still = render(self._scenario, self.width, self.height)
            return self._still

    def frame(self, index: int) -> np.ndarray:
        """Frame number ``index``: the still moved by a few pixels (breathing, sway) plus sensor noise."""
        still = self.still()
        dx = self.motion_px * np.sin(index * 2 * np.pi / 45)
        dy = 0.5 * self.motion_px * np.sin(index * 2 * np.pi / 70)
        m = np.float32([[1, 0, round(dx)], [0, 1, round(dy)]])
        out = cv2.warpAffine(still, m, (self.width, self.height), borderMode=cv2.BORDER_REPLICATE)
        if self._noise:
            n = self._noise[index % len(self._noise)]
            out = cv2.add(out, n.clip(0, None).astype(np.uint8))
            out = cv2.subtract(out, (-n).clip(0, None).astype(np.uint8))
        return out

    def open_stream(self) -> "SimStream":
        if not self.plugged:
            raise SimulatorUnplugged(f"simulated camera {self.id or 'private'} is unplugged")
        return SimStream(self)


class SimStream:
    """One open connection to the simulator; ``read`` paces frames at the simulator's rate."""

    def __init__(self, sim: CameraSimulator) -> None:
        self.sim = sim
        self._next = time.monotonic()
        self._index = 0
        self._closed = threading.Event()

    def read(self, timeout: float = 1.0) -> np.ndarray:
        sim = self.sim
        wait = self._next - time.monotonic()
        if wait > 0:
            sim._changed.clear()
            sim._changed.wait(min(wait, timeout))
        if self._closed.is_set():
            raise SimulatorUnplugged("stream closed")
        if not sim.plugged:
            raise SimulatorUnplugged(f"simulated camera {sim.id or 'private'} was unplugged")
        self._next = max(self._next + 1.0 / sim.fps, time.monotonic() - 1.0 / sim.fps)
        self._index += 1
        sim.frames_served += 1
        return sim.frame(self._index)

    def release(self) -> None:
        self._closed.set()


def lookup(sim_id: str) -> CameraSimulator | None:
    with _registry_lock:
        return _registry.get(sim_id)
