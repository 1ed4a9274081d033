"""The kiosk's view of its devices: one place that opens them, collects their status snapshots and events,
and closes them. Anything with ``open()``, ``close()``, ``status()`` and ``subscribe()`` is a device here."""
from __future__ import annotations

import logging
import threading
from typing import Callable, Protocol

from drivers.device import DeviceEvent, DeviceStatus

log = logging.getLogger("kiosk.devices")


class Device(Protocol):
    def open(self) -> None: ...

    def close(self, timeout: float = ...) -> None: ...

    def status(self) -> DeviceStatus: ...

    def subscribe(self, callback: Callable[[DeviceEvent], None]) -> Callable[[], None]: ...


class DeviceHub:
    def __init__(self) -> None:
        self._devices: dict[str, Device] = {}
        self._listeners: list[Callable[[str, DeviceEvent], None]] = []
        self._lock = threading.Lock()

    def add(self, name: str, device: Device) -> None:
        self._devices[name] = device
        device.subscribe(lambda event, name=name: self._forward(name, event))

    def get(self, name: str) -> Device | None:
        return self._devices.get(name)

    def statuses(self) -> dict[str, DeviceStatus]:
        """Snapshot of every device's cached status (cheap: safe on the UI thread)."""
        return {name: dev.status() for name, dev in self._devices.items()}

    def subscribe(self, listener: Callable[[str, DeviceEvent], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _forward(self, name: str, event: DeviceEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(name, event)
            except Exception:
                log.exception("device listener failed on %s %s", name, event.kind.value)

    def open_all(self) -> None:
        for name, dev in self._devices.items():
            try:
                dev.open()
            except Exception:
                log.exception("%s: cannot start its driver", name)

    def close_all(self) -> None:
        for name, dev in self._devices.items():
            try:
                dev.close()
            except Exception:
                log.exception("%s: error while closing", name)
