"""The one vocabulary every device speaks (after CEN/XFS4IoT and UnifiedPOS), and the resilient worker they share.

Rules this module enforces for every driver:
- ``status()`` is a cached snapshot, cheap to call from the UI thread; a poller on the driver's own thread
  refreshes it.
- Nothing is "online" until the device has answered; no answer is ``offline`` with ``unknown`` media/supply.
- Subscribers get events on the driver's thread; a failing subscriber is logged and never kills the driver.
"""
from __future__ import annotations

import abc
import enum
import logging
import threading
from dataclasses import dataclass, replace
from typing import Callable

from drivers.backoff import Backoff
from drivers.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger("kiosk.drivers")


class DeviceState(str, enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    BUSY = "busy"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    NO_DEVICE = "no_device"
    STARTING = "starting"


class MediaState(str, enum.Enum):
    PRESENT = "present"
    NOT_PRESENT = "not_present"
    ENTERING = "entering"
    JAMMED = "jammed"
    RETAINED = "retained"
    UNKNOWN = "unknown"


class SupplyLevel(str, enum.Enum):
    FULL = "full"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class EventKind(str, enum.Enum):
    STATUS_CHANGED = "StatusChanged"
    ERROR = "Error"
    PAPER_THRESHOLD = "PaperThreshold"
    MEDIA_INSERTED = "MediaInserted"
    MEDIA_REMOVED = "MediaRemoved"
    INVALID_MEDIA = "InvalidMedia"
    MEDIA_RETAINED = "MediaRetained"


class ErrorAction(str, enum.Enum):
    """What somebody should do about an error (XFS4IoT's suggested action)."""
    NONE = "none"
    RESET = "reset"
    SOFTWARE = "software_error"
    CONFIGURATION = "configuration"
    CLEAR = "clear"              # remove a jam, close a cover
    MAINTENANCE = "maintenance"  # technician visit
    FATAL = "fatal"


@dataclass(frozen=True)
class DeviceStatus:
    """A snapshot. ``flags`` carries device-specific conditions (``cover_open``, ``cutter_error`` …)."""
    state: DeviceState = DeviceState.STARTING
    media: MediaState = MediaState.UNKNOWN
    supply: SupplyLevel = SupplyLevel.UNKNOWN
    detail: str = ""
    flags: frozenset[str] = frozenset()
    since: float = 0.0

    @property
    def ready(self) -> bool:
        return self.state is DeviceState.ONLINE

    def as_dict(self) -> dict:
        """The heartbeat / diagnostics form."""
        return {"state": self.state.value, "media": self.media.value, "supply": self.supply.value,
                "detail": self.detail, "flags": sorted(self.flags)}

    def same_as(self, other: "DeviceStatus") -> bool:
        return (self.state, self.media, self.supply, self.detail, self.flags) == (
            other.state, other.media, other.supply, other.detail, other.flags)


OFFLINE_UNKNOWN = DeviceStatus(DeviceState.OFFLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN, "no answer")


@dataclass(frozen=True)
class DeviceEvent:
    kind: EventKind
    device: str
    status: DeviceStatus | None = None
    category: str = ""
    action: ErrorAction = ErrorAction.NONE
    code: str = ""
    detail: str = ""


class DeviceError(Exception):
    """Base of every driver failure; ``code`` is a stable short identifier for logs and heartbeats."""
    code = "device_error"


class DeviceOffline(DeviceError):
    code = "offline"


class DeviceTimeout(DeviceError):
    code = "timeout"


Subscriber = Callable[[DeviceEvent], None]


class EventHub:
    """Fan-out of device events; unsubscribe with the function ``subscribe`` returns."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subs.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subs:
                    self._subs.remove(callback)
        return unsubscribe

    def publish(self, event: DeviceEvent) -> None:
        with self._lock:
            subs = list(self._subs)
        for cb in subs:
            try:
                cb(event)
            except Exception:  # a broken listener must not stop the device
                log.exception("%s: subscriber %r failed on %s", self.device, cb, event.kind.value)


class ResilientDevice(abc.ABC):
    """Base for drivers: a worker thread that connects, polls, and reconnects with backoff.

    Subclasses implement ``_connect()`` (raise on failure), ``_poll()`` (one status refresh; raise
    ``DeviceError``/``OSError`` when the link is lost) and ``_disconnect()``. They report with ``_set_status``
    and ``_emit``. ``poll_interval`` is the time between polls while connected.
    """

    name = "device"

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, poll_interval: float = 1.0,
                 backoff: Backoff | None = None) -> None:
        self.clock = clock
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff(base=0.5, cap=30.0)
        self.events = EventHub(self.name)
        self._status = DeviceStatus(since=clock.monotonic())
        self._status_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reset_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False

    # --- public -----------------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        with self._status_lock:
            return self._status

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self.events.subscribe(callback)

    def open(self) -> None:
        """Start the worker; returns at once. The status says when the device is really there."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-worker", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("%s: worker did not stop within %.1f s", self.name, timeout)
        self._thread = None

    def reset(self) -> None:
        """Drop the link and reconnect at once (technician action, or after an unrecoverable error).
        Only asks: the worker thread, which owns the link, does it, so no other thread touches the port."""
        self._reset_requested.set()
        self._wake.set()

    def refresh(self) -> None:
        """Ask the worker to poll now instead of at the next interval."""
        self._wake.set()

    # --- for subclasses ---------------------------------------------------------------------------
    @abc.abstractmethod
    def _connect(self) -> None: ...

    @abc.abstractmethod
    def _poll(self) -> None: ...

    @abc.abstractmethod
    def _disconnect(self) -> None: ...

    def _set_status(self, status: DeviceStatus) -> None:
        with self._status_lock:
            old = self._status
            if old.same_as(status):
                return
            self._status = replace(status, since=self.clock.monotonic())
            new = self._status
        log.info("%s: %s/%s/%s %s", self.name, new.state.value, new.media.value, new.supply.value, new.detail)
        self.events.publish(DeviceEvent(EventKind.STATUS_CHANGED, self.name, new))
        self._on_status_change(old, new)

    def _on_status_change(self, old: DeviceStatus, new: DeviceStatus) -> None:
        """Hook for derived events (PaperThreshold, MediaRemoved …)."""

    def _emit(self, kind: EventKind, **kw) -> None:
        self.events.publish(DeviceEvent(kind, self.name, self.status(), **kw))

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` unless woken; True if asked to stop."""
        self._wake.wait(max(0.0, seconds))
        self._wake.clear()
        return self._stop.is_set()

    def _drop_link(self, why: str) -> None:
        if self.connected:
            try:
                self._disconnect()
            except Exception:
                log.exception("%s: error while disconnecting", self.name)
        self.connected = False
        self._set_status(DeviceStatus(DeviceState.OFFLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN, why))

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._reset_requested.is_set():
                self._reset_requested.clear()
                self._drop_link("reset requested")
                self.backoff.reset()
            if not self.connected:
                try:
                    self._connect()
                    self.connected = True
                    self.backoff.reset()
                except Exception as exc:
                    self._drop_link(f"cannot connect: {exc}")
                    if self._wait(self.backoff.next_delay()):
                        break
                    continue
            try:
                self._poll()
            except Exception as exc:
                log.warning("%s: link lost: %s", self.name, exc)
                self._drop_link(f"link lost: {exc}")
                continue
            if self._wait(self.poll_interval):
                break
        if self.connected:
            try:
                self._disconnect()
            except Exception:
                log.exception("%s: error while disconnecting", self.name)
            self.connected = False
