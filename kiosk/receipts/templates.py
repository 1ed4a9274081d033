"""The receipts a citizen takes home, one per kind of outcome, plus the technician's test page.

Inputs are plain dataclasses the app fills from the kiosk config, the local reference, the service and the backend's
reply (``BackendOutcome.from_reply``) or ``RECORDED_OFFLINE``. Everything is printed in the citizen's language;
official labels (reference, document code, notice code, payee, amount) also carry the Italian wording, because
that is what a counter clerk or an office will ask for. No personal data is ever printed: no name, no codice
fiscale — the local reference is the key.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Union

from kiosk.i18n import N_, translate
from kiosk.pagopa import PagoPAError, PaymentNotice, format_euro
from kiosk.receipts.layout import label_value, paragraph, wrap_url
from kiosk.receipts.model import (Align, Barcode, Block, Cut, Feed, Logo, QrCode, Receipt, ReceiptFormatError,
                                  Rule, Style, Text)

TITLE = Style(bold=True, align=Align.CENTER, height=2)
CENTER = Style(align=Align.CENTER)
CENTER_BOLD = Style(bold=True, align=Align.CENTER)
LOCAL_LANGUAGE = "it"


class ReceiptKind(str, enum.Enum):
    CERTIFICATE_ISSUED = "certificate_issued"
    REQUEST_ACCEPTED = "request_accepted"
    REQUEST_REJECTED = "request_rejected"
    RECORDED_OFFLINE = "recorded_offline"
    PAYMENT_NOTICE = "payment_notice"
    TEST_PAGE = "test_page"


@dataclass(frozen=True)
class KioskInfo:
    office_name: str
    office_address: str
    kiosk_id: str
    logo_path: str | None = None

    @classmethod
    def from_config(cls, cfg) -> "KioskInfo":
        """From a ``kiosk.config.KioskConfig``."""
        return cls(cfg.kiosk.office_name, cfg.kiosk.office_address, cfg.kiosk.id)


@dataclass(frozen=True)
class IssuedDocument:
    kind: str
    code: str
    verify_url: str = ""


@dataclass(frozen=True)
class BackendOutcome:
    """The parts of the backend's reply a receipt needs (shared/specs/backend-api.md, POST /v1/requests)."""
    status: str                                   # completed | accepted | rejected
    documents: tuple[IssuedDocument, ...] = ()
    payment: PaymentNotice | None = None
    message: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_reply(cls, reply: dict) -> "BackendOutcome":
        """Validate a reply body; a malformed one raises ReceiptFormatError naming the field."""
        if not isinstance(reply, dict):
            raise ReceiptFormatError("backend reply must be an object")
        status = reply.get("status")
        if status not in ("completed", "accepted", "rejected"):
            raise ReceiptFormatError(f"backend reply: status must be completed/accepted/rejected, found {status!r}")
        docs = []
        for i, d in enumerate(reply.get("documents") or []):
            if not isinstance(d, dict) or not isinstance(d.get("code"), str) or not d["code"]:
                raise ReceiptFormatError(f"backend reply: documents[{i}] needs a code")
            docs.append(IssuedDocument(str(d.get("kind", "")), d["code"], str(d.get("verify_url") or "")))
        payment = None
        if reply.get("payment") is not None:
            try:
                payment = PaymentNotice.from_dict(reply["payment"])
            except PagoPAError as exc:
                raise ReceiptFormatError(f"backend reply: payment: {exc}") from None
        message = reply.get("message") or {}
        if not isinstance(message, dict):
            raise ReceiptFormatError("backend reply: message must be an object {lang: text}")
        return cls(status, tuple(docs), payment, {str(k): str(v) for k, v in message.items()})


class RecordedOffline:
    """The request is safe in the outbox but the backend has not answered yet."""

    def __repr__(self) -> str:
        return "RECORDED_OFFLINE"


RECORDED_OFFLINE = RecordedOffline()
Outcome = Union[BackendOutcome, RecordedOffline]


@dataclass(frozen=True)
class ReceiptInput:
    kiosk: KioskInfo
    local_ref: str
    service_name: str
    lang: str
    when: dt.datetime
    outcome: Outcome
    columns: int = 48


