"""Submit = store durably, wait a bounded time for the backend's answer, print the receipt.

Runs on a worker thread (the SUBMIT screen waits for it); no Kivy here, so it is tested headless against the
simulators. The order matters: the request is in the outbox before anything else can fail, so a dead printer or
backend never loses it; the receipt then says what really happened (issued, accepted, or recorded offline).
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from kiosk.i18n import N_
from kiosk.outbox import Outbox, OutboxError, OutboxSender, Outcome, OutcomeKind
from kiosk.receipts import RECORDED_OFFLINE, BackendOutcome, KioskInfo, ReceiptInput, build_receipt
from kiosk.receipts.model import ReceiptFormatError
from kiosk.services import Service
from kiosk.session import Session

log = logging.getLogger("kiosk.submission")

PRINT_WAIT_S = 30.0


class PrintState(str, enum.Enum):
    PRINTED = "printed"
    NOT_PRINTED = "not_printed"     # printer failed before starting: the reference is on screen
    INTERRUPTED = "interrupted"     # it will be reprinted whole, marked REPRINT, when the printer is ready
    NO_PRINTER = "no_printer"


MSG_NOT_STORED = N_("Your request could not be recorded because of a fault in this kiosk. Nothing was sent. "
                    "Please ask at the post office counter.")
MSG_REJECTED = N_("Your request was not accepted.")
MSG_NOT_PRINTED = N_("The receipt could not be printed. Please write down your reference number.")
MSG_INTERRUPTED = N_("The printer stopped in the middle of your receipt. It will print it again as soon as it "
                     "can: ask at the counter if you cannot wait.")


@dataclass(frozen=True)
class SubmissionResult:
    stored: bool
    local_ref: str = ""
    outcome: Outcome | None = None
    print_state: PrintState = PrintState.NO_PRINTER
    problems: tuple[str, ...] = ()            # untranslated messages for the citizen
    reasons: dict[str, str] = field(default_factory=dict)   # field → reason, when the backend refused

    @property
    def delivered(self) -> bool:
        return self.outcome is not None and self.outcome.kind is OutcomeKind.DELIVERED

    @property
    def status(self) -> str:
        """completed / accepted / rejected / recorded (offline) / failed (not stored)."""
        if not self.stored:
            return "failed"
        if self.outcome is None or self.outcome.kind in (OutcomeKind.PENDING, OutcomeKind.NEEDS_ATTENTION):
            return "recorded"
        if self.outcome.kind is OutcomeKind.REJECTED:
            return "rejected"
        return self.outcome.status or "completed"


def citizen_record(identity) -> dict:
    return {"codice_fiscale": identity.codice_fiscale, "surname": identity.surname,
            "given_name": identity.given_name, "birth_date": identity.birth_date.isoformat(),
            "identified_by": identity.identified_by}


def receipt_outcome(outcome: Outcome | None):
    """The receipt's view of the outbox outcome; anything not final is 'recorded offline'."""
    if outcome is None or outcome.kind in (OutcomeKind.PENDING, OutcomeKind.NEEDS_ATTENTION):
        return RECORDED_OFFLINE
    if outcome.kind is OutcomeKind.REJECTED:
        return BackendOutcome("rejected", message=dict(outcome.message))
    try:
        return BackendOutcome.from_reply({"status": outcome.status, "documents": list(outcome.documents),
                                          "payment": outcome.payment, "message": dict(outcome.message)})
    except ReceiptFormatError as exc:
        log.error("delivered reply unfit for a receipt (%s): printing the recorded receipt", exc)
        return RECORDED_OFFLINE


def submit_visit(session: Session, service: Service, *, outbox: Outbox, sender: OutboxSender | None,
                 printer, kiosk: KioskInfo, columns: int, wait_s: float, now) -> SubmissionResult:
    try:
        local_ref, row_id = outbox.submit(service.id, citizen_record(session.identity), dict(session.fields),
                                          locale=session.language,
                                          photos=[session.photo_jpeg] if session.photo_jpeg else [])
    except (OutboxError, ValueError) as exc:
        log.critical("request could not be stored: %s", exc)
        return SubmissionResult(stored=False, problems=(MSG_NOT_STORED,))
    log.info("request %s stored for %s", local_ref, service.id)
    outcome = sender.wait_for(row_id, wait_s) if sender is not None else outbox.outcome(row_id)
    problems: list[str] = []
    reasons: dict[str, str] = {}
    if outcome.kind is OutcomeKind.REJECTED:
        problems.append(MSG_REJECTED)
        reasons = dict(outcome.reasons)
    receipt = build_receipt(ReceiptInput(kiosk, local_ref, service.name(session.language), session.language,
                                         now, receipt_outcome(outcome), columns))
    print_state = PrintState.NO_PRINTER
    if printer is not None:
        job = printer.submit(receipt)
        result = job.wait(PRINT_WAIT_S)
        print_state = {"printed": PrintState.PRINTED, "interrupted": PrintState.INTERRUPTED}.get(
            result.value if result else "", PrintState.NOT_PRINTED)
        if print_state is PrintState.NOT_PRINTED:
            log.error("receipt for %s not printed: %s", local_ref, job.detail or "no answer")
    if print_state is PrintState.NOT_PRINTED or print_state is PrintState.NO_PRINTER:
        problems.append(MSG_NOT_PRINTED)
    elif print_state is PrintState.INTERRUPTED:
        problems.append(MSG_INTERRUPTED)
    return SubmissionResult(True, local_ref, outcome, print_state, tuple(problems), reasons)
