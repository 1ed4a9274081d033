"""The camera driver: frames captured on the driver's own thread, only the newest kept, status in the shared
device vocabulary, reconnect with backoff when the camera disappears, clean release on close.

Frames stay in memory: nothing is written to disk here (the accepted photo goes into the outbox).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from drivers.backoff import Backoff
from drivers.camera.sources import FrameSource, open_source
from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import DeviceError, DeviceState, DeviceStatus, MediaState, ResilientDevice, SupplyLevel
from drivers.device_url import DeviceUrl, parse_device_url

log = logging.getLogger("kiosk.drivers.camera")


@dataclass(frozen=True)
class Frame:
    """One captured frame (BGR, full resolution), its sequence number and its capture time (monotonic)."""
    image: np.ndarray
    seq: int
    captured_at: float

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


class CameraDriver(ResilientDevice):
    name = "camera"

    def __init__(self, url: str | DeviceUrl, *, width: int = 1280, height: int = 720, fps: float = 30,
                 frame_timeout: float = 2.0, clock: Clock = SYSTEM_CLOCK, backoff: Backoff | None = None) -> None:
        super().__init__(clock=clock, poll_interval=0.0, backoff=backoff or Backoff(base=0.5, cap=10.0))
        self.url = url if isinstance(url, DeviceUrl) else parse_device_url(url)
        self.width, self.height, self.fps = width, height, fps
        self.frame_timeout = frame_timeout
        self._source: FrameSource | None = None
        self._latest: Frame | None = None
        self._cond = threading.Condition()
        self._seq = 0
        self._rate_window: list[float] = []

    # --- public -----------------------------------------------------------------------------------
    def latest(self) -> Frame | None:
        """The newest frame, or None before the first one (cheap; safe from any thread)."""
        with self._cond:
            return self._latest

    def wait_frame(self, after_seq: int = 0, timeout: float = 1.0) -> Frame | None:
        """The first frame newer than ``after_seq``, waiting at most ``timeout`` seconds; None on time-out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._latest is None or self._latest.seq <= after_seq:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return None
                self._cond.wait(left)
            return self._latest

    def capture(self, timeout: float = 2.0) -> Frame:
        """A fresh full-resolution frame taken after this call (the still to check and keep)."""
        current = self.latest()
        frame = self.wait_frame(current.seq if current else 0, timeout)
        if frame is None:
            raise DeviceError(f"camera: no frame within {timeout:.1f} s ({self.status().detail})")
        return frame

    def measured_fps(self) -> float:
        with self._cond:
            w = self._rate_window
            return (len(w) - 1) / (w[-1] - w[0]) if len(w) > 1 and w[-1] > w[0] else 0.0

    # --- ResilientDevice ----------------------------------------------------------------------------
    def _connect(self) -> None:
        source = open_source(self.url, self.width, self.height, self.fps, self.frame_timeout)
        try:
            first = source.read(self.frame_timeout)
        except Exception:
            source.release()
            raise
        self._source = source
        self._store(first)
        h, w = first.shape[:2]
        self._set_status(DeviceStatus(DeviceState.ONLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN,
                                      f"{w}x{h}"))

    def _poll(self) -> None:
        if self._source is None:
            raise DeviceError("camera: no source")
        self._store(self._source.read(self.frame_timeout))

    def _disconnect(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.release()
        with self._cond:
            self._rate_window.clear()
            self._cond.notify_all()

    def close(self, timeout: float = 3.0) -> None:
        """Stop the worker and release the camera; the status says so (a closed camera is not online)."""
        super().close(timeout)
        with self._cond:
            self._cond.notify_all()
        self._set_status(DeviceStatus(DeviceState.OFFLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN, "closed"))

    def _store(self, image: np.ndarray) -> None:
        now = time.monotonic()
        with self._cond:
            self._seq += 1
            self._latest = Frame(image, self._seq, now)
            self._rate_window.append(now)
            if len(self._rate_window) > 30:
                del self._rate_window[0]
            self._cond.notify_all()
