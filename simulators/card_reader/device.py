"""A CRT-591-style motorised card reader on a pseudo-terminal, speaking the real framed protocol.

It keeps the physical state (card at the gate, inside, at the IC contacts, in the retain bin), powers the chip of
the inserted virtual card, and can misbehave on demand (fault switches) so that the driver's recovery is tested
over the same bytes a real reader would send. Line speed is emulated from the baud rate the host set on the pty,
so 9600 and 115200 baud differ as they would on RS-232.
"""
from __future__ import annotations

import enum
import logging
import os
import random
import select
import socket
import tempfile
import termios
import threading
import time
import tty
from dataclasses import dataclass

from drivers.card_reader import protocol as p
from simulators.card_reader.cards import CARDS, Chip, VirtualCard

log = logging.getLogger("simulators.card_reader")

FIRMWARE = b"CRT-591-SIM V1.0"
_BAUDS = {getattr(termios, f"B{b}"): b for b in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
          if hasattr(termios, f"B{b}")}


class Position(str, enum.Enum):
    NONE = "none"
    GATE = "gate"
    INSIDE = "inside"
    IC = "ic"


class SimulatorError(Exception):
    """A scripted action the physical device would not allow (two cards, taking a card that is inside)."""


@dataclass
class Faults:
    """Fault switches. Counters are consumed one per occurrence; booleans last until cleared."""
    jam: bool = False                 # every motor command fails with 10 (card jam)
    moved_by_hand: int = 0            # next N motor commands fail with 45, the card ends at the gate
    nak_storm: int = 0                # answer the next N commands with NAK instead of ACK
    missing_ack: int = 0              # execute the next N commands without sending ACK
    corrupt_bcc: int = 0              # send the next N response frames with a wrong BCC
    garbage: int = 0                  # put random bytes on the line before the next N responses
    slow_s: float = 0.0               # extra delay before every response
    silent: bool = False              # ignore everything (powered but dead)
    lose_response: int = 0            # execute the next N commands but never send the response
    target: int = 0                   # if set (a CM, e.g. 0x32 MOVE), the counted faults hit only that command

    NAMES = ("jam", "moved_by_hand", "nak_storm", "missing_ack", "corrupt_bcc", "garbage", "slow_s", "silent",
             "lose_response", "target", "unplugged", "bin_full")


