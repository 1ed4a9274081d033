"""Receipt documents and templates, without a printer: layout fits the paper, labels, JSON form, errors."""
import json

import pytest

from drivers.printer import PrinterProfile, render
from drivers.printer.render import code128_data, encode_text
from kiosk.receipts import (Align, Barcode, BackendOutcome, Cut, QrCode, Receipt, ReceiptFormatError, ReceiptKind,
                            Style, Text, build_receipt, receipt_kind, technician_test_page)
from tests.printer.conftest import KIOSK, OUTCOMES, REF, WHEN, receipt_input


@pytest.mark.parametrize("columns", [32, 42, 48])
@pytest.mark.parametrize("kind", sorted(OUTCOMES))
@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_line_fits_the_paper(kind, columns, lang):
    r = build_receipt(receipt_input(kind, lang, columns))
    assert receipt_kind(OUTCOMES[kind]).value == kind
    for b in r.blocks:
        if isinstance(b, Text):
            assert len(b.text) * b.style.width <= columns, b.text


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_receipts_stay_under_2kb_without_logo(columns):
    profile = PrinterProfile(columns=columns)
    for kind in OUTCOMES:
        data = render(build_receipt(receipt_input(kind, "it", columns)), profile)
        assert len(data) <= 2048, (kind, len(data))


def test_english_receipt_keeps_italian_official_labels():
    lines = build_receipt(receipt_input("payment_notice", "en")).text_lines()
    text = "\n".join(lines)
    assert "Reference / Riferimento" in text
    assert "Notice code / Codice avviso" in text
    assert "€ 16,00" in text and "3010 0000 0000 1234 68" in text


def test_italian_receipt_is_all_italian():
    text = "\n".join(build_receipt(receipt_input("recorded_offline", "it")).text_lines())
    assert "Riferimento" in text and "Reference" not in text
    assert "sarà trasmessa automaticamente" in text


def test_a_language_without_translations_falls_back_to_english_with_italian_labels():
    text = "\n".join(build_receipt(receipt_input("certificate_issued", "de")).text_lines())
    assert "Certificate issued" in text and "Document code / Codice documento" in text


def test_receipt_never_prints_personal_data_fields():
    # the inputs carry none, and the templates add none: the reference is the only key
    for kind in OUTCOMES:
        text = "\n".join(build_receipt(receipt_input(kind)).text_lines())
        assert REF in text
        assert "RSSMRA" not in text


def test_kinds_follow_the_backend_status():
    assert receipt_kind(BackendOutcome("rejected")) is ReceiptKind.REQUEST_REJECTED
    assert receipt_kind(BackendOutcome("completed")) is ReceiptKind.CERTIFICATE_ISSUED


def test_backend_reply_is_validated():
    reply = {"status": "completed", "documents": [{"kind": "cert", "code": "X1", "verify_url": "https://v/1"}],
             "payment": {"notice_code": "301000000000123468", "payee_tax_code": "01234567890",
                         "amount_cents": 1600, "description": "Bollo"}, "message": {"it": "ok"}}
    out = BackendOutcome.from_reply(reply)
    assert out.payment.qr_payload() == "PAGOPA|002|301000000000123468|01234567890|1600"
    reply["payment"]["notice_code"] = "301000000000123469"
    with pytest.raises(ReceiptFormatError, match="check digits"):
        BackendOutcome.from_reply(reply)
    with pytest.raises(ReceiptFormatError, match="status"):
        BackendOutcome.from_reply({"status": "done"})


def test_reprint_is_whole_and_marked():
    r = build_receipt(receipt_input("certificate_issued", "it"))
    again = r.as_reprint()
    assert again.blocks[len(again.blocks) - len(r.blocks):] == r.blocks
    assert again.text_lines()[0].strip() == "RISTAMPA / REPRINT"
    english = build_receipt(receipt_input("certificate_issued", "en")).as_reprint()
    assert english.text_lines()[0].strip() == "REPRINT / RISTAMPA"


def test_json_round_trip_and_clear_errors():
    r = build_receipt(receipt_input("payment_notice", "en"))
    assert Receipt.from_dict(json.loads(json.dumps(r.to_dict()))) == r
    with pytest.raises(ReceiptFormatError, match="block 0"):
        Receipt.from_dict({"blocks": [{"kind": "sparkle"}]})
    with pytest.raises(ReceiptFormatError, match="width"):
        Receipt.from_dict({"blocks": [{"kind": "text", "text": "x", "style": {"width": 9}}]})
    with pytest.raises(ReceiptFormatError, match="columns"):
        Receipt((Cut(),), columns=40)
    with pytest.raises(ReceiptFormatError, match="blocks"):
        Receipt.from_dict([1, 2])


def test_cp858_is_selected_explicitly_and_text_encoded_in_it():
    data = render(Receipt((Text("città € perché"), Cut())), PrinterProfile())
    assert data.startswith(b"\x1b@\x1bt\x13")  # ESC @, ESC t 19
    assert "città € perché".encode("cp858") in data


def test_characters_outside_cp858_degrade_readably():
    assert encode_text("l’ufficio – ok") == b"l'ufficio - ok"
    assert encode_text("Żó") == b"Z" + "ó".encode("cp858")  # ó exists in CP858, Ż becomes Z


def test_styles_are_sent_only_when_they_change():
    lines = tuple(Text(f"riga {i}", Style(bold=True, align=Align.CENTER)) for i in range(10))
    data = render(Receipt(lines + (Cut(),)), PrinterProfile())
    assert data.count(b"\x1bE\x01") == 1 and data.count(b"\x1ba\x01") == 1


def test_code128_packs_digit_runs_in_set_c():
    data, symbols = code128_data("001232611250042K")
    assert data.startswith("{C") and data.endswith("{B2K") and symbols == 1 + 7 + 1 + 2
    assert code128_data("AB{")[0] == "{BAB{{"


def test_native_qr_is_small_and_raster_is_not():
    doc = Receipt((QrCode("PAGOPA|002|301000000000123468|01234567890|1600"), Cut()))
    native = render(doc, PrinterProfile(native_qr=True))
    raster = render(doc, PrinterProfile(native_qr=False))
    assert b"\x1d(k" in native and b"\x1dv0" not in native and len(native) < 120
    assert b"\x1dv0" in raster and len(raster) > 1000


def test_test_page_shows_every_style_and_the_full_width():
    r = technician_test_page(KIOSK, WHEN, 42, ["online"])
    assert "123456789012345678901234567890123456789012" in r.text_lines()
    assert any(isinstance(b, QrCode) for b in r.blocks) and any(isinstance(b, Barcode) for b in r.blocks)
