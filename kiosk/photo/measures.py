"""The numbers behind each check, as plain image arithmetic (after OFIQ, ISO/IEC 29794-5).

All functions take the full-resolution BGR frame and a detected ``Face``; none of them changes the image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.photo.detector import Face
from kiosk.photo.thresholds import PhotoThresholds

#: Where the nose tip sits between the eye line (0) and the mouth line (1) when the head is level, and how much
#: that share moves per degree of pitch, from a generic head (eyes 35 mm above and 30 mm behind the nose tip,
#: mouth corners 32 mm below and 22 mm behind it): the share is (35c - 30s) / (67c - 8s) for pitch angle (c, s).
#: The level share is calibrated: YuNet's nose point sits lower than the anatomical tip; 0.58 is the mean over
#: frontal frames of the simulator's person at several sizes (0.55-0.61) and her original portrait (0.595).
#: Noses differ between people by about +-0.03 (+-4 degrees): the pitch verdict is the weakest of the table.
NOSE_SHARE_LEVEL = 0.58
NOSE_SHARE_PER_DEGREE = 0.0068
#: Nose tip depth in front of the eyes over the distance between the eye centres (30 mm / 64 mm).
NOSE_DEPTH_OVER_EYES = 30.0 / 64.0


@dataclass(frozen=True)
class Crop:
    """The 35x45 crop in source pixels; ``fits`` is False when the frame is too small for the ideal crop."""
    left: float
    top: float
    width: float
    height: float
    fits: bool

    def box(self) -> tuple[int, int, int, int]:
        return round(self.left), round(self.top), round(self.width), round(self.height)


def head_height(face: Face) -> float:
    """Chin to crown. The eyes sit at about half the height of the head (skull, not hair or hat)."""
    return 2.0 * max(1.0, face.chin_y - face.eye_mid[1])


def plan_crop(face: Face, frame_w: int, frame_h: int, t: PhotoThresholds) -> Crop:
    """The crop that would put the head at ``head_target`` and the eyes at ``eye_target``, never taking fewer
    source rows than the output has (no upscaling), moved and shrunk to stay inside the frame."""
    aspect = t.out_width / t.out_height
    ideal_h = max(head_height(face) / t.head_target, float(t.out_height))
    h = min(ideal_h, float(frame_h), frame_w / aspect)
    w = h * aspect
    cx, ey = face.eye_mid
    top = min(max(ey - (1.0 - t.eye_target) * h, 0.0), frame_h - h)
    left = min(max(cx - w / 2, 0.0), frame_w - w)
    return Crop(left, top, w, h, fits=h >= ideal_h - 0.5)


def roll_deg(face: Face) -> float:
    (x1, y1), (x2, y2) = face.eye_left, face.eye_right
    return math.degrees(math.atan2(y2 - y1, x2 - x1))


def _level(face: Face) -> np.ndarray:
    """The five landmarks rotated about the eye midpoint so that the eye line is horizontal."""
    a = math.radians(-roll_deg(face))
    c, s = math.cos(a), math.sin(a)
    pts = face.landmarks() - np.array(face.eye_mid)
    return pts @ np.array([[c, s], [-s, c]])


def yaw_pitch_deg(face: Face) -> tuple[float, float]:
    """Yaw from how far the nose tip sits beside the eye midpoint (it stands ~30 mm in front of the eyes);
    pitch from where the nose tip sits between the eye line and the mouth line. Both after removing roll."""
    eye_l, eye_r, nose, mouth_l, mouth_r = _level(face)
    ed = max(1.0, float(eye_r[0] - eye_l[0]))
    s = (float(nose[0]) / ed) / NOSE_DEPTH_OVER_EYES
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, s))))
    mouth_y = float(mouth_l[1] + mouth_r[1]) / 2
    if mouth_y <= 1.0:
        return yaw, float("nan")
    share = float(nose[1]) / mouth_y
    pitch = (NOSE_SHARE_LEVEL - share) / NOSE_SHARE_PER_DEGREE
    return yaw, pitch


def face_region(face: Face, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Skin of the face (cheeks, nose, mouth; below the eyes) as x0, y0, x1, y1."""
    ed = face.eye_distance
    x0 = face.eye_left[0] - 0.45 * ed
    x1 = face.eye_right[0] + 0.45 * ed
    y0 = face.eye_mid[1] + 0.25 * ed     # below the eyes: spectacle frames and brows are not skin
    y1 = face.mouth_mid[1] + 0.30 * ed
    h, w = shape[:2]
    return (int(max(0, x0)), int(max(0, y0)), int(min(w, x1)), int(min(h, y1)))


