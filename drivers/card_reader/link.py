"""One command/response exchange with the reader, with the protocol's handshake and retry rules.

Rules (shared/specs/card-reader-crt591.md): the device ACKs a command within 300 ms; NAK or silence → resend, at
most 3 times. Then it executes and sends a response, which the host ACKs; a corrupt response is NAKed, at most 2
times. A motor command whose response goes missing is never resent here: ``ResponseLost`` tells the caller to ask
STATUS first, because the card may already have moved.
"""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from drivers.card_reader import protocol as p
from drivers.card_reader.errors import CommandRejected, LinkDown, NoAck, ResponseLost, BadResponse

log = logging.getLogger("kiosk.drivers.card_reader.link")


class Port(Protocol):
    """What the link needs from a pyserial ``Serial``."""
    timeout: float | None

    def write(self, data: bytes) -> int | None: ...

    def read(self, size: int = 1) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    @property
    def in_waiting(self) -> int: ...


class Speed(enum.Enum):
    """Execution time-out classes from the spec."""
    QUICK = "quick"
    CARD_IO = "card_io"
    MOVE = "move"
    INIT = "init"


@dataclass(frozen=True)
class Timeouts:
    ack_s: float = 0.3
    quick_s: float = 2.0
    card_io_s: float = 8.0
    move_s: float = 15.0
    init_s: float = 30.0
    ack_retries: int = 3
    nak_retries: int = 2

    def execution(self, speed: Speed) -> float:
        return {Speed.QUICK: self.quick_s, Speed.CARD_IO: self.card_io_s, Speed.MOVE: self.move_s,
                Speed.INIT: self.init_s}[speed]


@dataclass
class LinkStats:
    frames_sent: int = 0          # command frames (resends included)
    frames_received: int = 0      # response frames accepted or rejected
    controls_sent: int = 0        # ACK / NAK / EOT from the host
    controls_received: int = 0
    resends: int = 0
    naks_sent: int = 0
    noise_bytes: int = 0

    def total_frames(self) -> int:
        return self.frames_sent + self.frames_received


class Link:
    """Owns the framing on one port. Call from one thread only (the driver's worker).

    Time-outs here are real serial waits (monotonic time), not the injectable clock.
    """

    def __init__(self, port: Port, address: int = 0, *, timeouts: Timeouts | None = None) -> None:
        self.port = port
        self.address = address
        self.timeouts = timeouts or Timeouts()
        self.parser = p.FrameParser()
        self.stats = LinkStats()
        self._items: list[p.Item] = []

    # --- low level ----------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except (OSError, ValueError) as exc:  # pyserial raises SerialException (an OSError) when unplugged
            raise LinkDown(f"write failed: {exc}") from exc

    def _next_item(self, deadline: float) -> p.Item | None:
        """The next parsed item, or None at the deadline."""
        while not self._items:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.port.timeout = min(left, 0.05)
            try:
                chunk = self.port.read(max(1, self.port.in_waiting))
            except (OSError, ValueError) as exc:
                raise LinkDown(f"read failed: {exc}") from exc
            before = self.parser.noise
            self._items.extend(self.parser.feed(chunk) if chunk else self.parser.expire())
            self.stats.noise_bytes += self.parser.noise - before
        return self._items.pop(0)

    def _control(self, byte: int) -> None:
        self._write(bytes([byte]))
        self.stats.controls_sent += 1

    def drain(self) -> None:
        """Forget whatever is on the line from an earlier exchange (a late duplicate response)."""
        try:
            self.port.reset_input_buffer()
        except (OSError, ValueError) as exc:
            raise LinkDown(f"cannot clear input: {exc}") from exc
        self.parser.reset()
        self._items.clear()

    def cancel(self) -> None:
        """EOT: clear the line; the device echoes EOT. No echo means nobody is listening."""
        self.drain()
        for _ in range(1 + self.timeouts.ack_retries):
            self._control(p.EOT)
            deadline = time.monotonic() + self.timeouts.ack_s
            while (item := self._next_item(deadline)) is not None:
                if item is p.Control.EOT:
                    self.stats.controls_received += 1
                    return
        raise NoAck("no EOT echo: the reader does not answer")

    # --- one exchange ---------------------------------------------------------------------------------
    def _matches(self, item: p.Item, cm: int, pm: int) -> bool:
        return isinstance(item, p.Frame) and item.kind is not p.Kind.COMMAND and item.address == self.address \
            and item.cm == cm and item.pm == pm

    def transact(self, cm: int, pm: int, data: bytes = b"", *, speed: Speed = Speed.QUICK,
                 motor: bool = False) -> p.Frame:
        """Send a command, return its positive reply; raise CommandRejected for a negative one."""
        frame = p.command(self.address, cm, pm, data)
        self.drain()
        reply = self._send_until_acked(frame, cm, pm, speed, motor)
        if reply is None:
            reply = self._await_response(cm, pm, self.timeouts.execution(speed), motor)
        if reply.kind is p.Kind.NEGATIVE:
            raise CommandRejected(cm, pm, reply.error_code, reply)
        return reply

    def _send_until_acked(self, frame: bytes, cm: int, pm: int, speed: Speed, motor: bool) -> p.Frame | None:
        """Resend on NAK/silence. Returns a response if one came instead of the ACK (ACK lost on the way).

        A motor command met by silence is not resent: a lost command would have been NAKed as noise, so the
        likeliest story is a lost ACK and a card already moving. Its response is awaited for the full time-out.
        """
        t = self.timeouts
        for attempt in range(1 + t.ack_retries):
            if attempt:
                self.stats.resends += 1
            self._write(frame)
            self.stats.frames_sent += 1
            deadline = time.monotonic() + t.ack_s
            while (item := self._next_item(deadline)) is not None:
                if item is p.Control.ACK:
                    self.stats.controls_received += 1
                    return None
                if item is p.Control.NAK:
                    self.stats.controls_received += 1
                    break
                if self._matches(item, cm, pm):
                    self.stats.frames_received += 1
                    self._control(p.ACK)
                    return item  # type: ignore[return-value]
            else:
                # silence: a motor command may be running without its ACK; never resend it blindly
                if motor:
                    return self._await_response(cm, pm, t.execution(speed), motor)
                continue
            log.debug("NAK for %02X %02X (try %d)", cm, pm, attempt + 1)
        raise NoAck(f"command {cm:02X} {pm:02X} not acknowledged after {1 + t.ack_retries} tries")

    def _await_response(self, cm: int, pm: int, timeout: float, motor: bool) -> p.Frame:
        deadline = time.monotonic() + timeout
        naks = 0
        while True:
            item = self._next_item(deadline)
            if item is None:
                if motor:
                    raise ResponseLost(cm, pm)
                raise NoAck(f"no response to {cm:02X} {pm:02X} within {timeout:g} s")
            if isinstance(item, p.Corrupt):
                self.stats.frames_received += 1
                if naks >= self.timeouts.nak_retries:
                    if motor:
                        raise ResponseLost(cm, pm)
                    raise BadResponse(f"response to {cm:02X} {pm:02X} still corrupt after {naks} NAKs "
                                      f"({item.reason})")
                naks += 1
                self.stats.naks_sent += 1
                self._control(p.NAK)
                continue
            if self._matches(item, cm, pm):
                self.stats.frames_received += 1
                self._control(p.ACK)
                return item  # type: ignore[return-value]
            if isinstance(item, p.Control):
                self.stats.controls_received += 1
            else:
                log.debug("ignoring unexpected item while waiting for %02X %02X: %r", cm, pm, item)
