"""Technician access: a PIN kept only as a salted PBKDF2 hash, a lockout after wrong tries that survives a
restart, and an append-only audit trail of every technician action."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from drivers.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger("kiosk.maintenance")
ITERATIONS = 200_000


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True)
class PinResult:
    ok: bool
    tries_left: int = 0
    locked_for_s: float = 0.0
    reason: str = ""          # "ok", "wrong", "locked", "not_configured"


class MaintenanceAccess:
    """PIN checks with lockout; state kept in ``state_path`` (JSON, written atomically)."""

    def __init__(self, pin_hash: str, state_path: Path, audit: "AuditLog", *, max_attempts: int = 5,
                 lockout_s: float = 300.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.pin_hash = pin_hash
        self.state_path = Path(state_path)
        self.audit = audit
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failures, self._locked_until = self._load()

    def _load(self) -> tuple[int, float]:
        try:
            data = json.loads(self.state_path.read_text())
            # Wall-clock time: the lockout must outlast a restart (monotonic time does not).
            return int(data.get("failures", 0)), float(data.get("locked_until", 0.0))
        except FileNotFoundError:
            return 0, 0.0
        except (ValueError, OSError) as exc:
            log.error("maintenance state unreadable (%s): treating as locked once", exc)
            return self.max_attempts, self.clock.now().timestamp() + self.lockout_s

    def _save(self) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"failures": self._failures, "locked_until": self._locked_until}))
        os.replace(tmp, self.state_path)

    def try_pin(self, pin: str) -> PinResult:
        with self._lock:
            now = self.clock.now().timestamp()
            if not self.pin_hash:
                self.audit.record("login", "refused: no PIN configured")
                return PinResult(False, reason="not_configured")
            if now < self._locked_until:
                self.audit.record("login", "refused: locked")
                return PinResult(False, locked_for_s=self._locked_until - now, reason="locked")
            if check_pin(pin, self.pin_hash):
                self._failures, self._locked_until = 0, 0.0
                self._save()
                self.audit.record("login", "ok")
                return PinResult(True, reason="ok")
            self._failures += 1
            if self._failures >= self.max_attempts:
                self._failures, self._locked_until = 0, now + self.lockout_s
                self._save()
                self.audit.record("login", f"wrong PIN: locked for {self.lockout_s:.0f} s")
                return PinResult(False, locked_for_s=self.lockout_s, reason="locked")
            self._save()
            self.audit.record("login", "wrong PIN")
            return PinResult(False, tries_left=self.max_attempts - self._failures, reason="wrong")


class AuditLog:
    """One JSON line per technician action, flushed to disk at once (a trail must survive a power cut)."""

    def __init__(self, path: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()

    def record(self, action: str, result: str) -> None:
        line = json.dumps({"at": self.clock.now().isoformat(timespec="seconds"), "action": action,
                           "result": result}, ensure_ascii=False)
        with self._lock:
            try:
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                log.error("audit trail not written (%s): %s", exc, line)
        log.info("technician: %s → %s", action, result)

    def entries(self) -> list[dict]:
        try:
            return [json.loads(l) for l in self.path.read_text(encoding="utf-8").splitlines() if l.strip()]
        except FileNotFoundError:
            return []
