"""Citizen messages are translated; the technician commands work."""
from __future__ import annotations

import dataclasses

from drivers.clock import FakeClock
from kiosk import cli
from kiosk.i18n import translate
from kiosk.outbox import Outbox, OutboxSender
from kiosk.outbox.messages import BACKEND_DOWN, CANNOT_STORE, citizen_message
from kiosk.outbox.store import OUTBOX_FILENAME
from simulators.backend.store import SimStore
from tests.backend.conftest import CITIZEN, KIOSK


def test_every_outcome_has_an_italian_message(client, tmp_path):
    clock = FakeClock()
    box = Outbox(tmp_path / "o.sqlite", KIOSK, clock=clock)
    _, ok = box.submit("passaporto.rilascio", CITIZEN, {})            # no photo: refused by the backend
    _, cert = box.submit("anpr.residenza", CITIZEN, {})
    _, waiting = box.submit("anpr.residenza", CITIZEN, {"n": 1})
    sender = OutboxSender(box, client, clock=clock)
    sender.run_once()
    sender.run_once()
    outcomes = [box.outcome(ok), box.outcome(cert), box.outcome(waiting),
                dataclasses.replace(box.outcome(waiting), backend_unavailable=True)]
    messages = [citizen_message(o) for o in outcomes]
    assert len(set(messages)) == 4 and BACKEND_DOWN in messages
    for msg in messages + [CANNOT_STORE]:
        assert translate(msg, "it") != msg
    box.close()


def test_outbox_status_command(tmp_path, capsys):
    box = Outbox(tmp_path / OUTBOX_FILENAME, KIOSK)
    box.submit("anpr.residenza", CITIZEN, {})
    box.close()
    site = tmp_path / "kiosk.toml"
    site.write_text(f'[kiosk]\nid = "{KIOSK}"\n[data]\ndir = "{tmp_path}"\n')
    assert cli.main(["--config", str(site), "outbox", "status"]) == 0
    out = capsys.readouterr().out
    assert "pending          1" in out


def test_queue_command_from_the_cli(tmp_path, capsys):
    db = tmp_path / "sim.sqlite"
    assert cli.main(["backend-sim-command", "--db", str(db), "--kiosk-id", KIOSK, "--type", "reload_catalog"]) == 0
    store = SimStore(db)
    assert [c["type"] for c in store.commands(KIOSK)] == ["reload_catalog"]
    store.close()


def test_faults_from_the_cli_reach_the_running_simulator(sim, capsys):
    assert cli.main(["backend-sim-faults", "--url", sim.url, "--error-rate", "0.5", "--unavailable", "30"]) == 0
    assert sim.faults.error_rate == 0.5 and sim.faults.unavailable_retry_after == 30
    assert cli.main(["backend-sim-faults", "--url", sim.url, "--clear"]) == 0
    assert sim.faults.error_rate == 0.0 and sim.faults.unavailable_retry_after is None


def test_backend_sim_command_serves_until_terminated(tmp_path):
    import re
    import selectors
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from kiosk.backend import BackendClient
    root = Path(__file__).resolve().parents[2]
    token = tmp_path / "token"
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "backend-sim", "--port", "0", "--db",
                             str(tmp_path / "sim.sqlite"), "--kiosk-id", KIOSK, "--token-file", str(token)],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        url = None
        while url is None and sel.select(20):
            line = proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (http://\S+)", line)
            url = m.group(1) if m else None
        assert url, "the simulator did not report its URL"
        assert BackendClient(url, KIOSK, token).get_catalog("it").services
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