# --- translated strings ------------------------------------------------------------------------------
T_CERTIFICATE = N_("Certificate issued")
T_ACCEPTED = N_("Request accepted")
T_REJECTED = N_("Request not accepted")
T_OFFLINE = N_("Request recorded")
T_PAYMENT = N_("Payment notice")
T_TEST = N_("Printer test page")
T_REPRINT = N_("REPRINT")
L_REFERENCE = N_("Reference")
L_DOCUMENT_CODE = N_("Document code")
L_NOTICE_CODE = N_("Notice code")
L_PAYEE = N_("Payee tax code")
L_AMOUNT = N_("Amount")
L_KIOSK = N_("Kiosk")
S_SCAN_TO_VERIFY = N_("Scan the code to check the document:")
S_NEXT_STEPS = N_("What happens next")
S_ACCEPTED_1 = N_("The issuing office will prepare your document.")
S_ACCEPTED_2 = N_("You will be told when and where to collect it. Bring this receipt and an identity document.")
S_REJECTED = N_("Your request could not be accepted. Ask at the post office counter for help.")
S_OFFLINE_1 = N_("The central office cannot be reached right now. Your request is saved in this kiosk and will "
                 "be transmitted automatically.")
S_OFFLINE_2 = N_("You do not need to do anything else. To follow your request, show this reference at the post "
                 "office counter.")
S_PAY_HOW = N_("Pay with the QR code at any post office, bank, tobacconist or in the IO app.")
S_PRIVACY = N_("This receipt holds no personal data. Keep it: the reference is the key to your request.")
S_TEST_CHARS = N_("Characters")
S_TEST_STYLES = N_("Styles")


class _Writer:
    def __init__(self, inp_lang: str, columns: int) -> None:
        self.lang = inp_lang
        self.columns = columns
        self.blocks: list[Block] = []

    def tr(self, msg: str) -> str:
        return translate(msg, self.lang)

    def label(self, msg: str) -> str:
        """The citizen's wording, with the Italian one beside it when they differ."""
        own, local = translate(msg, self.lang), translate(msg, LOCAL_LANGUAGE)
        return own if own == local else f"{own} / {local}"

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def para(self, text: str, style: Style = Style()) -> None:
        self.add(*paragraph(text, self.columns, style))

    def title(self, msg: str) -> None:
        self.add(Rule("="))
        self.para(self.tr(msg), TITLE)

    def kv(self, msg: str, value: str, *, bold: bool = False) -> None:
        self.add(*label_value(self.label(msg), value, self.columns, bold=bold))

    def qr(self, payload: str) -> None:
        self.add(QrCode(payload, module=6 if self.columns > 32 else 5))


def _header(w: _Writer, inp: ReceiptInput | None, kiosk: KioskInfo, when: dt.datetime) -> None:
    if kiosk.logo_path:
        w.add(Logo(kiosk.logo_path))
    w.para(kiosk.office_name, CENTER_BOLD)
    if kiosk.office_address:
        w.para(kiosk.office_address, CENTER)
    w.para(f"{w.tr(L_KIOSK)} {kiosk.kiosk_id}  {when.strftime('%d/%m/%Y %H:%M')}", CENTER)


def _reference(w: _Writer, inp: ReceiptInput) -> None:
    w.add(Rule())
    w.para(w.label(L_REFERENCE), CENTER)
    w.para(inp.local_ref, Style(bold=True, align=Align.CENTER, height=2))
    # Code 128 of the reference without separators: set C packs the digits, so it fits 58 mm paper too.
    # Counter software compares references ignoring "-".
    w.add(Barcode(inp.local_ref.replace("-", ""), height=56))


def _message(w: _Writer, outcome: BackendOutcome) -> None:
    text = outcome.message.get(w.lang) or outcome.message.get(LOCAL_LANGUAGE) or outcome.message.get("en")
    if text:
        w.add(Feed(1))
        w.para(text)


def _payment(w: _Writer, payment: PaymentNotice, *, with_title: bool) -> None:
    if with_title:
        w.title(T_PAYMENT)
    else:
        w.add(Rule())
    w.para("pagoPA", CENTER_BOLD)
    if payment.description:
        w.para(payment.description, CENTER)
    w.add(Feed(1))
    w.kv(L_AMOUNT, format_euro(payment.amount_cents), bold=True)
    w.kv(L_PAYEE, payment.payee_tax_code)
    w.kv(L_NOTICE_CODE, payment.grouped_notice_code())
    w.qr(payment.qr_payload())
    w.para(w.tr(S_PAY_HOW), CENTER)


def _footer(w: _Writer) -> None:
    w.add(Rule())
    w.para(w.tr(S_PRIVACY), CENTER)
    w.add(Cut())


