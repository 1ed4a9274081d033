"""Strict readers for every reply of the backend contract (api/openapi.yaml).

A reply is turned into a frozen dataclass only when every field is present and of the right type; otherwise
``MalformedReplyError`` names the route and the field, so a half-read object never reaches the outbox or a receipt.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from kiosk.backend.errors import MalformedReplyError

REQUEST_STATUSES = ("completed", "accepted", "rejected")
COMMAND_TYPES = ("out_of_service", "in_service", "reload_catalog", "restart_app", "print_test")
_DIGITS = re.compile(r"[0-9]+\Z")


@dataclass(frozen=True)
class Document:
    kind: str
    code: str
    verify_url: str


@dataclass(frozen=True)
class Payment:
    notice_code: str
    payee_tax_code: str
    amount_cents: int
    description: str

    def qr_text(self) -> str:
        """The pagoPA QR payload printed on the receipt."""
        return f"PAGOPA|002|{self.notice_code}|{self.payee_tax_code}|{self.amount_cents}"


@dataclass(frozen=True)
class RequestReply:
    practice_id: str
    local_ref: str
    status: str
    documents: tuple[Document, ...]
    payment: Payment | None
    message: dict[str, str]
    replayed: bool = False


@dataclass(frozen=True)
class PracticeStatus:
    practice_id: str
    status: str
    updated_at: str
    documents: tuple[Document, ...]
    payment: Payment | None


@dataclass(frozen=True)
class Command:
    id: str
    type: str
    message: str | None = None


@dataclass(frozen=True)
class HeartbeatReply:
    server_time: str
    catalog_etag: str | None
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class CatalogService:
    id: str
    name: dict[str, str]
    fee_cents: int
    photo_required: bool
    immediate: bool
    message: dict[str, str]


@dataclass(frozen=True)
class Catalog:
    etag: str
    services: tuple[CatalogService, ...]
    raw: dict


class _Reader:
    """Typed field access that raises MalformedReplyError naming the route and the path of the bad field."""

    def __init__(self, route: str) -> None:
        self.route = route

    def fail(self, path: str, want: str, value: Any) -> MalformedReplyError:
        # Text is described, not quoted: a garbled reply may carry a citizen's data, and this goes to the log.
        if isinstance(value, str):
            shown = f"text of {len(value)} characters"
        elif isinstance(value, (dict, list)):
            shown = f"{type(value).__name__} of {len(value)} items"
        else:
            shown = repr(value)[:40]
        return MalformedReplyError(f"reply to {self.route}: {path} should be {want}, found {shown}")

    def obj(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, "an object", value)
        return value

    def get(self, obj: dict, key: str, path: str) -> Any:
        if key not in obj:
            raise MalformedReplyError(f"reply to {self.route}: {path}.{key} is missing")
        return obj[key]

    def text(self, obj: dict, key: str, path: str, *, allow_empty: bool = False, max_len: int = 2000) -> str:
        value = self.get(obj, key, path)
        if not isinstance(value, str) or (not allow_empty and not value.strip()) or len(value) > max_len:
            raise self.fail(f"{path}.{key}", "non-empty text" if not allow_empty else "text", value)
        return value

    def integer(self, obj: dict, key: str, path: str, *, lo: int, hi: int) -> int:
        value = self.get(obj, key, path)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(f"{path}.{key}", f"a whole number from {lo} to {hi}", value)
        return value

    def boolean(self, obj: dict, key: str, path: str) -> bool:
        value = self.get(obj, key, path)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", "true or false", value)
        return value

    def choice(self, obj: dict, key: str, path: str, choices: tuple[str, ...]) -> str:
        value = self.get(obj, key, path)
        if value not in choices or not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"one of {', '.join(choices)}", value)
        return value

    def timestamp(self, obj: dict, key: str, path: str) -> str:
        value = self.text(obj, key, path)
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(f"{path}.{key}", "an RFC 3339 time", value) from None
        if parsed.tzinfo is None:
            raise self.fail(f"{path}.{key}", "an RFC 3339 time with offset", value)
        return value

    def messages(self, obj: dict, key: str, path: str) -> dict[str, str]:
        value = self.obj(self.get(obj, key, path), f"{path}.{key}")
        out: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(lang, str) or not isinstance(text, str):
                raise self.fail(f"{path}.{key}.{lang}", "text", text)
            out[lang] = text
        if "it" not in out:
            raise MalformedReplyError(f"reply to {self.route}: {path}.{key}.it is missing")
        return out


def notice_code_problem(code: str) -> str | None:
    """Why a pagoPA notice code is invalid, or None. Aux digit 0, 1 or 3 + 17 digits; aux 3 carries a
    mod-93 check on the preceding 16 digits."""
    if not isinstance(code, str) or len(code) != 18 or not _DIGITS.match(code):
        return "should be 18 digits"
    if code[0] not in "013":
        return "should start with aux digit 0, 1 or 3"
    if code[0] == "3" and int(code[:16]) % 93 != int(code[16:]):
        return "has a wrong check number"
    return None


def _documents(r: _Reader, obj: dict, path: str) -> tuple[Document, ...]:
    items = r.get(obj, "documents", path)
    if not isinstance(items, list):
        raise r.fail(f"{path}.documents", "a list", items)
    docs = []
    for i, item in enumerate(items):
        p = f"{path}.documents[{i}]"
        d = r.obj(item, p)
        url = r.text(d, "verify_url", p)
        if not url.startswith(("https://", "http://")):
            raise r.fail(f"{p}.verify_url", "an http(s) URL", url)
        docs.append(Document(kind=r.text(d, "kind", p), code=r.text(d, "code", p), verify_url=url))
    return tuple(docs)


def _payment(r: _Reader, obj: dict, path: str) -> Payment | None:
    value = r.get(obj, "payment", path)
    if value is None:
        return None
    p = f"{path}.payment"
    d = r.obj(value, p)
    notice = r.text(d, "notice_code", p)
    problem = notice_code_problem(notice)
    if problem:
        raise MalformedReplyError(f"reply to {r.route}: {p}.notice_code {problem}")
    payee = r.text(d, "payee_tax_code", p)
    if len(payee) != 11 or not _DIGITS.match(payee):
        raise r.fail(f"{p}.payee_tax_code", "11 digits", payee)
    return Payment(notice_code=notice, payee_tax_code=payee,
                   amount_cents=r.integer(d, "amount_cents", p, lo=1, hi=100_000_000),
                   description=r.text(d, "description", p, max_len=140))


def read_request_reply(body: Any, *, expected_local_ref: str, replayed: bool,
                       route: str = "POST /v1/requests") -> RequestReply:
    r = _Reader(route)
    obj = r.obj(body, "body")
    local_ref = r.text(obj, "local_ref", "body")
    if local_ref != expected_local_ref:
        raise r.fail("body.local_ref", f"{expected_local_ref!r} (the one sent)", local_ref)
    return RequestReply(practice_id=r.text(obj, "practice_id", "body", max_len=100), local_ref=local_ref,
                        status=r.choice(obj, "status", "body", REQUEST_STATUSES),
                        documents=_documents(r, obj, "body"), payment=_payment(r, obj, "body"),
                        message=r.messages(obj, "message", "body"), replayed=replayed)


def read_practice_status(body: Any, route: str) -> PracticeStatus:
    r = _Reader(route)
    obj = r.obj(body, "body")
    return PracticeStatus(practice_id=r.text(obj, "practice_id", "body", max_len=100),
                          status=r.choice(obj, "status", "body", REQUEST_STATUSES),
                          updated_at=r.timestamp(obj, "updated_at", "body"),
                          documents=_documents(r, obj, "body"), payment=_payment(r, obj, "body"))


def read_heartbeat_reply(body: Any, route: str) -> HeartbeatReply:
    r = _Reader(route)
    obj = r.obj(body, "body")
    etag = r.get(obj, "catalog_etag", "body")
    if etag is not None and not isinstance(etag, str):
        raise r.fail("body.catalog_etag", "text or null", etag)
    items = r.get(obj, "commands", "body")
    if not isinstance(items, list):
        raise r.fail("body.commands", "a list", items)
    commands = []
    for i, item in enumerate(items):
        p = f"body.commands[{i}]"
        d = r.obj(item, p)
        message = d.get("message")
        if message is not None and not isinstance(message, str):
            raise r.fail(f"{p}.message", "text", message)
        commands.append(Command(id=r.text(d, "id", p, max_len=100), type=r.choice(d, "type", p, COMMAND_TYPES),
                                message=message))
    return HeartbeatReply(server_time=r.timestamp(obj, "server_time", "body"), catalog_etag=etag,
                          commands=tuple(commands))


def read_catalog(body: Any, etag: str, route: str = "GET /v1/catalog") -> Catalog:
    r = _Reader(route)
    obj = r.obj(body, "body")
    items = r.get(obj, "services", "body")
    if not isinstance(items, list):
        raise r.fail("body.services", "a list", items)
    services = []
    seen = set()
    for i, item in enumerate(items):
        p = f"body.services[{i}]"
        d = r.obj(item, p)
        sid = r.text(d, "id", p, max_len=100)
        if sid in seen:
            raise r.fail(f"{p}.id", "a service id not listed before", sid)
        seen.add(sid)
        services.append(CatalogService(id=sid, name=r.messages(d, "name", p),
                                       fee_cents=r.integer(d, "fee_cents", p, lo=0, hi=100_000_000),
                                       photo_required=r.boolean(d, "photo_required", p),
                                       immediate=r.boolean(d, "immediate", p),
                                       message=r.messages(d, "message", p)))
    return Catalog(etag=etag, services=tuple(services), raw=obj)
