"""The same driver over a pseudo-terminal (serial), including unplug and replug of the cable."""
import pytest

from drivers.device import DeviceState
from drivers.printer import JobOutcome
from kiosk.receipts import build_receipt
from simulators.printer import PrinterSimulator
from tests.printer.conftest import REF, make_printer, receipt_input, wait_until


@pytest.fixture
def pty_sim(tmp_path):
    s = PrinterSimulator(tmp_path / "paper", port=None, pty=True)
    s.start()
    yield s
    s.stop()


def test_print_over_a_serial_line(pty_sim):
    assert pty_sim.pty_url.startswith("serial://")
    p = make_printer(pty_sim.pty_url)
    p.open()
    try:
        wait_until(lambda: p.status().ready, what="online over pty")
        job = p.submit(build_receipt(receipt_input("certificate_issued")))
        assert job.wait(10) is JobOutcome.PRINTED
        paper = pty_sim.wait_for_receipts(1, 10)[0]
        assert REF in paper.text and "città" in paper.text.lower()
        pty_sim.set_faults(cover_open=True)
        wait_until(lambda: "cover_open" in p.status().flags)
    finally:
        p.close()


def test_serial_unplug_and_replug_reconnects(pty_sim):
    p = make_printer(pty_sim.pty_url)
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        pty_sim.unplug()
        wait_until(lambda: not p.connected and p.status().state is DeviceState.OFFLINE, what="link lost")
        pty_sim.replug()
        wait_until(lambda: p.status().ready, what="reconnected over the new pty")
        job = p.submit(build_receipt(receipt_input("recorded_offline")))
        assert job.wait(10) is JobOutcome.PRINTED
    finally:
        p.close()
