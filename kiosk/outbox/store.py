"""The durable outbox: every citizen request, with its photos, in SQLite (WAL, synchronous=FULL) until the backend
has acknowledged it. Submitting is one transaction; once ``submit`` returns, the request survives power loss and
kill -9, and the kiosk-local reference can be printed on the receipt.

Thread use: one connection behind a lock, shared by the UI-side caller (submit, figures) and the sender thread.
No call holds the lock during network I/O."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import hashlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from drivers.clock import SYSTEM_CLOCK, Clock
from kiosk.outbox.reference import make_reference

log = logging.getLogger("kiosk.outbox")

MAX_PHOTO_BYTES = 1024 * 1024
OUTBOX_FILENAME = "outbox.sqlite"     # inside [data] dir
#: No retry is ever scheduled further ahead than this; a row that is, was scheduled before the wall clock was
#: set back (a wrong RTC corrected by NTP) and is due now rather than in a year.
MAX_SCHEDULE_AHEAD_S = 2 * 3600.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    local_ref TEXT NOT NULL UNIQUE,
    service TEXT NOT NULL,
    payload BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    malformed INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    practice_id TEXT,
    result TEXT,
    finished_at REAL);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at, id);
CREATE TABLE IF NOT EXISTS blobs (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (outbox_id, sha256));
CREATE TABLE IF NOT EXISTS ref_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""


class OutboxError(Exception):
    """The outbox cannot store or read; the message is fit for the technician's alert."""


class OutboxFullError(OutboxError):
    pass


class OutboxCorruptError(OutboxError):
    pass


class OutcomeKind(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    NEEDS_ATTENTION = "needs_attention"


@dataclass(frozen=True)
class Outcome:
    """What became of one request. ``documents``/``payment`` are plain dicts as the backend sent them."""
    kind: OutcomeKind
    row_id: int
    local_ref: str
    practice_id: str | None = None
    status: str | None = None              # backend status: completed / accepted / rejected
    documents: tuple[dict, ...] = ()
    payment: dict | None = None
    message: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)   # field → reason, when rejected
    error: str | None = None                # last error (for the technician), never personal data
    backend_unavailable: bool = False       # pending because the circuit breaker is open


@dataclass(frozen=True)
class PendingRow:
    id: int
    uuid: str
    local_ref: str
    service: str
    payload: bytes
    attempts: int
    malformed: int


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    oldest_age_s: float
    delivered: int
    rejected: int
    needs_attention: int
    size_bytes: int


