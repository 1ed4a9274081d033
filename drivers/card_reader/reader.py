"""The card reader as the kiosk sees it: a worker thread that owns the serial port, a cached status in the shared
device vocabulary, events, and a few high-level operations that return futures.

Flow for a visit: ``accept_card()`` → event MediaInserted → ``read_card()`` → CardData, or InvalidCard and the
event InvalidMedia → ``eject()`` → event MediaRemoved when the citizen takes it. A card left at the gate for
``take_card_s`` is pulled back into the retain bin (event MediaRetained), so the next citizen never finds it.
``end_visit()`` always gives a card that is still inside back first.
"""
from __future__ import annotations

import logging
import queue
from concurrent.futures import Future
from typing import Any, Callable

import serial

from drivers.backoff import Backoff
from drivers.card_reader import health_card as hc
from drivers.card_reader.errors import (CardJammed, CommandRejected, InvalidCard, LinkDown, NoAck, NoCard,
                                        ResponseLost, RetainBinFull, describe_code)
from drivers.card_reader.link import Link, LinkStats, Speed, Timeouts
from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import (DeviceOffline, DeviceState, DeviceStatus, ErrorAction, EventKind,
                            MediaState, ResilientDevice, SupplyLevel)
from drivers.device_url import DeviceUrlError, parse_device_url

log = logging.getLogger("kiosk.drivers.card_reader")

# command codes (CM, PM)
INIT, STATUS, MOVE, ENTRY, CPU = 0x30, 0x31, 0x32, 0x33, 0x51
INIT_TO_GATE, INIT_RETAIN, INIT_STAY = 0x30, 0x31, 0x33
MOVE_HOLD, MOVE_IC, MOVE_RETAIN, MOVE_EJECT = 0x30, 0x31, 0x33, 0x39
ENTRY_ALLOW, ENTRY_REFUSE = 0x30, 0x31
CPU_COLD_RESET, CPU_POWER_OFF, CPU_APDU = 0x30, 0x31, 0x39
#: where each move leaves the card, as ST0 (used to check a move whose reply was lost)
MOVE_TARGET = {MOVE_HOLD: "2", MOVE_IC: "2", MOVE_RETAIN: "0", MOVE_EJECT: "1"}
NO_CARD, AT_GATE, INSIDE = "0", "1", "2"


def open_port(url: str) -> serial.SerialBase:
    """A device path, serial:// URL, tcp://host:port (raw TCP, pyserial socket://) or any pyserial URL."""
    try:
        parsed = parse_device_url(url)
    except DeviceUrlError:
        return serial.serial_for_url(url, timeout=0.05, write_timeout=1.0)
    if parsed.scheme == "serial":
        return serial.serial_for_url(parsed.path, baudrate=parsed.int_param("baudrate", 115200),
                                     timeout=0.05, write_timeout=1.0, exclusive=True)
    if parsed.scheme == "tcp":
        return serial.serial_for_url(f"socket://{parsed.host}:{parsed.port}", timeout=0.05, write_timeout=1.0)
    raise DeviceUrlError(f"{url!r}: a card reader is reached by serial:// or tcp://, not {parsed.scheme}://")