def receipt_kind(outcome: Outcome) -> ReceiptKind:
    if isinstance(outcome, RecordedOffline):
        return ReceiptKind.RECORDED_OFFLINE
    if outcome.status == "rejected":
        return ReceiptKind.REQUEST_REJECTED
    if outcome.status == "accepted":
        return ReceiptKind.REQUEST_ACCEPTED
    if outcome.documents or outcome.payment is None:
        return ReceiptKind.CERTIFICATE_ISSUED
    return ReceiptKind.PAYMENT_NOTICE


def build_receipt(inp: ReceiptInput) -> Receipt:
    """The citizen's receipt for an outcome: certificate issued, request accepted or rejected, recorded offline,
    or a payment notice. A payment the backend asks for is added to any of them."""
    kind = receipt_kind(inp.outcome)
    w = _Writer(inp.lang, inp.columns)
    _header(w, inp, inp.kiosk, inp.when)
    title = {ReceiptKind.CERTIFICATE_ISSUED: T_CERTIFICATE, ReceiptKind.REQUEST_ACCEPTED: T_ACCEPTED,
             ReceiptKind.REQUEST_REJECTED: T_REJECTED, ReceiptKind.RECORDED_OFFLINE: T_OFFLINE,
             ReceiptKind.PAYMENT_NOTICE: T_PAYMENT}[kind]
    w.title(title)
    w.para(inp.service_name, CENTER)
    _reference(w, inp)
    outcome = inp.outcome
    if kind is ReceiptKind.RECORDED_OFFLINE:
        w.add(Feed(1))
        w.para(w.tr(S_OFFLINE_1))
        w.add(Feed(1))
        w.para(w.tr(S_OFFLINE_2))
    else:
        if kind is ReceiptKind.CERTIFICATE_ISSUED:
            for doc in outcome.documents:
                w.add(Rule())
                if doc.kind:
                    w.para(doc.kind.replace("_", " ").capitalize(), CENTER_BOLD)
                w.kv(L_DOCUMENT_CODE, doc.code, bold=True)
                if doc.verify_url:
                    w.para(w.tr(S_SCAN_TO_VERIFY), CENTER)
                    w.qr(doc.verify_url)
                    w.add(*[Text(line, CENTER) for line in wrap_url(doc.verify_url, w.columns)])
        elif kind is ReceiptKind.REQUEST_ACCEPTED:
            w.add(Rule())
            w.para(w.tr(S_NEXT_STEPS), CENTER_BOLD)
            w.para(w.tr(S_ACCEPTED_1))
            w.para(w.tr(S_ACCEPTED_2))
        elif kind is ReceiptKind.REQUEST_REJECTED:
            w.add(Feed(1))
            w.para(w.tr(S_REJECTED))
        _message(w, outcome)
        if outcome.payment is not None:
            _payment(w, outcome.payment, with_title=kind is not ReceiptKind.PAYMENT_NOTICE)
    _footer(w)
    # The fixed marker "REPRINT" is always there (support staff look for it), with the citizen's and Italian word.
    words = dict.fromkeys(translate(T_REPRINT, lang).upper() for lang in (inp.lang, LOCAL_LANGUAGE, "en"))
    return Receipt(tuple(w.blocks), columns=inp.columns, reprint_label=" / ".join(words),
                   title=f"{kind.value} {inp.local_ref}")


def technician_test_page(kiosk: KioskInfo, when: dt.datetime, columns: int, status_lines: list[str] = (),
              lang: str = LOCAL_LANGUAGE) -> Receipt:
    """What a technician prints after changing the roll: every style, the code page, both codes, the width."""
    w = _Writer(lang, columns)
    _header(w, None, kiosk, when)
    w.title(T_TEST)
    for line in status_lines:
        w.para(line)
    w.add(Rule())
    w.para(w.tr(S_TEST_CHARS), CENTER_BOLD)
    w.para("àèéìòù ÀÈÉÌÒÙ € città perché")
    w.add(Text("".join(str(i % 10) for i in range(1, columns + 1))))
    w.add(Rule())
    w.para(w.tr(S_TEST_STYLES), CENTER_BOLD)
    w.add(Text("Bold / Grassetto", Style(bold=True)), Text("Underline / Sottolineato", Style(underline=True)),
          Text(" Inverse / Inverso ", Style(invert=True)), Text("Right / Destra", Style(align=Align.RIGHT)),
          Text("Double", Style(width=2, height=2)))
    w.add(Rule())
    w.qr(f"https://polis.invalid/test/{kiosk.kiosk_id}")
    w.add(Barcode(kiosk.kiosk_id.replace("-", "") + "0000", height=48))
    w.add(Cut())
    return Receipt(tuple(w.blocks), columns=columns, title=f"test page {kiosk.kiosk_id}")
