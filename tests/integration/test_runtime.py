"""The kiosk's back half without a window: outbox, sender and heartbeat wired by the Runtime against the
backend simulator over loopback HTTP."""
from __future__ import annotations

import dataclasses

import pytest

from kiosk import runtime as runtime_module
from kiosk.config import load_config
from kiosk.outbox import OutcomeKind
from kiosk.runtime import Runtime
from kiosk.services import load_catalog
from simulators.backend import BackendSimulator
from tests.waiting import poll

CITIZEN = {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO",
           "birth_date": "1980-01-01", "identified_by": "health_card"}


wait_until = poll


@pytest.fixture
def backend(tmp_path):
    sim = BackendSimulator(tmp_path / "backend.sqlite3", port=0)
    url = sim.start()
    yield sim, url
    sim.stop()


def make_runtime(tmp_path, url: str) -> Runtime:
    cfg = load_config(env={})
    token = tmp_path / "token"
    cfg = dataclasses.replace(cfg, kiosk=dataclasses.replace(cfg.kiosk, id="PT-00123"),
                              backend=dataclasses.replace(cfg.backend, url=url, token_file=str(token)),
                              data=dataclasses.replace(cfg.data, dir=str(tmp_path / "data")))
    (tmp_path / "data").mkdir()
    return Runtime(config=cfg, data_dir=tmp_path / "data", catalog=load_catalog())


def test_missing_credentials_keep_requests_and_a_later_fix_needs_no_restart(tmp_path, backend, monkeypatch):
    sim, url = backend
    monkeypatch.setattr(runtime_module, "BACKEND_SETUP_RETRY_S", 0.2)
    rt = make_runtime(tmp_path, url)
    try:
        rt._start_backend()
        assert rt.sender is None                      # no token file yet: nothing can be sent...
        ref, row = rt.outbox.submit("anpr.nascita", CITIZEN, {})
        assert rt.outbox.outcome(row).kind is OutcomeKind.PENDING   # ...but the request is safe
        sim.provision_kiosk("PT-00123", tmp_path / "token")         # the technician installs the token
        assert wait_until(lambda: rt.sender is not None, 10), "the client was not retried"
        outcome = rt.sender.wait_for(row, 10)
        assert outcome.kind is OutcomeKind.DELIVERED and outcome.local_ref == ref
        assert wait_until(lambda: rt.heartbeat is not None, 5)
    finally:
        rt.stop()


def test_backend_catalog_decides_what_is_offered_and_survives_a_restart(tmp_path, backend):
    sim, url = backend
    sim.provision_kiosk("PT-00123", tmp_path / "token")
    rt = make_runtime(tmp_path, url)
    try:
        assert rt.offered_services() is None           # nothing known yet: the shipped catalog stands
        rt._start_backend()
        assert wait_until(lambda: rt.offered_services() is not None, 10), "no catalog after the first heartbeat"
        assert "anpr.nascita" in rt.offered_services()
        sim.disabled = {"anpr.nascita"}
        rt.heartbeat.catalog.refresh()
        journey = rt.make_journey()
        assert journey.unavailable_reason(journey.services["anpr.nascita"]) == \
            "This service is not offered at this kiosk at the moment."
    finally:
        rt.stop()
    sim.stop()                                          # the backend is gone: the cached copy still rules
    rt2 = Runtime(config=rt.config, data_dir=rt.data_dir, catalog=load_catalog())
    try:
        rt2._start_backend()
        assert wait_until(lambda: rt2.offered_services() is not None, 5)
        assert "anpr.nascita" not in rt2.offered_services()
    finally:
        rt2.stop()
