"""Each receipt kind goes through the driver to the virtual printer over TCP; the paper is checked."""
import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.printer import JobOutcome
from kiosk.receipts import Logo, Receipt, Text, build_receipt, technician_test_page
from tests.printer.conftest import KIOSK, OUTCOMES, PAYMENT, REF, VERIFY_URL, WHEN, make_printer, receipt_input, wait_until


def decode_qr(path) -> str:
    img = np.array(Image.open(path).convert("L"))
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(img)
    return text


def print_and_collect(printer, sim, document):
    before = len(sim.receipts)
    job = printer.submit(document)
    assert job.wait(10) is JobOutcome.PRINTED, job.detail
    return sim.wait_for_receipts(before + 1, 10)[before]


@pytest.mark.parametrize("kind", sorted(OUTCOMES))
def test_each_receipt_kind_prints_with_reference_and_codes(printer, sim, kind):
    paper = print_and_collect(printer, sim, build_receipt(receipt_input(kind, "it")))
    assert paper.complete and paper.png_path.exists()
    assert REF in paper.text
    assert ("CODE128", REF.replace("-", "")) in paper.barcodes
    assert "Città della Pieve" in paper.text
    assert not paper.unknown_commands
    if kind == "certificate_issued":
        assert paper.qr_payloads == [VERIFY_URL]
        assert decode_qr(paper.png_path) == VERIFY_URL
        assert "perché" in paper.text and "ANPR-2026-000123" in paper.text
    if kind == "payment_notice":
        assert paper.qr_payloads == [PAYMENT.qr_payload()]
        assert decode_qr(paper.png_path) == PAYMENT.qr_payload()
        assert "€ 16,00" in paper.text
    if kind == "recorded_offline":
        assert "sarà trasmessa automaticamente" in paper.text


def test_test_page_decodes_accents_and_euro(printer, sim):
    paper = print_and_collect(printer, sim, technician_test_page(KIOSK, WHEN, 48, ["online"]))
    assert "àèéìòù ÀÈÉÌÒÙ € città perché" in paper.text
    assert decode_qr(paper.png_path) == "https://polis.invalid/test/PT-00123"


@pytest.mark.parametrize("columns", [32, 42])
def test_narrow_paper_receipt_prints_and_qr_still_decodes(sim, tmp_path, columns):
    from simulators.printer import PrinterSimulator
    narrow = PrinterSimulator(tmp_path / f"p{columns}", port=0, columns=columns)
    url = narrow.start()
    p = make_printer(url, columns=columns)
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        paper = print_and_collect(p, narrow, build_receipt(receipt_input("payment_notice", "en", columns)))
        assert decode_qr(paper.png_path) == PAYMENT.qr_payload()
        assert "Notice code / Codice avviso" in paper.text
        assert paper.image.width == {32: 384, 42: 512}[columns] + 48
    finally:
        p.close()
        narrow.stop()


def test_raster_qr_for_printers_without_native_qr(sim):
    p = make_printer(sim.tcp_url, native_qr=False)
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        paper = print_and_collect(p, sim, build_receipt(receipt_input("payment_notice", "it")))
        assert paper.qr_payloads == []  # nothing native: the printer only saw a raster
        assert decode_qr(paper.png_path) == PAYMENT.qr_payload()
    finally:
        p.close()


def test_logo_is_cropped_to_its_ink_and_printed(printer, sim, tmp_path):
    logo = Image.new("L", (400, 300), 255)
    logo.paste(0, (150, 120, 250, 170))  # a 100×50 black bar in a lot of white
    logo.save(tmp_path / "logo.png")
    paper = print_and_collect(printer, sim, Receipt((Logo(str(tmp_path / "logo.png")), Text("sotto il logo"))))
    ink = np.array(paper.image.convert("L")) < 128
    rows = np.where(ink.any(axis=1))[0]
    cols = np.where(ink[rows[0]])[0]
    assert cols.max() - cols.min() + 1 == 100  # cropped to the bar, centred by the printer
    assert abs((cols.min() + cols.max()) / 2 - paper.image.width / 2) < 8


def test_an_unreadable_logo_fails_before_start_and_the_printer_stays_online(printer, sim, tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png")
    job = printer.submit(Receipt((Logo(str(tmp_path / "broken.png")), Text("x"))))
    assert job.wait(10) is JobOutcome.FAILED_BEFORE_START
    assert "cannot render" in job.detail
    assert printer.connected and printer.status().ready and sim.receipts == []


def test_a_logo_wider_than_the_paper_is_scaled_to_fit(printer, sim, tmp_path):
    Image.new("L", (900, 120), 0).save(tmp_path / "wide.png")
    paper = print_and_collect(printer, sim, Receipt((Logo(str(tmp_path / "wide.png")), Text("ok"))))
    ink_cols = np.where((np.array(paper.image.convert("L")) < 128).any(axis=0))[0]
    assert ink_cols.max() - ink_cols.min() + 1 <= 576


def test_file_url_dumps_the_job_bytes(tmp_path):
    from drivers.printer import PrinterProfile, render
    dump = tmp_path / "job.bin"
    p = make_printer(f"file://{dump}")
    p.open()
    try:
        wait_until(lambda: p.status().ready)
        assert "no status channel" in p.status().detail and p.status().supply.value == "unknown"
        doc = build_receipt(receipt_input("recorded_offline"))
        assert p.submit(doc).wait(10) is JobOutcome.PRINTED
        wait_until(lambda: dump.exists() and dump.stat().st_size >= len(render(doc, PrinterProfile())))
        assert dump.read_bytes().startswith(b"\x1b@\x1bt\x13")
    finally:
        p.close()
