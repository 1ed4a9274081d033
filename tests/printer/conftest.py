"""Driver ↔ virtual printer over real TCP sockets and pseudo-terminals; no mocks."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Callable

import pytest

from drivers.backoff import Backoff
from drivers.device import DeviceEvent
from drivers.printer import PrinterProfile, ThermalPrinter
from kiosk.pagopa import PaymentNotice, check_digits_aux3
from kiosk.receipts import (RECORDED_OFFLINE, BackendOutcome, IssuedDocument, KioskInfo, ReceiptInput)
from simulators.printer import PrinterSimulator
from tests import waiting

WAIT = 10.0


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    waiting.wait_until(predicate, timeout, what)


class EventLog:
    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._lock = threading.Lock()

    def __call__(self, ev: DeviceEvent) -> None:
        with self._lock:
            self.events.append(ev)

    def kinds(self) -> list[str]:
        with self._lock:
            return [e.kind.value for e in self.events]

    def of(self, kind: str) -> list[DeviceEvent]:
        with self._lock:
            return [e for e in self.events if e.kind.value == kind]


def make_printer(url: str, columns: int = 48, native_qr: bool = True) -> ThermalPrinter:
    return ThermalPrinter(url, profile=PrinterProfile(columns=columns, native_qr=native_qr), status_timeout=0.3,
                          poll_interval=0.05, backoff=Backoff(base=0.05, cap=0.3))


@pytest.fixture
def sim(tmp_path):
    s = PrinterSimulator(tmp_path / "paper", port=0)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def printer(sim):
    p = make_printer(sim.tcp_url)
    events = EventLog()
    p.subscribe(events)
    p.events_log = events
    p.open()
    wait_until(lambda: p.status().ready, what="printer online")
    yield p
    p.close()


KIOSK = KioskInfo("Ufficio Postale di Città della Pieve", "Piazza XIX Giugno 1, Città della Pieve", "PT-00123")
WHEN = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
REF = "00123-261125-0042-K"
NOTICE = "3010000000001234" + check_digits_aux3("3010000000001234")
PAYMENT = PaymentNotice(NOTICE, "01234567890", 1600, "Diritti di segreteria")
VERIFY_URL = "https://anpr.example.it/verifica/ANPR-2026-000123"

OUTCOMES = {
    "certificate_issued": BackendOutcome("completed", (IssuedDocument("certificato_residenza", "ANPR-2026-000123",
                                                                      VERIFY_URL),),
                                         None, {"it": "Il certificato è valido sei mesi, perché è in bollo.",
                                                "en": "The certificate is valid for six months."}),
    "request_accepted": BackendOutcome("accepted", (), None,
                                       {"it": "Ritira il passaporto in Questura.", "en": "Collect it at the Questura."}),
    "recorded_offline": RECORDED_OFFLINE,
    "payment_notice": BackendOutcome("completed", (), PAYMENT, {}),
}


def receipt_input(kind: str, lang: str = "it", columns: int = 48) -> ReceiptInput:
    return ReceiptInput(KIOSK, REF, "Certificato di residenza", lang, WHEN, OUTCOMES[kind], columns)
