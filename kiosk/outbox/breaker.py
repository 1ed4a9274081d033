"""Circuit breaker for the backend: after repeated failures stop trying for a while, so the UI can tell the
citizen "service temporarily unavailable" at once instead of letting them wait for time-outs."""
from __future__ import annotations

import enum
import threading

from drivers.clock import SYSTEM_CLOCK, Clock


class BreakerState(str, enum.Enum):
    CLOSED = "closed"          # calls flow
    OPEN = "open"              # backend considered down: no calls until the cool-down ends
    HALF_OPEN = "half_open"    # cool-down over: one trial call decides


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``open_s`` lets one trial call through; each failed
    trial doubles the cool-down up to ``max_open_s``. ``state`` is cheap and safe from any thread."""

    def __init__(self, threshold: int = 5, open_s: float = 15.0, max_open_s: float = 300.0,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self.threshold = threshold
        self.base_open_s = open_s
        self.max_open_s = max_open_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._open_s = open_s

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self.clock.monotonic() - self._opened_at >= self._open_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """May a call be made now? (False while open.)"""
        return self.state is not BreakerState.OPEN

    def seconds_until_trial(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._opened_at + self._open_s - self.clock.monotonic())

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._open_s = self.base_open_s

    def record_failure(self) -> None:
        with self._lock:
            state = self._state_locked()
            self._failures += 1
            if state is BreakerState.HALF_OPEN:
                self._open_s = min(self.max_open_s, self._open_s * 2)
                self._opened_at = self.clock.monotonic()
            elif state is BreakerState.CLOSED and self._failures >= self.threshold:
                self._opened_at = self.clock.monotonic()
