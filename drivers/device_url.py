"""Device addresses as URLs, so pointing the kiosk at a simulator or at real hardware is a setting, not code.

    serial:///dev/ttyUSB0?baudrate=115200   a serial port (a pty path works the same)
    /dev/pts/7                               bare path = serial with defaults
    tcp://127.0.0.1:9100                     raw TCP (network printers, simulators)
    usb://04b8:0e15                          USB vendor:product
    v4l2:///dev/video0  or  v4l2://0         a camera device path or index
    file:///tmp/out.bin                      a file (dumps, recorded input)
    sim://camera?scenario=compliant          an in-process simulator
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

SCHEMES = ("serial", "tcp", "usb", "v4l2", "file", "sim", "rtsp", "http", "https")


class DeviceUrlError(ValueError):
    """The URL cannot name a device; the message says why."""


@dataclass(frozen=True)
class DeviceUrl:
    scheme: str
    host: str = ""
    port: int | None = None
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name, default)

    def int_param(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise DeviceUrlError(f"{self.raw!r}: parameter {name}={value!r} is not a whole number") from None


def parse_device_url(text: str) -> DeviceUrl:
    if not isinstance(text, str) or not text.strip():
        raise DeviceUrlError("empty device URL")
    text = text.strip()
    if text.startswith("/"):
        return DeviceUrl(scheme="serial", path=text, raw=text)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise DeviceUrlError(f"{text!r}: unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == "usb":
        ids = parts.netloc.split(":")
        if len(ids) != 2 or not all(len(i) == 4 for i in ids):
            raise DeviceUrlError(f"{text!r}: usb needs VID:PID in hex, e.g. usb://04b8:0e15")
        try:
            int(ids[0], 16), int(ids[1], 16)
        except ValueError:
            raise DeviceUrlError(f"{text!r}: usb VID:PID must be hexadecimal") from None
        return DeviceUrl(scheme, host=parts.netloc, params=params, raw=text)
    try:
        port = parts.port
    except ValueError:
        raise DeviceUrlError(f"{text!r}: port is not a number 0-65535") from None
    host = parts.hostname or ""
    if scheme == "tcp" and (not host or port is None):
        raise DeviceUrlError(f"{text!r}: tcp needs host:port, e.g. tcp://127.0.0.1:9100")
    if scheme == "serial" and not parts.path:
        raise DeviceUrlError(f"{text!r}: serial needs a device path, e.g. serial:///dev/ttyUSB0")
    path = parts.path or (parts.netloc if scheme in ("v4l2", "sim") else "")
    if scheme == "sim":
        host, path = parts.netloc, parts.path
    return DeviceUrl(scheme, host=host, port=port, path=path, params=params, raw=text)
