"""The simulated backend's own SQLite store: kiosks and tokens, blobs, requests by Idempotency-Key, practices,
heartbeats and queued commands. Shared by the server thread pool (one connection behind a lock) and by the CLI,
which queues commands into the same file while the server runs."""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (kiosk_id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    idem_key TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, payload_hash TEXT NOT NULL, state TEXT NOT NULL,
    status_code INTEGER, reply TEXT, practice_id TEXT UNIQUE, local_ref TEXT, service TEXT,
    practice_status TEXT, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, type TEXT NOT NULL, message TEXT, created TEXT NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0, acked_at TEXT);
CREATE TABLE IF NOT EXISTS heartbeats (id INTEGER PRIMARY KEY, kiosk_id TEXT NOT NULL, at TEXT NOT NULL,
    body TEXT NOT NULL);
"""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


class SimStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._db.execute(sql, params)

    def transaction(self):
        return _Tx(self)

    # --- kiosks --------------------------------------------------------------------------------------------
    def add_kiosk(self, kiosk_id: str, token: str | None = None) -> str:
        token = token or uuid.uuid4().hex + uuid.uuid4().hex
        self.execute("INSERT OR REPLACE INTO kiosks (kiosk_id, token) VALUES (?, ?)", (kiosk_id, token))
        return token

    def kiosk_for_token(self, token: str) -> str | None:
        row = self.execute("SELECT kiosk_id FROM kiosks WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None

    # --- blobs ---------------------------------------------------------------------------------------------
    def put_blob(self, sha: str, data: bytes) -> bool:
        cur = self.execute("INSERT OR IGNORE INTO blobs (sha256, data, created) VALUES (?, ?, ?)",
                           (sha, data, now_iso()))
        return cur.rowcount == 1

    def has_blob(self, sha: str) -> bool:
        return self.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (sha,)).fetchone() is not None

    # --- requests ------------------------------------------------------------------------------------------
    def next_counter(self, name: str) -> int:
        with self.lock:
            self._db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES (?, 0)", (name,))
            self._db.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
            return self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    def requests(self) -> list[dict[str, Any]]:
        """Every processed request (for tests, the crash test's audit and `/admin/stats`)."""
        cur = self.execute("SELECT idem_key, kiosk_id, state, status_code, practice_id, local_ref, service, reply "
                           "FROM requests ORDER BY created")
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def practice(self, practice_id: str) -> dict | None:
        row = self.execute("SELECT reply, practice_status, updated FROM requests WHERE practice_id = ?",
                           (practice_id,)).fetchone()
        if row is None:
            return None
        reply = json.loads(row[0])
        return {"practice_id": practice_id, "status": row[1], "updated_at": row[2],
                "documents": reply["documents"], "payment": reply["payment"]}

    # --- commands ------------------------------------------------------------------------------------------
    def queue_command(self, kiosk_id: str, type_: str, message: str | None = None) -> str:
        cid = "cmd-" + uuid.uuid4().hex[:12]
        self.execute("INSERT INTO commands (id, kiosk_id, type, message, created) VALUES (?, ?, ?, ?, ?)",
                     (cid, kiosk_id, type_, message, now_iso()))
        return cid

    def pending_commands(self, kiosk_id: str) -> list[dict]:
        with self.lock:
            rows = self._db.execute("SELECT id, type, message FROM commands WHERE kiosk_id = ? AND acked_at IS NULL "
                                    "ORDER BY created", (kiosk_id,)).fetchall()
            self._db.execute("UPDATE commands SET sent_count = sent_count + 1 WHERE kiosk_id = ? AND acked_at IS NULL",
                             (kiosk_id,))
        out = []
        for cid, type_, message in rows:
            cmd = {"id": cid, "type": type_}
            if message:
                cmd["message"] = message
            out.append(cmd)
        return out

    def ack_commands(self, kiosk_id: str, ids: list[str]) -> None:
        for cid in ids:
            self.execute("UPDATE commands SET acked_at = ? WHERE id = ? AND kiosk_id = ? AND acked_at IS NULL",
                         (now_iso(), cid, kiosk_id))

    def commands(self, kiosk_id: str) -> list[dict]:
        cur = self.execute("SELECT id, type, message, sent_count, acked_at FROM commands WHERE kiosk_id = ? "
                           "ORDER BY created", (kiosk_id,))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def add_heartbeat(self, kiosk_id: str, body: dict) -> None:
        self.execute("INSERT INTO heartbeats (kiosk_id, at, body) VALUES (?, ?, ?)",
                     (kiosk_id, now_iso(), json.dumps(body)))

    def heartbeats(self, kiosk_id: str) -> list[dict]:
        return [json.loads(r[0]) for r in self.execute(
            "SELECT body FROM heartbeats WHERE kiosk_id = ? ORDER BY id", (kiosk_id,)).fetchall()]


class _Tx:
    """BEGIN IMMEDIATE … COMMIT under the store lock."""

    def __init__(self, store: SimStore) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store.lock.acquire()
        self.store._db.execute("BEGIN IMMEDIATE")
        return self.store._db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.store._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.store.lock.release()
