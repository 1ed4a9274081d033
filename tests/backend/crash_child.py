"""The kiosk side of the crash test, run as a subprocess: submits a stream of requests (logging each receipt's
reference once ``submit`` has returned, as the printer would) while its sender delivers them; the parent kills it
with SIGKILL at random moments. ``--mode drain`` only delivers what is stored, then exits 0.

    python -m tests.backend.crash_child --outbox F --url U --token F --receipts F --seed N [--mode drain]
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import threading
import time

from kiosk.backend import BackendClient
from kiosk.outbox import CircuitBreaker, Outbox, OutboxSender

KIOSK = "PT-00123"
CITIZEN = {"codice_fiscale": "RSSMRA80A01H501U", "surname": "ROSSI", "given_name": "MARIO",
           "birth_date": "1980-01-01", "identified_by": "health_card"}
SERVICES = ["anpr.residenza", "anpr.stato_famiglia", "inps.cu", "giustizia.casellario", "passaporto.rilascio",
            "cie.richiesta", "ade.cassetto_fiscale"]
PHOTO_SERVICES = {"passaporto.rilascio", "cie.richiesta"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    for name in ("--outbox", "--url", "--token", "--receipts"):
        p.add_argument(name, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--mode", choices=("submit", "drain"), default="submit")
    p.add_argument("--pace-ms", type=float, default=15.0)
    p.add_argument("--drain-timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    rng = random.Random(args.seed)
    box = Outbox(args.outbox, KIOSK)
    client = BackendClient(args.url, KIOSK, args.token, connect_timeout_s=1.0, read_timeout_s=3.0)
    sender = OutboxSender(box, client, backoff_base_s=0.01, backoff_cap_s=0.1, max_malformed=1000, idle_s=0.05,
                          breaker=CircuitBreaker(threshold=5, open_s=0.05, max_open_s=0.2), rng=random.Random(rng.random()))
    sender.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    if args.mode == "drain":
        deadline = time.monotonic() + args.drain_timeout
        while box.pending_count() and time.monotonic() < deadline:
            threading.Event().wait(0.05)
        sender.stop()
        return 0 if box.pending_count() == 0 else 1
    fd = os.open(args.receipts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    pause = threading.Event()
    i = 0
    while True:
        service = rng.choice(SERVICES)
        photos = [b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(2_000, 40_000))] if service in PHOTO_SERVICES else []
        ref, _ = box.submit(service, CITIZEN, {"seed": args.seed, "i": i}, photos=photos)
        os.write(fd, f"{ref}\n".encode("ascii"))
        os.fsync(fd)
        i += 1
        pause.wait(rng.uniform(0, args.pace_ms / 1000))


if __name__ == "__main__":
    sys.exit(main())
