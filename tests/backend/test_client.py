"""The client against the simulator over loopback HTTP: every reply code of the contract, credentials, TLS."""
from __future__ import annotations

import email.utils
import hashlib
import json
import os
import threading
import time
import uuid

import pytest

from kiosk.backend import (BackendClient, BadRequestError, CredentialsError, InProgressError, KeyReusedError,
                           MalformedReplyError, MissingBlobError, RejectedError, RetryAfterError, TransientError,
                           parse_retry_after, read_token_file, write_token_file)
from simulators.backend import BackendSimulator
from simulators.backend.tls import make_test_pki
from tests.backend.conftest import CITIZEN, JPEG, KIOSK


def body(service="anpr.residenza", ref="00123-251126-0001-A", citizen=None, fields=None, attachments=()):
    return json.dumps({"kiosk_id": KIOSK, "local_ref": ref, "service": service, "locale": "it",
                       "created_at": "2026-11-25T10:00:00+01:00", "citizen": citizen or CITIZEN,
                       "fields": fields or {}, "attachments": list(attachments)}).encode()


def photo_att(data=JPEG):
    return {"kind": "photo", "sha256": hashlib.sha256(data).hexdigest(), "content_type": "image/jpeg"}


def test_certificate_is_completed_at_once_and_a_replay_gives_the_same_reply(client, sim):
    key = str(uuid.uuid4())
    first = client.submit_request(body(), key, "00123-251126-0001-A")
    assert first.status == "completed" and not first.replayed
    assert first.documents[0].verify_url.startswith("https://") and first.documents[0].code
    again = client.submit_request(body(), key, "00123-251126-0001-A")
    assert again.replayed and again.practice_id == first.practice_id
    assert len(sim.store.requests()) == 1


def test_passport_is_accepted_with_a_valid_pagopa_notice(client):
    assert client.put_blob(photo_att()["sha256"], JPEG) is True
    reply = client.submit_request(body("passaporto.rilascio", attachments=[photo_att()]), str(uuid.uuid4()),
                                  "00123-251126-0001-A")
    assert reply.status == "accepted"
    assert reply.payment.amount_cents == 11600
    code = reply.payment.notice_code
    assert code[0] == "3" and int(code[:16]) % 93 == int(code[16:])
    assert reply.payment.qr_text() == f"PAGOPA|002|{code}|{reply.payment.payee_tax_code}|11600"


def test_casellario_carries_a_fee(client):
    reply = client.submit_request(body("giustizia.casellario"), str(uuid.uuid4()), "00123-251126-0001-A")
    assert reply.status == "completed" and reply.payment.amount_cents > 1600


def test_same_key_other_payload_is_key_reused(client):
    key = str(uuid.uuid4())
    client.submit_request(body(), key, "00123-251126-0001-A")
    with pytest.raises(KeyReusedError):
        client.submit_request(body(fields={"use": "other"}), key, "00123-251126-0001-A")


def test_validation_names_the_refused_fields(client):
    bad = dict(CITIZEN, codice_fiscale="RSSMRA80A01H501X")
    with pytest.raises(RejectedError) as exc:
        client.submit_request(body(citizen=bad), str(uuid.uuid4()), "00123-251126-0001-A")
    assert exc.value.code == "validation" and "citizen.codice_fiscale" in exc.value.fields


def test_passport_without_photo_is_refused(client):
    with pytest.raises(RejectedError) as exc:
        client.submit_request(body("passaporto.rinnovo"), str(uuid.uuid4()), "00123-251126-0001-A")
    assert "photo" in exc.value.fields


def test_attachment_not_uploaded_is_missing_blob(client):
    with pytest.raises(MissingBlobError):
        client.submit_request(body("cie.richiesta", attachments=[photo_att()]), str(uuid.uuid4()),
                              "00123-251126-0001-A")


def test_unknown_service_is_rejected(client):
    with pytest.raises(RejectedError) as exc:
        client.submit_request(body("anpr.inesistente"), str(uuid.uuid4()), "00123-251126-0001-A")
    assert exc.value.code == "unknown_service"


def test_malformed_body_is_bad_request(client):
    with pytest.raises(BadRequestError):
        client.submit_request(b'{"not": "a request"}', str(uuid.uuid4()), "00123-251126-0001-A")


def test_a_retry_while_processing_gets_in_progress(client, sim):
    sim.set_faults(processing_ms=800)
    key = str(uuid.uuid4())
    results = []
    first = threading.Thread(target=lambda: results.append(client.submit_request(body(), key,
                                                                                 "00123-251126-0001-A")))
    first.start()
    assert _wait_processing(sim, key)
    with pytest.raises(InProgressError):
        client.submit_request(body(), key, "00123-251126-0001-A")
    first.join(5)
    assert results and results[0].status == "completed"


def _wait_processing(sim, key):
    from tests.backend.conftest import wait_until
    return wait_until(lambda: any(r["idem_key"] == key and r["state"] == "processing"
                                  for r in sim.store.requests()), 5)


