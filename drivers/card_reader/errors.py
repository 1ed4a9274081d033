"""Failures of the card reader, one type each, and the device's error codes in words."""
from __future__ import annotations

from drivers.device import DeviceError, DeviceOffline, DeviceTimeout

#: E1E0 → (meaning, what to do): "clear" a technician must free the path; "maintenance" a repair
ERROR_CODES: dict[str, str] = {
    "00": "undefined command", "01": "bad parameter", "02": "wrong sequence", "03": "not supported",
    "04": "bad data", "05": "IC contact not released", "10": "card jam", "12": "sensor error",
    "13": "card too long", "14": "card too short", "40": "cannot retract", "41": "IC magnet error",
    "43": "cannot move to IC position", "45": "card moved by hand", "50": "counter overflow",
    "51": "motor error", "60": "chip: no answer to reset", "61": "chip: communication error",
    "A0": "stacker empty", "A1": "retain bin full", "B0": "not initialised",
}


def describe_code(code: str) -> str:
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    if code.startswith("6"):
        return "chip error"
    return f"unknown error {code!r}"


class LinkDown(DeviceOffline):
    """The port went away (unplugged, closed)."""
    code = "link_down"


class NoAck(DeviceTimeout):
    """The reader did not acknowledge or answer in time."""
    code = "no_answer"


class BadResponse(DeviceError):
    """Replies kept arriving corrupt after the allowed NAKs."""
    code = "bad_response"


class ResponseLost(DeviceError):
    """A motor command's response never came: the card may or may not have moved. Ask STATUS."""
    code = "response_lost"

    def __init__(self, cm: int, pm: int) -> None:
        super().__init__(f"response to motor command {cm:02X} {pm:02X} lost")
        self.cm, self.pm = cm, pm


class CommandRejected(DeviceError):
    """A negative reply; ``error`` is the device's E1E0 code."""
    code = "rejected"

    def __init__(self, cm: int, pm: int, error: str, frame=None) -> None:
        super().__init__(f"command {cm:02X} {pm:02X} refused: {error} ({describe_code(error)})")
        self.cm, self.pm, self.error, self.frame = cm, pm, error, frame


class CardJammed(DeviceError):
    code = "jam"


class RetainBinFull(DeviceError):
    code = "retain_bin_full"


class NoCard(DeviceError):
    """The operation needs a card in the reader and there is none."""
    code = "no_card"


class InvalidCard(DeviceError):
    """The card is not a readable health card. ``reason`` is one of INVALID_REASONS."""
    code = "invalid_media"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


#: reasons a card is refused at chip level (kiosk.identity turns them into citizen messages)
INVALID_REASONS = ("no_chip", "chip_error", "not_health_card", "unknown_layout")
