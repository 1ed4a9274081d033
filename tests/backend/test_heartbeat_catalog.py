"""Heartbeat and catalog against the simulator: commands executed once and acknowledged; catalog by ETag with
the last good copy on disk for an offline start."""
from __future__ import annotations

import json

import pytest

from drivers.clock import FakeClock
from drivers.device import DeviceState, DeviceStatus, MediaState, SupplyLevel
from kiosk.backend import BackendClient
from kiosk.catalog_sync import CatalogSync
from kiosk.heartbeat import Heartbeat
from kiosk.outbox import Outbox
from tests.backend.conftest import CITIZEN, KIOSK


def devices():
    return {"printer": DeviceStatus(DeviceState.ONLINE, MediaState.NOT_PRESENT, SupplyLevel.LOW, "paper low"),
            "card_reader": DeviceStatus(DeviceState.OFFLINE, detail="no answer"),
            "camera": {"state": "online", "detail": "1280x720"}}


@pytest.fixture
def beat_parts(tmp_path, client):
    clock = FakeClock()
    box = Outbox(tmp_path / "outbox.sqlite", KIOSK, clock=clock)
    executed = []
    yield tmp_path, clock, box, executed
    box.close()


def make_heartbeat(client, tmp_path, clock, box, executed, catalog=None):
    return Heartbeat(client, version="1.2.3", device_states=devices, execute=executed.append,
                     state_path=tmp_path / "heartbeat.json", outbox=box, catalog=catalog, data_dir=tmp_path,
                     clock=clock, recent_errors=lambda: ["printer: paper low"])


def test_heartbeat_reports_devices_and_outbox(client, sim, beat_parts):
    tmp_path, clock, box, executed = beat_parts
    hb = make_heartbeat(client, tmp_path, clock, box, executed)
    box.submit("anpr.residenza", CITIZEN, {})
    clock.advance(90)
    assert hb.run_once() is not None
    sent = sim.store.heartbeats(KIOSK)[-1]
    assert sent["devices"]["printer"] == {"state": "online", "paper": "low", "media": "not_present",
                                          "detail": "paper low"}
    assert sent["devices"]["card_reader"]["state"] == "offline"
    assert sent["outbox"] == {"pending": 1, "oldest_age_s": 90}
    assert sent["version"] == "1.2.3" and sent["uptime_s"] == 90 and sent["disk_free_mb"] > 0


def test_commands_are_executed_once_and_acknowledged(client, sim, beat_parts):
    tmp_path, clock, box, executed = beat_parts
    cid = sim.store.queue_command(KIOSK, "out_of_service", "maintenance at 14:00")
    hb = make_heartbeat(client, tmp_path, clock, box, executed)
    hb.run_once()
    assert [(c.id, c.type, c.message) for c in executed] == [(cid, "out_of_service", "maintenance at 14:00")]
    assert hb.pending_acks == [cid]
    # the kiosk restarts before its next heartbeat: the command is remembered, not run again
    hb2 = make_heartbeat(client, tmp_path, clock, box, executed)
    assert hb2.pending_acks == [cid]
    hb2.run_once()
    assert len(executed) == 1
    assert sim.store.heartbeats(KIOSK)[-1]["acked_commands"] == [cid]
    assert sim.store.commands(KIOSK)[0]["acked_at"] is not None
    hb2.run_once()
    assert hb2.pending_acks == [] and len(executed) == 1


def test_failed_command_is_still_acknowledged_and_heartbeat_failure_is_reported(client, sim, beat_parts):
    tmp_path, clock, box, executed = beat_parts
    sim.store.queue_command(KIOSK, "print_test")

    def broken(command):
        raise RuntimeError("printer offline")
    hb = Heartbeat(client, version="1", device_states=lambda: {}, execute=broken,
                   state_path=tmp_path / "hb.json", clock=clock, data_dir=tmp_path)
    hb.run_once()
    assert len(hb.pending_acks) == 1
    sim.set_faults(error_rate=1.0)
    assert hb.run_once() is None and "HTTP 5" in hb.last_error
    assert len(hb.pending_acks) == 1                 # kept for the next heartbeat


def test_catalog_etag_and_offline_start(client, sim, tmp_path, token_file):
    sync = CatalogSync(client, tmp_path / "catalog.json")
    assert sync.current is None
    first = sync.refresh()
    assert "passaporto.rinnovo" in {s.id for s in first.services}
    calls = len(sim.call_log)
    assert sync.refresh() is first                  # 304: same object, nothing re-read
    assert len(sim.call_log) == calls + 1
    offline = BackendClient("http://127.0.0.1:9", KIOSK, token_file, connect_timeout_s=0.5, read_timeout_s=0.5)
    cold = CatalogSync(offline, tmp_path / "catalog.json")
    assert cold.current is not None and cold.current.etag == first.etag
    assert cold.refresh() is cold.current and "cannot reach" in cold.last_error


def test_heartbeat_etag_change_refreshes_the_catalog(client, sim, beat_parts):
    tmp_path, clock, box, executed = beat_parts
    sync = CatalogSync(client, tmp_path / "catalog.json")
    sync.refresh()
    sim.disabled = {"passaporto.rilascio"}
    make_heartbeat(client, tmp_path, clock, box, executed, catalog=sync).run_once()
    assert "passaporto.rilascio" not in {s.id for s in sync.current.services}
    saved = json.loads((tmp_path / "catalog.json").read_text())
    assert saved["etag"] == sync.etag


def test_damaged_catalog_cache_is_ignored(client, tmp_path):
    (tmp_path / "catalog.json").write_text('{"etag": "x", "body": {"services": [{"id": 3}]}}')
    assert CatalogSync(client, tmp_path / "catalog.json").current is None
    (tmp_path / "catalog.json").write_text("{not json")
    assert CatalogSync(client, tmp_path / "catalog.json").current is None


def test_reload_catalog_command_refreshes_it(client, sim, beat_parts):
    tmp_path, clock, box, executed = beat_parts
    sync = CatalogSync(client, tmp_path / "catalog.json")
    sim.store.queue_command(KIOSK, "reload_catalog")
    make_heartbeat(client, tmp_path, clock, box, executed, catalog=sync).run_once()
    assert sync.current is not None and [c.type for c in executed] == ["reload_catalog"]


def test_unreadable_device_states_do_not_stop_the_heartbeat(client, sim, tmp_path):
    def broken():
        raise OSError("bus error")
    hb = Heartbeat(client, version="1", device_states=broken, execute=lambda c: None,
                   state_path=tmp_path / "hb.json", data_dir=tmp_path, clock=FakeClock())
    assert hb.run_once() is not None
    sent = sim.store.heartbeats(KIOSK)[-1]
    assert sent["devices"] == {} and "device states unreadable" in sent["recent_errors"][-1]
