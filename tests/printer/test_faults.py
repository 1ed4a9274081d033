"""Every fault switch of the virtual printer, seen through the driver over TCP."""
import pytest

from drivers.device import DeviceState, SupplyLevel
from drivers.printer import JobOutcome
from kiosk.receipts import build_receipt
from tests.printer.conftest import REF, make_printer, receipt_input, wait_until


@pytest.mark.parametrize("switch, state, supply, flag", [
    ("near_end", DeviceState.ONLINE, SupplyLevel.LOW, "paper_near_end"),
    ("paper_out", DeviceState.OFFLINE, SupplyLevel.OUT, "paper_end"),
    ("cover_open", DeviceState.OFFLINE, SupplyLevel.FULL, "cover_open"),
    ("offline", DeviceState.OFFLINE, SupplyLevel.FULL, "offline"),
    ("unrecoverable", DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "unrecoverable_error"),
    ("cutter_error", DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "cutter_error"),
    ("head_hot", DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "recoverable_error"),
])
def test_status_follows_each_fault_and_back(printer, sim, switch, state, supply, flag):
    sim.set_faults(**{switch: True})
    wait_until(lambda: flag in printer.status().flags, what=switch)
    st = printer.status()
    assert (st.state, st.supply) == (state, supply)
    sim.set_faults(**{switch: False})
    wait_until(lambda: printer.status().ready and not printer.status().flags, what="recovery")


def test_paper_threshold_and_error_events(printer, sim):
    log = printer.events_log
    sim.set_faults(near_end=True)
    wait_until(lambda: printer.status().supply is SupplyLevel.LOW)
    sim.set_faults(paper_out=True)
    wait_until(lambda: printer.status().supply is SupplyLevel.OUT)
    sim.refill()
    wait_until(lambda: printer.status().supply is SupplyLevel.FULL)
    assert [e.detail for e in log.of("PaperThreshold")] == ["low", "out", "full"]
    sim.set_faults(unrecoverable=True)
    wait_until(lambda: log.of("Error"))
    err = log.of("Error")[0]
    assert (err.code, err.action.value) == ("unrecoverable_error", "maintenance")


def test_cutter_error_recovers_with_dle_enq(printer, sim):
    sim.set_faults(cutter_error=True)
    wait_until(lambda: "cutter_error" in printer.status().flags)
    printer.recover()
    wait_until(lambda: printer.status().ready, what="recovery after DLE ENQ")


def test_silent_printer_is_unknown_not_ok_then_reconnects(printer, sim):
    sim.set_faults(silent=True)
    wait_until(lambda: printer.status().supply is SupplyLevel.UNKNOWN, what="unknown")
    st = printer.status()
    assert st.state is DeviceState.OFFLINE and not st.ready
    sim.set_faults(silent=False)
    wait_until(lambda: printer.status().ready, what="answers again")


def test_noise_in_replies_does_not_change_the_status(printer, sim):
    sim.set_faults(reply_noise=True, near_end=True)
    wait_until(lambda: printer.status().supply is SupplyLevel.LOW)
    queries = sim.status_queries
    wait_until(lambda: sim.status_queries > queries + 40, what="many noisy polls")
    st = printer.status()
    assert st.state is DeviceState.ONLINE and st.supply is SupplyLevel.LOW and st.flags == {"paper_near_end"}
    job = printer.submit(build_receipt(receipt_input("recorded_offline")))
    assert job.wait(10) is JobOutcome.PRINTED


def test_job_is_not_started_without_paper(printer, sim):
    sim.set_faults(cover_open=True)
    wait_until(lambda: not printer.status().ready)
    job = printer.submit(build_receipt(receipt_input("certificate_issued")))
    assert job.wait(10) is JobOutcome.FAILED_BEFORE_START
    assert "cover open" in job.detail
    assert not job.reprint_pending and sim.receipts == []


def test_paper_out_mid_receipt_is_interrupted_then_reprinted_whole(printer, sim):
    seen = []
    printer.on_job(lambda job: seen.append((job.outcome, job.reprinted)))
    doc = build_receipt(receipt_input("certificate_issued"))
    sim.set_faults(paper_out_after_lines=8)
    job = printer.submit(doc)
    assert job.wait(10) is JobOutcome.INTERRUPTED
    assert job.reprint_pending and not job.printed_whole
    torn = sim.wait_for_receipts(1, 10)[0]
    assert not torn.complete and REF not in torn.text.split("\n")[-1:]
    sim.refill()
    assert job.wait_printed_whole(10)
    reprint = sim.wait_for_receipts(2, 10)[1]
    assert reprint.complete
    assert reprint.lines[0].strip() == "RISTAMPA / REPRINT"
    # the rest of the torn receipt never came out after the refill: exactly two pieces of paper
    assert len(sim.receipts) == 2
    assert seen == [(JobOutcome.INTERRUPTED, False), (JobOutcome.INTERRUPTED, True)]
    assert printer.pending_reprints() == []
    assert reprint.lines[1:] == _whole_text(sim, printer, doc)


