"""The backend's catalog of services this kiosk may offer, fetched with ETag and kept on disk, so a kiosk that
starts while the backend is unreachable still offers what it offered last time."""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import threading
from pathlib import Path

from kiosk.backend.client import BackendClient
from kiosk.backend.errors import BackendError, MalformedReplyError
from kiosk.backend.replies import Catalog, read_catalog

log = logging.getLogger("kiosk.catalog")


def atomic_write_json(path: Path, data: dict) -> None:
    """Write-to-temp, fsync, rename, fsync the directory: a power cut leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class CatalogSync:
    def __init__(self, client: BackendClient, cache_path: str | os.PathLike, locale: str = "it") -> None:
        self.client = client
        self.cache_path = Path(cache_path)
        self.locale = locale
        self._lock = threading.Lock()
        self.current: Catalog | None = self.load_cached()
        self.last_error: str | None = None

    @property
    def etag(self) -> str | None:
        return self.current.etag if self.current else None

    def load_cached(self) -> Catalog | None:
        """The last good catalog from disk, or None (a damaged cache is reported and ignored, never trusted)."""
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.error("catalog cache %s is unreadable (%s); waiting for the backend", self.cache_path, exc)
            return None
        try:
            if not isinstance(data, dict) or not isinstance(data.get("etag"), str):
                raise MalformedReplyError("catalog cache: etag missing")
            return read_catalog(data.get("body"), data["etag"], route=f"catalog cache {self.cache_path}")
        except MalformedReplyError as exc:
            log.error("%s; ignoring the cache", exc)
            return None

    def refresh(self) -> Catalog | None:
        """Ask the backend (If-None-Match our ETag). On any failure keep working from the copy we have."""
        with self._lock:
            try:
                fresh = self.client.get_catalog(self.locale, self.etag)
            except BackendError as exc:
                self.last_error = str(exc)
                log.warning("catalog refresh failed, keeping %s: %s",
                            f"cached copy {self.etag}" if self.current else "no catalog", exc)
                return self.current
            self.last_error = None
            if fresh is None:
                return self.current
            try:
                atomic_write_json(self.cache_path, {"etag": fresh.etag, "body": fresh.raw,
                                                    "fetched_at": _dt.datetime.now().astimezone().isoformat()})
            except OSError as exc:
                log.error("cannot save the catalog cache %s: %s", self.cache_path, exc)
            log.info("catalog updated: %d services (etag %s)", len(fresh.services), fresh.etag)
            self.current = fresh
            return fresh
