"""DLE EOT real-time status: pick valid reply bytes out of a noisy line and map them to the device vocabulary.

python-escpos 3.1 reports "paper OK" when the printer does not answer, so the kiosk reads status itself
(shared/specs/escpos-status.md). A reply byte is valid only if it matches 0xx1xx10; anything else (line noise,
Automatic Status Back frames 0xx1xx00 + 3 × 0xx0xxxx) is discarded, never interpreted. A missing reply is
"offline / unknown", never "ok".
"""
from __future__ import annotations

from dataclasses import dataclass

from drivers.device import DeviceState, DeviceStatus, MediaState, SupplyLevel

DLE_EOT = b"\x10\x04"
DLE_ENQ = b"\x10\x05"
#: DLE DC4 fn=8: clear the receive and print buffers (so the rest of an interrupted job is never printed)
CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
STATUS_QUERIES = (1, 2, 3, 4)


def is_status_byte(b: int) -> bool:
    """0xx1xx10: bits 1 and 4 set, bits 0 and 7 clear."""
    return (b & 0b1001_0011) == 0b0001_0010


def is_asb_header(b: int) -> bool:
    """First byte of an Automatic Status Back frame: 0xx1xx00."""
    return (b & 0b1001_0011) == 0b0001_0000


def first_status_byte(data: bytes) -> tuple[int | None, int]:
    """The first valid status byte in ``data`` and how many bytes were consumed (noise included)."""
    for i, b in enumerate(data):
        if is_status_byte(b):
            return b, i + 1
    return None, len(data)


@dataclass(frozen=True)
class RawStatus:
    """The four DLE EOT reply bytes; None where the printer did not answer."""
    printer: int | None = None
    offline_cause: int | None = None
    error_cause: int | None = None
    paper: int | None = None

    def complete(self) -> bool:
        return None not in (self.printer, self.offline_cause, self.error_cause, self.paper)


def to_device_status(raw: RawStatus) -> DeviceStatus:
    """The shared vocabulary for a set of replies. Anything missing makes the whole status unknown."""
    if not raw.complete():
        missing = [str(n) for n, v in zip(STATUS_QUERIES, (raw.printer, raw.offline_cause, raw.error_cause,
                                                           raw.paper)) if v is None]
        return DeviceStatus(DeviceState.OFFLINE, MediaState.UNKNOWN, SupplyLevel.UNKNOWN,
                            f"no answer to DLE EOT {','.join(missing)}")
    p, o, e, r = raw.printer, raw.offline_cause, raw.error_cause, raw.paper
    flags = set()
    if p & 0x08:
        flags.add("offline")
    if p & 0x20:
        flags.add("waiting_recovery")
    if p & 0x40 or o & 0x08:
        flags.add("feed_button")
    if o & 0x04:
        flags.add("cover_open")
    if o & 0x20:
        flags.add("stopped_paper_end")
    if o & 0x40:
        flags.add("error")
    if e & 0x08:
        flags.add("cutter_error")
    if e & 0x20:
        flags.add("unrecoverable_error")
    if e & 0x40:
        flags.add("recoverable_error")
    if r & 0x0C:
        flags.add("paper_near_end")
    if r & 0x60:
        flags.add("paper_end")

    if "paper_end" in flags or "stopped_paper_end" in flags:
        supply = SupplyLevel.OUT
    elif "paper_near_end" in flags:
        supply = SupplyLevel.LOW
    else:
        supply = SupplyLevel.FULL

    if flags & {"unrecoverable_error", "cutter_error", "recoverable_error", "error"}:
        state = DeviceState.HARDWARE_ERROR
        detail = ("unrecoverable error" if "unrecoverable_error" in flags else
                  "cutter error" if "cutter_error" in flags else
                  "print head too hot" if "recoverable_error" in flags else "printer error")
    elif "cover_open" in flags:
        state, detail = DeviceState.OFFLINE, "cover open"
    elif supply is SupplyLevel.OUT:
        state, detail = DeviceState.OFFLINE, "paper out"
    elif flags & {"offline", "feed_button", "waiting_recovery"}:
        state, detail = DeviceState.OFFLINE, "printer offline"
    else:
        state = DeviceState.ONLINE
        detail = "paper low" if supply is SupplyLevel.LOW else "ready"
    # A receipt printer without a presenter cannot see the paper it has printed: media stays unknown.
    return DeviceStatus(state, MediaState.UNKNOWN, supply, detail, frozenset(flags))
