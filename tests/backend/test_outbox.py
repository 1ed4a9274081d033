"""The outbox and its sender against the backend simulator over loopback HTTP. Timing logic runs on a FakeClock
driven step by step (``run_once``); the threaded sender runs on the real clock."""
from __future__ import annotations

import datetime
import random
import sqlite3
import time

import pytest
from hypothesis import given, settings, strategies as st

from drivers.backoff import Backoff
from drivers.clock import FakeClock
from kiosk.outbox import (BreakerState, CircuitBreaker, Outbox, OutboxCorruptError, OutboxFullError,
                          OutboxSender, OutcomeKind, is_valid_reference, make_reference)
from tests.backend.conftest import CITIZEN, JPEG, KIOSK, wait_until


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def outbox(tmp_path, clock):
    box = Outbox(tmp_path / "outbox.sqlite", KIOSK, clock=clock)
    yield box
    box.close()


def make_sender(outbox, client, clock, **kw):
    kw.setdefault("breaker", CircuitBreaker(threshold=100, open_s=10, clock=clock))
    return OutboxSender(outbox, client, clock=clock, backoff_base_s=0.5, backoff_cap_s=30,
                        rng=kw.pop("rng", random.Random(1)), **kw)


def posts(sim):
    return [c for c in sim.call_log if c[0] == "POST" and c[1] == "/v1/requests"]


# --- references ---------------------------------------------------------------------------------------------
def test_submit_returns_a_readable_unique_reference_at_once(outbox, tmp_path, clock):
    refs = [outbox.submit("anpr.residenza", CITIZEN, {"n": i})[0] for i in range(30)]
    assert len(set(refs)) == 30 and all(is_valid_reference(r) for r in refs)
    assert refs[0].startswith("00123-251126-0001-")
    outbox.close()
    reopened = Outbox(tmp_path / "outbox.sqlite", KIOSK, clock=clock)
    assert reopened.submit("anpr.residenza", CITIZEN, {})[0].startswith("00123-251126-0031-")
    reopened.close()


@settings(max_examples=200, deadline=None)
@given(kiosk=st.integers(0, 99999), seq=st.integers(1, 9999),
       day=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)),
       pos=st.integers(0, 14), delta=st.integers(1, 9))
def test_check_letter_catches_a_wrong_digit_and_a_swap(kiosk, seq, day, pos, delta):
    ref = make_reference(f"PT-{kiosk:05d}", day, seq)
    assert is_valid_reference(ref)
    digits = [i for i, c in enumerate(ref) if c.isdigit()]
    i = digits[pos % len(digits)]
    wrong = ref[:i] + str((int(ref[i]) + delta) % 10) + ref[i + 1:]
    assert not is_valid_reference(wrong)
    j = digits[(pos % (len(digits) - 1))]
    if ref[j + 1].isdigit() and ref[j] != ref[j + 1]:
        swapped = ref[:j] + ref[j + 1] + ref[j] + ref[j + 2:]
        assert not is_valid_reference(swapped)


def test_photo_must_be_a_jpeg_within_the_limit(outbox):
    with pytest.raises(ValueError, match="not a JPEG"):
        outbox.submit("passaporto.rilascio", CITIZEN, {}, photos=[b"\x89PNG...."])
    with pytest.raises(ValueError, match="at most"):
        outbox.submit("passaporto.rilascio", CITIZEN, {}, photos=[b"\xff\xd8\xff" + bytes(1024 * 1024)])
    with pytest.raises(ValueError, match="only text"):
        outbox.submit("anpr.residenza", CITIZEN, {"when": object()})
    assert outbox.pending_count() == 0


# --- delivery and outcomes ----------------------------------------------------------------------------------
def test_photo_is_uploaded_before_the_request_and_dropped_after_delivery(outbox, client, sim, clock):
    ref, row = outbox.submit("passaporto.rilascio", CITIZEN, {}, photos=[JPEG])
    sender = make_sender(outbox, client, clock)
    sender.run_once()
    kinds = [c[1].split("/")[2] for c in sim.call_log]
    assert kinds == ["blobs", "requests"]
    outcome = outbox.outcome(row)
    assert outcome.kind is OutcomeKind.DELIVERED and outcome.status == "accepted"
    assert outcome.payment["amount_cents"] == 11600
    db = sqlite3.connect(outbox.path)
    assert db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 0
    assert db.execute("SELECT length(payload) FROM outbox WHERE id = ?", (row,)).fetchone()[0] == 0
    assert [r["local_ref"] for r in sim.store.requests()] == [ref]