@pytest.mark.parametrize("status", [503, 429])
def test_overload_carries_retry_after(client, sim, status):
    sim.set_faults(unavailable_retry_after=7, unavailable_status=status)
    with pytest.raises(RetryAfterError) as exc:
        client.submit_request(body(), str(uuid.uuid4()), "00123-251126-0001-A")
    assert exc.value.retry_after_s == 7


def test_retry_after_as_http_date():
    now = time.time()
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after("soon") is None and parse_retry_after("99999") == 3600


def test_server_errors_are_transient(client, sim):
    sim.set_faults(error_rate=1.0)
    with pytest.raises(TransientError):
        client.submit_request(body(), str(uuid.uuid4()), "00123-251126-0001-A")
    assert len(sim.store.requests()) == 0


def test_unknown_token_is_refused(sim, tmp_path):
    token = write_token_file(tmp_path / "other", "not-a-real-token")
    c = BackendClient(sim.url, KIOSK, token)
    with pytest.raises(CredentialsError, match="401"):
        c.get_catalog("it")


def test_token_of_another_kiosk_is_forbidden(sim, token_file):
    c = BackendClient(sim.url, "PT-99999", token_file)
    with pytest.raises(CredentialsError, match="403"):
        c.get_catalog("it")


def test_token_file_readable_by_others_is_refused(tmp_path):
    p = write_token_file(tmp_path / "token", "abc")
    os.chmod(p, 0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        read_token_file(p)
    with pytest.raises(CredentialsError, match="does not exist"):
        read_token_file(tmp_path / "missing")


def test_blob_codes(client):
    sha = hashlib.sha256(JPEG).hexdigest()
    assert client.put_blob(sha, JPEG) is True
    assert client.put_blob(sha, JPEG) is False
    with pytest.raises(BadRequestError, match="400"):
        client.put_blob(sha, JPEG + b"x")
    png = b"\x89PNG\r\n" + b"0" * 100
    with pytest.raises(BadRequestError, match="415"):
        client.put_blob(hashlib.sha256(png).hexdigest(), png)
    big = b"\xff\xd8\xff" + b"0" * (1024 * 1024)
    with pytest.raises(BadRequestError, match="413"):
        client.put_blob(hashlib.sha256(big).hexdigest(), big)


def test_practice_status_and_catalog_etag(client):
    reply = client.submit_request(body(), str(uuid.uuid4()), "00123-251126-0001-A")
    status = client.get_request(reply.practice_id)
    assert status.status == "completed" and status.documents == reply.documents
    with pytest.raises(RejectedError):
        client.get_request("PR-0000-404")
    catalog = client.get_catalog("it")
    assert {s.id for s in catalog.services} >= {"anpr.residenza", "passaporto.rilascio", "pagopa.avviso"}
    assert client.get_catalog("it", catalog.etag) is None


def test_heartbeat_requires_a_wellformed_body(client):
    with pytest.raises(BadRequestError):
        client.heartbeat({"at": "yesterday"})


def test_lost_reply_then_replay(client, sim):
    sim.set_faults(drop_rate=1.0)
    key = str(uuid.uuid4())
    with pytest.raises(TransientError):
        client.submit_request(body(), key, "00123-251126-0001-A")
    sim.set_faults(drop_rate=0.0)
    assert client.submit_request(body(), key, "00123-251126-0001-A").replayed
    assert len(sim.store.requests()) == 1


def test_slow_drip_hits_the_reply_deadline(sim, token_file):
    sim.set_faults(drip_ms=50)
    c = BackendClient(sim.url, KIOSK, token_file, connect_timeout_s=1, read_timeout_s=1, reply_deadline_s=0.5)
    with pytest.raises(TransientError, match="longer than"):
        c.get_catalog("it")


def test_malformed_success_reply_is_an_error_not_a_crash(client, sim):
    sim.set_faults(malformed_rate=1.0, seed=3)
    for _ in range(8):
        with pytest.raises(MalformedReplyError):
            client.submit_request(body(), str(uuid.uuid4()), "00123-251126-0001-A")


def test_wrong_local_ref_in_reply_is_malformed(client):
    with pytest.raises(MalformedReplyError, match="local_ref"):
        client.submit_request(body(), str(uuid.uuid4()), "00123-251126-0002-B")


def test_tls_verified_against_the_configured_ca(tmp_path):
    pki = make_test_pki(tmp_path / "pki")
    s = BackendSimulator(tmp_path / "b.sqlite", tls_cert=str(pki.server_cert), tls_key=str(pki.server_key))
    url = s.start()
    try:
        assert url.startswith("https://127.0.0.1:")
        token = s.provision_kiosk(KIOSK, tmp_path / "token")
        good = BackendClient(url, KIOSK, token, ca_bundle=str(pki.ca_cert))
        assert good.get_catalog("it").services
        untrusting = BackendClient(url, KIOSK, token)      # system store: does not know the test CA
        with pytest.raises(TransientError, match="TLS verification"):
            untrusting.get_catalog("it")
    finally:
        s.stop()


def test_every_call_carries_a_fresh_request_id(client, sim):
    for _ in range(3):
        client.get_catalog("it")
    ids = sim.request_ids
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(str(uuid.UUID(i)) == i for i in ids)
