"""Stability over consecutive frames: capture only when every check has passed for ``stable_frames`` frames in
a row and the face has not moved more than ``max_motion`` eye distances between them."""
from __future__ import annotations

import math

from kiosk.photo.checks import PhotoReport
from kiosk.photo.thresholds import PhotoThresholds


class StabilityTracker:
    def __init__(self, thresholds: PhotoThresholds | None = None) -> None:
        self.t = thresholds or PhotoThresholds()
        self.count = 0
        self._last: tuple[float, float] | None = None

    def reset(self) -> None:
        self.count = 0
        self._last = None

    def update(self, report: PhotoReport) -> bool:
        """Feed one live report; True once the pose has been good and still long enough."""
        if not report.ok or not report.faces:
            self.reset()
            return False
        face = report.faces[0]
        here = face.eye_mid
        if self._last is not None and math.dist(here, self._last) > self.t.max_motion * face.eye_distance:
            self.count = 0
        self._last = here
        self.count += 1
        return self.count >= self.t.stable_frames

    @property
    def stable(self) -> bool:
        return self.count >= self.t.stable_frames


class InstructionSmoother:
    """The instruction to show, steadied over the last few live reports: a single noisy frame (pose read from
    five landmarks wobbles by a few degrees) must not flash "Keep your chin level" at the citizen.
    The shown instruction changes only when another one holds the majority of the last ``window`` reports."""

    def __init__(self, window: int = 3) -> None:
        self.window = window
        self._recent: list[str] = []
        self.current: str | None = None

    def reset(self) -> None:
        self._recent.clear()
        self.current = None

    def update(self, instruction: str) -> str:
        self._recent.append(instruction)
        del self._recent[:-self.window]
        best = max(set(self._recent), key=self._recent.count)
        if self.current is None or self._recent.count(best) * 2 > len(self._recent):
            self.current = best
        return self.current