def _whole_text(sim, printer, doc):
    """The lines the same receipt produces when nothing goes wrong."""
    job = printer.submit(doc)
    assert job.wait(10) is JobOutcome.PRINTED
    return sim.wait_for_receipts(3, 10)[2].lines


def test_without_clearing_buffers_the_held_rest_would_print(sim):
    """The simulator behaves like a real printer: held data prints when the fault clears.
    This is why the driver sends DLE DC4 8 after an interruption (checked in the test above)."""
    from drivers.printer import PrinterProfile, render
    from drivers.printer.transport import open_transport
    t = open_transport(sim.tcp_url)
    try:
        sim.set_faults(paper_out_after_lines=3)
        t.write(render(build_receipt(receipt_input("recorded_offline")), PrinterProfile()))
        sim.wait_for_receipts(1, 10)
        sim.refill()
        rest = sim.wait_for_receipts(2, 10)[1]
        assert rest.complete and REF in rest.text
    finally:
        t.close()


def test_disconnect_mid_job_is_interrupted_and_reprinted_after_reconnect(printer, sim):
    sim.set_faults(disconnect_after_bytes=300)
    job = printer.submit(build_receipt(receipt_input("payment_notice")))
    assert job.wait(10) is JobOutcome.INTERRUPTED
    assert "gone" in job.detail or "no answer" in job.detail or "closed" in job.detail
    assert job.wait_printed_whole(15)
    pieces = sim.wait_for_receipts(2, 10)
    assert not pieces[0].complete and pieces[1].complete
    assert "REPRINT" in pieces[1].lines[0]


def test_unplug_and_replug_reconnects(printer, sim):
    log = printer.events_log
    sim.unplug()
    wait_until(lambda: printer.status().state is DeviceState.OFFLINE and not printer.connected, what="offline")
    assert printer.status().supply is SupplyLevel.UNKNOWN
    job = printer.submit(build_receipt(receipt_input("recorded_offline")))
    assert job.wait(5) is JobOutcome.FAILED_BEFORE_START
    sim.replug()
    wait_until(lambda: printer.status().ready, what="reconnected")
    assert "StatusChanged" in log.kinds()


def test_slow_line_still_prints_and_status_waits_for_the_job(tmp_path):
    from simulators.printer import Faults, PrinterSimulator
    slow = PrinterSimulator(tmp_path / "slow", port=0, faults=Faults(baud=115200))
    url = slow.start()
    p = make_printer(url)
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        job = p.submit(build_receipt(receipt_input("payment_notice")))
        assert job.wait(15) is JobOutcome.PRINTED
        assert slow.wait_for_receipts(1, 5)[0].complete
    finally:
        p.close()
        slow.stop()


def test_a_job_queued_too_long_behind_another_fails_before_start(tmp_path):
    """Time is injected: the queue wait is judged on the driver's clock, not on wall time."""
    import numpy as np
    from PIL import Image

    from drivers.clock import FakeClock
    from drivers.printer import PrinterProfile, ThermalPrinter
    from kiosk.receipts import Logo, Receipt, Text
    from simulators.printer import Faults, PrinterSimulator

    noise = np.random.default_rng(1).integers(0, 2, (200, 576), dtype=np.uint8) * 255
    Image.fromarray(noise).save(tmp_path / "big.png")  # 14 KB of raster: about 1.3 s at 115200 baud
    slow = PrinterSimulator(tmp_path / "paper", port=0, faults=Faults(baud=115200))
    clock = FakeClock()
    p = ThermalPrinter(slow.start(), profile=PrinterProfile(), status_timeout=0.3, poll_interval=0.05,
                       start_timeout=15.0, clock=clock)
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        first = p.submit(Receipt((Logo(str(tmp_path / "big.png")), Text("primo"))))
        wait_until(lambda: slow.bytes_received > 2000, what="first job on the wire")
        second = p.submit(build_receipt(receipt_input("recorded_offline")))
        clock.advance(20.0)
        assert first.wait(10) is JobOutcome.PRINTED
        assert second.wait(10) is JobOutcome.FAILED_BEFORE_START
        assert "too long" in second.detail
    finally:
        p.close()
        slow.stop()
