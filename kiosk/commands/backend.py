"""Technician and developer commands of the backend area:

  kiosk backend-sim [--port 8080] [--db FILE] [--kiosk-id PT-00123 --token-file FILE] [--tls-dir DIR] [faults…]
  kiosk backend-sim-command --db FILE --kiosk-id PT-00123 --type out_of_service [--message TEXT]
  kiosk backend-sim-faults --url http://127.0.0.1:8080 [--error-rate 0.2 …]
  kiosk outbox status
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

log = logging.getLogger("kiosk.commands.backend")

_FAULT_ARGS = [
    ("--error-rate", float, "error_rate", "share of calls answered 500/502/503 (0-1)"),
    ("--latency-ms", int, "latency_ms", "delay before each call"),
    ("--processing-ms", int, "processing_ms", "time a request stays in progress (retries get 409)"),
    ("--unavailable", int, "unavailable_retry_after", "answer every call 503 with this Retry-After (s)"),
    ("--drop-rate", float, "drop_rate", "share of calls whose reply is lost after the work is done (0-1)"),
    ("--malformed-rate", float, "malformed_rate", "share of successful replies garbled (0-1)"),
    ("--drip-ms", int, "drip_ms", "send replies one byte every N ms"),
    ("--seed", int, "seed", "random seed of the faults"),
]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backend-sim", help="run the central backend simulator on loopback")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080, help="0 = any free port")
    p.add_argument("--db", default="backend-sim.sqlite", help="simulator store (SQLite)")
    p.add_argument("--kiosk-id", help="register this kiosk and write its token")
    p.add_argument("--token-file", help="where to write the kiosk's token (mode 0600)")
    p.add_argument("--tls-dir", help="serve HTTPS with a test CA made in this directory (ca.pem = CA bundle)")
    _add_fault_args(p)
    p.set_defaults(func=_serve)

    c = subparsers.add_parser("backend-sim-command", help="queue a heartbeat command in the simulator")
    c.add_argument("--db", default="backend-sim.sqlite")
    c.add_argument("--kiosk-id", required=True)
    c.add_argument("--type", required=True,
                   choices=("out_of_service", "in_service", "reload_catalog", "restart_app", "print_test"))
    c.add_argument("--message")
    c.set_defaults(func=_queue_command)

    f = subparsers.add_parser("backend-sim-faults", help="change the faults of a running simulator")
    f.add_argument("--url", default="http://127.0.0.1:8080")
    f.add_argument("--clear", action="store_true", help="remove all faults first")
    _add_fault_args(f)
    f.set_defaults(func=_set_faults)

    o = subparsers.add_parser("outbox", help="the outbox of citizen requests")
    osub = o.add_subparsers(dest="outbox_command", metavar="ACTION")
    st = osub.add_parser("status", help="pending requests, oldest age, outcomes")
    st.set_defaults(func=_outbox_status)
    o.set_defaults(func=_outbox_status)


def _add_fault_args(p: argparse.ArgumentParser) -> None:
    for flag, typ, _, helptext in _FAULT_ARGS:
        p.add_argument(flag, type=typ, default=None, help=helptext)


def _faults_from(args: argparse.Namespace) -> dict:
    values = {}
    for flag, _, key, _ in _FAULT_ARGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            values[key] = value
    return values


def _serve(args: argparse.Namespace) -> int:
    from simulators.backend import BackendSimulator
    from simulators.backend.tls import make_test_pki
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    tls = {}
    if args.tls_dir:
        pki = make_test_pki(args.tls_dir)
        tls = {"tls_cert": str(pki.server_cert), "tls_key": str(pki.server_key)}
        sys.stdout.write(f"CA bundle for the kiosk: {pki.ca_cert}\n")
    sim = BackendSimulator(args.db, port=args.port, host=args.host, **tls)
    try:
        sim.set_faults(**_faults_from(args))
    except ValueError as exc:
        sys.stderr.write(f"backend-sim: {exc}\n")
        return 2
    if args.kiosk_id:
        token_file = args.token_file or f"{args.kiosk_id}.token"
        sim.provision_kiosk(args.kiosk_id, token_file)
        sys.stdout.write(f"kiosk {args.kiosk_id}: token written to {token_file}\n")
    url = sim.start()
    sys.stdout.write(f"backend simulator listening on {url} (Ctrl-C to stop)\n")
    sys.stdout.flush()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        sys.stderr.write("stopped\n")   # Ctrl-C is how this tool is meant to end
    sim.stop()
    return 0


def _queue_command(args: argparse.Namespace) -> int:
    from simulators.backend.store import SimStore
    store = SimStore(args.db)
    cid = store.queue_command(args.kiosk_id, args.type, args.message)
    store.close()
    sys.stdout.write(f"queued {args.type} for {args.kiosk_id}: {cid}\n")
    return 0


def _set_faults(args: argparse.Namespace) -> int:
    import requests
    values = _faults_from(args)
    if args.clear:
        values = {"error_rate": 0.0, "latency_ms": 0, "processing_ms": 0, "unavailable_retry_after": None,
                  "drop_rate": 0.0, "malformed_rate": 0.0, "drip_ms": 0, **values}
    try:
        resp = requests.post(args.url.rstrip("/") + "/admin/faults", json=values, timeout=(3, 10))
    except requests.RequestException as exc:
        sys.stderr.write(f"backend-sim-faults: cannot reach {args.url}: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(resp.json(), indent=2) + "\n")
    return 0 if resp.status_code == 200 else 1


def _outbox_status(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError, load_config
    from kiosk.outbox import Outbox, OutboxError
    from kiosk.outbox.store import OUTBOX_FILENAME
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    path = Path(cfg.data.dir) / OUTBOX_FILENAME
    if not path.exists():
        sys.stderr.write(f"no outbox at {path}\n")
        return 1
    try:
        box = Outbox(path, cfg.kiosk.id, retention_days=cfg.data.retention_days)
    except OutboxError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    st = box.stats()
    box.close()
    sys.stdout.write(f"outbox {path}\n"
                     f"  pending          {st.pending}\n"
                     f"  oldest pending   {st.oldest_age_s:.0f} s\n"
                     f"  delivered        {st.delivered}\n"
                     f"  rejected         {st.rejected}\n"
                     f"  needs attention  {st.needs_attention}\n"
                     f"  size             {st.size_bytes / 2**20:.1f} MiB\n")
    return 0
