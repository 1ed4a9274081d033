"""The central backend as a loopback HTTP(S) server: the whole contract of api/openapi.yaml over real HTTP, with
its own SQLite store, real idempotency and injectable faults. Tests, `--simulate` mode and developers use it.

    sim = BackendSimulator("/tmp/backend.sqlite", port=0)
    url = sim.start()                      # "http://127.0.0.1:PORT"
    sim.provision_kiosk("PT-00123", "/tmp/token")   # token file (0600) for the kiosk
    ...
    sim.stop()
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
import secrets
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk.backend.client import write_token_file
from simulators.backend import services as svc
from simulators.backend.faults import MALFORMED_KINDS, FaultDice, Faults
from simulators.backend.notices import notice_code
from simulators.backend.store import SimStore, now_iso

log = logging.getLogger("kiosk.sim.backend")

MAX_BLOB = 1024 * 1024
MAX_BODY = 256 * 1024
#: Every route served, as (method, OpenAPI path). tests/backend checks these are all in api/openapi.yaml.
ROUTES = [
    ("PUT", "/v1/blobs/{sha256}"),
    ("POST", "/v1/requests"),
    ("GET", "/v1/requests/{practice_id}"),
    ("GET", "/v1/catalog"),
    ("POST", "/v1/kiosks/{kiosk_id}/heartbeat"),
    ("GET", "/admin/faults"),
    ("POST", "/admin/faults"),
    ("POST", "/admin/commands"),
    ("POST", "/admin/catalog"),
    ("GET", "/admin/stats"),
]
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_SHA = re.compile(r"[0-9a-f]{64}\Z")
COMMAND_TYPES = ("out_of_service", "in_service", "reload_catalog", "restart_app", "print_test")


class _Drop(Exception):
    """Close the connection without a reply (after the work is done)."""


class BackendSimulator:
    def __init__(self, db_path: str | Path, port: int = 0, host: str = "127.0.0.1", *,
                 faults: Faults | None = None, tls_cert: str | None = None, tls_key: str | None = None) -> None:
        self.store = SimStore(db_path)
        self.store.execute("DELETE FROM requests WHERE state = 'processing'")
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self.dice = FaultDice(self.faults)
        self.disabled: set[str] = set()
        self.tls = (tls_cert, tls_key) if tls_cert and tls_key else None
        self.served: set[tuple[str, str]] = set()     # (method, OpenAPI path) of every call answered
        self.call_log: list[tuple[str, str]] = []       # (method, concrete path), in order of arrival
        self.request_ids: list[str] = []                # X-Request-Id of each /v1 call, in order of arrival
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> str:
        handler = type("BoundHandler", (_Handler,), {"sim": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        scheme = "http"
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True,
                                                 do_handshake_on_connect=False)
            scheme = "https"
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="backend-sim", daemon=True)
        self._thread.start()
        log.info("backend simulator on %s://%s:%d", scheme, self.host, self.port)
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()

    def provision_kiosk(self, kiosk_id: str, token_file: str | Path) -> Path:
        """Register a kiosk and write its bearer token to ``token_file`` with mode 0600."""
        token = self.store.add_kiosk(kiosk_id)
        return write_token_file(token_file, token)

    def set_faults(self, **values: Any) -> None:
        self.faults.update(values)
        if "seed" in values:
            self.dice.reseed()

    # --- business ------------------------------------------------------------------------------------------
    def catalog(self) -> tuple[dict, str]:
        body = {"services": svc.catalog_entries(frozenset(self.disabled))}
        etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20] + '"'
        return body, etag

    def process_request(self, kiosk_id: str, payload: dict) -> tuple[int, dict]:
        """Decide the reply to a new request (the idempotency layer stores whatever this returns)."""
        service = svc.SERVICES.get(payload["service"])
        if service is None or service.id in self.disabled:
            return 404, {"error": "unknown_service"}
        for att in payload["attachments"]:
            if not self.store.has_blob(att["sha256"]):
                return 422, {"error": "missing_blob"}
        problems: dict[str, str] = {}
        citizen = payload["citizen"]
        cf_problem = svc.codice_fiscale_problem(citizen.get("codice_fiscale", ""))
        if cf_problem:
            problems["citizen.codice_fiscale"] = cf_problem
        for key in ("surname", "given_name"):
            if not isinstance(citizen.get(key), str) or not citizen[key].strip():
                problems[f"citizen.{key}"] = "required"
        if service.photo_required and not any(a.get("kind") == "photo" for a in payload["attachments"]):
            problems["photo"] = "a document photo is required"
        fields = payload["fields"]
        payment = None
        if service.kind == "payment":
            code = fields.get("notice_code")
            payee = fields.get("payee_tax_code")
            amount = fields.get("amount_cents")
            if not isinstance(code, str) or not _valid_notice(code):
                problems["fields.notice_code"] = "not a valid pagoPA notice code"
            if not isinstance(payee, str) or not (len(payee) == 11 and payee.isdigit()):
                problems["fields.payee_tax_code"] = "11 digits required"
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                problems["fields.amount_cents"] = "a positive amount in cents is required"
            if not problems:
                payment = {"notice_code": code, "payee_tax_code": payee, "amount_cents": amount,
                           "description": "Avviso pagoPA"}
        if service.kind == "booking" and not isinstance(fields.get("date"), str):
            problems["fields.date"] = "required"
        if problems:
            return 422, {"error": "validation", "fields": problems}
        seq = self.store.next_counter("practice")
        year = _dt.date.today().year
        practice_id = f"PR-{year}-{seq:08d}"
        documents = []
        if service.kind in ("certificate", "booking"):
            code = f"{service.doc_prefix}-{year}-{seq:08d}-{secrets.token_hex(2).upper()}"
            documents.append({"kind": "certificate" if service.kind == "certificate" else "booking",
                              "code": code, "verify_url": f"https://verifica.polis.example/d/{code}"})
        if service.fee_cents:
            payment = {"notice_code": notice_code(1, seq), "payee_tax_code": service.payee,
                       "amount_cents": service.fee_cents, "description": service.fee_description}
        status = "accepted" if service.kind == "application" else "completed"
        message = ({"it": "Richiesta accettata: riceverai una comunicazione.",
                    "en": "Request accepted: you will be contacted."} if status == "accepted" else
                   {"it": "Documento pronto.", "en": "Document ready."})
        return 201, {"practice_id": practice_id, "local_ref": payload["local_ref"], "status": status,
                     "documents": documents, "payment": payment, "message": message}


def _valid_notice(code: str) -> bool:
    if len(code) != 18 or not code.isdigit() or code[0] not in "013":
        return False
    return code[0] != "3" or int(code[:16]) % 93 == int(code[16:])


def _is_rfc3339(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return _dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def request_payload_problem(p: Any) -> str | None:
    """Why a POST /v1/requests body is malformed (400), or None."""
    if not isinstance(p, dict):
        return "body must be a JSON object"
    for key, typ in (("kiosk_id", str), ("local_ref", str), ("service", str), ("locale", str),
                     ("created_at", str), ("citizen", dict), ("fields", dict), ("attachments", list)):
        if not isinstance(p.get(key), typ):
            return f"{key} is missing or of the wrong type"
    if not _is_rfc3339(p["created_at"]):
        return "created_at must be RFC 3339 with offset"
    for att in p["attachments"]:
        if not isinstance(att, dict) or not isinstance(att.get("sha256"), str) or not _SHA.match(att["sha256"]) \
                or att.get("content_type") != "image/jpeg" or not isinstance(att.get("kind"), str):
            return "attachments must be {kind, sha256, content_type: image/jpeg}"
    return None


def heartbeat_problem(b: Any) -> str | None:
    if not isinstance(b, dict):
        return "body must be a JSON object"
    if not _is_rfc3339(b.get("at")):
        return "at must be RFC 3339 with offset"
    for key, typ in (("version", str), ("uptime_s", (int, float)), ("devices", dict), ("outbox", dict),
                     ("disk_free_mb", (int, float)), ("recent_errors", list)):
        if not isinstance(b.get(key), typ):
            return f"{key} is missing or of the wrong type"
    if not isinstance(b["outbox"].get("pending"), int):
        return "outbox.pending must be a whole number"
    acked = b.get("acked_commands", [])
    if not isinstance(acked, list) or not all(isinstance(a, str) for a in acked):
        return "acked_commands must be a list of ids"
    return None


class _Handler(BaseHTTPRequestHandler):
    sim: BackendSimulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True      # headers and body go out in separate writes
    server_version = "PolisBackendSim/1"

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError, ssl.SSLError) as exc:
            log.debug("connection from %s ended: %s", self.address_string(), exc)

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("%s " + fmt, self.address_string(), *args)

    # --- plumbing ------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        rid = self.headers.get("X-Request-Id")
        if rid:
            self.send_header("X-Request-Id", rid[:64])
        self.end_headers()
        drip = self.sim.faults.drip_ms
        if drip and body:
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(drip / 1000)
            except OSError:
                self.close_connection = True       # the client gave up on the slow reply
        else:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), headers)

    def _reply_success(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        """A successful reply, unless a fault loses it (drop) or garbles it (malformed) — the work is done."""
        if self.path.startswith("/v1/") and self.sim.dice.hit(self.sim.faults.drop_rate):
            raise _Drop()
        if self.path.startswith("/v1/") and self.sim.dice.hit(self.sim.faults.malformed_rate):
            kind = self.sim.dice.choice(MALFORMED_KINDS)
            self._send(status, _malformed(kind, obj), headers)
            return
        self._json(status, obj, headers)

    def _read_body(self, limit: int) -> bool:
        """Read the whole request body first (keep-alive needs it consumed even when we answer early).
        False when a reply (411/413) was already sent."""
        self._raw = b""
        text = self.headers.get("Content-Length")
        if text is None:
            return True
        try:
            length = int(text)
        except ValueError:
            self.close_connection = True
            self._json(411, {"error": "length_required"})
            return False
        if length > limit:
            self.close_connection = True
            self._json(413, {"error": "too_large"})
            return False
        self._raw = self.rfile.read(length)
        return True

    def _auth(self) -> str | None:
        header = self.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        kiosk = self.sim.store.kiosk_for_token(token) if token else None
        if kiosk is None:
            self._json(401, {"error": "unauthorized"})
            return None
        if self.headers.get("X-Kiosk-Id") != kiosk:
            self._json(403, {"error": "forbidden"})
            return None
        return kiosk

    def _faults_before(self) -> bool:
        """Latency, overload and random errors, applied before any work. True if a reply was sent."""
        f = self.sim.faults
        if f.latency_ms:
            time.sleep(f.latency_ms / 1000)
        if f.unavailable_retry_after is not None:
            self._json(f.unavailable_status, {"error": "unavailable"},
                       {"Retry-After": str(f.unavailable_retry_after)})
            return True
        if f.override_status is not None:
            headers = {"Retry-After": f.override_retry_after} if f.override_retry_after is not None else None
            self._send(f.override_status, f.override_body.encode("latin-1"), headers)
            return True
        if self.sim.dice.hit(f.error_rate):
            self._json(self.sim.dice.choice((500, 502, 503)), {"error": "internal"})
            return True
        return False

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in parsed.path.split("/") if p]
        if not self._read_body(MAX_BLOB if method == "PUT" else MAX_BODY):
            return
        try:
            if parts[:1] == ["admin"]:
                self._served(method, parsed.path.rstrip("/"))
                self._admin(method, parts[1:])
                return
            if parts[:1] != ["v1"]:
                self._json(404, {"error": "not_found"})
                return
            self.sim.call_log.append((method, parsed.path))
            self.sim.request_ids.append(self.headers.get("X-Request-Id", ""))
            if self._faults_before():
                return
            kiosk = self._auth()
            if kiosk is None:
                return
            route = (method, tuple(parts[1:2]), len(parts))
            if route == ("PUT", ("blobs",), 3):
                self._served(method, "/v1/blobs/{sha256}")
                self._put_blob(parts[2])
            elif route == ("POST", ("requests",), 2):
                self._served(method, "/v1/requests")
                self._post_request(kiosk)
            elif route == ("GET", ("requests",), 3):
                self._served(method, "/v1/requests/{practice_id}")
                self._get_request(kiosk, parts[2])
            elif route == ("GET", ("catalog",), 2):
                self._served(method, "/v1/catalog")
                self._get_catalog()
            elif method == "POST" and len(parts) == 4 and parts[1] == "kiosks" and parts[3] == "heartbeat":
                self._served(method, "/v1/kiosks/{kiosk_id}/heartbeat")
                self._heartbeat(kiosk, parts[2])
            else:
                self._json(404, {"error": "not_found"})
        except _Drop:
            log.debug("dropping the connection after processing %s %s", method, parsed.path)
            self.close_connection = True

    def _served(self, method: str, template: str) -> None:
        self.sim.served.add((method, template))

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # --- routes --------------------------------------------------------------------------------------------
    def _put_blob(self, sha: str) -> None:
        if not _SHA.match(sha):
            self._json(400, {"error": "bad_hash"})
            return
        data = self._raw
        if hashlib.sha256(data).hexdigest() != sha:
            self._json(400, {"error": "hash_mismatch"})
            return
        if not data.startswith(b"\xff\xd8\xff"):
            self._json(415, {"error": "not_jpeg"})
            return
        created = self.sim.store.put_blob(sha, data)
        self._reply_success(201 if created else 200, {"sha256": sha, "size": len(data)})

    def _post_request(self, kiosk: str) -> None:
        raw = self._raw
        key = self.headers.get("Idempotency-Key", "")
        if not _UUID.match(key):
            self._json(400, {"error": "malformed", "detail": "Idempotency-Key must be a UUID"})
            return
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._json(400, {"error": "malformed", "detail": "body is not JSON"})
            return
        problem = request_payload_problem(payload)
        if problem is None and payload["kiosk_id"] != kiosk:
            problem = "kiosk_id does not match the credentials"
        if problem:
            self._json(400, {"error": "malformed", "detail": problem})
            return
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        store = self.sim.store
        with store.transaction() as db:
            row = db.execute("SELECT payload_hash, state, status_code, reply FROM requests WHERE idem_key = ?",
                             (key,)).fetchone()
            if row is None:
                db.execute("INSERT INTO requests (idem_key, kiosk_id, payload_hash, state, local_ref, service, "
                           "created, updated) VALUES (?, ?, ?, 'processing', ?, ?, ?, ?)",
                           (key, kiosk, digest, payload["local_ref"], payload["service"], now_iso(), now_iso()))
        if row is not None:
            stored_hash, state, code, reply = row
            if stored_hash != digest:
                self._json(422, {"error": "idempotency_key_reused"})
            elif state == "processing":
                self._json(409, {"error": "in_progress"}, {"Retry-After": "1"})
            else:
                self._reply_success(200 if code == 201 else code, json.loads(reply))
            return
        try:
            if self.sim.faults.processing_ms:
                time.sleep(self.sim.faults.processing_ms / 1000)
            code, reply = self.sim.process_request(kiosk, payload)
        except Exception:
            store.execute("DELETE FROM requests WHERE idem_key = ?", (key,))
            log.exception("simulator failed processing a request")
            self._json(500, {"error": "internal"})
            return
        if code == 422 and reply.get("error") == "missing_blob":
            store.execute("DELETE FROM requests WHERE idem_key = ?", (key,))
        else:
            status = reply.get("status") if code == 201 else None
            store.execute("UPDATE requests SET state = 'done', status_code = ?, reply = ?, practice_id = ?, "
                          "practice_status = ?, updated = ? WHERE idem_key = ?",
                          (code, json.dumps(reply), reply.get("practice_id"), status, now_iso(), key))
        if code == 201:
            self._reply_success(201, reply)
        else:
            self._json(code, reply)

    def _get_request(self, kiosk: str, practice_id: str) -> None:
        row = self.sim.store.execute("SELECT kiosk_id FROM requests WHERE practice_id = ?",
                                     (practice_id,)).fetchone()
        if row is None or row[0] != kiosk:
            self._json(404, {"error": "not_found"})
            return
        self._reply_success(200, self.sim.store.practice(practice_id))

    def _get_catalog(self) -> None:
        body, etag = self.sim.catalog()
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._reply_success(200, body, {"ETag": etag, "Cache-Control": "no-cache"})

    def _heartbeat(self, kiosk: str, path_kiosk: str) -> None:
        raw = self._raw
        if path_kiosk != kiosk:
            self._json(403, {"error": "forbidden"})
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        problem = heartbeat_problem(body)
        if problem:
            self._json(400, {"error": "malformed", "detail": problem})
            return
        store = self.sim.store
        store.add_heartbeat(kiosk, body)
        store.ack_commands(kiosk, body.get("acked_commands", []))
        _, etag = self.sim.catalog()
        self._reply_success(200, {"server_time": now_iso(), "catalog_etag": etag,
                                  "commands": store.pending_commands(kiosk)})

    # --- admin (simulator only; loopback) ------------------------------------------------------------------
    def _admin(self, method: str, parts: list[str]) -> None:
        sim = self.sim
        if method == "GET" and parts == ["faults"]:
            self._json(200, sim.faults.as_dict())
        elif method == "GET" and parts == ["stats"]:
            rows = sim.store.requests()
            self._json(200, {"requests": len(rows), "completed": sum(r["status_code"] == 201 for r in rows),
                             "faults": sim.faults.as_dict()})
        elif method == "POST" and parts in (["faults"], ["commands"], ["catalog"]):
            raw = self._raw
            try:
                body = json.loads(raw.decode("utf-8") or "{}")
                if not isinstance(body, dict):
                    raise ValueError("body must be a JSON object")
                if parts == ["faults"]:
                    sim.set_faults(**body)
                    self._json(200, sim.faults.as_dict())
                elif parts == ["commands"]:
                    if body.get("type") not in COMMAND_TYPES or not isinstance(body.get("kiosk_id"), str):
                        raise ValueError(f"need kiosk_id and type in {COMMAND_TYPES}")
                    cid = sim.store.queue_command(body["kiosk_id"], body["type"], body.get("message"))
                    self._json(201, {"id": cid})
                else:
                    disabled = body.get("disabled", [])
                    if not isinstance(disabled, list):
                        raise ValueError("disabled must be a list of service ids")
                    sim.disabled = set(disabled)
                    self._json(200, {"etag": sim.catalog()[1]})
            except (ValueError, TypeError, UnicodeDecodeError) as exc:
                self._json(400, {"error": "bad_admin_request", "detail": str(exc)})
        else:
            self._json(404, {"error": "not_found"})


def _malformed(kind: str, obj: Any) -> bytes:
    good = json.dumps(obj).encode("utf-8")
    if kind == "truncated":
        return good[: max(1, len(good) // 2)]
    if kind == "not_json":
        return b"\x00\xffnot json at all"
    if kind == "empty":
        return b""
    if kind == "html":
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    if kind == "array":
        return b"[1, 2, 3]"
    if isinstance(obj, dict) and obj:
        broken = dict(obj)
        key = sorted(broken)[0]
        if kind == "missing_field":
            del broken[key]
        else:
            broken[key] = [None, 12.5]
        return json.dumps(broken).encode("utf-8")
    return b"{}"