def test_a_blob_the_backend_lost_is_uploaded_again(outbox, client, sim, clock):
    _, row = outbox.submit("cie.richiesta", CITIZEN, {}, photos=[JPEG])
    for sha, _ in outbox.blobs_to_upload(row):
        outbox.mark_blob_uploaded(row, sha)          # as if uploaded before a crash, then lost by the backend
    sender = make_sender(outbox, client, clock)
    sender.run_once()
    assert outbox.outcome(row).kind is OutcomeKind.PENDING
    clock.advance(60)
    sender.run_once()
    assert outbox.outcome(row).kind is OutcomeKind.DELIVERED
    assert [c[1].split("/")[2] for c in sim.call_log] == ["requests", "blobs", "requests"]


def test_refused_data_is_rejected_with_reasons(outbox, client, clock):
    _, row = outbox.submit("anpr.nascita", dict(CITIZEN, codice_fiscale="RSSMRA80A01H501X"), {})
    make_sender(outbox, client, clock).run_once()
    outcome = outbox.outcome(row)
    assert outcome.kind is OutcomeKind.REJECTED
    assert outcome.reasons == {"citizen.codice_fiscale": "check character does not match"}


def test_refused_credentials_stop_sending_and_need_attention(outbox, client, sim, clock):
    sim.store.add_kiosk(KIOSK)                       # the backend issued a new token: ours is now refused
    _, first = outbox.submit("anpr.residenza", CITIZEN, {})
    _, second = outbox.submit("anpr.residenza", CITIZEN, {"n": 2})
    sender = make_sender(outbox, client, clock)
    sender.run_once()
    assert outbox.outcome(first).kind is OutcomeKind.NEEDS_ATTENTION
    assert sender.paused and "credentials" in sender.alert
    calls = len(sim.call_log)
    sender.run_once()
    assert len(sim.call_log) == calls                # nothing more is sent
    started = time.monotonic()
    assert sender.wait_for(second, 5).backend_unavailable
    assert time.monotonic() - started < 1.0
    assert sender.resume() == 1 and outbox.pending_count() == 2


def test_reused_key_needs_attention(outbox, client, clock, sim):
    _, row = outbox.submit("anpr.residenza", CITIZEN, {})
    sender = make_sender(outbox, client, clock)
    sender.run_once()
    db = sqlite3.connect(outbox.path, isolation_level=None)    # a kiosk bug: same UUID, other payload
    uid = db.execute("SELECT uuid FROM outbox WHERE id = ?", (row,)).fetchone()[0]
    _, row2 = outbox.submit("anpr.residenza", CITIZEN, {"other": 1})
    db.execute("UPDATE outbox SET uuid = ? || '-x' WHERE id = ?", (uid, row))
    db.execute("UPDATE outbox SET uuid = ? WHERE id = ?", (uid, row2))
    sender.run_once()
    outcome = outbox.outcome(row2)
    assert outcome.kind is OutcomeKind.NEEDS_ATTENTION and "another payload" in outcome.error


def test_repeated_malformed_replies_need_attention_without_crashing(outbox, client, sim, clock):
    sim.set_faults(malformed_rate=1.0, seed=7)
    _, row = outbox.submit("anpr.residenza", CITIZEN, {})
    sender = make_sender(outbox, client, clock, max_malformed=4)
    for _ in range(10):
        clock.advance(sender.run_once() + 0.01)
    outcome = outbox.outcome(row)
    assert outcome.kind is OutcomeKind.NEEDS_ATTENTION and "malformed" in outcome.error
    assert len(posts(sim)) == 4
    sim.set_faults(malformed_rate=0.0)
    sender.resume()
    sender.run_once()
    outcome = outbox.outcome(row)                    # the backend did the work once; the replay delivers it
    assert outcome.kind is OutcomeKind.DELIVERED and len(sim.store.requests()) == 1


# --- timing (FakeClock) -------------------------------------------------------------------------------------
def test_retry_after_is_honoured(outbox, client, sim, clock):
    sim.set_faults(unavailable_retry_after=7)
    _, row = outbox.submit("anpr.residenza", CITIZEN, {})
    sender = make_sender(outbox, client, clock)
    assert sender.run_once() == 0.0
    wait = sender.run_once()
    assert 7.0 <= wait <= 7.7
    clock.advance(6.9)
    sim.set_faults(unavailable_retry_after=None)
    sender.run_once()
    assert len(posts(sim)) == 1 and outbox.outcome(row).kind is OutcomeKind.PENDING
    clock.advance(wait - 6.9)
    sender.run_once()
    assert outbox.outcome(row).kind is OutcomeKind.DELIVERED and len(posts(sim)) == 2


