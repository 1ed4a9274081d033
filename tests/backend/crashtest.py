"""The SIGKILL crash test, shared by tests/backend/test_crash.py (quick) and benchmarks/outbox.py (long).

A kiosk subprocess submits and sends while it is killed with SIGKILL again and again; the backend simulator
injects errors, lost replies and malformed replies. After a last run drains the outbox, every request the kiosk
stored (and every receipt it printed) must be held by the backend exactly once and marked delivered."""
from __future__ import annotations

import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from simulators.backend import BackendSimulator
from tests.waiting import poll

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrashReport:
    kills: int
    receipts: int
    stored: int
    backend_requests: int
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    undelivered: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    posts: int = 0                       # POST /v1/requests calls that reached the backend (retries included)
    seeds: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.undelivered or self.mismatched)


def _child(workdir: Path, url: str, token: Path, seed: int, mode: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tests.backend.crash_child", "--outbox", str(workdir / "outbox.sqlite"),
           "--url", url, "--token", str(token), "--receipts", str(workdir / "receipts.txt"), "--seed", str(seed),
           "--mode", mode]
    stderr = open(workdir / "child-stderr.txt", "ab")
    try:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr)
    finally:
        stderr.close()


def _wait_ready(proc: subprocess.Popen, timeout: float) -> None:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout) or proc.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"crash child did not start within {timeout} s (exit {proc.poll()})")
    finally:
        sel.close()


def _receipts(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="ascii")
    return [line for line in text.split("\n")[:-1] if line]   # a torn last line was never "printed"


_wait = poll


def run_crash_test(workdir: Path, kills: int = 50, seed: int | None = None,
                   log: Callable[[str], None] = print) -> CrashReport:
    started = time.monotonic()
    seed = random.randrange(2 ** 31) if seed is None else seed
    log(f"crash test: {kills} kills, master seed {seed}")
    master = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    sim = BackendSimulator(workdir / "backend.sqlite", port=0)
    url = sim.start()
    token = sim.provision_kiosk("PT-00123", workdir / "token")
    sim.set_faults(error_rate=0.15, drop_rate=0.15, malformed_rate=0.05, seed=seed)
    receipts_path = workdir / "receipts.txt"
    seeds = []
    try:
        for k in range(kills):
            child_seed = master.randrange(2 ** 31)
            seeds.append(child_seed)
            proc = _child(workdir, url, token, child_seed, "submit")
            try:
                _wait_ready(proc, 30)
                if master.random() < 0.5:       # kill right after a receipt was printed …
                    target = len(_receipts(receipts_path)) + master.randint(1, 6)
                    _wait(lambda: len(_receipts(receipts_path)) >= target or proc.poll() is not None, 20)
                else:                           # … or right after the backend received a call (mid-delivery)
                    calls = len(sim.call_log) + master.randint(1, 8)
                    _wait(lambda: len(sim.call_log) >= calls or proc.poll() is not None, 20)
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                proc.stdout.close()
            log(f"kill {k + 1}/{kills}: child seed {child_seed}, receipts {len(_receipts(receipts_path))}")
        sim.set_faults(error_rate=0.0, drop_rate=0.0, malformed_rate=0.0)
        drain = _child(workdir, url, token, master.randrange(2 ** 31), "drain")
        try:
            _wait_ready(drain, 30)
            drained = drain.wait(180) == 0
        finally:
            if drain.poll() is None:
                drain.kill()
                drain.wait(10)
            drain.stdout.close()
        log(f"drain run finished ({'empty' if drained else 'NOT empty'})")
        backend = sim.store.requests()
        posts = sum(1 for m, p in sim.call_log if m == "POST" and p == "/v1/requests")
    finally:
        sim.stop()
    db = sqlite3.connect(workdir / "outbox.sqlite")
    rows = db.execute("SELECT local_ref, uuid, state, practice_id FROM outbox").fetchall()
    db.close()
    receipts = _receipts(receipts_path)
    stored = {r[0]: r for r in rows}
    per_ref = Counter(r["local_ref"] for r in backend)
    by_ref = {r["local_ref"]: r for r in backend}
    report = CrashReport(kills=kills, receipts=len(receipts), stored=len(rows), backend_requests=len(backend),
                         posts=posts, seeds=seeds, seconds=time.monotonic() - started)
    report.lost = sorted({r for r in receipts if r not in stored} | {r for r in stored if r not in per_ref})
    report.duplicated = sorted(r for r, n in per_ref.items() if n > 1) + \
        sorted(r for r, n in Counter(receipts).items() if n > 1)
    report.undelivered = sorted(r[0] for r in rows if r[2] != "delivered")
    report.mismatched = sorted(r[0] for r in rows if r[0] in by_ref and
                               (by_ref[r[0]]["practice_id"] != r[3] or by_ref[r[0]]["idem_key"] != r[1]))
    report.mismatched += sorted(r for r in per_ref if r not in stored)
    return report
