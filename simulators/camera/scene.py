"""Still scenes for the camera simulator: a real person on a plain light backdrop, and each defect made from it.

The person is Grace Hopper's portrait shipped with matplotlib, cut out of its flag background once per process
with GrabCut (seeded by hand-drawn regions below), then placed so that at the simulated camera's full resolution
the 35x45 crop needs no upscaling. Every other scenario is derived from that compliant placement: moved, scaled,
rotated, turned, darkened, blurred, doubled, or put in front of a busy scene.
"""
from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
import yuface

log = logging.getLogger("kiosk.sim.camera")

SCENARIOS = ("nobody", "compliant", "too_far", "too_close", "off_centre", "tilted", "turned", "two_people",
             "dark", "overexposed", "blurred", "busy_background")
BACKDROP_BGR = (226, 224, 219)    # a light grey backdrop, slightly warm
#: Output geometry the compliant placement aims at (35x45 mm at 600 dpi, eyes 60 % from the bottom).
#: The compliant person sits a little behind the ideal distance (head 72 % by the chin in her portrait's YuNet
#: box), so that she reads mid-range (0.74-0.78) with the analyser's landmark-based chin.
OUT_H, HEAD_SHARE, EYE_LINE = 1063, 0.72, 0.60
OUT_ASPECT = 827 / 1063


@dataclass(frozen=True)
class Person:
    """A cut-out person (BGR + alpha) and where its eyes and chin are, in its own pixels."""
    bgr: np.ndarray
    alpha: np.ndarray
    eye_mid: tuple[float, float]
    chin_y: float

    @property
    def head_px(self) -> float:
        return 2.0 * (self.chin_y - self.eye_mid[1])


def _sample_portrait() -> np.ndarray:
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    if img is None:
        raise FileNotFoundError("matplotlib sample grace_hopper.jpg is missing")
    return img