def test_transient_failures_back_off_exponentially_with_full_jitter(outbox, client, sim, clock):
    sim.set_faults(error_rate=1.0)
    outbox.submit("anpr.residenza", CITIZEN, {})
    sender = make_sender(outbox, client, clock, rng=random.Random(42))
    expected = Backoff(base=0.5, cap=30, rng=random.Random(42))
    waits = []
    for attempt in range(8):
        assert sender.run_once() == 0.0
        wait = sender.run_once()
        ceiling = expected.ceiling()
        assert wait == pytest.approx(expected.next_delay())
        assert 0 <= wait <= ceiling == min(30, 0.5 * 2 ** attempt)
        clock.advance(wait * 0.99)
        sender.run_once()
        assert len(posts(sim)) == attempt + 1        # nothing sent before the delay is over
        clock.advance(wait * 0.01 + 1e-6)
        waits.append(wait)
    assert max(waits) > 0.5                          # the ceiling grows


def test_circuit_breaker_opens_then_closes(outbox, client, sim, clock):
    sim.set_faults(error_rate=1.0)
    breaker = CircuitBreaker(threshold=3, open_s=10, clock=clock)
    _, row = outbox.submit("anpr.residenza", CITIZEN, {})
    sender = make_sender(outbox, client, clock, breaker=breaker)
    for _ in range(3):
        sender.run_once()
        clock.advance(sender.run_once() if breaker.state is BreakerState.CLOSED else 0)
    assert breaker.state is BreakerState.OPEN and not sender.backend_available
    started = time.monotonic()
    assert sender.wait_for(row, 5).backend_unavailable
    assert time.monotonic() - started < 1.0          # the UI is told at once
    sent = len(posts(sim))
    clock.advance(5)
    sender.run_once()
    assert len(posts(sim)) == sent                   # no calls while open
    clock.advance(breaker.seconds_until_trial())
    assert breaker.state is BreakerState.HALF_OPEN
    sender.run_once()                                # the trial fails: open again, longer
    assert breaker.state is BreakerState.OPEN and breaker.seconds_until_trial() == pytest.approx(20)
    sim.set_faults(error_rate=0.0)
    clock.advance(20)
    sender.run_once()
    clock.advance(sender.run_once())
    sender.run_once()
    assert breaker.state is BreakerState.CLOSED and outbox.outcome(row).kind is OutcomeKind.DELIVERED


# --- retention, full disk, corruption -----------------------------------------------------------------------
def test_delivered_rows_are_purged_after_retention(tmp_path, client, clock):
    box = Outbox(tmp_path / "o.sqlite", KIOSK, clock=clock, retention_days=30)
    _, done = box.submit("anpr.residenza", CITIZEN, {})
    make_sender(box, client, clock).run_once()
    _, waiting = box.submit("anpr.residenza", CITIZEN, {"n": 2})
    clock.advance(29 * 86400)
    assert box.purge() == 0
    clock.advance(2 * 86400)
    assert box.purge() == 1
    with pytest.raises(KeyError):
        box.outcome(done)
    assert box.outcome(waiting).kind is OutcomeKind.PENDING
    box.close()


def test_full_outbox_refuses_new_requests_clearly_and_keeps_stored_ones(tmp_path, client, clock, sim):
    box = Outbox(tmp_path / "o.sqlite", KIOSK, clock=clock, max_bytes=400 * 1024)
    stored = []
    with pytest.raises(OutboxFullError, match="full"):
        for i in range(20):
            photo = b"\xff\xd8\xff" + random.Random(i).randbytes(60_000)
            stored.append(box.submit("passaporto.rilascio", CITIZEN, {"n": i}, photos=[photo]))
    assert 2 <= len(stored) < 20 and "full" in box.alert
    assert box.pending_count() == len(stored)
    sender = make_sender(box, client, clock)
    for _ in stored:
        sender.run_once()
    assert box.stats().delivered == len(stored)
    assert sorted(r["local_ref"] for r in sim.store.requests()) == sorted(ref for ref, _ in stored)
    box.submit("passaporto.rilascio", CITIZEN, {}, photos=[JPEG])   # space came back with the deliveries
    assert box.alert is None
    box.close()


def test_corrupt_database_is_kept_aside_and_a_fresh_one_serves(tmp_path, clock):
    path = tmp_path / "outbox.sqlite"
    garbage = b"this is not a database" * 500
    path.write_bytes(garbage)
    with pytest.raises(OutboxCorruptError, match="corrupt"):
        Outbox(path, KIOSK, clock=clock)
    box = Outbox.open_or_quarantine(path, KIOSK, clock=clock)
    kept = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == garbage
    assert str(kept[0]) in box.alert
    assert box.submit("anpr.residenza", CITIZEN, {})[1] == 1
    box.close()


