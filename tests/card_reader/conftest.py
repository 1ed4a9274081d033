"""Fixtures: a simulator on a real pty and a driver talking to it, with fast reconnects."""
from __future__ import annotations

import threading
import time
from typing import Callable

import pytest

from drivers.backoff import Backoff
from drivers.card_reader import CardReader, Timeouts
from drivers.clock import FakeClock
from drivers.device import DeviceEvent, EventKind
from simulators.card_reader import CardReaderSimulator
from tests import waiting


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> object:
    return waiting.wait_until(predicate, timeout, what, interval=0.01)


class Recorder:
    """Collects device events and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: DeviceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events if e.kind is not EventKind.STATUS_CHANGED]

    def wait(self, kind: EventKind, timeout: float = 5.0, after: int = 0) -> DeviceEvent:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[after:]:
                    if e.kind is kind:
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind.value} within {timeout} s; got {[k.value for k in self.kinds()]}")
                self._cond.wait(left)


@pytest.fixture
def sim():
    s = CardReaderSimulator(seed=1)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_reader(sim, clock):
    readers: list[CardReader] = []

    def make(**kw) -> tuple[CardReader, Recorder]:
        kw.setdefault("poll_interval", 0.03)
        kw.setdefault("take_card_s", 30.0)
        kw.setdefault("timeouts", Timeouts(quick_s=1.0, card_io_s=2.0, move_s=2.0, init_s=2.0))
        kw.setdefault("backoff", Backoff(base=0.05, cap=0.2))
        reader = CardReader(sim.url, clock=clock, **kw)
        rec = Recorder()
        reader.subscribe(rec)
        reader.open()
        readers.append(reader)
        wait_for(lambda: reader.status().ready, what="reader online")
        return reader, rec

    yield make
    for r in readers:
        r.close()
