"""Injectable time, so journeys, time-outs and retries are tested without sleeping.

Code that waits or measures takes a ``Clock``. Production uses ``SystemClock``; tests use ``FakeClock`` and
advance it by hand. ``monotonic()`` is for durations and deadlines, ``now()`` for wall-clock timestamps
(receipts, RFC 3339 times sent to the backend).
"""
from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> _dt.datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock. ``now()`` is timezone-aware local time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> _dt.datetime:
        return _dt.datetime.now().astimezone()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to. ``sleep`` advances it instead of waiting."""

    def __init__(self, start: float = 1000.0,
                 wall: _dt.datetime | None = None) -> None:
        self._mono = start
        self._wall = wall or _dt.datetime(2026, 11, 25, 10, 0, 0,
                                          tzinfo=_dt.timezone(_dt.timedelta(hours=1)))
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def now(self) -> _dt.datetime:
        with self._lock:
            return self._wall

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._mono += seconds
            self._wall += _dt.timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()
