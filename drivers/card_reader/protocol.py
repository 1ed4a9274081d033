"""CRT-591 framing: building frames and an incremental parser that resynchronises after line noise.

The parser is pure (bytes in, items out) so the simulator, the driver and the property tests share it.
Inside a frame 06/15/04 are data; outside a frame they are the control bytes ACK/NAK/EOT. A damaged frame is
reported as ``Corrupt`` (so the host can NAK it) and scanning resumes one byte after its STX, so a good frame
hidden behind noise is still found.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

STX, ETX = 0xF2, 0x03
ACK, NAK, EOT = 0x06, 0x15, 0x04
HEAD_COMMAND, HEAD_POSITIVE, HEAD_NEGATIVE, HEAD_NEGATIVE_ALT = 0x43, 0x50, 0x4E, 0x45
#: bytes from LENL to ETX for each head, without DATA
_MIN_LEN = {HEAD_COMMAND: 3, HEAD_POSITIVE: 6, HEAD_NEGATIVE: 5, HEAD_NEGATIVE_ALT: 5}
#: an APDU reply is at most 258 bytes; anything far longer is noise, not a frame
MAX_LEN = 600


class Kind(str, enum.Enum):
    COMMAND = "C"
    POSITIVE = "P"
    NEGATIVE = "N"


class Control(enum.IntEnum):
    ACK = ACK
    NAK = NAK
    EOT = EOT


@dataclass(frozen=True)
class Frame:
    """One decoded frame. ``status`` is ST0ST1ST2 (positive) or E1E0 (negative) as ASCII text."""
    kind: Kind
    address: int
    cm: int
    pm: int
    status: str = ""
    data: bytes = b""

    @property
    def error_code(self) -> str:
        return self.status if self.kind is Kind.NEGATIVE else ""

    def encode(self) -> bytes:
        head = {Kind.COMMAND: HEAD_COMMAND, Kind.POSITIVE: HEAD_POSITIVE, Kind.NEGATIVE: HEAD_NEGATIVE}[self.kind]
        body = bytes([head, self.cm, self.pm]) + self.status.encode("ascii") + self.data
        return frame_bytes(self.address, body)


@dataclass(frozen=True)
class Corrupt:
    """A frame start whose length, ETX or BCC was wrong (the host answers NAK)."""
    reason: str
    raw: bytes


Item = Frame | Control | Corrupt


def bcc(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def frame_bytes(address: int, body: bytes) -> bytes:
    """STX ADDR LENH LENL body ETX BCC, where LEN = len(body)."""
    if not 0 <= address <= 0x0F:
        raise ValueError(f"address {address} is outside 0-15")
    if len(body) > MAX_LEN:
        raise ValueError(f"frame body of {len(body)} bytes is longer than {MAX_LEN}")
    head = bytes([STX, address, len(body) >> 8, len(body) & 0xFF]) + body + bytes([ETX])
    return head + bytes([bcc(head)])


def command(address: int, cm: int, pm: int, data: bytes = b"") -> bytes:
    return Frame(Kind.COMMAND, address, cm, pm, "", data).encode()


def positive(address: int, cm: int, pm: int, st: str, data: bytes = b"") -> bytes:
    if len(st) != 3:
        raise ValueError("positive replies carry three status characters ST0 ST1 ST2")
    return Frame(Kind.POSITIVE, address, cm, pm, st, data).encode()


def negative(address: int, cm: int, pm: int, code: str, data: bytes = b"") -> bytes:
    if len(code) != 2:
        raise ValueError("negative replies carry two error characters E1 E0")
    return Frame(Kind.NEGATIVE, address, cm, pm, code, data).encode()


def _decode(raw: bytes) -> Frame | str:
    """A complete candidate (STX … BCC) → Frame, or the reason it is not one."""
    if bcc(raw[:-1]) != raw[-1]:
        return "bad BCC"
    if raw[-2] != ETX:
        return "no ETX"
    body = raw[4:-2]
    head = body[0]
    if raw[1] > 0x0F:
        return "bad address"
    st_len = {HEAD_COMMAND: 0, HEAD_POSITIVE: 3, HEAD_NEGATIVE: 2, HEAD_NEGATIVE_ALT: 2}[head]
    status = body[3:3 + st_len]
    try:
        text = status.decode("ascii")
    except UnicodeDecodeError:
        return "status not ASCII"
    if not text.isalnum() and st_len:
        return "status not ASCII"
    kind = Kind.COMMAND if head == HEAD_COMMAND else Kind.POSITIVE if head == HEAD_POSITIVE else Kind.NEGATIVE
    return Frame(kind, raw[1], body[1], body[2], text, bytes(body[3 + st_len:]))


_NOT_A_HEADER = ("bad address", "unknown head", "bad LEN")


class FrameParser:
    """Feed bytes as they arrive; get ``Frame``, ``Control`` and ``Corrupt`` items in order.

    ``noise`` counts bytes that were neither frames nor control bytes (for diagnostics).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.noise = 0

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Item]:
        self._buf.extend(data)
        return self._scan(final=False)

    def expire(self) -> list[Item]:
        """The line went quiet: an unfinished frame will never finish. Drop its start and rescan the rest."""
        return self._scan(final=True)

    def reset(self) -> None:
        self._buf.clear()

    def _candidate(self, i: int) -> tuple[str, int, object]:
        """Look at a frame start at i: ('wait', 0, None) | ('bad', 0, reason) | ('ok', end, Frame)."""
        buf = self._buf
        if len(buf) - i < 5:
            return "wait", 0, None
        if buf[i + 1] > 0x0F:
            return "bad", 0, "bad address"
        length = (buf[i + 2] << 8) | buf[i + 3]
        head = buf[i + 4]
        if head not in _MIN_LEN:
            return "bad", 0, "unknown head"
        if length < _MIN_LEN[head] or length > MAX_LEN:
            return "bad", 0, "bad LEN"
        end = i + 4 + length + 2
        if len(buf) < end:
            return "wait", 0, None
        got = _decode(bytes(buf[i:end]))
        if isinstance(got, str):
            return "bad", 0, got
        return "ok", end, got

    def _later_frame(self, start: int) -> int | None:
        """Index of the first complete valid frame after ``start`` (a real frame behind a stuck false start)."""
        j = self._buf.find(bytes([STX]), start + 1)
        while j != -1:
            verdict, _, _ = self._candidate(j)
            if verdict == "ok":
                return j
            j = self._buf.find(bytes([STX]), j + 1)
        return None

    def _scan(self, final: bool) -> list[Item]:
        out: list[Item] = []
        buf = self._buf
        i = 0
        while i < len(buf):
            b = buf[i]
            if b == STX:
                verdict, end, value = self._candidate(i)
                if verdict == "ok":
                    out.append(value)  # type: ignore[arg-type]
                    i = end
                    continue
                if verdict == "bad":
                    if value not in _NOT_A_HEADER:  # a plausible frame got damaged: worth a NAK
                        out.append(Corrupt(str(value), bytes(buf[i:i + 8])))
                    self.noise += 1
                    i += 1
                    continue
                later = self._later_frame(i)
                if later is not None:
                    out.append(Corrupt("unfinished frame", bytes(buf[i:later])))
                    self.noise += later - i
                    i = later
                    continue
                if final:
                    out.append(Corrupt("unfinished frame", bytes(buf[i:i + 8])))
                    self.noise += 1
                    i += 1
                    continue
                break
            if b in (ACK, NAK, EOT):
                out.append(Control(b))
            else:
                self.noise += 1
            i += 1
        del buf[:i]
        return out
