"""ESC/POS byte interpreter: commands in, paper and status replies out.

Streaming: bytes arrive in any split; an incomplete command waits for more. While the printer cannot print
(paper out, cover open, offline, error) the rest of the data is held, as a real printer's receive buffer holds it,
and only real-time commands (DLE EOT/ENQ/DC4) are picked out of the incoming bytes and executed at once.
Unknown commands are logged and marked on the paper, never dropped silently.
"""
from __future__ import annotations

import logging
from typing import Protocol

from PIL import Image

from simulators.printer.paper import CharStyle, Paper

log = logging.getLogger("simulators.printer")

#: Epson character code tables (ESC t n)
CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737",
             15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858"}
QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
BARCODE_KINDS = {65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
                 72: "CODE93", 73: "CODE128", 0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39",
                 5: "ITF", 6: "CODABAR"}


class NeedMore(Exception):
    """The buffer ends inside a command."""


class PrinterHost(Protocol):
    def can_print(self) -> bool: ...

    def realtime_status(self, n: int) -> None: ...

    def realtime_recover(self, n: int) -> None: ...

    def clear_buffers(self) -> None: ...

    def line_printed(self, count: int) -> None: ...

    def receipt_cut(self) -> None: ...


class EscPosInterpreter:
    def __init__(self, paper: Paper, host: PrinterHost) -> None:
        self.paper = paper
        self.host = host
        self.buf = bytearray()
        self._rt_carry = bytearray()
        self.job_bytes: int | None = None   # bytes since the last ESC @ (for "disconnect mid-job")
        self.asb_enabled = 0
        self.reset()

    def reset(self) -> None:
        self.codepage = 0
        self.bold = self.underline = self.invert = self.font_b = False
        self.width = self.height = 1
        self.align = "left"
        self.pitch = 30
        self.bc_height, self.bc_width, self.bc_hri = 162, 3, 0
        self.qr_module, self.qr_ec, self.qr_data = 3, "L", b""

    def style(self) -> CharStyle:
        return CharStyle(self.bold, self.underline, self.invert, self.width, self.height, self.font_b)

    # --- feeding -------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        if self.host.can_print():
            self.buf += data
            self.run()
        else:
            self.buf += self._take_realtime(data)

    def run(self) -> None:
        """Process as much of the buffer as the printer's state allows."""
        while self.buf:
            if not self.host.can_print():
                held, self.buf = bytes(self.buf), bytearray()
                self.buf += self._take_realtime(held)
                return
            try:
                n = self._step()
            except NeedMore:
                return
            del self.buf[:n]
            if self.job_bytes is not None:
                self.job_bytes += n

    def clear(self) -> None:
        """DLE DC4 8 / DLE ENQ 2: the receive and print buffers are emptied."""
        self.buf.clear()
        self._rt_carry.clear()
        self.paper.discard_line()

    def _take_realtime(self, data: bytes) -> bytes:
        """Execute real-time commands found in held data; return the data without them."""
        data = bytes(self._rt_carry) + data
        self._rt_carry.clear()
        out = bytearray()
        i = 0
        while i < len(data):
            if data[i] != 0x10:
                out.append(data[i])
                i += 1
                continue
            rest = data[i:]
            if len(rest) < 3 or (rest[1] == 0x14 and len(rest) < 3):
                self._rt_carry += rest
                break
            if rest[1] == 0x04:
                self.host.realtime_status(rest[2])
                i += 3
            elif rest[1] == 0x05:
                self.host.realtime_recover(rest[2])
                i += 3
            elif rest[1] == 0x14 and rest[2] == 0x08:
                if len(rest) < 10:
                    self._rt_carry += rest
                    break
                self.host.clear_buffers()
                out.clear()  # everything received before it is gone too
                i += 10
            else:
                out.append(data[i])
                i += 1
        return bytes(out)

    # --- one command ---------------------------------------------------------------------------------
    def _need(self, n: int) -> None:
        if len(self.buf) < n:
            raise NeedMore

    def _unknown(self, what: str, consumed: int) -> int:
        log.warning("printer simulator: unknown command %s", what)
        self.paper.mark_unknown(what, self.style())
        return consumed

    def _step(self) -> int:
        b = self.buf[0]
        if b >= 0x20 and b != 0x7F:
            end = 1
            while end < len(self.buf) and self.buf[end] >= 0x20 and self.buf[end] != 0x7F:
                end += 1
            enc = CODEPAGES.get(self.codepage, "cp437")
            self.paper.add_text(bytes(self.buf[:end]).decode(enc, errors="replace"), self.style())
            return end
        if b == 0x0A:
            self.paper.line_feed(self.align, self.pitch)
            self.host.line_printed(1)
            return 1
        if b == 0x0D:
            return 1
        if b == 0x09:
            used = sum(len(t) for t, _ in self.paper.segments)
            self.paper.add_text(" " * (8 - used % 8), self.style())
            return 1
        if b == 0x10:
            return self._dle()
        if b == 0x1B:
            return self._esc()
        if b == 0x1D:
            return self._gs()
        if b == 0x1C:
            self._need(2)
            return self._unknown(f"FS {self.buf[1]:02X}", 2)
        return self._unknown(f"{b:02X}", 1)

    def _dle(self) -> int:
        self._need(3)
        c, n = self.buf[1], self.buf[2]
        if c == 0x04:
            self.host.realtime_status(n)
            return 3
        if c == 0x05:
            self.host.realtime_recover(n)
            return 3
        if c == 0x14:
            if n == 0x08:
                self._need(10)
                self.paper.discard_line()
                return 10
            if n == 0x01:
                self._need(5)
                return 5  # drawer kick pulse: nothing to draw
        return self._unknown(f"DLE {c:02X} {n:02X}", 3)

    def _esc(self) -> int:
        self._need(2)
        c = chr(self.buf[1])
        if c == "@":
            self.paper.flush_pending()
            self.reset()
            self.job_bytes = 0
            return 2
        if c in "tE-a!MG{dJ3RVUr=" :
            self._need(3)
            n = self.buf[2]
            if c == "t":
                if n not in CODEPAGES:
                    log.warning("printer simulator: code page table %d not known, printing as CP437", n)
                self.codepage = n
            elif c in "EG":
                self.bold = bool(n & 1)
            elif c == "-":
                self.underline = bool(n & 3)
            elif c == "a":
                self.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(
                    n, "left")
            elif c == "!":
                self.font_b, self.bold, self.underline = bool(n & 1), bool(n & 8), bool(n & 0x80)
                self.height, self.width = (2 if n & 0x10 else 1), (2 if n & 0x20 else 1)
            elif c == "M":
                self.font_b = n in (1, 49)
            elif c == "d":  # print the pending line, then feed n lines
                if self.paper.segments:
                    self.paper.line_feed(self.align, self.pitch)
                self.paper.feed_dots(n * self.pitch)
                self.host.line_printed(n)
            elif c == "J":
                self.paper.flush_pending()
                self.paper.feed_dots(n)
            elif c == "3":
                self.pitch = max(n, 1)
            return 3  # ESC { (upside down), R (charset), V (rotate), U, r, = are accepted without drawing
        if c == "2":
            self.pitch = 30
            return 2
        if c in "im":
            self._cut()
            return 2
        if c == "p":
            self._need(5)
            return 5
        return self._unknown(f"ESC {c if c.isprintable() else hex(ord(c))}", 2)

    def _gs(self) -> int:
        self._need(2)
        c = chr(self.buf[1])
        if c in "!BbhwfHa":
            self._need(3)
            n = self.buf[2]
            if c == "!":
                self.width, self.height = (n >> 4) + 1, (n & 0x0F) + 1
            elif c == "B":
                self.invert = bool(n & 1)
            elif c == "h":
                self.bc_height = max(1, n)
            elif c == "w":
                self.bc_width = min(max(1, n), 6)
            elif c == "H":
                self.bc_hri = n & 3 if n < 48 else (n - 48) & 3
            elif c == "a":
                self.asb_enabled = n
            return 3
        if c == "V":
            self._need(3)
            m = self.buf[2]
            size = 4 if m in (65, 66, 97, 98, 103, 104) else 3
            self._need(size)
            self._cut()
            return size
        if c in "LW":
            self._need(4)
            return 4
        if c == "k":
            return self._barcode()
        if c == "(":
            self._need(5)
            fn, length = chr(self.buf[2]), self.buf[3] | (self.buf[4] << 8)
            self._need(5 + length)
            body = bytes(self.buf[5:5 + length])
            if fn == "k":
                self._qr(body)
            else:
                self._unknown(f"GS ( {fn} ({length} bytes)", 0)
            return 5 + length
        if c == "v":
            self._need(8)
            if self.buf[2] not in (0x30,):
                return self._unknown(f"GS v {self.buf[2]:02X}", 3)
            m = self.buf[3]
            wbytes = self.buf[4] | (self.buf[5] << 8)
            rows = self.buf[6] | (self.buf[7] << 8)
            total = 8 + wbytes * rows
            self._need(total)
            data = bytes(self.buf[8:total]).translate(_INVERT)
            img = Image.frombytes("1", (wbytes * 8, rows), data) if rows and wbytes else None
            if img is not None:
                if m & 1 or m in (49, 51):
                    img = img.resize((img.width * 2, img.height))
                if m & 2 or m in (50, 51):
                    img = img.resize((img.width, img.height * 2))
                self.paper.add_image(img, self.align)
                self.host.line_printed(1)
            return total
        return self._unknown(f"GS {c if c.isprintable() else hex(ord(c))}", 2)

    def _qr(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:
            self._unknown(f"GS ( k cn={body[0] if body else '-'}", 0)
            return
        fn, args = body[1], body[2:]
        if fn == 65:      # model
            return
        if fn == 67 and args:
            self.qr_module = min(max(args[0], 1), 16)
        elif fn == 69 and args:
            self.qr_ec = QR_EC.get(args[0], "L")
        elif fn == 80:
            self.qr_data = args[1:]  # m=48, then the data
        elif fn == 81:
            if self.qr_data:
                self.paper.add_qr(self.qr_data.decode("utf-8", errors="replace"), self.qr_module, self.qr_ec,
                                  self.align)
                self.host.line_printed(1)
        else:
            self._unknown(f"GS ( k fn={fn}", 0)

    def _barcode(self) -> int:
        self._need(3)
        m = self.buf[2]
        if m <= 6:
            end = self.buf.find(b"\x00", 3)
            if end < 0:
                raise NeedMore
            data, size = bytes(self.buf[3:end]), end + 1
        else:
            self._need(4)
            n = self.buf[3]
            self._need(4 + n)
            data, size = bytes(self.buf[4:4 + n]), 4 + n
        kind = BARCODE_KINDS.get(m)
        if kind is None:
            return self._unknown(f"GS k {m}", size)
        text = _code128_text(data) if kind == "CODE128" else data.decode("ascii", errors="replace")
        modules = _barcode_modules(kind, text)
        if modules is None:
            return self._unknown(f"barcode {kind} {text!r}", size)
        self.paper.add_barcode(kind, text, modules, self.bc_width, self.bc_height, self.bc_hri in (2, 3),
                               self.align)
        self.host.line_printed(1)
        return size

    def _cut(self) -> None:
        self.host.receipt_cut()


_INVERT = bytes(255 - i for i in range(256))


def _code128_text(data: bytes) -> str:
    """The characters a Code 128 command encodes: '{A'/'{B'/'{C' select sets; in set C each byte is two digits."""
    out, i, code_c = [], 0, False
    while i < len(data):
        if data[i] == 0x7B and i + 1 < len(data):  # '{'
            sel = chr(data[i + 1])
            if sel in "AB":
                code_c = False
            elif sel == "C":
                code_c = True
            elif sel == "{":
                out.append("{")
            i += 2
            continue
        out.append(f"{data[i]:02d}" if code_c else chr(data[i]))
        i += 1
    return "".join(out)


def _barcode_modules(kind: str, text: str) -> str | None:
    """Bar pattern ('1' = bar) from python-barcode, so the PNG scans like the real print."""
    import barcode
    name = {"CODE128": "code128", "CODE39": "code39", "EAN13": "ean13", "EAN8": "ean8", "UPC-A": "upca"}.get(kind)
    if name is None:
        return None
    try:
        kwargs = {"add_checksum": False} if name == "code39" else {}
        return "".join(barcode.get(name, text, **kwargs).build())
    except Exception as exc:  # python-barcode raises several types for bad data
        log.warning("printer simulator: cannot draw %s %r: %s", kind, text, exc)
        return None
