"""Technician PIN: salted hash, lockout that survives a restart, every attempt audited."""
from __future__ import annotations

import pytest

from drivers.clock import FakeClock
from kiosk.maintenance import AuditLog, MaintenanceAccess, check_pin, hash_pin


def test_hash_is_salted_and_verifies():
    a, b = hash_pin("2468"), hash_pin("2468")
    assert a != b and "2468" not in a
    assert check_pin("2468", a) and not check_pin("2469", a) and not check_pin("2468", "garbage")
    with pytest.raises(ValueError):
        hash_pin("12a4")


def test_lockout_after_wrong_tries_survives_restart_and_expires(tmp_path):
    clock = FakeClock()
    audit = AuditLog(tmp_path / "audit.log", clock)
    pin_hash = hash_pin("2468", iterations=1000)

    def access():
        return MaintenanceAccess(pin_hash, tmp_path / "state.json", audit, max_attempts=3, lockout_s=300,
                                 clock=clock)
    first = access()
    assert first.try_pin("0000").tries_left == 2
    assert first.try_pin("1111").tries_left == 1
    locked = first.try_pin("2222")
    assert locked.reason == "locked" and locked.locked_for_s == 300
    again = access()                                  # a restart does not unlock
    assert again.try_pin("2468").reason == "locked"
    clock.advance(301)
    assert again.try_pin("2468").ok
    actions = [e["result"] for e in audit.entries()]
    assert actions == ["wrong PIN", "wrong PIN", "wrong PIN: locked for 300 s", "refused: locked", "ok"]
    assert all("2468" not in e["result"] for e in audit.entries())


def test_no_pin_configured_means_no_access(tmp_path):
    access = MaintenanceAccess("", tmp_path / "s.json", AuditLog(tmp_path / "a.log"))
    assert access.try_pin("1234").reason == "not_configured"
