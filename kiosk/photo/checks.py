"""The compliance checks, their verdicts, and the one short instruction a citizen gets for each failure.

Instructions are English source marked with ``N_``; the screen translates them when shown (and spoken).
Checks are listed in the order things should be fixed: get in front, alone, in enough light to see (a dark
frame makes every other measure unreliable), at the right distance, centred, head straight, then evenness,
focus, background.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from kiosk.i18n import N_


class Check(str, enum.Enum):
    FACE_FOUND = "face_found"
    ONE_FACE = "one_face"
    EXPOSURE = "exposure"
    RESOLUTION = "resolution"
    HEAD_SIZE = "head_size"
    CENTRED = "centred"
    EYE_LINE = "eye_line"
    ROLL = "roll"
    YAW = "yaw"
    PITCH = "pitch"
    EVEN_LIGHTING = "even_lighting"
    DYNAMIC_RANGE = "dynamic_range"
    SHARPNESS = "sharpness"
    BACKGROUND = "background"
    GLARE = "glare"


class Side(str, enum.Enum):
    """Which way a measure missed its range, so the instruction can say which way to move."""
    LOW = "low"
    HIGH = "high"
    ANY = "any"


INSTRUCTIONS: dict[tuple[Check, Side], str] = {
    (Check.FACE_FOUND, Side.ANY): N_("Please sit in front of the camera"),
    (Check.ONE_FACE, Side.ANY): N_("Only one person in the photo, please"),
    (Check.RESOLUTION, Side.ANY): N_("Move a little closer"),
    (Check.HEAD_SIZE, Side.LOW): N_("Move a little closer"),
    (Check.HEAD_SIZE, Side.HIGH): N_("Move back a little"),
    (Check.CENTRED, Side.ANY): N_("Move to the middle of the frame"),
    (Check.EYE_LINE, Side.LOW): N_("Raise your face to the guide"),
    (Check.EYE_LINE, Side.HIGH): N_("Lower your face to the guide"),
    (Check.ROLL, Side.ANY): N_("Keep your head straight"),
    (Check.YAW, Side.ANY): N_("Look straight at the camera"),
    (Check.PITCH, Side.ANY): N_("Keep your chin level"),
    (Check.EXPOSURE, Side.LOW): N_("Too dark: the light will be adjusted"),
    (Check.EXPOSURE, Side.HIGH): N_("Too bright: the light will be adjusted"),
    (Check.EVEN_LIGHTING, Side.ANY): N_("Uneven light on your face: the light will be adjusted"),
    (Check.DYNAMIC_RANGE, Side.ANY): N_("Too little contrast: the light will be adjusted"),
    (Check.SHARPNESS, Side.ANY): N_("Hold still for a moment"),
    (Check.BACKGROUND, Side.ANY): N_("The background behind you must be plain"),
    (Check.GLARE, Side.ANY): N_("Reflections on your glasses: tilt them a little"),
}

#: Shown when every check passes and the countdown can start.
READY = N_("Perfect, hold still")


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    measure: float
    limit: str
    side: Side = Side.ANY
    detail: str = ""

    @property
    def instruction(self) -> str | None:
        """English source of the instruction (translate with ``kiosk.i18n._``); None when passed."""
        if self.passed:
            return None
        return INSTRUCTIONS.get((self.check, self.side)) or INSTRUCTIONS[(self.check, Side.ANY)]


def in_range(check: Check, value: float, lo: float, hi: float, fmt: str = "{:.2f}", detail: str = "") -> CheckResult:
    """A measure that must lie in [lo, hi]; NaN (not measurable) fails."""
    limit = f"{fmt.format(lo)}-{fmt.format(hi)}"
    if math.isnan(value):
        return CheckResult(check, False, value, limit, Side.ANY, detail or "not measurable")
    if value < lo:
        return CheckResult(check, False, value, limit, Side.LOW, detail)
    if value > hi:
        return CheckResult(check, False, value, limit, Side.HIGH, detail)
    return CheckResult(check, True, value, limit, Side.ANY, detail)


def at_most(check: Check, value: float, hi: float, fmt: str = "{:.2f}", detail: str = "") -> CheckResult:
    passed = not math.isnan(value) and value <= hi
    return CheckResult(check, passed, value, f"<= {fmt.format(hi)}", Side.HIGH if not passed else Side.ANY, detail)


def at_least(check: Check, value: float, lo: float, fmt: str = "{:.2f}", detail: str = "") -> CheckResult:
    passed = not math.isnan(value) and value >= lo
    return CheckResult(check, passed, value, f">= {fmt.format(lo)}", Side.LOW if not passed else Side.ANY, detail)


@dataclass(frozen=True)
class PhotoReport:
    """Every check made on one frame. ``ok`` only when all of them were made and passed."""
    results: tuple[CheckResult, ...]
    faces: tuple = ()
    crop: object = None
    elapsed_s: float = 0.0
    frame_size: tuple[int, int] = (0, 0)
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results) and len(self.results) == len(Check)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    def result(self, check: Check) -> CheckResult | None:
        return next((r for r in self.results if r.check is check), None)

    @property
    def instruction(self) -> str:
        """The one thing to tell the citizen now (English source)."""
        failed = self.failed
        return failed[0].instruction if failed else READY

    def table(self) -> str:
        """Human-readable table for technicians (``kiosk camera check``)."""
        rows = [f"{'check':<15} {'measure':>10}  {'pass if':<14} verdict"]
        for r in self.results:
            m = "-" if math.isnan(r.measure) else f"{r.measure:.3f}"
            verdict = "ok" if r.passed else f"FAIL ({r.side.value})" if r.side is not Side.ANY else "FAIL"
            rows.append(f"{r.check.value:<15} {m:>10}  {r.limit:<14} {verdict}"
                        + (f"  {r.detail}" if r.detail else ""))
        return "\n".join(rows)
