"""Byte pipes to a printer, chosen by URL: serial (or a pty path), raw TCP, USB, or a file for dumps.

Every transport has the same four calls. ``read`` never blocks past its deadline; a lost link raises
``PrinterLinkLost`` (the poller then reconnects with backoff). A file has no way back: ``has_status`` is False.
"""
from __future__ import annotations

import abc
import logging
import select
import socket
import time
from typing import Protocol

from drivers.device import DeviceError
from drivers.device_url import DeviceUrl, DeviceUrlError, parse_device_url

log = logging.getLogger("kiosk.printer")


class PrinterLinkLost(DeviceError):
    code = "link_lost"


class PrinterUnsupported(DeviceError):
    code = "unsupported"


class Transport(Protocol):
    has_status: bool

    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes: ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


class _SelectTransport(abc.ABC):
    """Reading shared by the byte-stream links (TCP, serial/pty): wait with select, then read what is there.
    Readable but empty means the other end is gone (socket closed, pty closed, adapter unplugged)."""
    has_status = True

    @abc.abstractmethod
    def _fileno(self) -> int: ...

    @abc.abstractmethod
    def _receive(self) -> bytes: ...

    def read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self._fileno()], [], [], max(0.0, timeout))
            if not ready:
                return b""
            data = self._receive()
        except (OSError, ValueError) as exc:
            raise PrinterLinkLost(f"read failed: {exc}") from exc
        if not data:
            raise PrinterLinkLost("the printer closed the link")
        return data

    def discard_input(self) -> None:
        while self.read(0.0):
            pass


class TcpTransport(_SelectTransport):

    def __init__(self, host: str, port: int, connect_timeout: float = 3.0, write_timeout: float = 30.0) -> None:
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise PrinterLinkLost(f"cannot connect to {host}:{port}: {exc}") from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(write_timeout)

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise PrinterLinkLost(f"send failed: {exc}") from exc

    def _fileno(self) -> int:
        return self.sock.fileno()

    def _receive(self) -> bytes:
        return self.sock.recv(256)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError as exc:
            log.debug("closing printer socket: %s", exc)


class SerialTransport(_SelectTransport):

    def __init__(self, path: str, baudrate: int = 115200, rtscts: bool = False, write_timeout: float = 30.0):
        import serial  # pyserial
        self._serial_mod = serial
        try:
            self.port = serial.Serial(path, baudrate=baudrate, timeout=0, write_timeout=write_timeout,
                                      rtscts=rtscts)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterLinkLost(f"cannot open {path}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (self._serial_mod.SerialException, OSError) as exc:
            raise PrinterLinkLost(f"serial write failed: {exc}") from exc

    def _fileno(self) -> int:
        return self.port.fileno()

    def _receive(self) -> bytes:
        try:
            return self.port.read(256)
        except self._serial_mod.SerialException as exc:
            raise OSError(str(exc)) from exc

    def close(self) -> None:
        try:
            self.port.close()
        except (self._serial_mod.SerialException, OSError) as exc:
            log.debug("closing printer port: %s", exc)


class UsbTransport:
    """USB printer class device through python-escpos (needs pyusb and permission on the device)."""
    has_status = True

    def __init__(self, vid: int, pid: int) -> None:
        try:
            from escpos.printer import Usb
            self.dev = Usb(vid, pid)
            self.dev.open()
        except Exception as exc:  # pyusb raises many unrelated types; all mean "no printer here"
            raise PrinterLinkLost(f"cannot open USB printer {vid:04x}:{pid:04x}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self.dev._raw(data)
        except Exception as exc:
            raise PrinterLinkLost(f"USB write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            try:
                data = bytes(self.dev._read())
            except Exception as exc:
                raise PrinterLinkLost(f"USB read failed: {exc}") from exc
            if data or time.monotonic() >= deadline:
                return data

    def discard_input(self) -> None:
        self.read(0.0)

    def close(self) -> None:
        try:
            self.dev.close()
        except Exception as exc:
            log.debug("closing USB printer: %s", exc)


class FileTransport:
    """Appends the job bytes to a file (dumps for support). No status can come back."""
    has_status = False

    def __init__(self, path: str) -> None:
        try:
            self.fh = open(path, "ab")
        except OSError as exc:
            raise PrinterLinkLost(f"cannot open {path}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self.fh.write(data)
            self.fh.flush()
        except OSError as exc:
            raise PrinterLinkLost(f"cannot write the dump: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        return b""

    def discard_input(self) -> None:
        return None

    def close(self) -> None:
        self.fh.close()


def open_transport(url: str | DeviceUrl) -> Transport:
    u = parse_device_url(url) if isinstance(url, str) else url
    if u.scheme == "tcp":
        return TcpTransport(u.host, int(u.port or 9100))
    if u.scheme == "serial":
        return SerialTransport(u.path, baudrate=u.int_param("baudrate", 115200),
                               rtscts=u.param("rtscts", "0") in ("1", "true", "yes"))
    if u.scheme == "usb":
        vid, pid = (int(x, 16) for x in u.host.split(":"))
        return UsbTransport(vid, pid)
    if u.scheme == "file":
        return FileTransport(u.path)
    raise DeviceUrlError(f"{u.raw!r}: a printer needs serial://, tcp://, usb:// or file://, not {u.scheme}://")
