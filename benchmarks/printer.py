"""Receipt printing cost: bytes on the wire, time to build them, and time on a 115200-baud line.

For a typical receipt of each kind, ours (explicit CP858, styles only when they change, native QR) against the
same receipt sent the naive way (python-escpos defaults: ``set()`` before every line, its automatic text encoder,
rastered QR). The wire time is measured through the virtual printer limited to 115200 baud, from the first byte
sent to the cut, and compared with the physical limit: bytes ÷ 11,520 B/s. Targets: ≤ 2 KB per receipt without
logo, wire time ≤ 1.2 × the physical limit.

    .venv/bin/python benchmarks/printer.py [--quick]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from escpos.printer import Dummy  # noqa: E402

from drivers.printer import JobOutcome, PrinterProfile, ThermalPrinter, render  # noqa: E402
from drivers.printer.transport import open_transport  # noqa: E402
from kiosk.pagopa import PaymentNotice, check_digits_aux3  # noqa: E402
from kiosk.receipts import (RECORDED_OFFLINE, BackendOutcome, IssuedDocument, KioskInfo, ReceiptInput,  # noqa: E402
                            build_receipt, technician_test_page)
from simulators.printer import Faults, PrinterSimulator  # noqa: E402

import datetime as dt  # noqa: E402

BAUD = 115200
LINE_RATE = BAUD / 10  # 8N1: 10 bits a byte → 11,520 B/s


def typical_receipts(columns: int) -> dict:
    kiosk = KioskInfo("Ufficio Postale di Città della Pieve", "Piazza XIX Giugno 1, 06062 Città della Pieve (PG)",
                      "PT-00123")
    when = dt.datetime(2026, 11, 25, 10, 0)
    notice = "3010000000001234" + check_digits_aux3("3010000000001234")
    pay = PaymentNotice(notice, "01234567890", 1600, "Diritti di segreteria")
    outcomes = {
        "certificate issued": BackendOutcome("completed", (IssuedDocument(
            "certificato_residenza", "ANPR-2026-000123", "https://anpr.example.it/verifica/ANPR-2026-000123"),),
            None, {"it": "Il certificato è valido sei mesi."}),
        "request accepted": BackendOutcome("accepted", (), None, {"it": "Ritira il passaporto in Questura."}),
        "recorded offline": RECORDED_OFFLINE,
        "payment notice": BackendOutcome("completed", (), pay, {}),
    }
    out = {name: build_receipt(ReceiptInput(kiosk, "00123-261125-0042-K", "Certificato di residenza", "it", when,
                                            o, columns)) for name, o in outcomes.items()}
    out["test page"] = technician_test_page(kiosk, when, columns, ["online / paper full"])
    return out


def render_naive(document, columns: int) -> bytes:
    """The same receipt with python-escpos defaults."""
    p = Dummy(profile="TM-T88V")
    p.hw("INIT")
    for b in document.blocks:
        if b.kind == "text":
            s = b.style
            p.set(align=s.align.value, bold=s.bold, underline=int(s.underline), invert=s.invert,
                  double_width=s.width > 1, double_height=s.height > 1)
            p.text(b.text + "\n")
        elif b.kind == "rule":
            p.set(align="left")
            p.text(b.char * columns + "\n")
        elif b.kind == "feed":
            p.ln(b.lines)
        elif b.kind == "qr":
            p.qr(b.payload, size=b.module)  # python-escpos default: native=False → raster image
        elif b.kind == "barcode":
            p.barcode("{B" + b.data, "CODE128", function_type="B")
        elif b.kind == "cut":
            p.cut()
    return bytes(p.output)


def build_time_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def wire_time(data: bytes, out_dir: Path) -> float:
    """Seconds from the first byte to the cut on a simulated 115200-baud line."""
    sim = PrinterSimulator(out_dir, port=0, faults=Faults(baud=BAUD))
    url = sim.start()
    t = open_transport(url)
    try:
        t0 = time.monotonic()
        t.write(data)
        receipt = sim.wait_for_receipts(1, 60)[0]
        return receipt.finished_at - t0
    finally:
        t.close()
        sim.stop()


def job_time(document, columns: int, out_dir: Path) -> float:
    """Seconds from ``submit`` to a known outcome through the driver: status check, job, check after."""
    sim = PrinterSimulator(out_dir, port=0, columns=columns, faults=Faults(baud=BAUD))
    url = sim.start()
    printer = ThermalPrinter(url, profile=PrinterProfile(columns=columns), poll_interval=60.0)
    printer.open()
    try:
        deadline = time.monotonic() + 10
        while not printer.status().ready:
            if time.monotonic() > deadline:
                raise RuntimeError("simulated printer never came online")
            time.sleep(0.01)
        t0 = time.monotonic()
        job = printer.submit(document)
        if job.wait(30) is not JobOutcome.PRINTED:
            raise RuntimeError(f"job not printed: {job.detail}")
        return time.monotonic() - t0
    finally:
        printer.close()
        sim.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions; naive receipts not sent")
    ap.add_argument("--columns", type=int, default=48, choices=(32, 42, 48))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    repeat = 10 if args.quick else 100
    profile = PrinterProfile(columns=args.columns)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in typical_receipts(args.columns).items():
            ours = render(doc, profile)
            naive = render_naive(doc, args.columns)
            build = build_time_ms(lambda: render(doc, profile), repeat)
            naive_build = build_time_ms(lambda: render_naive(doc, args.columns), max(3, repeat // 10))
            wire = wire_time(ours, Path(tmp) / name.replace(" ", "-"))
            job = job_time(doc, args.columns, Path(tmp) / ("job-" + name.replace(" ", "-")))
            naive_wire = None if args.quick else wire_time(naive, Path(tmp) / ("naive-" + name.replace(" ", "-")))
            rows.append((name, len(ours), build, wire, len(ours) / LINE_RATE, job, len(naive), naive_build,
                         naive_wire, len(naive) / LINE_RATE))
    head = (f"{'receipt (' + str(args.columns) + ' col)':<22} {'bytes':>6} {'build ms':>8} {'wire s':>7} "
            f"{'limit s':>7} {'ratio':>5} {'job s':>6} | {'naive B':>7} {'build ms':>8} {'wire s':>7} {'limit s':>7} | "
            f"{'≤2KB':>4} {'≤1.2×':>5}")
    print(head)
    print("-" * len(head))
    ok = True
    for name, b, build, wire, limit, job, nb, nbuild, nwire, nlimit in rows:
        ratio = wire / limit
        small, fast = b <= 2048, ratio <= 1.2
        ok &= small and fast
        nw = f"{nwire:7.3f}" if nwire is not None else f"{'-':>7}"
        print(f"{name:<22} {b:>6} {build:>8.2f} {wire:>7.3f} {limit:>7.3f} {ratio:>5.2f} {job:>6.3f} | {nb:>7} {nbuild:>8.2f} "
              f"{nw} {nlimit:>7.3f} | {'yes' if small else 'NO':>4} {'yes' if fast else 'NO':>5}")
    print(f"\nline: {BAUD} baud 8N1 = {LINE_RATE:,.0f} B/s; build = median of {repeat} renders; "
          f"wire = first byte to cut in the simulator; job = submit -> outcome through the driver "
          f"(status before, job, status after){'; naive not sent (--quick)' if args.quick else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