class CardReaderSimulator:
    """``url = sim.start()``; ``sim.insert("mario_rossi")``; ``sim.take()``; ``sim.stop()``.

    ``link_path`` is a stable symlink to the current pty, so an unplug/replug (a new pty) keeps the same URL.
    ``motor_s`` is how long a card move takes; ``retain_capacity`` how many cards the bin holds.
    ``tcp=True`` serves the same bytes on 127.0.0.1 instead (``start()`` returns tcp://127.0.0.1:PORT, the port
    kept across unplug/replug); there is no baud rate to read on a socket, so ``tcp_baud`` sets the line time.
    """

    def __init__(self, *, address: int = 0, motor_s: float = 0.0, retain_capacity: int = 50,
                 link_path: str | None = None, seed: int | None = None, tcp: bool = False,
                 tcp_baud: int = 115200) -> None:
        self.address = address
        self.motor_s = motor_s
        self.retain_capacity = retain_capacity
        self.faults = Faults()
        self.rng = random.Random(seed)
        self._dir = None if link_path else tempfile.mkdtemp(prefix="cardsim-")
        self.link_path = link_path or os.path.join(self._dir, "crt591")
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.tcp, self.tcp_baud = tcp, tcp_baud
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._tcp_port = 0
        self.plugged = False
        # physical and logical state
        self.position = Position.NONE
        self.card: VirtualCard | None = None
        self.retained: list[str] = []
        self.entry_enabled = False
        self.initialised = False
        self.chip_powered = False
        self._selected: tuple[bytes, ...] = ()
        self._last_reply: bytes | None = None
        self._parser = p.FrameParser()
        # counters for tests and benchmarks
        self.frames_in = 0
        self.frames_out = 0
        self.commands: list[tuple[int, int]] = []

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> str:
        """Power on and plug in; returns what the driver opens: the pty path, or tcp://127.0.0.1:PORT."""
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cardsim", daemon=True)
        self._thread.start()
        return f"tcp://127.0.0.1:{self._tcp_port}" if self.tcp else self.link_path

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self._tcp_port}" if self.tcp else f"serial://{self.link_path}"

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2.0)
        self._unplug()
        if self._dir:
            try:
                os.rmdir(self._dir)
            except OSError as exc:
                log.warning("cannot remove %s: %s", self._dir, exc)

    def _plug(self) -> None:
        with self._lock:
            if self.tcp:
                self._plug_tcp()
                return
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            tmp = self.link_path + ".new"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(os.ttyname(self._slave), tmp)
            os.replace(tmp, self.link_path)
            self.plugged = True
            self.initialised = False       # a power cycle: the host must INIT again
            self.entry_enabled = False
            self.chip_powered = False
            self._parser.reset()

    def _plug_tcp(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._tcp_port))
        listener.listen(1)
        self._tcp_port = listener.getsockname()[1]
        self._listener = listener
        self.plugged = True
        self.initialised = False
        self.entry_enabled = False
        self.chip_powered = False
        self._parser.reset()

    def _unplug(self) -> None:
        with self._lock:
            self.plugged = False
            if self.tcp:
                for sock in (self._conn, self._listener):
                    if sock is not None:
                        sock.close()
                self._conn = self._listener = None
                self._master = -1
                return
            for fd in (self._master, self._slave):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError as exc:
                        log.debug("close: %s", exc)
            self._master = self._slave = -1
            if os.path.lexists(self.link_path):
                os.unlink(self.link_path)

    def unplug(self) -> None:
        """Pull the cable: the port disappears."""
        self._unplug()

    def replug(self) -> None:
        """Plug it back (a fresh power-on; the host must INIT)."""
        if not self.plugged:
            self._plug()

    # --- the citizen's hands ---------------------------------------------------------------------------
    def insert(self, name: str) -> None:
        """Push a virtual card into the slot; raises SimulatorError if a card is already there."""
        card = CARDS.get(name)
        if card is None:
            raise SimulatorError(f"unknown card {name!r}; known: {', '.join(CARDS)}")
        with self._lock:
            if self.position is not Position.NONE:
                raise SimulatorError(f"a card is already {self.position.value}")
            self.card = card
            self.position = Position.GATE
            if self.entry_enabled and self.initialised and not self.faults.jam:
                if self.motor_s:  # the rollers take it in a moment later; the caller (maybe a UI) never waits
                    threading.Timer(self.motor_s, self._pull_in, args=(card,)).start()
                else:
                    self.position = Position.INSIDE

    def _pull_in(self, card: VirtualCard) -> None:
        with self._lock:
            if self.card is card and self.position is Position.GATE and self.entry_enabled:
                self.position = Position.INSIDE

    def take(self) -> str:
        with self._lock:
            if self.position is not Position.GATE:
                raise SimulatorError("no card at the gate" if self.position is Position.NONE
                                     else "the card is inside the reader")
            name = self.card.name if self.card else ""
            self.card, self.position = None, Position.NONE
            return name

    def set_fault(self, name: str, value: float | int | bool = True) -> None:
        """Switch a fault: any of Faults.NAMES. ``unplugged`` and ``bin_full`` act at once."""
        if name == "unplugged":
            self.unplug() if value else self.replug()
            return
        if name == "bin_full":
            with self._lock:
                if value:
                    self.retained += ["(filler)"] * max(0, self.retain_capacity - len(self.retained))
                else:
                    self.retained.clear()
            return
        if name not in Faults.NAMES:
            raise SimulatorError(f"unknown fault {name!r}; known: {', '.join(Faults.NAMES)}")
        current = getattr(self.faults, name)
        with self._lock:
            setattr(self.faults, name, type(current)(value))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = Faults()

    @property
    def bin_full(self) -> bool:
        return len(self.retained) >= self.retain_capacity

    # --- the line ----------------------------------------------------------------------------------
    def _baud(self) -> int:
        if self.tcp:
            return self.tcp_baud
        try:
            return _BAUDS.get(termios.tcgetattr(self._slave)[5], 115200)
        except (termios.error, OSError):
            return 115200

    def _wire_delay(self, nbytes: int) -> None:
        """Time the bytes take on an 8N1 line (10 bits a byte)."""
        time.sleep(nbytes * 10 / self._baud())

    def _send(self, data: bytes) -> None:
        if not self.plugged or self._master < 0:
            return
        self._wire_delay(len(data))
        try:
            os.write(self._master, data)
        except OSError as exc:
            log.debug("write failed: %s", exc)

    def _accept(self) -> None:
        """TCP: wait for the host to connect (one host at a time, like a serial cable)."""
        listener = self._listener
        try:
            ready, _, _ = select.select([listener], [], [], 0.05) if listener else ([], [], [])
            if ready and listener is not None:
                conn, _ = listener.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self._lock:
                    self._conn, self._master = conn, conn.fileno()
                    self._parser.reset()
        except OSError as exc:  # unplugged while waiting
            log.debug("accept: %s", exc)
            self._stop.wait(0.02)

    def _hang_up(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._master = None, -1

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.tcp and self.plugged and self._conn is None:
                self._accept()
                continue
            fd = self._master
            if not self.plugged or fd < 0:
                self._stop.wait(0.02)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
                data = os.read(fd, 4096) if ready else b""
            except OSError:  # host side closed or we were unplugged meanwhile
                if self.tcp:
                    self._hang_up()
                self._stop.wait(0.02)
                continue
            if ready and not data and self.tcp:  # the host closed the connection
                self._hang_up()
                continue
            if not data:
                if self._parser.pending:
                    for item in self._parser.expire():
                        self._handle(item)
                continue
            if self.faults.silent:
                continue
            for item in self._parser.feed(data):
                self._handle(item)

    def _handle(self, item: p.Item) -> None:
        if isinstance(item, p.Control):
            if item is p.Control.EOT:
                self._parser.reset()
                self._last_reply = None
                self._send(bytes([p.EOT]))
            elif item is p.Control.NAK and self._last_reply is not None:
                self._transmit(self._last_reply)
            elif item is p.Control.ACK:
                self._last_reply = None
            return
        if isinstance(item, p.Corrupt):
            self._send(bytes([p.NAK]))
            return
        if item.kind is not p.Kind.COMMAND or item.address != self.address:
            return
        self.frames_in += 1
        self._wire_delay(len(item.encode()))
        f = self.faults
        if f.target and item.cm != f.target:
            f = Faults(jam=f.jam, slow_s=f.slow_s)   # counted faults wait for their target command
        with self._lock:
            if f.nak_storm > 0:
                f.nak_storm -= 1
                self._send(bytes([p.NAK]))
                return
            if f.missing_ack > 0:
                f.missing_ack -= 1
            else:
                self._send(bytes([p.ACK]))
            self.commands.append((item.cm, item.pm))
            reply = self._execute(item)
            if f.slow_s:
                time.sleep(f.slow_s)
            if f.lose_response > 0:
                f.lose_response -= 1
                return
            self._last_reply = reply
            self._transmit(reply, f)

    def _transmit(self, reply: bytes, f: Faults | None = None) -> None:
        """Send a response frame (first time or after a NAK), damaged as the faults say."""
        f = f or self.faults
        out = reply
        if f.corrupt_bcc > 0:
            f.corrupt_bcc -= 1
            out = reply[:-1] + bytes([reply[-1] ^ 0x5A])
        if f.garbage > 0:
            f.garbage -= 1
            out = bytes(self.rng.choice([0x00, 0x41, 0xFF, 0x7E, 0x30, 0xF2, 0x99]) for _ in range(12)) + out
        self._send(out)
        self.frames_out += 1

    # --- the device ---------------------------------------------------------------------------------
    def _st(self) -> str:
        st0 = {Position.NONE: "0", Position.GATE: "1", Position.INSIDE: "2", Position.IC: "2"}[self.position]
        return st0 + "0" + ("1" if self.bin_full else "0")

    def _ok(self, cmd: p.Frame, data: bytes = b"") -> bytes:
        return p.positive(self.address, cmd.cm, cmd.pm, self._st(), data)

    def _err(self, cmd: p.Frame, code: str) -> bytes:
        return p.negative(self.address, cmd.cm, cmd.pm, code)

    def _motor(self) -> None:
        if self.motor_s:
            time.sleep(self.motor_s)

    def _move_to(self, target: Position) -> None:
        self._motor()
        self.position = target
        self.chip_powered = False
        self._selected = ()

    def _motor_fault(self, cmd: p.Frame) -> bytes | None:
        if self.faults.jam and self.position is not Position.NONE:
            return self._err(cmd, "10")
        if self.faults.moved_by_hand > 0 and self.position is not Position.NONE:
            self.faults.moved_by_hand -= 1
            self._move_to(Position.GATE)
            return self._err(cmd, "45")
        return None

    def _execute(self, cmd: p.Frame) -> bytes:
        cm, pm = cmd.cm, cmd.pm
        if cm == 0x30:
            if pm not in (0x30, 0x31, 0x33):
                return self._err(cmd, "01")
            self.initialised = True
            self.entry_enabled = False
            if pm != 0x33 and self.position is not Position.NONE:
                fault = self._motor_fault(cmd)
                if fault:
                    return fault
                if pm == 0x30:
                    self._move_to(Position.GATE)
                elif self.bin_full:
                    return self._err(cmd, "A1")
                else:
                    self._retain()
            return self._ok(cmd, FIRMWARE)
        if not self.initialised:
            return self._err(cmd, "B0")
        if cm == 0x31:
            if pm == 0x30:
                return self._ok(cmd)
            if pm == 0x31:
                s = self.position
                sensors = [s is not Position.NONE, s in (Position.INSIDE, Position.IC), s is Position.IC,
                           s is Position.IC, False, self.bin_full, self.entry_enabled]
                return self._ok(cmd, bytes(0x31 if x else 0x30 for x in sensors))
            return self._err(cmd, "01")
        if cm == 0x32:
            return self._move(cmd)
        if cm == 0x33:
            if pm not in (0x30, 0x31):
                return self._err(cmd, "01")
            self.entry_enabled = pm == 0x30
            return self._ok(cmd)
        if cm == 0x51:
            return self._cpu(cmd)
        return self._err(cmd, "00")

    def _retain(self) -> None:
        self._move_to(Position.NONE)
        self.retained.append(self.card.name if self.card else "")
        self.card = None

    def _move(self, cmd: p.Frame) -> bytes:
        pm = cmd.pm
        if pm not in (0x30, 0x31, 0x33, 0x39):
            return self._err(cmd, "01")
        if self.position is Position.NONE:
            return self._ok(cmd)
        fault = self._motor_fault(cmd)
        if fault:
            return fault
        if pm == 0x30:
            self._move_to(Position.INSIDE)
        elif pm == 0x31:
            self._move_to(Position.IC)
        elif pm == 0x33:
            if self.bin_full:
                return self._err(cmd, "A1")
            self._retain()
        elif self.position is not Position.GATE:
            self._move_to(Position.GATE)
        return self._ok(cmd)

    def _cpu(self, cmd: p.Frame) -> bytes:
        pm = cmd.pm
        if pm not in (0x30, 0x31, 0x32, 0x33, 0x34, 0x38, 0x39):
            return self._err(cmd, "01")
        if pm == 0x31:
            self.chip_powered = False
            return self._ok(cmd)
        if self.position is not Position.IC or self.card is None:
            return self._err(cmd, "02")
        card = self.card
        if pm in (0x30, 0x38):
            if card.chip is Chip.NONE:
                return self._err(cmd, "60")
            self.chip_powered = True
            self._selected = ()
            return self._ok(cmd, b"1" + card.atr)
        if pm == 0x32:
            return self._ok(cmd, b"1" if self.chip_powered else b"0")
        if not self.chip_powered:
            return self._err(cmd, "02")
        if card.chip is Chip.MUTE:
            return self._err(cmd, "61")
        return self._ok(cmd, self._apdu(card, cmd.data))

    def _apdu(self, card: VirtualCard, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        ins = apdu[1]
        if ins == 0xA4:
            if len(apdu) < 7 or apdu[4] != 2:
                return b"\x67\x00"
            fid = bytes(apdu[5:7])
            path = self._selected + (fid,) if fid != b"\x3f\x00" else (fid,)
            known = [(b"\x3f\x00",)]
            if card.chip in (Chip.HEALTH, Chip.GARBLED):
                known += [(b"\x3f\x00", b"\x11\x00"), (b"\x3f\x00", b"\x11\x00", b"\x11\x02")]
            if path not in known:
                return b"\x6a\x82"
            self._selected = path
            return b"\x90\x00"
        if ins == 0xB0:
            if len(self._selected) != 3:
                return b"\x69\x86"
            content = card.personal_data()
            offset = (apdu[2] << 8) | apdu[3]
            le = apdu[4] if len(apdu) > 4 else 0
            le = le or 256
            if offset >= len(content):
                return b"\x6b\x00"
            part = content[offset:offset + le]
            return part + (b"\x90\x00" if len(part) == le else b"\x62\x82")
        return b"\x6d\x00"
