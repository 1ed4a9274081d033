"""api/openapi.yaml stays in step with the client and the simulator."""
from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import yaml

from kiosk.backend.client import CLIENT_ROUTES
from simulators.backend import ROUTES
from tests.backend.conftest import CITIZEN, JPEG, KIOSK

SPEC = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


def spec_routes() -> set[tuple[str, str]]:
    doc = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    return {(m.upper(), path) for path, ops in doc["paths"].items() for m in ops if m in ("get", "put", "post")}


def test_every_simulator_route_is_in_the_contract():
    assert set(ROUTES) <= spec_routes(), set(ROUTES) - spec_routes()


def test_every_client_route_is_in_the_contract():
    client_routes = {tuple(r.split(" ", 1)) for r in CLIENT_ROUTES}
    assert client_routes <= spec_routes(), client_routes - spec_routes()


def test_routes_really_served_to_the_client_are_in_the_contract(client, sim):
    sha = hashlib.sha256(JPEG).hexdigest()
    client.put_blob(sha, JPEG)
    body = json.dumps({"kiosk_id": KIOSK, "local_ref": "R-1", "service": "anpr.residenza", "locale": "it",
                       "created_at": "2026-11-25T10:00:00+01:00", "citizen": CITIZEN, "fields": {},
                       "attachments": []}).encode()
    reply = client.submit_request(body, str(uuid.uuid4()), "R-1")
    client.get_request(reply.practice_id)
    client.get_catalog("it")
    client.heartbeat({"at": "2026-11-25T10:00:00+01:00", "version": "1", "uptime_s": 1, "devices": {},
                      "outbox": {"pending": 0, "oldest_age_s": 0}, "disk_free_mb": 1, "recent_errors": []})
    assert {tuple(r.split(" ", 1)) for r in CLIENT_ROUTES} == sim.served
    assert sim.served <= spec_routes()


def test_status_codes_of_the_spec_are_documented():
    doc = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    post = doc["paths"]["/v1/requests"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409", "422", "429", "503"} <= set(post)
    blob = doc["paths"]["/v1/blobs/{sha256}"]["put"]["responses"]
    assert {"200", "201", "400", "413", "415"} <= set(blob)