@dataclass(frozen=True)
class Exposure:
    mean: float          # 0..1
    dark_share: float    # share of pixels <= 25
    bright_share: float  # share of pixels >= 247
    overlap: float       # left/right histogram overlap 0..1
    entropy: float       # bits


def exposure(gray: np.ndarray, face: Face) -> Exposure:
    x0, y0, x1, y1 = face_region(face, gray.shape)
    roi = gray[y0:y1, x0:x1]
    if roi.size == 0:
        return Exposure(0.0, 1.0, 0.0, 0.0, 0.0)
    hist = np.bincount(roi.ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    nz = p[p > 0]
    mid = int(round(face.eye_mid[0])) - x0
    left, right = roi[:, :max(1, mid)], roi[:, max(1, mid):]
    overlap = 0.0
    if left.size and right.size:
        hl = np.bincount(left.ravel() // 8, minlength=32) / left.size
        hr = np.bincount(right.ravel() // 8, minlength=32) / right.size
        overlap = float(np.minimum(hl, hr).sum())
    return Exposure(
        mean=float(roi.mean() / 255.0),
        dark_share=float(p[:26].sum()),
        bright_share=float(p[247:].sum()),
        overlap=overlap,
        entropy=float(-(nz * np.log2(nz)).sum()),
    )


def aligned_face(gray: np.ndarray, face: Face, eye_px: float = 64.0) -> np.ndarray:
    """The face rotated level and scaled to ``eye_px`` between the eyes, 2 x 2.5 eye distances around it."""
    ed = face.eye_distance
    s = eye_px / max(ed, 1.0)
    cx, cy = face.eye_mid
    m = cv2.getRotationMatrix2D((cx, cy), roll_deg(face), s)
    out_w, out_h = int(2 * eye_px), int(2.5 * eye_px)
    m[0, 2] += out_w / 2 - cx
    m[1, 2] += 0.3 * out_h - cy
    return cv2.warpAffine(gray, m, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def sharpness(gray: np.ndarray, face: Face) -> float:
    """Variance of the Laplacian on the aligned face, so the figure does not depend on the distance."""
    return float(cv2.Laplacian(aligned_face(gray, face), cv2.CV_64F).var())


def background_regions(face: Face, crop: Crop, shape: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """Backdrop beside the head, from the top of the crop down to the eyes, left and right of the head."""
    h, w = shape[:2]
    ed = face.eye_distance
    cx, ey = face.eye_mid
    y0, y1 = int(max(0, crop.top)), int(min(h, ey))
    half = 0.9 * crop.width
    regions = [(int(max(0, cx - half)), y0, int(max(0, cx - 1.7 * ed)), y1),
               (int(min(w, cx + 1.7 * ed)), y0, int(min(w, cx + half)), y1)]
    return [r for r in regions if r[2] - r[0] >= 8 and r[3] - r[1] >= 8]


def background_gradient(gray: np.ndarray, regions: list[tuple[int, int, int, int]]) -> float:
    """Mean gradient magnitude (0-255 scale) of the backdrop at half resolution, after a light blur so that
    sensor noise is not taken for texture."""
    values = []
    for x0, y0, x1, y1 in regions:
        roi = cv2.resize(gray[y0:y1, x0:x1], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        roi = cv2.GaussianBlur(roi, (5, 5), 1.0).astype(np.float32)
        gx = cv2.Sobel(roi, cv2.CV_32F, 1, 0, ksize=3) / 8
        gy = cv2.Sobel(roi, cv2.CV_32F, 0, 1, ksize=3) / 8
        values.append(float(np.sqrt(gx * gx + gy * gy).mean()))
    return max(values) if values else float("nan")


def mean_lab(frame: np.ndarray, regions: list[tuple[int, int, int, int]]) -> np.ndarray | None:
    pixels = [frame[y0:y1, x0:x1].reshape(-1, 3) for x0, y0, x1, y1 in regions]
    if not pixels:
        return None
    mean_bgr = np.concatenate(pixels).mean(axis=0).astype(np.float32).reshape(1, 1, 3) / 255.0
    return cv2.cvtColor(mean_bgr, cv2.COLOR_BGR2Lab).reshape(3)


def glare_share(frame: np.ndarray, face: Face) -> float:
    """Share of saturated pixels (all channels >= 250) in the boxes around the eyes (glasses reflections)."""
    r = 0.35 * face.eye_distance
    h, w = frame.shape[:2]
    total = hits = 0
    for ex, ey in (face.eye_left, face.eye_right):
        roi = frame[int(max(0, ey - r)):int(min(h, ey + r)), int(max(0, ex - r)):int(min(w, ex + r))]
        if roi.size:
            total += roi.shape[0] * roi.shape[1]
            hits += int(np.count_nonzero(roi.min(axis=2) >= 250))
    return hits / total if total else 0.0
