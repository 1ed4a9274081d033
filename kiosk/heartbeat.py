"""Heartbeat to the central backend every 30–60 s: device states, outbox figures, free disk, recent errors.
The reply carries commands (out of service, reload catalog, …); reload_catalog refreshes the catalog here, and
every command is also handed to the app's ``execute`` callback. Each is executed once — its id is saved before it
runs, so a crash never runs it twice — and acknowledged in the next heartbeat."""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Callable

from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import DeviceStatus
from kiosk.backend.client import BackendClient
from kiosk.backend.errors import BackendError
from kiosk.backend.replies import Command, HeartbeatReply
from kiosk.catalog_sync import CatalogSync, atomic_write_json
from kiosk.outbox.store import Outbox

log = logging.getLogger("kiosk.heartbeat")

REMEMBERED_COMMANDS = 500


def device_report(status: DeviceStatus | dict) -> dict:
    """One device's heartbeat entry. Anything we cannot read is reported as unknown, never as ok."""
    if isinstance(status, DeviceStatus):
        d = status.as_dict()
        return {"state": d["state"], "paper": d["supply"], "media": d["media"], "detail": d["detail"]}
    if isinstance(status, dict) and isinstance(status.get("state"), str):
        return {k: v for k, v in status.items() if isinstance(v, (str, int, float, bool)) or v is None}
    return {"state": "unknown", "detail": "no status"}


class Heartbeat:
    def __init__(self, client: BackendClient, *, version: str, device_states: Callable[[], dict[str, Any]],
                 execute: Callable[[Command], None], state_path: str | os.PathLike, outbox: Outbox | None = None,
                 catalog: CatalogSync | None = None, recent_errors: Callable[[], list[str]] | None = None,
                 data_dir: str | os.PathLike = ".", interval_s: float = 45.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.client = client
        self.version = version
        self.device_states = device_states
        self.execute = execute
        self.state_path = Path(state_path)
        self.outbox = outbox
        self.catalog = catalog
        self.recent_errors = recent_errors
        self.data_dir = Path(data_dir)
        self.interval_s = interval_s
        self.clock = clock
        self.started = clock.monotonic()
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._executed, self._to_ack = self._load_state()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- state of commands ---------------------------------------------------------------------------------
    def _load_state(self) -> tuple[list[str], list[str]]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            executed = [str(x) for x in data.get("executed", [])]
            to_ack = [str(x) for x in data.get("to_ack", [])]
            return executed, to_ack
        except FileNotFoundError:
            return [], []
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            log.error("heartbeat state %s unreadable (%s); starting with no remembered commands",
                      self.state_path, exc)
            return [], []

    def _save_state(self) -> None:
        self._executed = self._executed[-REMEMBERED_COMMANDS:]
        atomic_write_json(self.state_path, {"executed": self._executed, "to_ack": self._to_ack})

    @property
    def pending_acks(self) -> list[str]:
        return list(self._to_ack)

    # --- one beat ------------------------------------------------------------------------------------------
    def build_body(self) -> dict:
        own_errors = []
        try:
            devices = {name: device_report(st) for name, st in self.device_states().items()}
        except Exception as exc:
            log.error("cannot read device states for the heartbeat: %s", exc)
            devices = {}
            own_errors.append(f"heartbeat: device states unreadable ({type(exc).__name__})")
        outbox = {"pending": 0, "oldest_age_s": 0}
        if self.outbox is not None:
            try:
                outbox = {"pending": self.outbox.pending_count(),
                          "oldest_age_s": round(self.outbox.oldest_pending_age_s())}
            except Exception as exc:
                log.error("cannot read outbox figures for the heartbeat: %s", exc)
                outbox = {"pending": -1, "oldest_age_s": -1, "error": "unreadable"}
        try:
            disk_free_mb = shutil.disk_usage(self.data_dir).free // (1024 * 1024)
        except OSError:
            disk_free_mb = -1
        errors = []
        if self.recent_errors is not None:
            try:
                errors = [str(e)[:200] for e in self.recent_errors()][-20:]
            except Exception as exc:
                log.error("cannot collect recent errors: %s", exc)
        return {"at": self.clock.now().isoformat(timespec="seconds"), "version": self.version,
                "uptime_s": round(self.clock.monotonic() - self.started), "devices": devices, "outbox": outbox,
                "disk_free_mb": disk_free_mb, "recent_errors": errors + own_errors, "acked_commands": list(self._to_ack)}

    def run_once(self) -> HeartbeatReply | None:
        body = self.build_body()
        try:
            reply = self.client.heartbeat(body)
        except BackendError as exc:
            self.last_error = str(exc)
            log.warning("heartbeat failed: %s", exc)
            return None
        self.last_ok = self.clock.monotonic()
        self.last_error = None
        sent = set(body["acked_commands"])
        self._to_ack = [c for c in self._to_ack if c not in sent]
        for command in reply.commands:
            if command.id in self._executed:
                if command.id not in self._to_ack:
                    self._to_ack.append(command.id)
                continue
            self._executed.append(command.id)
            self._to_ack.append(command.id)
            self._save_state()          # before running it: a crash must not run it twice
            log.info("executing backend command %s (%s)", command.id, command.type)
            try:
                if command.type == "reload_catalog" and self.catalog is not None:
                    self.catalog.refresh()
                self.execute(command)
            except Exception:
                log.exception("backend command %s (%s) failed", command.id, command.type)
        self._save_state()
        if self.catalog is not None and reply.catalog_etag and reply.catalog_etag != self.catalog.etag:
            self.catalog.refresh()
        return reply

    # --- thread --------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("heartbeat step failed")
            self._stop.wait(self.interval_s)
