"""Outbox benchmarks: durable submit rate against raw SQLite insert+fsync on the same disk, delivery throughput
and latency against the backend simulator on loopback, time to drain a backlog after an outage, and (optionally)
the long SIGKILL crash run.

    .venv/bin/python benchmarks/outbox.py [--quick] [--dir DIR] [--crash-kills N]
"""
from __future__ import annotations

import argparse
import logging
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.backend import BackendClient  # noqa: E402
from kiosk.outbox import CircuitBreaker, Outbox, OutboxSender  # noqa: E402
from simulators.backend import BackendSimulator  # noqa: E402

KIOSK = "PT-00123"
CITIZEN = {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO",
           "birth_date": "1980-01-01", "identified_by": "health_card"}


def submit_rates(workdir: Path, n: int, chunk: int = 50) -> tuple[float, float]:
    """(raw SQLite insert+fsync per second, durable outbox submits per second) on the same disk.

    Raw = one 400-byte INSERT per committed transaction, WAL + synchronous=FULL: the disk's durable-commit
    ceiling. The two run interleaved in chunks, so a disk shared with other work slows both alike."""
    db = sqlite3.connect(workdir / "raw.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
    box = Outbox(workdir / "outbox-s.sqlite", KIOSK)
    payload = b"x" * 400
    raw_s = ours_s = 0.0
    done = 0
    while done < n:
        t = time.perf_counter()
        for _ in range(chunk):
            db.execute("BEGIN")
            db.execute("INSERT INTO t (payload) VALUES (?)", (payload,))
            db.execute("COMMIT")
        raw_s += time.perf_counter() - t
        t = time.perf_counter()
        for i in range(chunk):
            box.submit("anpr.residenza", CITIZEN, {"use": "bench", "i": done + i})
        ours_s += time.perf_counter() - t
        done += chunk
    db.close()
    box.close()
    return done / raw_s, done / ours_s


def delivery(workdir: Path, n: int) -> tuple[float, float, float]:
    """Throughput: n requests submitted in a burst with the sender running (requests/s, submit of the first to
    delivery of the last). Latency: n requests one at a time, submit → delivered (p50 ms, p99 ms)."""
    sim = BackendSimulator(workdir / "backend-d.sqlite")
    url = sim.start()
    token = sim.provision_kiosk(KIOSK, workdir / "token-d")
    box = Outbox(workdir / "outbox-d.sqlite", KIOSK)
    client = BackendClient(url, KIOSK, token)
    delivered: dict[int, float] = {}
    cond = threading.Condition()

    def on_outcome(outcome):
        with cond:
            delivered[outcome.row_id] = time.perf_counter()
            cond.notify_all()
    sender = OutboxSender(box, client, on_outcome=on_outcome, idle_s=0.5)
    sender.start()
    started = time.perf_counter()
    rows = [box.submit("anpr.residenza", CITIZEN, {"i": i})[1] for i in range(n)]
    with cond:
        cond.wait_for(lambda: all(r in delivered for r in rows), 300)
    rate = n / (max(delivered.values()) - started)
    latencies = []
    for i in range(n):
        t = time.perf_counter()
        _, row = box.submit("anpr.residenza", CITIZEN, {"single": i})
        with cond:
            cond.wait_for(lambda: row in delivered, 30)
        latencies.append(delivered[row] - t)
    sender.stop()
    box.close()
    sim.stop()
    latencies.sort()
    return rate, statistics.median(latencies) * 1000, latencies[int(0.99 * (len(latencies) - 1))] * 1000


def drain_after_outage(workdir: Path, n: int) -> tuple[float, int]:
    """A backlog of n requests builds up while the backend answers 503 Retry-After: 1; then it comes back.
    Returns (seconds from recovery to empty outbox, POSTs seen by the backend)."""
    sim = BackendSimulator(workdir / "backend-o.sqlite")
    url = sim.start()
    token = sim.provision_kiosk(KIOSK, workdir / "token-o")
    box = Outbox(workdir / "outbox-o.sqlite", KIOSK)
    client = BackendClient(url, KIOSK, token)
    sim.set_faults(unavailable_retry_after=1)
    sender = OutboxSender(box, client, breaker=CircuitBreaker(threshold=5, open_s=1.0, max_open_s=2.0), idle_s=0.5)
    sender.start()
    for i in range(n):
        box.submit("anpr.residenza", CITIZEN, {"i": i})
    sim.set_faults(unavailable_retry_after=None)
    recovered = time.perf_counter()
    deadline = recovered + 1800
    while box.pending_count() and time.perf_counter() < deadline:
        time.sleep(0.05)
    elapsed = time.perf_counter() - recovered
    sender.stop()
    box.close()
    posts = sum(1 for m, p in sim.call_log if m == "POST")
    sim.stop()
    return elapsed, posts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small counts (about 20 s)")
    p.add_argument("--dir", help="directory on the disk to measure (default: a temporary directory)")
    p.add_argument("--crash-kills", type=int, default=0, help="also run the SIGKILL crash test with N kills")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    n_submit, n_deliver, n_backlog = (300, 300, 1000) if args.quick else (2000, 2000, 10000)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        raw, ours = submit_rates(work, n_submit)
        rate, p50, p99 = delivery(work, n_deliver)
        drain_s, posts = drain_after_outage(work, n_backlog)
        rows = [
            ("raw SQLite insert+fsync (WAL, FULL)", f"{raw:,.0f} /s", f"n={n_submit}, interleaved in chunks of 50"),
            ("durable outbox submits (WAL, FULL)", f"{ours:,.0f} /s", f"ratio {ours / raw:.2f} (target >= 0.80)"),
            ("delivery throughput (loopback)", f"{rate:,.0f} req/s", f"burst of {n_deliver}"),
            ("delivery latency p50", f"{p50:,.1f} ms", "one at a time, submit -> delivered"),
            ("delivery latency p99", f"{p99:,.1f} ms", ""),
            (f"drain {n_backlog:,} after outage", f"{drain_s:,.1f} s",
             f"{n_backlog / drain_s:,.0f} req/s; {posts:,} POSTs"),
        ]
        if args.crash_kills:
            from tests.backend.crashtest import run_crash_test
            report = run_crash_test(work / "crash", kills=args.crash_kills, log=lambda _m: None)
            rows.append((f"crash test, {report.kills} SIGKILLs", "PASS" if report.ok else "FAIL",
                         f"{report.stored} stored, {report.backend_requests} at backend, lost "
                         f"{len(report.lost)}, dup {len(report.duplicated)}, {report.seconds:.0f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>14}  note")
    print(f"{'-' * width}  {'-' * 14}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
