"""Durable outbox of citizen requests and the thread that delivers them exactly once.

Wiring in the app (all calls but ``wait_for`` return at once; call ``wait_for`` off the UI thread):

    box = Outbox.open_or_quarantine(Path(cfg.data.dir) / OUTBOX_FILENAME, cfg.kiosk.id,
                                    retention_days=cfg.data.retention_days)
    sender = OutboxSender(box, BackendClient.from_config(cfg)); sender.start()
    local_ref, row_id = box.submit(service_id, citizen, fields, locale="it", photos=[jpeg_bytes])
    outcome = sender.wait_for(row_id, cfg.backend.wait_for_delivery_s)     # on a worker thread
    show(_(citizen_message(outcome)))
"""
from kiosk.outbox.breaker import BreakerState, CircuitBreaker
from kiosk.outbox.reference import is_valid_reference, make_reference
from kiosk.outbox.messages import citizen_message
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import (OUTBOX_FILENAME, Outbox, OutboxCorruptError, OutboxError, OutboxFullError, OutboxStats, Outcome,
                                OutcomeKind)

__all__ = ["OUTBOX_FILENAME", "citizen_message", "BreakerState", "CircuitBreaker", "is_valid_reference", "make_reference", "OutboxSender", "Outbox",
           "OutboxCorruptError", "OutboxError", "OutboxFullError", "OutboxStats", "Outcome", "OutcomeKind"]
