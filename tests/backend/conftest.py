"""Fixtures of the backend tests: a real backend simulator on loopback, a provisioned kiosk, a real client."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.backend import BackendClient
from simulators.backend import BackendSimulator
from tests.waiting import poll

KIOSK = "PT-00123"
CITIZEN = {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO",
           "birth_date": "1980-01-01", "identified_by": "health_card"}
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


wait_until = poll   # the backend tests assert on the boolean themselves


@pytest.fixture
def sim(tmp_path: Path):
    s = BackendSimulator(tmp_path / "backend.sqlite", port=0)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def token_file(sim, tmp_path: Path) -> Path:
    return sim.provision_kiosk(KIOSK, tmp_path / "token")


@pytest.fixture
def client(sim, token_file):
    c = BackendClient(sim.url, KIOSK, token_file, connect_timeout_s=1.0, read_timeout_s=2.0)
    yield c
    c.close()