class CardReader(ResilientDevice):
    """CRT-591-style motorised reader. ``url``: serial:///dev/ttyS1?baudrate=115200, a bare path, or tcp://."""

    name = "card_reader"

    def __init__(self, url: str, *, address: int = 0, take_card_s: float = 30.0, poll_interval: float = 0.5,
                 timeouts: Timeouts | None = None, clock: Clock = SYSTEM_CLOCK,
                 backoff: Backoff | None = None) -> None:
        super().__init__(clock=clock, poll_interval=poll_interval, backoff=backoff)
        self.url = url
        self.address = address
        self.take_card_s = take_card_s
        self.timeouts = timeouts or Timeouts()
        self.firmware = ""
        self.stats = LinkStats()
        self._port: serial.SerialBase | None = None
        self._link: Link | None = None
        self._ops: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()
        self._st = ""                      # last ST0ST1ST2
        self._accepting = False
        self._jammed = False
        self._retained_last = False        # report RETAINED until the next card
        self._gate_since: float | None = None
        self._given_back = False           # the card at the gate was ejected to somebody: never take it as new

    # --- public operations (any thread; they run on the worker) -----------------------------------
    def accept_card(self) -> Future:
        """Open the shutter for a card; MediaInserted follows when one is pulled in."""
        return self._submit(self._op_accept)

    def refuse_card(self) -> Future:
        return self._submit(self._op_refuse)

    def read_card(self) -> Future:
        """Read EF_DatiPersonali. Result: CardData; exception InvalidCard(reason) for a card that is not one."""
        return self._submit(self._op_read)

    def eject(self) -> Future:
        """Give the card back to the gate; MediaRemoved when taken, MediaRetained if forgotten."""
        return self._submit(self._op_eject)

    def retain(self) -> Future:
        """Keep the card in the retain bin (technician action, or a card forgotten at the gate)."""
        return self._submit(self._op_retain)

    def end_visit(self) -> Future:
        """Close the shutter and give back a card still inside. Safe to call at any time."""
        return self._submit(self._op_end_visit)

    def _submit(self, fn: Callable[[], Any]) -> Future:
        fut: Future = Future()
        if not self.connected:
            fut.set_exception(DeviceOffline(f"card reader offline: {self.status().detail}"))
            return fut
        self._ops.put((fn, fut))
        self._wake.set()
        return fut

    # --- ResilientDevice ------------------------------------------------------------------------------
    def _connect(self) -> None:
        self._port = open_port(self.url)
        try:
            self._start_session()
        except BaseException:
            self._disconnect()  # the base class only disconnects links that were up; free the port here
            raise

    def _start_session(self) -> None:
        """Clear the line with EOT, then INIT (card to the gate: whoever it belongs to gets it back)."""
        self._link = Link(self._port, self.address, timeouts=self.timeouts)
        self._link.stats = self.stats
        self._link.cancel()
        self._jammed = False
        try:
            reply = self._link.transact(INIT, INIT_TO_GATE, speed=Speed.INIT, motor=True)
            self.firmware = reply.data.decode("ascii", "replace")
            log.info("card reader initialised: %s", self.firmware)
        except CommandRejected as exc:
            if exc.error != "10":
                raise
            self._mark_jam(exc)
        except ResponseLost:
            log.warning("INIT reply lost; the status poll will tell where the card is")
        self._accepting = False
        self._given_back = True            # INIT put any card at the gate; it is nobody's new card
        self._refresh_status()

    def _disconnect(self) -> None:
        self._fail_pending(DeviceOffline("card reader link closed"))
        self._st = ""
        port, self._port, self._link = self._port, None, None
        if port is not None:
            port.close()

    def _poll(self) -> None:
        while True:
            try:
                fn, fut = self._ops.get_nowait()
            except queue.Empty:
                break
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except (LinkDown, NoAck) as exc:
                fut.set_exception(exc)
                raise
            except Exception as exc:  # delivered to the caller through the future
                fut.set_exception(exc)
        self._refresh_status()
        self._check_gate()

    def _fail_pending(self, exc: Exception) -> None:
        while True:
            try:
                _, fut = self._ops.get_nowait()
            except queue.Empty:
                return
            if fut.set_running_or_notify_cancel():
                fut.set_exception(exc)

    # --- status ---------------------------------------------------------------------------------------
    def _transact(self, cm: int, pm: int, data: bytes = b"", *, speed: Speed = Speed.QUICK,
                  motor: bool = False):
        if self._link is None:
            raise LinkDown("card reader not connected")
        try:
            return self._link.transact(cm, pm, data, speed=speed, motor=motor)
        except CommandRejected as exc:
            if exc.error == "B0":  # the reader was power-cycled behind our back: start again with INIT
                raise LinkDown("reader lost its initialisation (power cycle?)") from exc
            raise

    def _refresh_status(self) -> str:
        reply = self._transact(STATUS, 0x30)
        self._apply(reply.status)
        return reply.status

    def _apply(self, st: str) -> None:
        """New status bytes → cached status, then the media events (which carry the new status)."""
        old = self._st
        self._st = st
        st0, bin_full = st[:1], st[2:3] == "1"
        events: list[EventKind] = []
        if st0 != NO_CARD:
            self._retained_last = False
        if old and old[:1] in (AT_GATE, INSIDE) and st0 == NO_CARD and not self._retained_last:
            log.info("card removed")
            events.append(EventKind.MEDIA_REMOVED)
        if st0 == INSIDE and old[:1] in (NO_CARD, AT_GATE) and self._accepting:
            self._accepting = False
            events.append(EventKind.MEDIA_INSERTED)
        if st0 != AT_GATE:
            self._given_back = False
            self._gate_since = None
        elif self._gate_since is None:
            self._gate_since = self.clock.monotonic()
        self._set_status(self._snapshot(st0, bin_full))
        for kind in events:
            self._emit(kind)

    def _snapshot(self, st0: str, bin_full: bool) -> DeviceStatus:
        media = {NO_CARD: MediaState.RETAINED if self._retained_last else MediaState.NOT_PRESENT,
                 AT_GATE: MediaState.ENTERING, INSIDE: MediaState.PRESENT}.get(st0, MediaState.UNKNOWN)
        flags = {"retain_bin_full"} if bin_full else set()
        if self._accepting:
            flags.add("accepting")
        supply = SupplyLevel.OUT if bin_full else SupplyLevel.FULL  # room left in the retain bin
        if self._jammed:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, MediaState.JAMMED, supply, "card jam",
                                frozenset(flags | {"jammed"}))
        if media is MediaState.UNKNOWN:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, media, supply, f"unexpected status {st0!r}",
                                frozenset(flags))
        return DeviceStatus(DeviceState.ONLINE, media, supply, "retain bin full" if bin_full else "",
                            frozenset(flags))

    def _check_gate(self) -> None:
        """A card forgotten at the gate goes to the retain bin."""
        if self._gate_since is None or self._jammed:
            return
        waited = self.clock.monotonic() - self._gate_since
        if waited < self.take_card_s:
            return
        log.warning("card left at the gate for %.0f s: retaining it", waited)
        try:
            self._op_retain(reason="left at the gate")
        except (RetainBinFull, CardJammed, CommandRejected, ResponseLost) as exc:
            log.error("could not retain the forgotten card: %s", exc)
            self._gate_since = self.clock.monotonic()  # try again after another full wait

    # --- errors -----------------------------------------------------------------------------------
    def _mark_jam(self, exc: CommandRejected) -> None:
        self._jammed = True
        log.error("card reader: %s", exc)
        self._emit(EventKind.ERROR, category="jam", action=ErrorAction.CLEAR, code=exc.error,
                      detail=describe_code(exc.error))

    def _motor(self, pm: int, speed: Speed = Speed.MOVE) -> str:
        """Run a MOVE; if its reply is lost, ask STATUS before deciding anything (never a blind resend)."""
        try:
            try:
                reply = self._transact(MOVE, pm, speed=speed, motor=True)
            except ResponseLost:
                st = self._refresh_status()
                if st[:1] == MOVE_TARGET[pm]:
                    log.warning("move %02X: reply lost, but the card is where it should be", pm)
                    return st
                log.warning("move %02X: reply lost and the card did not move; sending it once more", pm)
                reply = self._transact(MOVE, pm, speed=speed, motor=True)
        except CommandRejected as exc:
            self._motor_refused(exc)
            raise
        self._jammed = False
        return reply.status

    def _motor_refused(self, exc: CommandRejected) -> None:
        """Report a refused move; jam and a full bin become their own exception types."""
        if exc.error in ("10", "51", "40"):
            self._mark_jam(exc)
            self._set_status(self._snapshot(self._st[:1], self._st[2:3] == "1"))
            raise CardJammed(str(exc)) from exc
        if exc.error == "A1":
            self._emit(EventKind.ERROR, category="retain_bin", action=ErrorAction.MAINTENANCE,
                          code="A1", detail="retain bin full")
            raise RetainBinFull(str(exc)) from exc
        if exc.error == "45":
            self._emit(EventKind.ERROR, category="user", action=ErrorAction.NONE, code="45",
                          detail="card moved by hand")

    # --- operations (worker thread) -----------------------------------------------------------------
    def _op_accept(self) -> None:
        self._transact(ENTRY, ENTRY_ALLOW)
        self._accepting = True
        st = self._refresh_status()
        if st[:1] == AT_GATE and not self._given_back:
            # pushed against the closed shutter before the visit asked for it: take it in now
            self._motor(MOVE_HOLD)
            self._refresh_status()

    def _op_refuse(self) -> None:
        self._transact(ENTRY, ENTRY_REFUSE)
        self._accepting = False
        self._refresh_status()

    def _op_eject(self) -> None:
        st = self._refresh_status()
        if st[:1] == NO_CARD:
            raise NoCard("no card to eject")
        if st[:1] == INSIDE:
            self._motor(MOVE_EJECT)  # the chip was powered off when the read ended
        self._given_back = True
        self._refresh_status()

    def _op_retain(self, reason: str = "technician request") -> None:
        st = self._refresh_status()
        if st[:1] == NO_CARD:
            raise NoCard("no card to retain")
        self._motor(MOVE_RETAIN)
        self._retained_last = True
        self._gate_since = None
        self._refresh_status()
        log.warning("card retained (%s)", reason)
        self._emit(EventKind.MEDIA_RETAINED, detail=reason)

    def _op_end_visit(self) -> None:
        self._op_refuse()
        if self._st[:1] == INSIDE:
            self._op_eject()

    def _power_off_chip(self) -> None:
        try:
            self._transact(CPU, CPU_POWER_OFF)
        except CommandRejected as exc:
            log.warning("chip power-off refused: %s", exc)

    def _op_read(self) -> hc.CardData:
        if self._st[:1] != INSIDE or self._motor(MOVE_IC)[:1] != INSIDE:  # the move's reply says where it is
            raise NoCard("no card inside the reader")
        try:
            data = self._read_personal_data()
        except InvalidCard as exc:
            log.warning("invalid card: %s", exc)
            self._emit(EventKind.INVALID_MEDIA, code=exc.reason, detail=exc.detail)
            raise
        finally:
            self._power_off_chip()
        return data

    def _apdu(self, apdu: bytes) -> tuple[bytes, bytes]:
        try:
            reply = self._transact(CPU, CPU_APDU, apdu, speed=Speed.CARD_IO)
        except CommandRejected as exc:
            raise InvalidCard("chip_error", describe_code(exc.error)) from exc
        if len(reply.data) < 2:
            raise InvalidCard("chip_error", "APDU reply without status word")
        return reply.data[:-2], reply.data[-2:]

    def _read_personal_data(self) -> hc.CardData:
        try:
            atr = self._transact(CPU, CPU_COLD_RESET, speed=Speed.CARD_IO).data[1:]
        except CommandRejected as exc:
            reason = "no_chip" if exc.error == "60" else "chip_error"
            raise InvalidCard(reason, describe_code(exc.error)) from exc
        for fid in hc.PATH:
            _, sw = self._apdu(hc.select_apdu(fid))
            if sw != hc.SW_OK:
                raise InvalidCard("not_health_card", f"SELECT {fid.hex().upper()} answered {sw.hex().upper()}")
        content = b""
        total: int | None = None
        while total is None or len(content) < total:
            want = hc.CHUNK if total is None else min(hc.CHUNK, total - len(content))
            chunk, sw = self._apdu(hc.read_binary_apdu(len(content), want))
            if sw not in (hc.SW_OK, hc.SW_END_OF_FILE) or not chunk:
                raise InvalidCard("unknown_layout", f"READ BINARY answered {sw.hex().upper()}")
            content += chunk
            if total is None:
                try:
                    total = hc.declared_length(content)
                except hc.CardLayoutError as exc:
                    raise InvalidCard("unknown_layout", str(exc)) from exc
            if sw == hc.SW_END_OF_FILE and len(content) < total:
                raise InvalidCard("unknown_layout", "file shorter than its declared length")
        try:
            return hc.parse_personal_data(content[:total], atr)
        except hc.CardLayoutError as exc:
            raise InvalidCard("unknown_layout", str(exc)) from exc
