"""The HTTP client of the central backend: one requests.Session, verified TLS, bearer token from a 0600 file,
connect/read time-outs plus a whole-reply deadline (a slow drip cannot hang the sender), a fresh X-Request-Id per
call, typed errors and strictly validated replies. Runs on the caller's thread: call it from a worker, never the UI."""
from __future__ import annotations

import email.utils
import json
import logging
import os
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3

from kiosk.backend import replies
from kiosk.backend.errors import (BackendError, BadRequestError, CredentialsError, InProgressError,
                                  KeyReusedError, MalformedReplyError, MissingBlobError, RejectedError,
                                  RetryAfterError, TransientError)

log = logging.getLogger("kiosk.backend")

MAX_BLOB_BYTES = 1024 * 1024
MAX_REPLY_BYTES = 2 * 1024 * 1024
MAX_RETRY_AFTER_S = 3600.0
#: Every route this client calls, as "METHOD /path/{template}" (checked against api/openapi.yaml by the tests).
ROUTE_BLOB = "PUT /v1/blobs/{sha256}"
ROUTE_SUBMIT = "POST /v1/requests"
ROUTE_PRACTICE = "GET /v1/requests/{practice_id}"
ROUTE_CATALOG = "GET /v1/catalog"
ROUTE_HEARTBEAT = "POST /v1/kiosks/{kiosk_id}/heartbeat"
CLIENT_ROUTES = (ROUTE_BLOB, ROUTE_SUBMIT, ROUTE_PRACTICE, ROUTE_CATALOG, ROUTE_HEARTBEAT)


def read_token_file(path: str | os.PathLike) -> str:
    """The bearer token, refusing a file that group or others may read (the token is a kiosk's identity)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise CredentialsError(f"token file {p} does not exist") from None
    except OSError as exc:
        raise CredentialsError(f"token file {p} cannot be read ({exc.strerror})") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(f"token file {p} is accessible to other users (mode {stat.S_IMODE(st.st_mode):04o}); "
                               f"run: chmod 600 {p}")
    try:
        token = p.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"token file {p} cannot be read ({exc})") from None
    if not token or any(c.isspace() for c in token):
        raise CredentialsError(f"token file {p} does not contain a single token")
    return token


def write_token_file(path: str | os.PathLike, token: str) -> Path:
    """Create a token file with mode 0600 from the start (never world-readable, not even for an instant)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    os.chmod(p, 0o600)
    return p


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(0.0, delta), MAX_RETRY_AFTER_S)


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes
    route: str

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedReplyError(f"reply to {self.route} (HTTP {self.status}) is not valid JSON: {exc}") from None


