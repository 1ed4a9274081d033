"""The sender thread: delivers outbox rows oldest first — photos, then the request with Idempotency-Key = the row's
UUID — and records what became of each. Transient failures are retried with capped exponential backoff and full
jitter (drivers.backoff), Retry-After is honoured, and a circuit breaker stops hammering a backend that is down.

Delivery is at-least-once on the wire and exactly-once in effect: a request whose reply was lost is sent again
with the same key and the same stored bytes, and the backend answers with the stored result."""
from __future__ import annotations

import dataclasses
import logging
import random
import sqlite3
import threading
import time
from typing import Callable

from drivers.backoff import Backoff
from drivers.clock import SYSTEM_CLOCK, Clock
from kiosk.backend import errors as be
from kiosk.backend.client import BackendClient
from kiosk.outbox.breaker import BreakerState, CircuitBreaker
from kiosk.outbox.store import Outbox, OutboxError, Outcome, OutcomeKind, PendingRow, outcome_details

log = logging.getLogger("kiosk.outbox.sender")


class OutboxSender:
    """``start()``/``stop()`` run the loop on its own thread; ``run_once()`` does one step (tests drive it with a
    FakeClock). Alerts for the technician are in ``alert`` (None when all is well)."""

    def __init__(self, outbox: Outbox, client: BackendClient, *, clock: Clock = SYSTEM_CLOCK,
                 breaker: CircuitBreaker | None = None, backoff_base_s: float = 1.0, backoff_cap_s: float = 300.0,
                 max_malformed: int = 5, idle_s: float = 5.0, purge_every_s: float = 3600.0,
                 rng: random.Random | None = None,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.outbox = outbox
        self.client = client
        self.clock = clock
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.rng = rng or random.Random()
        self.backoff = Backoff(base=backoff_base_s, cap=backoff_cap_s, rng=self.rng)
        self.max_malformed = max_malformed
        self.idle_s = idle_s
        self.purge_every_s = purge_every_s
        self.on_outcome = on_outcome
        self.alert: str | None = None
        self.paused = False                     # credentials refused: nothing is sent until resume()
        self._not_before = 0.0                  # monotonic: global pause after a backend failure
        self._last_purge: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        outbox.on_submit(self._wake.set)

    # --- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("outbox sender did not stop within %.1f s (a call is still in flight)", timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def resume(self) -> int:
        """Technician action once the cause is fixed: unpause and re-queue needs-attention rows."""
        self.paused = False
        self.alert = None
        self._not_before = 0.0
        self.breaker.record_success()
        count = self.outbox.requeue_attention()
        self._wake.set()
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.run_once()
            except sqlite3.DatabaseError as exc:
                self.alert = f"The outbox database cannot be read ({exc}); stored requests wait."
                log.error("%s", self.alert)
                delay = self.idle_s
            except Exception:
                log.exception("outbox sender step failed; retrying shortly")
                delay = self.idle_s
            if delay > 0:
                self._wake.wait(min(delay, self.idle_s))
                self._wake.clear()

    # --- what the UI reads ---------------------------------------------------------------------------------
    @property
    def breaker_state(self) -> BreakerState:
        return self.breaker.state

    @property
    def backend_available(self) -> bool:
        """False when the citizen should be told at once that the service is temporarily unavailable."""
        return not self.paused and self.breaker.state is not BreakerState.OPEN

    def wait_for(self, row_id: int, timeout: float) -> Outcome:
        """Wait at most ``timeout`` real seconds for a final outcome. Returns at once (still pending, with
        ``backend_unavailable``) when the breaker is open or sending is paused."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self.outbox.changed:
            while True:
                outcome = self.outbox.outcome(row_id)
                if outcome.kind is not OutcomeKind.PENDING:
                    return outcome
                if not self.backend_available:
                    return _with(outcome, backend_unavailable=True)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return outcome
                self.outbox.changed.wait(min(remaining, 0.5))

    # --- one step ------------------------------------------------------------------------------------------
    def run_once(self) -> float:
        """Deliver at most one row. Returns how long (seconds) until there may be more work (0 = at once)."""
        mono = self.clock.monotonic()
        if self._last_purge is None or mono - self._last_purge >= self.purge_every_s:
            self._last_purge = mono
            try:
                self.outbox.purge()
            except Exception as exc:
                log.error("outbox purge failed: %s", exc)
        if self.paused:
            return self.idle_s
        if mono < self._not_before:
            return self._not_before - mono
        if not self.breaker.allow():
            return max(0.01, self.breaker.seconds_until_trial())
        row = self.outbox.next_due()
        if row is None:
            due = self.outbox.seconds_until_next_due()
            return self.idle_s if due is None else max(0.01, min(due, self.idle_s))
        self._deliver(row)
        return 0.0

    def _deliver(self, row: PendingRow) -> None:
        try:
            for sha, data in self.outbox.blobs_to_upload(row.id):
                self.client.put_blob(sha, data)
                self.outbox.mark_blob_uploaded(row.id, sha)
            reply = self.client.submit_request(row.payload, row.uuid, row.local_ref)
        except be.RetryAfterError as exc:
            self._backend_failed(row, exc, min_delay=exc.retry_after_s)
        except be.InProgressError as exc:
            self.breaker.record_success()
            self._retry_row(row, str(exc), max(1.0, self._row_delay(row)))
        except be.MissingBlobError as exc:
            self.breaker.record_success()
            self.outbox.mark_blobs_not_uploaded(row.id)
            self._retry_row(row, str(exc), self._row_delay(row))
        except be.TransientError as exc:
            self._backend_failed(row, exc)
        except be.MalformedReplyError as exc:
            if row.malformed + 1 >= self.max_malformed:
                self._attention(row, f"{self.max_malformed} malformed replies in a row: {exc}")
            else:
                self._backend_failed(row, exc, malformed=True)
        except be.RejectedError as exc:
            self.breaker.record_success()
            self.backoff.reset()
            result = {"code": exc.code, "reasons": exc.fields}
            self.outbox.record_rejected(row.id, result, str(exc))
            log.warning("request %s rejected by the backend (%s: %s)", row.local_ref, exc.code,
                        ", ".join(sorted(exc.fields)) or "no field")
            self._tell(row.id)
        except be.CredentialsError as exc:
            self.paused = True
            self.alert = f"The backend refused this kiosk's credentials; sending is stopped. ({exc})"
            self._attention(row, str(exc))
        except (be.KeyReusedError, be.BadRequestError) as exc:
            self.breaker.record_success()
            self._attention(row, str(exc))
        except be.BackendError as exc:
            self._backend_failed(row, exc)
        except OutboxError as exc:
            self.alert = str(exc)
            self._not_before = self.clock.monotonic() + self.idle_s
        else:
            try:
                self.outbox.record_delivered(row.id, reply.practice_id, outcome_details(reply))
            except Exception as exc:     # e.g. disk full: the row stays pending; resending replays (200)
                log.error("could not record delivery of %s: %s", row.local_ref, exc)
                self.alert = f"The outbox cannot record deliveries ({exc})."
                self._not_before = self.clock.monotonic() + self.idle_s
                return
            self.breaker.record_success()
            self.backoff.reset()
            if self.alert and not self.paused:
                self.alert = None
            log.info("request %s delivered: practice %s (%s%s)", row.local_ref, reply.practice_id, reply.status,
                     ", replayed" if reply.replayed else "")
            self._tell(row.id)

    # --- outcomes ------------------------------------------------------------------------------------------
    def _row_delay(self, row: PendingRow) -> float:
        return Backoff(base=self.backoff.base, cap=self.backoff.cap, rng=self.rng,
                       attempt=row.attempts).next_delay()

    def _retry_row(self, row: PendingRow, error: str, delay: float, malformed: bool = False) -> None:
        self.outbox.record_retry(row.id, error, delay, malformed=malformed)
        log.info("request %s: will retry in %.2f s (%s)", row.local_ref, delay, error)

    def _backend_failed(self, row: PendingRow, exc: Exception, *, min_delay: float = 0.0,
                        malformed: bool = False) -> None:
        """The backend is unwell: back off globally (with jitter), count towards the breaker."""
        if min_delay:
            delay = min_delay + self.rng.uniform(0.0, min(min_delay * 0.1, 5.0))
        else:
            delay = self.backoff.next_delay()
        self._not_before = self.clock.monotonic() + delay
        before = self.breaker.state
        self.breaker.record_failure()
        self._retry_row(row, str(exc), delay, malformed=malformed)
        if self.breaker.state is not before:
            log.warning("backend circuit breaker %s -> %s", before.value, self.breaker.state.value)
        self.outbox.notify_waiters()

    def _attention(self, row: PendingRow, error: str) -> None:
        self.outbox.record_attention(row.id, error)
        log.error("request %s needs a technician: %s", row.local_ref, error)
        self._tell(row.id)

    def _tell(self, row_id: int) -> None:
        if self.on_outcome is None:
            return
        try:
            self.on_outcome(self.outbox.outcome(row_id))
        except Exception:
            log.exception("outcome listener failed")


def _with(outcome: Outcome, **changes) -> Outcome:
    return dataclasses.replace(outcome, **changes)
