"""Malformed replies of every kind never crash: every reader either returns a complete object or raises
MalformedReplyError (property-based), and the threaded sender keeps running through garbled replies."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk.backend.errors import MalformedReplyError
from kiosk.backend.replies import (read_catalog, read_heartbeat_reply, read_practice_status,
                                   read_request_reply)
from kiosk.outbox import CircuitBreaker, Outbox, OutboxSender, OutcomeKind
from tests.backend.conftest import CITIZEN, KIOSK, wait_until

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)

GOOD = {"practice_id": "PR-1", "local_ref": "R", "status": "completed",
        "documents": [{"kind": "certificate", "code": "C", "verify_url": "https://v/x"}],
        "payment": {"notice_code": "301000000000004285", "payee_tax_code": "80014130928", "amount_cents": 100,
                    "description": "d"}, "message": {"it": "ok", "en": "ok"}}


def _mutations():
    """A good reply with one field replaced, deleted or nested value broken."""
    keys = st.sampled_from(sorted(GOOD))
    return st.one_of(
        st.tuples(st.just("replace"), keys, json_values),
        st.tuples(st.just("delete"), keys, st.none()),
        st.tuples(st.just("payment"), st.sampled_from(sorted(GOOD["payment"])), json_values),
        st.tuples(st.just("document"), st.sampled_from(["kind", "code", "verify_url"]), json_values))


def _apply(mutation):
    kind, key, value = mutation
    body = json.loads(json.dumps(GOOD))
    if kind == "replace":
        body[key] = value
    elif kind == "delete":
        del body[key]
    elif kind == "payment":
        body["payment"][key] = value
    else:
        body["documents"][0][key] = value
    return body


def _only_malformed(reader, body):
    try:
        reader(body)
    except MalformedReplyError as exc:
        assert str(exc)
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_is_read_or_refused_cleanly(value):
    for reader in (lambda b: read_request_reply(b, expected_local_ref="R", replayed=False),
                   lambda b: read_practice_status(b, "GET"), lambda b: read_heartbeat_reply(b, "POST"),
                   lambda b: read_catalog(b, "etag")):
        _only_malformed(reader, value)


@settings(max_examples=300, deadline=None)
@given(_mutations())
def test_a_damaged_good_reply_is_read_completely_or_refused(mutation):
    body = _apply(mutation)
    accepted = _only_malformed(lambda b: read_request_reply(b, expected_local_ref="R", replayed=False), body)
    if accepted:        # whatever passed must be fully typed
        reply = read_request_reply(body, expected_local_ref="R", replayed=False)
        assert isinstance(reply.practice_id, str) and reply.status in ("completed", "accepted", "rejected")
        assert reply.payment is None or isinstance(reply.payment.amount_cents, int)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=18, max_size=18, alphabet="0123456789"))
def test_notice_codes_with_a_wrong_check_are_refused(code):
    body = json.loads(json.dumps(GOOD))
    body["payment"]["notice_code"] = code
    ok = code[0] in "013" and (code[0] != "3" or int(code[:16]) % 93 == int(code[16:]))
    assert _only_malformed(lambda b: read_request_reply(b, expected_local_ref="R", replayed=False), body) == ok


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10_000))
def test_sender_thread_survives_garbled_replies(tmp_path_factory, sim, client, seed):
    sim.set_faults(malformed_rate=0.7, drop_rate=0.1, seed=seed)
    box = Outbox(tmp_path_factory.mktemp("o") / "o.sqlite", KIOSK)
    sender = OutboxSender(box, client, backoff_base_s=0.005, backoff_cap_s=0.02, max_malformed=1000, idle_s=0.05,
                          breaker=CircuitBreaker(threshold=5, open_s=0.05, max_open_s=0.2))
    sender.start()
    try:
        rows = [box.submit("anpr.residenza", CITIZEN, {"n": i})[1] for i in range(3)]
        assert wait_until(lambda: box.pending_count() == 0, 20)
        assert all(box.outcome(r).kind is OutcomeKind.DELIVERED for r in rows)
        assert sender.running
    finally:
        sim.set_faults(malformed_rate=0.0, drop_rate=0.0)
        sender.stop()
        box.close()


STATUSES = [200, 201, 202, 204, 301, 400, 401, 404, 409, 410, 418, 422, 429, 500, 502, 503, 504]
bodies = st.one_of(json_values.map(json.dumps), st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
                   st.builds(lambda fields: json.dumps({"error": "validation", "fields": fields}), json_values),
                   st.sampled_from(['{"error": "in_progress"}', '{"error": "idempotency_key_reused"}',
                                    '{"error": "missing_blob"}', '{"error": 3}', "", "[]", "null"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from(STATUSES), body=bodies,
       retry_after=st.none() | st.sampled_from(["0", "5", "-1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "9" * 30]))
def test_any_reply_over_the_wire_never_crashes_the_sender(tmp_path_factory, sim, client, status, body,
                                                          retry_after):
    from drivers.clock import FakeClock
    clock = FakeClock()
    box = Outbox(tmp_path_factory.mktemp("w") / "o.sqlite", KIOSK, clock=clock)
    sender = OutboxSender(box, client, clock=clock)
    try:
        _, row = box.submit("anpr.residenza", CITIZEN, {})
        sim.set_faults(override_status=status, override_body=body, override_retry_after=retry_after)
        sender.run_once()                            # must not raise, whatever came back
        outcome = box.outcome(row)
        assert outcome.kind is not OutcomeKind.DELIVERED
        assert outcome.error                         # the technician can read what went wrong
    finally:
        sim.set_faults(override_status=None, override_body="", override_retry_after=None)
        box.close()
