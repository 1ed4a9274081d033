"""Crash test, quick mode (50 SIGKILLs). The long mode runs from benchmarks/outbox.py --crash-kills N."""
from __future__ import annotations

import os

from tests.backend.crashtest import run_crash_test


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path):
    kills = int(os.environ.get("KIOSK_CRASH_KILLS", "50"))
    report = run_crash_test(tmp_path, kills=kills)
    print(f"seeds: {report.seeds}")
    assert report.kills == kills and report.receipts >= kills
    assert report.lost == [], f"lost requests: {report.lost}"
    assert report.duplicated == [], f"duplicated requests: {report.duplicated}"
    assert report.undelivered == [], f"not delivered: {report.undelivered}"
    assert report.mismatched == [], f"kiosk and backend disagree: {report.mismatched}"
    assert report.backend_requests == report.stored
    assert report.posts > report.backend_requests    # faults and kills really forced re-sends
