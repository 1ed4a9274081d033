"""A virtual ESC/POS receipt printer on TCP (like a network printer's port 9100) and on a pseudo-terminal.

    sim = PrinterSimulator(out_dir, port=0)      # 0 = any free port
    url = sim.start()                             # "tcp://127.0.0.1:PORT" (or serial://<pty link> if port=None)
    sim.set_faults(cover_open=True) … sim.refill() … sim.unplug() / sim.replug()
    sim.wait_for_receipts(1, timeout=5)[0].text / .qr_payloads / .png_path
    sim.stop()

It speaks the real bytes: status replies follow the DLE EOT bit patterns of shared/specs/escpos-status.md, held
data is printed when a fault clears unless the host clears the buffers, and a baud-rate limit paces the bytes.
"""
from __future__ import annotations

import logging
import os
import random
import select
import socket
import tempfile
import threading
import time
import tty
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Callable

from simulators.printer.interpreter import EscPosInterpreter
from simulators.printer.paper import Paper, PrintedReceipt

log = logging.getLogger("simulators.printer")

PAPER_DOTS = {48: 576, 42: 512, 32: 384}


@dataclass(frozen=True)
class Faults:
    """Fault switches. ``paper_out_after_lines`` counts from when it is set; ``disconnect_after_bytes`` counts
    bytes of the next job (from its ESC @) and fires once."""
    near_end: bool = False
    paper_out: bool = False
    paper_out_after_lines: int | None = None
    cover_open: bool = False
    offline: bool = False
    unrecoverable: bool = False
    cutter_error: bool = False
    head_hot: bool = False
    baud: int | None = None
    reply_noise: bool = False
    silent: bool = False
    disconnect_after_bytes: int | None = None


FAULT_NAMES = tuple(f.name for f in fields(Faults))


class _Link:
    """One connected host (a TCP client or the pty): where replies go, and how to hang up."""

    def __init__(self, send: Callable[[bytes], None], hang_up: Callable[[], None]) -> None:
        self.send = send
        self.hang_up = hang_up
        self.next_free = 0.0


