"""Card insertion → identity available, over the simulator's pty at 9600 and 115200 baud (motor time 0).

    .venv/bin/python benchmarks/card_reader.py [--quick] [--runs N]

Columns: detection (insert → MediaInserted, bounded by the status poll interval), read (MediaInserted → identity
checked), total; frames = command + response frames exchanged for the read (ACK/NAK bytes counted apart);
round trips used vs. the protocol minimum for the data (cold reset + SELECT ×3 + READ BINARY ×⌈len/255⌉).
The simulator emulates line time from the baud rate set on the pty (10 bits a byte).
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.card_reader import CardReader, health_card  # noqa: E402
from drivers.device import EventKind  # noqa: E402
from kiosk.identity import identity_from_card  # noqa: E402
from simulators.card_reader import CARDS, CardReaderSimulator  # noqa: E402

POLL_S = 0.02


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        threading.Event().wait(0.002)


def minimum_round_trips(card: str) -> int:
    size = len(CARDS[card].personal_data())
    return 1 + len(health_card.PATH) + math.ceil(size / health_card.CHUNK)


def run(baud: int, runs: int, card: str) -> dict:
    sim = CardReaderSimulator(motor_s=0.0)
    path = sim.start()
    reader = CardReader(f"serial://{path}?baudrate={baud}", poll_interval=POLL_S)
    inserted = threading.Event()
    at_insert: list[tuple[int, int, int]] = []

    def on_event(event) -> None:  # runs on the reader's thread, between two exchanges: an exact snapshot
        if event.kind is EventKind.MEDIA_INSERTED:
            s = reader.stats
            at_insert.append((s.frames_sent, s.frames_received, s.controls_sent + s.controls_received))
            inserted.set()
    reader.subscribe(on_event)
    reader.open()
    detect, read, total, frames, controls, trips = [], [], [], [], [], []
    try:
        wait(lambda: reader.status().ready, 10, "reader online")
        for _ in range(runs):
            inserted.clear()
            reader.accept_card().result(5)
            t0 = time.perf_counter()
            sim.insert(card)
            if not inserted.wait(5):
                raise TimeoutError("no MediaInserted")
            t1 = time.perf_counter()
            s = reader.stats
            before = at_insert[-1]
            after: list[tuple[int, int, int]] = []
            future = reader.read_card()  # the done-callback runs on the reader's thread before its next poll
            future.add_done_callback(lambda _f: after.append(
                (s.frames_sent, s.frames_received, s.controls_sent + s.controls_received)))
            identity_from_card(future.result(10))
            t2 = time.perf_counter()
            sent, received = after[0][0] - before[0], after[0][1] - before[1]
            detect.append(t1 - t0)
            read.append(t2 - t1)
            total.append(t2 - t0)
            frames.append(sent + received)
            controls.append(after[0][2] - before[2])
            trips.append(sent)
            reader.eject().result(5)
            wait(lambda: sim.position.value == "gate", 5, "card at gate")
            sim.take()
            wait(lambda: reader.status().media.value == "not_present", 5, "card gone")
    finally:
        reader.close()
        sim.stop()
    return {"baud": baud, "detect": statistics.median(detect), "read": statistics.median(read),
            "total": statistics.median(total), "frames": statistics.median(frames),
            "controls": statistics.median(controls), "trips": statistics.median(trips)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 runs per speed")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--card", default="mario_rossi")
    args = ap.parse_args(argv)
    runs = 3 if args.quick else args.runs
    minimum = minimum_round_trips(args.card)
    print(f"card {args.card}: EF_DatiPersonali {len(CARDS[args.card].personal_data())} bytes; "
          f"median of {runs} runs; status poll every {POLL_S * 1000:.0f} ms; motor time excluded")
    print(f"{'baud':>7} | {'detect ms':>9} | {'read ms':>8} | {'total ms':>8} | {'frames':>6} | "
          f"{'ACK/NAK':>7} | {'round trips':>11} | {'protocol min':>12}")
    print("-" * 94)
    for baud in (9600, 115200):
        r = run(baud, runs, args.card)
        print(f"{r['baud']:>7} | {r['detect'] * 1000:>9.1f} | {r['read'] * 1000:>8.1f} | {r['total'] * 1000:>8.1f} | "
              f"{r['frames']:>6.0f} | {r['controls']:>7.0f} | {r['trips']:>11.0f} | {minimum:>12}")
    print("round trips used = MOVE to IC + cold reset + SELECT x3 + READ BINARY + chip power-off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
