"""The receipt printer driver: a status poller on its own thread, and print jobs a citizen can rely on.

A job is checked before it starts (never start a receipt on a printer without paper), sent, and checked after.
The first attempt ends as ``printed``, ``failed_before_start`` or ``interrupted``. An interrupted receipt is never
called printed: the printer's buffers are cleared (so the torn remainder never comes out later) and the job is
reprinted whole, with a REPRINT banner, as soon as the printer is ready again.
"""
from __future__ import annotations

import collections
import enum
import itertools
import logging
import threading
import time
from typing import Any, Callable

from escpos.exceptions import Error as EscposError

from drivers.backoff import Backoff
from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import (DeviceState, DeviceStatus, ErrorAction, EventKind, MediaState,
                            ResilientDevice, SupplyLevel)
from drivers.printer.render import PrinterProfile, render
from drivers.printer.status import CLEAR_BUFFERS, DLE_ENQ, DLE_EOT, RawStatus, first_status_byte, to_device_status
from drivers.printer.transport import PrinterLinkLost, Transport, open_transport

log = logging.getLogger("kiosk.printer")

ASB_OFF = b"\x1da\x00"
#: bytes per second on the slowest link we expect (115200 baud 8N1); sizes the wait for the after-job check
DEFAULT_LINE_RATE = 11_520.0
MAX_REPRINT_ATTEMPTS = 3


class JobOutcome(str, enum.Enum):
    PRINTED = "printed"
    FAILED_BEFORE_START = "failed_before_start"
    INTERRUPTED = "interrupted"


class PrintJob:
    """One receipt handed to the driver. Thread-safe to read and wait on from the UI side."""

    def __init__(self, job_id: int, document: Any, created: float) -> None:
        self.id = job_id
        self.document = document
        self.created = created
        self.outcome: JobOutcome | None = None   # of the first attempt
        self.detail = ""
        self.reprint_attempts = 0
        self.reprinted = False
        self.abandoned = False                   # gave up reprinting after MAX_REPRINT_ATTEMPTS
        self._finished = threading.Event()
        self._whole = threading.Event()

    @property
    def printed_whole(self) -> bool:
        """True once a complete copy is on paper (first time, or as a reprint)."""
        return self._whole.is_set()

    @property
    def reprint_pending(self) -> bool:
        return self.outcome is JobOutcome.INTERRUPTED and not self.reprinted and not self.abandoned

    def wait(self, timeout: float) -> JobOutcome | None:
        """The first attempt's outcome, or None if it is not known within ``timeout`` seconds."""
        self._finished.wait(timeout)
        return self.outcome

    def wait_printed_whole(self, timeout: float) -> bool:
        return self._whole.wait(timeout)

    def __repr__(self) -> str:
        return f"<PrintJob {self.id} {self.outcome and self.outcome.value} reprinted={self.reprinted}>"


