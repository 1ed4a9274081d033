"""`kiosk card-reader …` against the simulator, and the simulator's own command line."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.cli import main
from simulators.card_reader import Position

from .conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path, sim):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[card_reader]\nurl = "{sim.url}"\npoll_interval_s = 0.1\n', encoding="utf-8")
    return str(path)


def test_status_shows_an_online_reader(config, capsys):
    assert main(["--config", config, "card-reader", "status"]) == 0
    out = capsys.readouterr().out
    assert "state:      online" in out and "CRT-591-SIM" in out and "retain bin: ok" in out


def test_read_waits_for_a_card_then_eject_gives_it_back(config, sim, capsys):
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(
        main(["--config", config, "card-reader", "read", "--wait", "5"])))
    worker.start()
    wait_for(lambda: sim.entry_enabled, what="shutter open")
    sim.insert("anna_bianchi")
    worker.join(15)
    assert result == [0]
    out = capsys.readouterr().out
    assert "health card OK: BNCNNA*********Z" in out and "BIANCHI" not in out
    assert main(["--config", config, "card-reader", "eject"]) == 0
    assert sim.position is Position.GATE


def test_read_with_the_card_only_at_the_gate_says_there_is_none_inside(config, sim, capsys):
    sim.insert("bank_card")          # pushed against the closed shutter: it waits at the gate
    assert main(["--config", config, "card-reader", "read"]) == 1
    assert "no card inside" in capsys.readouterr().err


def test_retain_keeps_the_card_in_the_bin(config, sim, capsys):
    sim.insert("mario_rossi")
    assert main(["--config", config, "card-reader", "retain"]) == 0
    assert sim.retained == ["mario_rossi"]


def test_unreachable_reader_is_a_clear_failure(tmp_path, capsys):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[card_reader]\nurl = "serial://{tmp_path}/nothing"\n', encoding="utf-8")
    assert main(["--config", str(path), "card-reader", "--connect-s", "0.5", "status"]) == 1
    assert "offline" in capsys.readouterr().err


def test_simulator_command_line_inserts_and_reports():
    proc = subprocess.Popen([sys.executable, "-m", "simulators.card_reader", "--motor-s", "0"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        path = proc.stdout.readline().strip()
        assert Path(path).is_symlink()
        proc.stdout.readline()  # banner
        proc.stdin.write("insert mario_rossi\nfault jam on\nstatus\nfault nope\nquit\n")
        proc.stdin.flush()
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "inserted mario_rossi: card gate" in out
    assert "jam=True" in out and "error: unknown fault 'nope'" in out
    assert proc.returncode == 0 and not Path(path).exists()
