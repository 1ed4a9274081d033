"""`kiosk printer …` against the virtual printer, in-process."""
import json

from kiosk.cli import main
from kiosk.receipts import Cut, Receipt, Text


def test_status_ok_and_fault(sim, capsys):
    assert main(["printer", "--url", sim.tcp_url, "status"]) == 0
    assert "state    online" in capsys.readouterr().out
    sim.set_faults(paper_out=True)
    assert main(["printer", "--url", sim.tcp_url, "status"]) == 1
    out = capsys.readouterr().out
    assert "paper    out" in out and "paper out" in out


def test_status_of_an_absent_printer_is_not_ok(sim, capsys):
    url = sim.tcp_url
    sim.stop()
    assert main(["printer", "--url", url, "--timeout", "3", "status"]) == 1
    assert "paper    unknown" in capsys.readouterr().out


def test_test_page_prints(sim, capsys):
    assert main(["printer", "--url", sim.tcp_url, "test-page"]) == 0
    paper = sim.wait_for_receipts(1, 10)[0]
    assert "città perché" in paper.text and "online" in paper.text


def test_print_file(sim, tmp_path, capsys):
    good = tmp_path / "r.json"
    good.write_text(json.dumps(Receipt((Text("Prova € città"), Cut())).to_dict()), encoding="utf-8")
    assert main(["printer", "--url", sim.tcp_url, "print-file", str(good)]) == 0
    assert sim.wait_for_receipts(1, 10)[0].lines == ["Prova € città"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"blocks": [{"kind": "barcode", "data": ""}]}', encoding="utf-8")
    assert main(["printer", "--url", sim.tcp_url, "print-file", str(bad)]) == 2
    assert "block 0 (barcode)" in capsys.readouterr().out
    assert main(["printer", "--url", sim.tcp_url, "print-file", str(tmp_path / "missing.json")]) == 2
