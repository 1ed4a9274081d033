"""Technician commands for the receipt printer, against the printer configured in [printer]:

  kiosk printer status                 what the printer says (DLE EOT), exit 0 only if ready
  kiosk printer test-page              print the test page (styles, code page, QR, barcode)
  kiosk printer print-file RECEIPT.json  print a receipt document (kiosk.receipts.model JSON form)
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import threading

from drivers.clock import SYSTEM_CLOCK
from drivers.device import DeviceState, EventKind
from kiosk.config import ConfigError, load_config
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the driver and receipts load only when a printer command runs (kiosk run stays fast)
    from drivers.printer import ThermalPrinter
    from kiosk.receipts import Receipt

log = logging.getLogger("kiosk.commands.printer")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("printer", help="receipt printer: status, test page, print a receipt file")
    p.add_argument("--url", help="printer URL instead of [printer] url (e.g. tcp://127.0.0.1:9100)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the printer (default 20)")
    sub = p.add_subparsers(dest="printer_command", metavar="ACTION", required=True)
    sub.add_parser("status", help="query and show the printer status").set_defaults(func=cmd_status)
    sub.add_parser("test-page", help="print the technician test page").set_defaults(func=cmd_test_page)
    pf = sub.add_parser("print-file", help="print a receipt document from a JSON file")
    pf.add_argument("file", metavar="RECEIPT.json")
    pf.set_defaults(func=cmd_print_file)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _open(args: argparse.Namespace):
    from drivers.printer import PrinterProfile, ThermalPrinter
    """The configured printer, started, after its first real status (or the time-out)."""
    cfg = load_config(args.config)
    pc = cfg.printer
    printer = ThermalPrinter(args.url or pc.url, profile=PrinterProfile(columns=pc.columns),
                             status_timeout=pc.status_timeout_s, poll_interval=pc.poll_interval_s)
    first = threading.Event()
    unsubscribe = printer.subscribe(lambda ev: first.set() if ev.kind is EventKind.STATUS_CHANGED else None)
    printer.open()
    if not first.wait(args.timeout):
        _out(f"no status from the printer within {args.timeout:g} s")
    unsubscribe()
    return cfg, printer


def _show(printer: ThermalPrinter) -> None:
    st = printer.status()
    _out(f"printer  {printer.url}")
    _out(f"state    {st.state.value}")
    _out(f"paper    {st.supply.value}")
    _out(f"detail   {st.detail}")
    if st.flags:
        _out(f"flags    {', '.join(sorted(st.flags))}")


def cmd_status(args: argparse.Namespace) -> int:
    try:
        _, printer = _open(args)
    except ConfigError as exc:
        _out(f"configuration error: {exc}")
        return 2
    try:
        _show(printer)
        return 0 if printer.status().state is DeviceState.ONLINE else 1
    finally:
        printer.close()


def _print(args: argparse.Namespace, build) -> int:
    from drivers.printer import JobOutcome
    try:
        cfg, printer = _open(args)
    except ConfigError as exc:
        _out(f"configuration error: {exc}")
        return 2
    try:
        document = build(cfg, printer)
        job = printer.submit(document)
        outcome = job.wait(args.timeout)
        if outcome is None:
            _out(f"no answer from the printer within {args.timeout:g} s")
            return 1
        _out(f"job {job.id}: {outcome.value} ({job.detail})")
        if outcome is JobOutcome.INTERRUPTED:
            _out("waiting for the printer to be ready to reprint it whole…")
            if job.wait_printed_whole(args.timeout):
                _out(f"job {job.id}: reprinted")
                return 0
            _out(f"job {job.id}: not reprinted within {args.timeout:g} s")
        _show(printer)
        return 0 if outcome is JobOutcome.PRINTED else 1
    finally:
        printer.close()


def cmd_test_page(args: argparse.Namespace) -> int:
    from kiosk.receipts import KioskInfo, technician_test_page

    def build(cfg, printer: ThermalPrinter) -> Receipt:
        st = printer.status()
        lines = [f"{st.state.value} / paper {st.supply.value} / {st.detail}", f"URL {printer.url}",
                 f"{cfg.printer.columns} col"]
        return technician_test_page(KioskInfo.from_config(cfg), SYSTEM_CLOCK.now(), cfg.printer.columns, lines)
    return _print(args, build)


def cmd_print_file(args: argparse.Namespace) -> int:
    from kiosk.receipts import Receipt, ReceiptFormatError
    try:
        with open(args.file, encoding="utf-8") as fh:
            document = Receipt.from_dict(json.load(fh))
    except OSError as exc:
        _out(f"{args.file}: cannot read: {exc.strerror}")
        return 2
    except json.JSONDecodeError as exc:
        _out(f"{args.file}: not JSON: {exc}")
        return 2
    except ReceiptFormatError as exc:
        _out(f"{args.file}: not a receipt: {exc}")
        return 2
    return _print(args, lambda cfg, printer: document)