class PrinterSimulator:
    def __init__(self, out_dir: str | os.PathLike | None = None, *, port: int | None = 9100,
                 host: str = "127.0.0.1", pty: bool = False, columns: int = 48,
                 faults: Faults | None = None, seed: int = 0) -> None:
        if columns not in PAPER_DOTS:
            raise ValueError(f"columns must be one of {sorted(PAPER_DOTS)}, found {columns}")
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.port = port
        self.host = host
        self.use_pty = pty or port is None
        self.faults = faults or Faults()
        self.receipts: list[PrintedReceipt] = []
        self.unknown_commands: list[str] = []
        self.bytes_received = 0
        self.status_queries = 0
        self._lines_left = self.faults.paper_out_after_lines
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._paper = Paper(PAPER_DOTS[columns], self.out_dir)
        self._interp = EscPosInterpreter(self._paper, self)
        self._link: _Link | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._pty: tuple[int, int] | None = None
        self._pty_dir = Path(tempfile.mkdtemp(prefix="printer-sim-")) if self.use_pty else None
        self.pty_link = self._pty_dir / "printer.tty" if self._pty_dir else None
        self.tcp_url: str | None = None
        self.pty_url: str | None = None
        self.plugged = False

    # --- life cycle ----------------------------------------------------------------------------------
    def start(self) -> str:
        """Start listening; returns the URL for the driver (TCP if a port was given, else the pty)."""
        self._stop.clear()
        self.replug()
        return self.tcp_url if self.port is not None else self.pty_url

    def stop(self) -> None:
        self._stop.set()
        self.unplug()
        for t in self._threads:
            t.join(2.0)
        self._threads.clear()
        if self._pty_dir and self._pty_dir.exists():
            if self.pty_link and self.pty_link.is_symlink():
                self.pty_link.unlink()
            self._pty_dir.rmdir()

    def unplug(self) -> None:
        """Pull the cable: listeners and connections close; the pty disappears."""
        with self._lock:
            self.plugged = False
            self._hold_torn_paper()
            self._interp.clear()
            server, self._server = self._server, None
            conns, self._conns = list(self._conns), []
            pty, self._pty = self._pty, None
            self._link = None
        if server is not None:
            server.close()
        for c in conns:
            _close_socket(c)
        if pty is not None:
            for fd in pty:
                _close_fd(fd)
            if self.pty_link and self.pty_link.is_symlink():
                self.pty_link.unlink()

    def replug(self) -> None:
        """Plug the cable back in (same port, same pty link path)."""
        with self._lock:
            if self.plugged:
                return
            self.plugged = True
        if self.port is not None:
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((self.host, self.port))
            srv.listen(4)
            srv.settimeout(0.2)
            self.port = srv.getsockname()[1]
            self.tcp_url = f"tcp://{self.host}:{self.port}"
            self._server = srv
            self._spawn(self._accept_loop, srv)
        if self.use_pty:
            master, slave = os.openpty()
            tty.setraw(master)
            tty.setraw(slave)
            tmp = self._pty_dir / "printer.tty.new"
            if tmp.is_symlink():
                tmp.unlink()
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self.pty_link)
            self._pty = (master, slave)
            self.pty_url = f"serial://{self.pty_link}?baudrate=115200"
            self._spawn(self._pty_loop, master)

    def _spawn(self, target: Callable, *args) -> None:
        t = threading.Thread(target=target, args=args, name=f"printer-sim-{target.__name__}", daemon=True)
        self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    # --- faults --------------------------------------------------------------------------------------
    def set_faults(self, **switches) -> None:
        """Change fault switches by name (see ``Faults``); held data prints if nothing blocks any more."""
        unknown = set(switches) - set(FAULT_NAMES)
        if unknown:
            raise ValueError(f"unknown fault switch(es): {', '.join(sorted(unknown))}")
        with self._lock:
            self.faults = replace(self.faults, **switches)
            if "paper_out_after_lines" in switches:
                self._lines_left = switches["paper_out_after_lines"]
            if "disconnect_after_bytes" in switches:
                self._interp.job_bytes = None
            log.info("printer simulator: faults %s", self._active_faults())
            self._interp.run()
            self._changed.notify_all()

    def refill(self) -> None:
        """A technician loads a new roll and closes the cover."""
        self.set_faults(paper_out=False, near_end=False, paper_out_after_lines=None, cover_open=False)

    def _active_faults(self) -> dict:
        return {k: v for k, v in vars(self.faults).items() if v not in (None, False)}

    # --- what was printed ----------------------------------------------------------------------------
    def wait_for_receipts(self, count: int, timeout: float) -> list[PrintedReceipt]:
        """At least ``count`` pieces of paper (complete or torn), or TimeoutError."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.receipts) >= count, timeout):
                raise TimeoutError(f"{len(self.receipts)} receipt(s) printed, expected {count}")
            return list(self.receipts)

    def wait_until(self, predicate: Callable[["PrinterSimulator"], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    # --- PrinterHost (called by the interpreter with the lock held) --------------------------------------
    def can_print(self) -> bool:
        f = self.faults
        return not (f.paper_out or f.cover_open or f.offline or f.unrecoverable or f.cutter_error or f.head_hot)

    def status_byte(self, n: int) -> int | None:
        f = self.faults
        blocked = not self.can_print()
        if n == 1:
            return 0x12 | (0x08 if blocked else 0)
        if n == 2:
            return 0x12 | (0x04 if f.cover_open else 0) | (0x20 if f.paper_out else 0) | (
                0x40 if (f.unrecoverable or f.cutter_error or f.head_hot) else 0)
        if n == 3:
            return 0x12 | (0x08 if f.cutter_error else 0) | (0x20 if f.unrecoverable else 0) | (
                0x40 if f.head_hot else 0)
        if n == 4:
            return 0x12 | (0x0C if (f.near_end or f.paper_out) else 0) | (0x60 if f.paper_out else 0)
        return None

    def realtime_status(self, n: int) -> None:
        self.status_queries += 1
        value = self.status_byte(n)
        if value is None:
            self.unknown_commands.append(f"DLE EOT {n}")
            log.warning("printer simulator: DLE EOT %d is not a status request", n)
            return
        if self.faults.silent or self._link is None:
            return
        reply = bytes([value])
        if self.faults.reply_noise:
            reply = self._noise() + reply
        self._link.send(reply)

    def _noise(self) -> bytes:
        """Line noise and an Automatic Status Back frame: nothing a correct parser may take for a reply."""
        noise = bytes(b for b in (self._rng.randrange(256) for _ in range(self._rng.randint(1, 6)))
                      if (b & 0x93) != 0x12)
        asb = bytes([0x10 | 0x08, 0x00, 0x00, 0x0F])  # 0xx1xx00 then 0xx0xxxx ×3
        return noise + asb

    def realtime_recover(self, n: int) -> None:
        if n in (1, 2):
            if n == 2:
                self.clear_buffers()
            self.faults = replace(self.faults, cutter_error=False)
            log.info("printer simulator: recovered from a recoverable error (DLE ENQ %d)", n)
        else:
            self.unknown_commands.append(f"DLE ENQ {n}")

    def clear_buffers(self) -> None:
        self._interp.clear()
        log.info("printer simulator: receive and print buffers cleared")

    def line_printed(self, count: int) -> None:
        if self._lines_left is None:
            return
        self._lines_left -= count
        if self._lines_left <= 0:
            self._lines_left = None
            self.faults = replace(self.faults, paper_out=True, paper_out_after_lines=None)
            log.info("printer simulator: paper ran out")
            self._hold_torn_paper()

    def receipt_cut(self) -> None:
        self._finish_paper(complete=True)

    def _hold_torn_paper(self) -> None:
        """What was printed before a fault is torn off as an incomplete receipt."""
        self._finish_paper(complete=False)

    def _finish_paper(self, complete: bool) -> None:
        receipt = self._paper.cut(complete=complete)
        if receipt is not None:
            self.unknown_commands += receipt.unknown_commands
            self.receipts.append(receipt)
            log.info("printer simulator: %s receipt %d (%d lines)%s", "cut" if complete else "torn",
                     receipt.index, len(receipt.lines), f" → {receipt.png_path}" if receipt.png_path else "")
            self._changed.notify_all()

    # --- receiving -----------------------------------------------------------------------------------
    def _receive(self, data: bytes, link: _Link) -> bool:
        """Feed bytes from a link; False when the link must hang up (disconnect fault)."""
        with self._lock:
            self._link = link
            self.bytes_received += len(data)
            limit = self.faults.disconnect_after_bytes
            if limit is None:
                self._interp.feed(data)
                self._changed.notify_all()
                return True
            for i in range(0, len(data), 16):
                self._interp.feed(data[i:i + 16])
                if self._interp.job_bytes is not None and self._interp.job_bytes >= limit:
                    log.info("printer simulator: disconnecting mid-job after %d bytes", self._interp.job_bytes)
                    self.faults = replace(self.faults, disconnect_after_bytes=None)
                    self._hold_torn_paper()
                    self._interp.clear()
                    self._interp.job_bytes = None
                    return False
            self._changed.notify_all()
            return True

    def _pace(self, link: _Link, n: int) -> None:
        """Hold bytes to the configured baud rate (10 bits a byte on an 8N1 line)."""
        baud = self.faults.baud
        if not baud:
            return
        now = time.monotonic()
        if now - link.next_free > 0.05:
            link.next_free = now  # the line was idle; a short stall of our own processing is not idle time
        link.next_free += n * 10 / baud
        delay = link.next_free - now
        if delay > 0:
            time.sleep(delay)  # a simulator thread standing in for the wire, not a test waiting

    def _chunk(self) -> int:
        return 64 if self.faults.baud else 4096

    def _accept_loop(self, srv: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return  # listener closed (unplug/stop)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if not self.plugged:
                    _close_socket(conn)
                    return
                self._conns.append(conn)
            self._spawn(self._conn_loop, conn)

    def _conn_loop(self, conn: socket.socket) -> None:
        def send(data: bytes) -> None:
            try:
                conn.sendall(data)
            except OSError as exc:
                log.debug("printer simulator: reply lost: %s", exc)

        link = _Link(send, lambda: _close_socket(conn))
        try:
            while not self._stop.is_set():
                try:
                    ready, _, _ = select.select([conn], [], [], 0.2)
                    if not ready:
                        continue
                    data = conn.recv(self._chunk())
                except (OSError, ValueError):
                    break
                if not data:
                    break
                self._pace(link, len(data))
                if not self._receive(data, link):
                    break
        finally:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
                if self._link is link:
                    self._link = None
            _close_socket(conn)

    def _pty_loop(self, master: int) -> None:
        def send(data: bytes) -> None:
            try:
                os.write(master, data)
            except OSError as exc:
                log.debug("printer simulator: reply lost: %s", exc)

        link = _Link(send, self.unplug)
        while not self._stop.is_set():
            with self._lock:
                if self._pty is None or self._pty[0] != master:
                    return
            try:
                ready, _, _ = select.select([master], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(master, self._chunk())
            except (OSError, ValueError):
                return
            if not data:
                continue
            self._pace(link, len(data))
            if not self._receive(data, link):
                # a serial cable pulled mid-job: the port vanishes, then comes back
                self.unplug()
                self.replug()
                return


def _close_socket(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        log.debug("socket already shut")
    try:
        s.close()
    except OSError:
        log.debug("socket already closed")


def _close_fd(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        log.debug("fd %d already closed", fd)