class BackendClient:
    """One client per kiosk. Thread-safe enough for one sender and one heartbeat thread (requests.Session)."""

    def __init__(self, base_url: str, kiosk_id: str, token_file: str | os.PathLike, *, ca_bundle: str = "",
                 connect_timeout_s: float = 3.0, read_timeout_s: float = 10.0,
                 reply_deadline_s: float | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"backend URL must start with http:// or https://, found {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self._token = read_token_file(token_file)
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.reply_deadline_s = reply_deadline_s or (connect_timeout_s + 2 * read_timeout_s)
        self.session = requests.Session()
        self.session.verify = ca_bundle if ca_bundle else True
        self.session.trust_env = False
        self.session.headers.update({"Authorization": f"Bearer {self._token}", "X-Kiosk-Id": kiosk_id,
                                     "Accept": "application/json", "User-Agent": "polis-kiosk/1"})

    @classmethod
    def from_config(cls, cfg) -> "BackendClient":
        b = cfg.backend
        return cls(b.url, cfg.kiosk.id, b.token_file, ca_bundle=b.ca_bundle,
                   connect_timeout_s=b.connect_timeout_s, read_timeout_s=b.read_timeout_s)

    def close(self) -> None:
        self.session.close()

    # --- transport -----------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, route: str, *, body: bytes | None = None,
              headers: dict[str, str] | None = None, params: dict | None = None) -> _Reply:
        request_id = str(uuid.uuid4())
        hdrs = {"X-Request-Id": request_id, **(headers or {})}
        started = time.monotonic()
        try:
            resp = self.session.request(method, self.base_url + path, data=body, headers=hdrs, params=params,
                                        timeout=(self.connect_timeout_s, self.read_timeout_s), stream=True,
                                        allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise TransientError(f"{route}: TLS verification of the backend failed ({_short(exc)})") from None
        except requests.exceptions.Timeout:
            raise TransientError(f"{route}: the backend did not answer in time") from None
        except requests.exceptions.ConnectionError as exc:
            raise TransientError(f"{route}: cannot reach the backend ({_short(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"{route}: request failed ({_short(exc)})") from None
        try:
            chunks = []
            size = 0
            while True:
                try:                      # read1: whatever has arrived, so a slow drip meets the deadline
                    chunk = resp.raw.read1(16384)
                except urllib3.exceptions.HTTPError as exc:
                    raise requests.exceptions.ConnectionError(exc) from None
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise MalformedReplyError(f"reply to {route} is larger than {MAX_REPLY_BYTES} bytes")
                if time.monotonic() - started > self.reply_deadline_s:
                    raise TransientError(f"{route}: the reply took longer than {self.reply_deadline_s:g} s")
        except (requests.exceptions.RequestException, OSError) as exc:
            raise TransientError(f"{route}: the connection broke while reading the reply ({_short(exc)})") from None
        finally:
            resp.close()
        log.debug("%s -> %s (request %s, %.0f ms)", route, resp.status_code, request_id,
                  (time.monotonic() - started) * 1000)
        return _Reply(resp.status_code, resp.headers, b"".join(chunks), route)

    def _common_errors(self, reply: _Reply) -> None:
        """Status codes every route shares: credentials, overload, server errors."""
        st = reply.status
        if st in (401, 403):
            raise CredentialsError(f"{reply.route}: the backend refused this kiosk's credentials (HTTP {st})")
        if st in (429, 503):
            after = parse_retry_after(reply.headers.get("Retry-After"))
            if after is not None:
                raise RetryAfterError(f"{reply.route}: backend busy (HTTP {st}), retry after {after:g} s", after)
            raise TransientError(f"{reply.route}: backend busy (HTTP {st})")
        if st >= 500:
            raise TransientError(f"{reply.route}: backend error (HTTP {st})")

    # --- routes --------------------------------------------------------------------------------------------
    def put_blob(self, sha256: str, data: bytes) -> bool:
        """Upload a photo. True if newly stored, False if the backend already had it."""
        route = ROUTE_BLOB
        reply = self._call("PUT", f"/v1/blobs/{sha256}", route, body=data,
                           headers={"Content-Type": "image/jpeg"})
        self._common_errors(reply)
        if reply.status in (200, 201):
            return reply.status == 201
        if reply.status in (400, 413, 415):
            raise BadRequestError(f"{route}: the backend refused the photo (HTTP {reply.status}: "
                                  f"{_error_code(reply)})")
        raise MalformedReplyError(f"{route}: unexpected HTTP {reply.status}")

    def submit_request(self, body: bytes, idempotency_key: str, expected_local_ref: str) -> replies.RequestReply:
        """POST the stored request bytes exactly as stored (same key must carry the same payload)."""
        route = ROUTE_SUBMIT
        reply = self._call("POST", "/v1/requests", route, body=body,
                           headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key})
        self._common_errors(reply)
        st = reply.status
        if st in (200, 201):
            return replies.read_request_reply(reply.json(), expected_local_ref=expected_local_ref,
                                              replayed=st == 200)
        if st == 409:
            after = parse_retry_after(reply.headers.get("Retry-After"))
            raise InProgressError(f"{route}: the backend is still processing this request"
                                  + (f" (retry after {after:g} s)" if after else ""))
        if st == 422:
            data = reply.json()
            code = data.get("error") if isinstance(data, dict) else None
            if code == "idempotency_key_reused":
                raise KeyReusedError(f"{route}: Idempotency-Key {idempotency_key} was used for another payload")
            if code == "missing_blob":
                raise MissingBlobError(f"{route}: the backend has not got an attachment yet")
            if code == "validation":
                fields = data.get("fields")
                if not isinstance(fields, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                           for k, v in fields.items()):
                    raise MalformedReplyError(f"reply to {route}: 422 validation without a fields object")
                raise RejectedError(f"{route}: the backend refused the data ({', '.join(sorted(fields))})",
                                    "validation", fields)
            raise MalformedReplyError(f"reply to {route}: 422 with unknown error {code!r}")
        if st == 404:
            raise RejectedError(f"{route}: the backend does not know this service", "unknown_service")
        if st == 400:
            raise BadRequestError(f"{route}: the backend says the request is malformed ({_error_code(reply)})")
        raise MalformedReplyError(f"{route}: unexpected HTTP {st}")

    def get_request(self, practice_id: str) -> replies.PracticeStatus:
        route = ROUTE_PRACTICE
        reply = self._call("GET", f"/v1/requests/{requests.utils.quote(practice_id, safe='')}", route)
        self._common_errors(reply)
        if reply.status == 200:
            return replies.read_practice_status(reply.json(), route)
        if reply.status == 404:
            raise RejectedError(f"{route}: unknown practice", "unknown_practice")
        raise MalformedReplyError(f"{route}: unexpected HTTP {reply.status}")

    def get_catalog(self, locale: str, etag: str | None = None) -> replies.Catalog | None:
        """The catalog, or None when the backend says our copy (``etag``) is still current."""
        route = ROUTE_CATALOG
        reply = self._call("GET", "/v1/catalog", route, params={"locale": locale},
                           headers={"If-None-Match": etag} if etag else None)
        self._common_errors(reply)
        if reply.status == 304:
            return None
        if reply.status == 200:
            new_etag = reply.headers.get("ETag")
            if not new_etag:
                raise MalformedReplyError(f"reply to {route}: no ETag header")
            return replies.read_catalog(reply.json(), new_etag, route)
        raise MalformedReplyError(f"{route}: unexpected HTTP {reply.status}")

    def heartbeat(self, body: dict) -> replies.HeartbeatReply:
        route = ROUTE_HEARTBEAT
        reply = self._call("POST", f"/v1/kiosks/{requests.utils.quote(self.kiosk_id, safe='')}/heartbeat", route,
                           body=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"})
        self._common_errors(reply)
        if reply.status == 200:
            return replies.read_heartbeat_reply(reply.json(), route)
        if reply.status in (400, 404):
            raise BadRequestError(f"{route}: refused (HTTP {reply.status}: {_error_code(reply)})")
        raise MalformedReplyError(f"{route}: unexpected HTTP {reply.status}")


def _error_code(reply: _Reply) -> str:
    try:
        data = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "no details"
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"][:80]
    return "no details"


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:157] + "..."


__all__ = ["BackendClient", "BackendError", "read_token_file", "write_token_file", "parse_retry_after"]