class Outbox:
    def __init__(self, path: str | os.PathLike, kiosk_id: str, *, clock: Clock = SYSTEM_CLOCK,
                 retention_days: float = 30, max_bytes: int = 512 * 1024 * 1024,
                 busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.kiosk_id = kiosk_id
        self.clock = clock
        self.retention_s = retention_days * 86400
        self.max_bytes = max_bytes
        self.alert: str | None = None
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self._submit_listeners: list[Callable[[], None]] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                       timeout=busy_timeout_s)
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise OutboxError(f"outbox {self.path}: SQLite refused WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            # A delivered request's citizen data and photo are deleted; zero their pages too, so nothing of a
            # visit stays readable in the file's free space (privacy: nothing on disk after delivery).
            self._db.execute("PRAGMA secure_delete=ON")
            check = self._db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self._db.executescript(SCHEMA)
            page = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA max_page_count={max(64, max_bytes // page)}")
        except sqlite3.OperationalError as exc:      # locked, no permission, I/O: not a reason to set it aside
            if getattr(self, "_db", None) is not None:
                self._db.close()
            raise OutboxError(f"outbox database {self.path} cannot be opened ({exc})") from None
        except sqlite3.DatabaseError as exc:         # not a database / malformed / failed integrity check
            if getattr(self, "_db", None) is not None:
                self._db.close()
            raise OutboxCorruptError(f"outbox database {self.path} is unreadable or corrupt ({exc})") from None
        log.info("outbox %s open: %d pending", self.path, self.pending_count())

    @classmethod
    def open_or_quarantine(cls, path: str | os.PathLike, kiosk_id: str, **kwargs: Any) -> "Outbox":
        """Open the outbox; if the file is corrupt, keep it aside untouched for the technician (its rows may be
        recoverable) and start a fresh one so the kiosk keeps serving. The alert says where the old file is."""
        try:
            return cls(path, kiosk_id, **kwargs)
        except OutboxCorruptError as exc:
            p = Path(path)
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = p.with_name(f"{p.name}.corrupt-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(p) + suffix)
                if src.exists():
                    os.replace(src, Path(str(kept) + suffix))
            log.error("%s; moved to %s; starting a fresh outbox", exc, kept)
            box = cls(path, kiosk_id, **kwargs)
            box.alert = (f"The outbox database was corrupt and was kept as {kept} for the technician; "
                         f"new requests go to a fresh database.")
            return box

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def on_submit(self, callback: Callable[[], None]) -> None:
        self._submit_listeners.append(callback)

    # --- submit --------------------------------------------------------------------------------------------
    def submit(self, service: str, citizen: dict, fields: dict, *, locale: str = "it",
               photos: Sequence[bytes] = ()) -> tuple[str, int]:
        """Store a request durably and return ``(local_ref, row_id)`` for the receipt. Raises OutboxError
        (full disk, corrupt database) with a clear message; nothing half-stored remains."""
        if not isinstance(service, str) or not service:
            raise ValueError("service must be a service id")
        if not isinstance(citizen, dict) or not isinstance(fields, dict):
            raise ValueError("citizen and fields must be dictionaries")
        try:
            json.dumps([citizen, fields])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"citizen and fields must hold only text, numbers, lists and dictionaries ({exc})") \
                from None
        for i, photo in enumerate(photos):
            if not isinstance(photo, (bytes, bytearray)) or not bytes(photo[:3]) == b"\xff\xd8\xff":
                raise ValueError(f"photo {i + 1} is not a JPEG image")
            if len(photo) > MAX_PHOTO_BYTES:
                raise ValueError(f"photo {i + 1} is {len(photo)} bytes; the backend accepts at most "
                                 f"{MAX_PHOTO_BYTES}")
        now = self.clock.now()
        row_uuid = str(uuid.uuid4())
        hashes = [hashlib.sha256(bytes(p)).hexdigest() for p in photos]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    day = now.strftime("%Y-%m-%d")
                    seq = self._db.execute("INSERT INTO ref_counters (day, last) VALUES (?, 1) ON CONFLICT (day) "
                                           "DO UPDATE SET last = last + 1 RETURNING last", (day,)).fetchone()[0]
                    local_ref = make_reference(self.kiosk_id, now.date(), seq)
                    payload = {"kiosk_id": self.kiosk_id, "local_ref": local_ref, "service": service,
                               "locale": locale, "created_at": now.isoformat(timespec="seconds"),
                               "citizen": citizen, "fields": fields,
                               "attachments": [{"kind": "photo", "sha256": h, "content_type": "image/jpeg"}
                                               for h in dict.fromkeys(hashes)]}
                    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                    cur = self._db.execute(
                        "INSERT INTO outbox (uuid, local_ref, service, payload, created_at, next_attempt_at) "
                        "VALUES (?, ?, ?, ?, ?, 0)", (row_uuid, local_ref, service, body, now.timestamp()))
                    row_id = cur.lastrowid
                    for h, photo in zip(hashes, photos):
                        self._db.execute("INSERT OR IGNORE INTO blobs (outbox_id, sha256, data) VALUES (?, ?, ?)",
                                         (row_id, h, bytes(photo)))
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise self._storage_error(exc) from None
            except sqlite3.DatabaseError as exc:
                self.alert = f"The outbox database {self.path} is corrupt ({exc}); requests cannot be stored."
                log.error("%s", self.alert)
                raise OutboxCorruptError(self.alert) from None
            self.alert = None
        log.info("stored request %s for %s (row %d, %d photo(s))", local_ref, service, row_id, len(photos))
        for cb in list(self._submit_listeners):
            try:
                cb()
            except Exception:
                log.exception("outbox submit listener failed")
        return local_ref, row_id

    def _storage_error(self, exc: sqlite3.OperationalError) -> OutboxError:
        text = str(exc)
        if "full" in text:
            self.alert = (f"The outbox {self.path} is full (disk or size limit of {self.max_bytes // 2**20} MiB); "
                          f"new requests cannot be stored until space is freed. Stored requests are safe.")
            log.error("%s", self.alert)
            return OutboxFullError(self.alert)
        self.alert = f"The outbox {self.path} cannot be written ({text})."
        log.error("%s", self.alert)
        return OutboxError(self.alert)

    # --- figures -------------------------------------------------------------------------------------------
    def pending_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]

    def oldest_pending_age_s(self) -> float:
        with self._lock:
            oldest = self._db.execute("SELECT MIN(created_at) FROM outbox WHERE state = 'pending'").fetchone()[0]
        return 0.0 if oldest is None else max(0.0, self.clock.now().timestamp() - oldest)

    def stats(self) -> OutboxStats:
        with self._lock:
            counts = dict(self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            page = self._db.execute("PRAGMA page_size").fetchone()[0]
        return OutboxStats(pending=counts.get("pending", 0), oldest_age_s=self.oldest_pending_age_s(),
                           delivered=counts.get("delivered", 0), rejected=counts.get("rejected", 0),
                           needs_attention=counts.get("needs_attention", 0), size_bytes=pages * page)

    def outcome(self, row_id: int) -> Outcome:
        with self._lock:
            row = self._db.execute("SELECT state, local_ref, practice_id, result, last_error FROM outbox "
                                   "WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise KeyError(f"no outbox row {row_id}")
        state, local_ref, practice_id, result, error = row
        details = json.loads(result) if result else {}
        return Outcome(kind=OutcomeKind(state), row_id=row_id, local_ref=local_ref, practice_id=practice_id,
                       status=details.get("status"), documents=tuple(details.get("documents", ())),
                       payment=details.get("payment"), message=details.get("message", {}),
                       reasons=details.get("reasons", {}), error=error)

    def rows(self, state: OutcomeKind | None = None) -> list[Outcome]:
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                "SELECT id FROM outbox" + (" WHERE state = ?" if state else "") + " ORDER BY id",
                (state.value,) if state else ()).fetchall()]
        return [self.outcome(i) for i in ids]

    # --- used by the sender --------------------------------------------------------------------------------
    def next_due(self) -> PendingRow | None:
        now = self.clock.now().timestamp()
        with self._lock:
            row = self._db.execute("SELECT id, uuid, local_ref, service, payload, attempts, malformed FROM outbox "
                                   "WHERE state = 'pending' AND (next_attempt_at <= ? OR next_attempt_at > ?) "
                                   "ORDER BY id LIMIT 1", (now, now + MAX_SCHEDULE_AHEAD_S)).fetchone()
        return PendingRow(*row) if row else None

    def seconds_until_next_due(self) -> float | None:
        now = self.clock.now().timestamp()
        with self._lock:
            nxt = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()[0]
        if nxt is None:
            return None
        return 0.0 if nxt - now > MAX_SCHEDULE_AHEAD_S else max(0.0, nxt - now)

    def blobs_to_upload(self, row_id: int) -> list[tuple[str, bytes]]:
        with self._lock:
            return [(sha, bytes(data)) for sha, data in self._db.execute(
                "SELECT sha256, data FROM blobs WHERE outbox_id = ? AND uploaded = 0 ORDER BY sha256",
                (row_id,)).fetchall()]

    def mark_blob_uploaded(self, row_id: int, sha256: str) -> None:
        self._write("UPDATE blobs SET uploaded = 1 WHERE outbox_id = ? AND sha256 = ?", (row_id, sha256))

    def mark_blobs_not_uploaded(self, row_id: int) -> None:
        self._write("UPDATE blobs SET uploaded = 0 WHERE outbox_id = ?", (row_id,))

    def record_retry(self, row_id: int, error: str, delay_s: float, *, malformed: bool = False) -> None:
        self._write("UPDATE outbox SET attempts = attempts + 1, malformed = malformed + ?, last_error = ?, "
                    "next_attempt_at = ? WHERE id = ? AND state = 'pending'",
                    (1 if malformed else 0, error[:500], self.clock.now().timestamp() + delay_s, row_id))

    def record_delivered(self, row_id: int, practice_id: str, result: dict) -> None:
        """Delivered: keep the answer for the receipt, drop the photos and the citizen's data at once."""
        self._finish(row_id, "delivered", practice_id, result, None)

    def record_rejected(self, row_id: int, result: dict, error: str) -> None:
        self._finish(row_id, "rejected", None, result, error)

    def record_attention(self, row_id: int, error: str) -> None:
        """Not deliverable without a technician; the payload is kept so the row can be re-queued."""
        self._write("UPDATE outbox SET state = 'needs_attention', attempts = attempts + 1, last_error = ?, "
                    "finished_at = ? WHERE id = ? AND state = 'pending'",
                    (error[:500], self.clock.now().timestamp(), row_id))
        self.notify_waiters()

    def requeue_attention(self) -> int:
        """Technician action after fixing the cause (token, software): send needs-attention rows again."""
        with self._lock:
            cur = self._write("UPDATE outbox SET state = 'pending', malformed = 0, next_attempt_at = 0, "
                              "finished_at = NULL WHERE state = 'needs_attention'", ())
            return cur.rowcount

    def _finish(self, row_id: int, state: str, practice_id: str | None, result: dict, error: str | None) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("UPDATE outbox SET state = ?, practice_id = ?, result = ?, last_error = ?, "
                                 "finished_at = ?, payload = x'' WHERE id = ? AND state = 'pending'",
                                 (state, practice_id, json.dumps(result), error, self.clock.now().timestamp(),
                                  row_id))
                self._db.execute("DELETE FROM blobs WHERE outbox_id = ?", (row_id,))
                self._db.execute("COMMIT")
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self.changed.notify_all()

    def _write(self, sql: str, params: tuple) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def notify_waiters(self) -> None:
        """Wake callers blocked in a wait for an outcome (an outcome or the backend's availability changed)."""
        with self._lock:
            self.changed.notify_all()

    # --- retention -----------------------------------------------------------------------------------------
    def purge(self) -> int:
        """Delete finished (delivered/rejected) rows older than the retention period; give the space back."""
        cutoff = self.clock.now().timestamp() - self.retention_s
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM blobs WHERE outbox_id IN (SELECT id FROM outbox WHERE state IN "
                                 "('delivered', 'rejected') AND finished_at < ?)", (cutoff,))
                cur = self._db.execute("DELETE FROM outbox WHERE state IN ('delivered', 'rejected') "
                                       "AND finished_at < ?", (cutoff,))
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._db.execute("ROLLBACK")
                raise
            removed = cur.rowcount
            if removed:
                self._db.execute("PRAGMA incremental_vacuum")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if removed:
            log.info("purged %d finished requests older than %.0f days", removed, self.retention_s / 86400)
        return removed


def outcome_details(reply: Any) -> dict:
    """The part of a backend reply kept for the receipt (no citizen data)."""
    d = dataclasses.asdict(reply)
    return {"status": d["status"], "documents": d["documents"], "payment": d["payment"], "message": d["message"],
            "replayed": d["replayed"]}
