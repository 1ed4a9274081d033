"""The virtual printer itself: unknown bytes are visible, code pages decode, data split anywhere still parses."""
from hypothesis import given, settings, strategies as st

from drivers.printer import PrinterProfile, render
from drivers.printer.transport import open_transport
from kiosk.receipts import build_receipt
from simulators.printer.interpreter import EscPosInterpreter
from simulators.printer.paper import Paper
from simulators.printer.simulator import PrinterSimulator
from tests.printer.conftest import receipt_input


def test_unknown_commands_are_logged_and_marked_on_paper(sim, caplog):
    t = open_transport(sim.tcp_url)
    try:
        t.write(b"\x1b@\x1b\x7e" + b"prima\n" + b"\x1c\x99dopo\n" + b"\x1dV\x00")
        paper = sim.wait_for_receipts(1, 10)[0]
    finally:
        t.close()
    assert paper.unknown_commands == ["ESC ~", "FS 99"]
    assert paper.lines[0] == "[?ESC ~]prima"
    assert "unknown command" in caplog.text


def test_code_page_decides_what_prints(sim):
    t = open_transport(sim.tcp_url)
    try:
        word = "€ È".encode("cp858")
        t.write(b"\x1b@\x1bt\x13" + word + b"\n\x1bt\x00" + word + b"\n\x1dV\x00")
        paper = sim.wait_for_receipts(1, 10)[0]
    finally:
        t.close()
    # the same bytes are box-drawing characters in CP437: wrong page, wrong letters, as on a real roll
    assert paper.lines == ["€ È", "╒ ╘"]


class _Host:
    def __init__(self) -> None:
        self.cuts = 0
        self.replies = []

    def can_print(self):
        return True

    def realtime_status(self, n):
        self.replies.append(n)

    def realtime_recover(self, n):
        pass

    def clear_buffers(self):
        pass

    def line_printed(self, count):
        pass

    def receipt_cut(self):
        self.cuts += 1


JOB = render(build_receipt(receipt_input("payment_notice")), PrinterProfile()) + b"\x10\x04\x01"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, len(JOB) - 1), max_size=12))
def test_any_split_of_the_stream_gives_the_same_paper(cuts):
    host = _Host()
    paper = Paper(576, None)
    interp = EscPosInterpreter(paper, host)
    points = sorted(set(cuts))
    for a, b in zip([0] + points, points + [len(JOB)]):
        interp.feed(JOB[a:b])
    assert host.cuts == 1 and host.replies == [1] and not paper.unknown and not interp.buf


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_crashes_the_interpreter(data):
    interp = EscPosInterpreter(Paper(384, None), _Host())
    interp.feed(data)
    interp.feed(b"\n")


def test_png_written_per_cut(tmp_path):
    s = PrinterSimulator(tmp_path / "out", port=0)
    url = s.start()
    t = open_transport(url)
    try:
        t.write(b"\x1b@uno\n\x1dV\x00\x1b@due\n\x1dV\x00")
        a, b = s.wait_for_receipts(2, 10)
    finally:
        t.close()
        s.stop()
    assert a.png_path.name == "receipt-0001.png" and b.png_path.name == "receipt-0002.png"
    assert a.png_path.exists() and b.lines == ["due"]
