"""Durable outbox of citizen requests and the thread that delivers them exactly once."""
from kiosk.outbox.breaker import BreakerState, CircuitBreaker
from kiosk.outbox.reference import is_valid_reference, make_reference
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import (Outbox, OutboxCorruptError, OutboxError, OutboxFullError, OutboxStats, Outcome,
                                OutcomeKind)

__all__ = ["BreakerState", "CircuitBreaker", "is_valid_reference", "make_reference", "OutboxSender", "Outbox",
           "OutboxCorruptError", "OutboxError", "OutboxFullError", "OutboxStats", "Outcome", "OutcomeKind"]