# --- the threaded sender on the real clock ------------------------------------------------------------------
def test_threaded_sender_answers_a_certificate_within_the_wait(tmp_path, client):
    box = Outbox(tmp_path / "o.sqlite", KIOSK)
    sender = OutboxSender(box, client, backoff_base_s=0.05, backoff_cap_s=0.5)
    sender.start()
    try:
        ref, row = box.submit("inps.cu", CITIZEN, {})
        outcome = sender.wait_for(row, 10)
        assert outcome.kind is OutcomeKind.DELIVERED and outcome.local_ref == ref
        assert outcome.documents and outcome.documents[0]["verify_url"].startswith("https://")
        assert box.pending_count() == 0 and box.oldest_pending_age_s() == 0
    finally:
        sender.stop()
        box.close()


def test_threaded_sender_survives_a_backend_outage(tmp_path, client, sim):
    box = Outbox(tmp_path / "o.sqlite", KIOSK)
    sim.set_faults(unavailable_retry_after=0)
    sender = OutboxSender(box, client, backoff_base_s=0.02, backoff_cap_s=0.2,
                          breaker=CircuitBreaker(threshold=3, open_s=0.2))
    sender.start()
    try:
        rows = [box.submit("anpr.residenza", CITIZEN, {"n": i})[1] for i in range(5)]
        assert wait_until(lambda: sender.breaker_state is not BreakerState.CLOSED, 10)
        assert box.pending_count() == 5 and box.oldest_pending_age_s() >= 0
        sim.set_faults(unavailable_retry_after=None)
        assert wait_until(lambda: box.pending_count() == 0, 15)
        assert all(box.outcome(r).kind is OutcomeKind.DELIVERED for r in rows)
        assert len(sim.store.requests()) == 5
    finally:
        sender.stop()
        box.close()


def test_a_busy_database_is_not_mistaken_for_a_corrupt_one(tmp_path, clock):
    from kiosk.outbox import OutboxError
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path, KIOSK, clock=clock)
    box.submit("anpr.residenza", CITIZEN, {})
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(OutboxError) as exc:
            Outbox.open_or_quarantine(path, KIOSK, clock=clock, busy_timeout_s=0.2)
        assert not isinstance(exc.value, OutboxCorruptError)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert box.pending_count() == 1
    box.close()


def test_a_wall_clock_set_back_does_not_strand_scheduled_retries(tmp_path, client, sim):
    clock = FakeClock(start=1e7)
    box = Outbox(tmp_path / "o.sqlite", KIOSK, clock=clock)
    sim.set_faults(unavailable_retry_after=600)
    _, row = box.submit("anpr.residenza", CITIZEN, {})
    make_sender(box, client, clock).run_once()
    sim.set_faults(unavailable_retry_after=None)
    assert box.next_due() is None                    # scheduled 10 minutes ahead
    clock.advance(-30 * 86400)                       # NTP corrects a real-time clock that was a month ahead
    assert box.next_due() is not None and box.seconds_until_next_due() == 0
    make_sender(box, client, clock).run_once()       # e.g. after the restart that follows
    assert box.outcome(row).kind is OutcomeKind.DELIVERED
    box.close()



def test_delivered_citizen_data_and_photo_leave_no_trace_in_the_file(tmp_path):
    """After delivery the payload and photo are deleted and their pages zeroed (secure_delete), so neither the
    codice fiscale nor the JPEG bytes can be read back from the database file or its WAL."""
    from kiosk.outbox import Outbox
    box = Outbox(tmp_path / "o.sqlite", "PT-00123")
    photo = b"\xff\xd8\xff" + b"UNIQUE-PHOTO-BYTES" * 200
    ref, row = box.submit("cie.richiesta", {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI"},
                          {"organ_donation": "si"}, photos=[photo])
    box.submit("cie.richiesta", {"codice_fiscale": "BNCNNA70A41F205X"}, {}, photos=[b"\xff\xd8\xff" + b"k" * 4000])
    box._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # as SQLite does by itself: the data reach the main file
    box.record_delivered(row, "P-1", {"practice_id": "P-1", "local_ref": ref, "status": "accepted",
                                      "documents": [], "payment": None, "message": {}})
    box.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("o.sqlite"))
    assert b"RSSMRA80A01H501U" not in stored and b"UNIQUE-PHOTO-BYTES" not in stored
    assert ref.encode() in stored                      # the reference stays, for the technician
