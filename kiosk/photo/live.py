"""Live guidance off the UI thread: one thread turns every camera frame into a preview image (camera rate), a
second analyses the newest frame as often as it can (>= 10 Hz) and tracks stability. Results go to callbacks,
which a screen forwards to its main loop (Kivy: ``Clock.schedule_once``). Frames are dropped, never queued.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from drivers.camera import CameraDriver, Frame
from kiosk.photo.analyser import PhotoAnalyser
from kiosk.photo.checks import PhotoReport
from kiosk.photo.stability import StabilityTracker

log = logging.getLogger("kiosk.photo")


@dataclass(frozen=True)
class Guidance:
    report: PhotoReport
    stable: bool
    frame_seq: int


class LiveGuidance:
    def __init__(self, camera: CameraDriver, analyser: PhotoAnalyser, *,
                 on_preview: Callable[[np.ndarray, int], None], on_guidance: Callable[[Guidance], None],
                 preview_width: int = 640, mirror: bool = True, guidance_hz: float = 12.0) -> None:
        self.camera = camera
        self.analyser = analyser
        self.tracker = StabilityTracker(analyser.t)
        self.on_preview = on_preview
        self.on_guidance = on_guidance
        self.preview_width = preview_width
        self.mirror = mirror
        self.guidance_period = 1.0 / guidance_hz   # above 10 Hz, the rest of the CPU goes to the preview
        self._run: threading.Event | None = None      # the stop flag of the current run
        self._threads: list[threading.Thread] = []
        self.preview_count = 0
        self.guidance_count = 0
        self.analysis_times: list[float] = []

    def start(self) -> None:
        if self._run is not None:
            return
        run = self._run = threading.Event()
        self.tracker.reset()
        self._threads = [threading.Thread(target=self._preview_loop, args=(run,), name="photo-preview", daemon=True),
                         threading.Thread(target=self._analysis_loop, args=(run,), name="photo-analysis",
                                          daemon=True)]
        for t in self._threads:
            t.start()

    def stop(self, wait: float = 0.0) -> None:
        """Stop this run. Returns at once by default (the UI thread calls it): each run has its own stop flag,
        so a new ``start`` never revives threads that are still finishing their last frame."""
        run, self._run = self._run, None
        if run is not None:
            run.set()
        threads, self._threads = self._threads, []
        for t in threads if wait > 0 else ():
            t.join(wait)
            if t.is_alive():
                log.error("photo: %s did not stop within %.1f s", t.name, wait)

    @property
    def running(self) -> bool:
        return self._run is not None

    def preview_image(self, frame: Frame) -> np.ndarray:
        """RGB, bottom row first (the order a GL texture wants), scaled to the preview width."""
        h, w = frame.image.shape[:2]
        size = (self.preview_width, round(h * self.preview_width / w))
        small = cv2.resize(frame.image, size, interpolation=cv2.INTER_LINEAR)
        small = cv2.flip(small, -1 if self.mirror else 0)      # mirror like a mirror; flip rows for GL
        return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)

    def _preview_loop(self, stop: threading.Event) -> None:
        seq = 0
        while not stop.is_set():
            frame = self.camera.wait_frame(seq, timeout=0.5)
            if frame is None:
                continue
            seq = frame.seq
            if stop.is_set():
                break
            try:
                self.on_preview(self.preview_image(frame), frame.seq)
                self.preview_count += 1
            except Exception:
                log.exception("photo: preview callback failed")

    def _analysis_loop(self, stop: threading.Event) -> None:
        seq = 0
        next_at = time.monotonic()
        while not stop.is_set():
            if stop.wait(max(0.0, next_at - time.monotonic())):
                break
            frame = self.camera.wait_frame(seq, timeout=0.5)
            if frame is None:
                continue
            seq = frame.seq
            next_at = max(next_at + self.guidance_period, time.monotonic())
            try:
                report = self.analyser.analyse(frame.image)
            except Exception:
                log.exception("photo: analysis failed on frame %d", frame.seq)
                continue
            self.analysis_times.append(report.elapsed_s)
            if len(self.analysis_times) > 1000:
                del self.analysis_times[:500]
            if stop.is_set():
                break
            if not report.faces:          # nobody there: the backdrop as it looks now, for the colour check
                self.analyser.remember_backdrop(frame.image)
            stable = self.tracker.update(report)
            self.guidance_count += 1
            try:
                self.on_guidance(Guidance(report, stable, frame.seq))
            except Exception:
                log.exception("photo: guidance callback failed")
