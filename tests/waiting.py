"""Waiting in tests: poll a condition until a deadline, never a blind sleep. One place for every test area."""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def poll(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02) -> T:
    """The predicate's first truthy value, or its last (falsy) value once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        pause.wait(interval)


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition",
               interval: float = 0.02) -> T:
    """Like ``poll``, but a time-out is a test failure that says what was awaited and what was last seen."""
    value = poll(predicate, timeout, interval)
    if not value:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last: {value!r})")
    return value
