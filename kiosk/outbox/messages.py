"""What to tell the citizen about their request, as English source strings marked with N_ (the screen shows
``_(citizen_message(outcome))``; the receipt uses ``translate(…, lang)``)."""
from __future__ import annotations

from kiosk.i18n import N_
from kiosk.outbox.store import Outcome, OutcomeKind

DOCUMENT_READY = N_("Your document is ready.")
REQUEST_ACCEPTED = N_("Your request has been accepted. You will be contacted when it is ready.")
DATA_REFUSED = N_("Your request was not accepted. Please check the data you entered.")
SERVICE_UNAVAILABLE_NOW = N_("This service is not available at the moment.")
BACKEND_DOWN = N_("The service is temporarily unavailable. Your request is saved and will be sent "
                  "automatically. Keep your receipt.")
SAVED_WILL_SEND = N_("Your request is saved and will be sent shortly. Keep your receipt.")
SAVED_STAFF_CHECK = N_("Your request is saved. Staff will check it. Keep your receipt.")
CANNOT_STORE = N_("The kiosk cannot accept new requests right now. Please try again later or ask at the counter.")


def citizen_message(outcome: Outcome) -> str:
    if outcome.kind is OutcomeKind.DELIVERED:
        return REQUEST_ACCEPTED if outcome.status == "accepted" else DOCUMENT_READY
    if outcome.kind is OutcomeKind.REJECTED:
        return DATA_REFUSED if outcome.reasons else SERVICE_UNAVAILABLE_NOW
    if outcome.kind is OutcomeKind.NEEDS_ATTENTION:
        return SAVED_STAFF_CHECK
    return BACKEND_DOWN if outcome.backend_unavailable else SAVED_WILL_SEND