class ThermalPrinter(ResilientDevice):
    """ESC/POS receipt printer addressed by URL (``tcp://``, ``serial://`` or a pty path, ``usb://``, ``file://``).

    ``status()`` is the cached snapshot; ``submit(document)`` queues a receipt and returns a ``PrintJob``;
    ``on_job(callback)`` tells the kiosk when a job's outcome is known and when a reprint came out.
    """

    name = "printer"

    def __init__(self, url: str, *, profile: PrinterProfile | None = None, status_timeout: float = 0.4,
                 poll_interval: float = 2.0, start_timeout: float = 15.0, clock: Clock = SYSTEM_CLOCK,
                 backoff: Backoff | None = None, line_rate: float = DEFAULT_LINE_RATE,
                 silent_polls_before_reconnect: int = 3) -> None:
        super().__init__(clock=clock, poll_interval=poll_interval, backoff=backoff or Backoff(base=0.5, cap=30.0))
        self.url = url
        self.profile = profile or PrinterProfile()
        self.status_timeout = status_timeout
        self.start_timeout = start_timeout
        self.line_rate = line_rate
        self.silent_polls_before_reconnect = silent_polls_before_reconnect
        self._t: Transport | None = None
        self._silent = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._queue: collections.deque[PrintJob] = collections.deque()
        self._reprints: collections.deque[PrintJob] = collections.deque()
        self._job_listeners: list[Callable[[PrintJob], None]] = []
        self._recover_requested = False

    # --- public -----------------------------------------------------------------------------------
    def submit(self, document: Any) -> PrintJob:
        """Queue a receipt; returns at once. The worker checks the printer, prints, and checks again."""
        job = PrintJob(next(self._ids), document, self.clock.monotonic())
        with self._lock:  # same lock as the queue flush in _drop_link: a job is never stranded in the queue
            queued = self.connected
            if queued:
                self._queue.append(job)
        if not queued:
            self._finish(job, JobOutcome.FAILED_BEFORE_START, self.status().detail or "printer not connected")
            return job
        self.refresh()
        return job

    def pending_reprints(self) -> list[PrintJob]:
        with self._lock:
            return list(self._reprints)

    def on_job(self, callback: Callable[[PrintJob], None]) -> Callable[[], None]:
        self._job_listeners.append(callback)
        return lambda: self._job_listeners.remove(callback) if callback in self._job_listeners else None

    def recover(self) -> None:
        """Ask the printer to recover from a recoverable error (DLE ENQ 2: clear buffers, then recover)."""
        self._recover_requested = True
        self.refresh()

    # --- ResilientDevice --------------------------------------------------------------------------
    def _connect(self) -> None:
        self._t = open_transport(self.url)
        self._silent = 0
        if self._t.has_status:
            self._t.write(ASB_OFF)  # unsolicited status frames off; the parser would discard them anyway

    def _disconnect(self) -> None:
        if self._t is not None:
            self._t.close()
            self._t = None

    def _drop_link(self, why: str) -> None:
        super()._drop_link(why)
        with self._lock:
            waiting, self._queue = list(self._queue), collections.deque()
        for job in waiting:
            self._finish(job, JobOutcome.FAILED_BEFORE_START, why)

    def _poll(self) -> None:
        if self._recover_requested and self._t is not None:
            self._recover_requested = False
            log.info("printer: recovery requested (DLE ENQ 2)")
            self._t.write(DLE_ENQ + b"\x02")
        status = self._fresh_status()
        self._run_jobs(status)

    def _on_status_change(self, old: DeviceStatus, new: DeviceStatus) -> None:
        known = (SupplyLevel.FULL, SupplyLevel.LOW, SupplyLevel.OUT)
        if new.supply != old.supply and new.supply in known and (
                new.supply is not SupplyLevel.FULL or old.supply in (SupplyLevel.LOW, SupplyLevel.OUT)):
            self._emit(EventKind.PAPER_THRESHOLD, detail=new.supply.value)
        if new.state is DeviceState.HARDWARE_ERROR and old.state is not DeviceState.HARDWARE_ERROR:
            code = next((f for f in ("unrecoverable_error", "cutter_error", "recoverable_error")
                         if f in new.flags), "error")
            action = {"unrecoverable_error": ErrorAction.MAINTENANCE, "cutter_error": ErrorAction.CLEAR,
                      "recoverable_error": ErrorAction.NONE}.get(code, ErrorAction.RESET)
            self._emit(EventKind.ERROR, category="printer", action=action, code=code, detail=new.detail)

    # --- status -----------------------------------------------------------------------------------
    def _fresh_status(self, first_timeout: float | None = None) -> DeviceStatus:
        """Query DLE EOT 1–4 now, publish the result, and count silences (several in a row → reconnect)."""
        assert self._t is not None
        if not self._t.has_status:
            status = DeviceStatus(DeviceState.ONLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN,
                                  "file output: no status channel")
            self._set_status(status)
            return status
        raw = self._query(first_timeout)
        status = to_device_status(raw)
        self._set_status(status)
        if raw.complete():
            self._silent = 0
        else:
            self._silent += 1
            if self._silent >= self.silent_polls_before_reconnect:
                raise PrinterLinkLost(f"no status reply {self._silent} times in a row")
        return status

    def _query(self, first_timeout: float | None) -> RawStatus:
        t = self._t
        t.discard_input()  # a late reply to an earlier query must not answer this one
        replies: list[int | None] = []
        for n in (1, 2, 3, 4):
            t.write(DLE_EOT + bytes([n]))
            timeout = first_timeout if (first_timeout is not None and n == 1) else self.status_timeout
            b = self._read_reply(timeout)
            replies.append(b)
            if b is None:
                break
        replies += [None] * (4 - len(replies))
        return RawStatus(*replies)

    def _read_reply(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            data = self._t.read(remaining)
            if data:
                b, _ = first_status_byte(data)
                if b is not None:
                    return b
                log.debug("printer: discarded %d noise byte(s) in a status reply", len(data))

    # --- jobs -------------------------------------------------------------------------------------
    def _run_jobs(self, status: DeviceStatus) -> None:
        if status.ready:
            with self._lock:
                reprint = self._reprints[0] if self._reprints else None
            if reprint is not None:
                status = self._print(reprint, reprint=True)
        while True:
            with self._lock:
                job = self._queue.popleft() if self._queue else None
            if job is None:
                return
            if self.clock.monotonic() - job.created > self.start_timeout:
                self._finish(job, JobOutcome.FAILED_BEFORE_START, "printer busy for too long")
            elif not status.ready:
                self._finish(job, JobOutcome.FAILED_BEFORE_START, status.detail)
            else:
                status = self._print(job, reprint=False)

    def _print(self, job: PrintJob, *, reprint: bool) -> DeviceStatus:
        title = getattr(job.document, "title", "") or f"job {job.id}"
        try:
            data = render(job.document.as_reprint() if reprint else job.document, self.profile)
        except (OSError, ValueError, AttributeError, EscposError) as exc:  # unreadable logo, bad document
            log.error("printer: cannot render %s: %s", title, exc)
            with self._lock:
                if job in self._reprints:
                    self._reprints.remove(job)
            if reprint:
                job.abandoned = True
                self._notify(job)
            else:
                self._finish(job, JobOutcome.FAILED_BEFORE_START, f"cannot render the receipt: {exc}")
            return self.status()
        log.info("printer: %s %s (%d bytes)", "reprinting" if reprint else "printing", title, len(data))
        if reprint:
            job.reprint_attempts += 1
        sent = 0
        try:
            for i in range(0, len(data), 1024):
                self._t.write(data[i:i + 1024])
                sent = i + 1024
        except PrinterLinkLost as exc:
            if sent == 0 and not reprint:
                self._finish(job, JobOutcome.FAILED_BEFORE_START, f"printer gone: {exc}")
            else:
                self._interrupted(job, f"printer gone mid-receipt: {exc}", reprint, clear=False)
            raise
        # The after-job status reply queues behind the job on a slow line: allow for the whole job's wire time.
        wire_time = len(data) / self.line_rate
        try:
            after = self._fresh_status(first_timeout=self.status_timeout + 1.5 * wire_time + 1.0)
        except PrinterLinkLost as exc:
            self._interrupted(job, f"printer gone mid-receipt: {exc}", reprint, clear=False)
            raise
        if after.ready:
            if reprint:
                with self._lock:
                    if job in self._reprints:
                        self._reprints.remove(job)
                job.reprinted = True
                job._whole.set()
                log.info("printer: %s reprinted whole", title)
                self._notify(job)
            else:
                self._finish(job, JobOutcome.PRINTED, after.detail)
        else:
            self._interrupted(job, after.detail, reprint, clear=True)
        return after

    def _interrupted(self, job: PrintJob, why: str, reprint: bool, *, clear: bool) -> None:
        if clear and self._t is not None:
            try:
                self._t.write(CLEAR_BUFFERS)  # the rest of the torn receipt must never come out later
                # Real-time commands run in arrival order: a reply to the next DLE EOT proves the buffers are
                # empty before anyone (the kiosk, a technician) is told and can refill the paper.
                self._t.discard_input()
                self._t.write(DLE_EOT + b"\x01")
                if self._read_reply(self.status_timeout) is None:
                    log.warning("printer: no reply after clearing buffers; the torn rest may still print")
            except PrinterLinkLost as exc:
                log.warning("printer: could not clear buffers after an interrupted job: %s", exc)
        if reprint:
            log.warning("printer: reprint of job %d interrupted (%s), attempt %d", job.id, why,
                        job.reprint_attempts)
            if job.reprint_attempts >= MAX_REPRINT_ATTEMPTS:
                with self._lock:
                    if job in self._reprints:
                        self._reprints.remove(job)
                job.abandoned = True
                log.error("printer: giving up reprinting job %d after %d attempts", job.id, job.reprint_attempts)
                self._notify(job)
            return
        with self._lock:
            self._reprints.append(job)
        self._finish(job, JobOutcome.INTERRUPTED, why)

    def _finish(self, job: PrintJob, outcome: JobOutcome, detail: str) -> None:
        job.outcome, job.detail = outcome, detail
        if outcome is JobOutcome.PRINTED:
            job._whole.set()
        log.log(logging.INFO if outcome is JobOutcome.PRINTED else logging.WARNING,
                "printer: job %d %s (%s)", job.id, outcome.value, detail)
        job._finished.set()
        self._notify(job)

    def _notify(self, job: PrintJob) -> None:
        for cb in list(self._job_listeners):
            try:
                cb(job)
            except Exception:
                log.exception("printer: job listener %r failed", cb)