@functools.lru_cache(maxsize=1)
def person() -> Person:
    """Grace Hopper cut out of her flag background (GrabCut seeded with sure/probable regions)."""
    img = _sample_portrait()
    h, w = img.shape[:2]
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    cv2.rectangle(mask, (130, 10), (390, 360), int(cv2.GC_PR_FGD), -1)     # head and cap
    cv2.rectangle(mask, (10, 300), (505, 600), int(cv2.GC_PR_FGD), -1)     # shoulders
    cv2.ellipse(mask, (262, 230), (80, 110), 0, 0, 360, int(cv2.GC_FGD), -1)
    cv2.rectangle(mask, (60, 420), (470, 600), int(cv2.GC_FGD), -1)
    flag = np.array([(0, 0), (178, 0), (178, 40), (152, 70), (150, 300), (140, 335), (40, 385), (0, 420)],
                    np.int32)
    cv2.fillPoly(mask, [flag], int(cv2.GC_BGD))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(img, mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
    alpha = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    alpha = cv2.GaussianBlur(alpha, (5, 5), 1.2)   # a soft edge, as a lens gives
    _confs, boxes, marks = yuface.detect(img)
    lm = marks[0].astype(float)
    eye_mid = ((lm[0] + lm[2]) / 2, (lm[1] + lm[3]) / 2)
    chin_y = float(boxes[0][1] + boxes[0][3])
    return Person(img, alpha, eye_mid, chin_y)


def backdrop(width: int, height: int) -> np.ndarray:
    """A plain light backdrop with the gentle top-to-bottom falloff of a lit panel."""
    shade = np.linspace(1.02, 0.96, height, dtype=np.float32).reshape(-1, 1, 1)
    base = np.array(BACKDROP_BGR, np.float32).reshape(1, 1, 3)
    return np.clip(np.broadcast_to(base * shade, (height, width, 3)), 0, 255).astype(np.uint8)


def busy_backdrop(width: int, height: int) -> np.ndarray:
    """A cluttered room stand-in: scikit-image's astronaut scene (flag, shuttle model) filling the frame."""
    from skimage import data
    scene = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return cv2.resize(scene, (width, height), interpolation=cv2.INTER_LINEAR)


def _paste(canvas: np.ndarray, p: Person, scale: float, eye_at: tuple[float, float], angle: float = 0.0) -> None:
    """Alpha-blend the person onto ``canvas`` with its eye midpoint at ``eye_at``, scaled and rotated."""
    h, w = canvas.shape[:2]
    m = cv2.getRotationMatrix2D(p.eye_mid, angle, scale)
    m[0, 2] += eye_at[0] - p.eye_mid[0]
    m[1, 2] += eye_at[1] - p.eye_mid[1]
    bgr = cv2.warpAffine(p.bgr, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)
    a = cv2.warpAffine(p.alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    a = (a.astype(np.float32) / 255.0)[..., None]
    canvas[:] = (bgr * a + canvas * (1.0 - a)).astype(np.uint8)


def turned(p: Person, degrees: float) -> Person:
    """The person's head turned about the vertical axis, modelling the head as a cylinder through the face:
    points at angle phi move to phi+theta, so the nose shifts more than the eyes and one cheek narrows."""
    h, w = p.bgr.shape[:2]
    cx = p.eye_mid[0]
    radius = 1.35 * (p.chin_y - p.eye_mid[1])          # half a head width, from the same anthropometry
    theta = math.radians(degrees)
    xs = np.arange(w, dtype=np.float32)
    # destination x -> source x on the cylinder; outside the head the image is shifted like its edge
    u = np.clip((xs - cx) / radius, -1.0, 1.0)
    phi = np.arcsin(u) - theta
    src = cx + radius * np.sin(np.clip(phi, -math.pi / 2, math.pi / 2))
    src = np.where(np.abs((xs - cx) / radius) >= 1.0, xs - radius * math.sin(theta), src).astype(np.float32)
    map_x = np.broadcast_to(src, (h, w)).copy()
    map_y = np.broadcast_to(np.arange(h, dtype=np.float32).reshape(-1, 1), (h, w)).copy()
    bgr = cv2.remap(p.bgr, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.remap(p.alpha, map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    return Person(bgr, alpha, p.eye_mid, p.chin_y)


def render(scenario: str, width: int, height: int) -> np.ndarray:
    """One still frame of ``scenario`` at the camera's resolution (BGR, uint8)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown camera scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    canvas = busy_backdrop(width, height) if scenario == "busy_background" else backdrop(width, height)
    if scenario == "nobody":
        return canvas
    p = person()
    # compliant: head at 75 % of the smallest crop that needs no upscaling (1063 rows), or of the whole frame
    # height when the camera has fewer rows (then the analyser rightly refuses it for resolution)
    crop_h = min(float(OUT_H), float(height), width / OUT_ASPECT)
    head_px = HEAD_SHARE * crop_h * 1.0
    scale = head_px / p.head_px
    eye = (width / 2, (height - crop_h) / 2 + (1 - EYE_LINE) * crop_h)
    angle = 0.0
    if scenario == "too_far":
        scale *= 0.6
    elif scenario == "too_close":
        scale *= 1.3
    elif scenario == "off_centre":
        eye = (width * 0.83, eye[1])
    elif scenario == "tilted":
        angle = 14.0
    elif scenario == "turned":
        p = turned(p, 25.0)
    elif scenario == "two_people":
        _paste(canvas, p, scale * 0.5, (width * 0.15, eye[1] * 0.8))
    _paste(canvas, p, scale, eye, angle)
    if scenario == "dark":
        canvas = cv2.convertScaleAbs(canvas, alpha=0.28)
    elif scenario == "overexposed":
        canvas = cv2.convertScaleAbs(canvas, alpha=1.9, beta=40)
    elif scenario == "blurred":
        sigma = 0.006 * height
        canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    return canvas
