"""Face detection with five landmarks, offline: YuNet (libfacedetection) through the ``yuface`` wheel.

YuNet costs ~55 ms on a 600x512 frame here, so live frames are scaled down to ``detect_width`` first and the
results scaled back to the full frame, where every measure is taken.
"""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
import yuface

log = logging.getLogger("kiosk.photo")
# yuface warns on every frame wider than 640 px; the width is our choice (detect_width), not an accident
warnings.filterwarnings("ignore", message="Image size", module="yuface")

Point = tuple[float, float]


@dataclass(frozen=True)
class Face:
    """One face in full-frame pixel coordinates. Eyes and mouth corners are ordered by image x (left first)."""
    score: int
    box: tuple[float, float, float, float]  # x, y, w, h
    eye_left: Point
    eye_right: Point
    nose: Point
    mouth_left: Point
    mouth_right: Point

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]

    @property
    def eye_mid(self) -> Point:
        return ((self.eye_left[0] + self.eye_right[0]) / 2, (self.eye_left[1] + self.eye_right[1]) / 2)

    @property
    def eye_distance(self) -> float:
        return math.dist(self.eye_left, self.eye_right)

    @property
    def mouth_mid(self) -> Point:
        return ((self.mouth_left[0] + self.mouth_right[0]) / 2, (self.mouth_left[1] + self.mouth_right[1]) / 2)

    @property
    def chin_y(self) -> float:
        """YuNet's box ends at the chin."""
        return self.box[1] + self.box[3]

    def landmarks(self) -> np.ndarray:
        return np.array([self.eye_left, self.eye_right, self.nose, self.mouth_left, self.mouth_right],
                        dtype=np.float64)


def detect_faces(frame: np.ndarray, *, detect_width: int = 640, min_score: int = 60) -> list[Face]:
    """Faces in a BGR frame, largest first. The frame is scaled down (never up) to ``detect_width``."""
    if frame is None or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError("expected a BGR image (H x W x 3, uint8)")
    h, w = frame.shape[:2]
    scale = min(1.0, detect_width / w)
    small = frame if scale == 1.0 else cv2.resize(frame, (round(w * scale), round(h * scale)),
                                                  interpolation=cv2.INTER_AREA)
    confs, boxes, marks = yuface.detect(np.ascontiguousarray(small), conf=min_score / 100)
    faces = []
    for conf, box, lm in zip(confs, boxes, marks):
        if int(conf) < min_score:
            continue
        b = tuple(float(v) / scale for v in box)
        p = [(float(lm[i]) / scale, float(lm[i + 1]) / scale) for i in range(0, 10, 2)]
        eyes = sorted(p[0:2])
        mouth = sorted(p[3:5])
        faces.append(Face(int(conf), b, eyes[0], eyes[1], p[2], mouth[0], mouth[1]))
    faces.sort(key=lambda f: f.area, reverse=True)
    return faces


#: Face-box widths (px) at which the landmarks are re-detected and averaged. YuNet returns whole-pixel
#: landmarks whose error is a few pixels at any one scale: about +-5 degrees of yaw or pitch, the size of the
#: limit itself. Averaging three scales of a crop around the face roughly halves that.
REFINE_WIDTHS = (140, 180, 240)


def refine_face(frame: np.ndarray, face: Face, widths: tuple[int, ...] = REFINE_WIDTHS) -> Face:
    """The same face with landmarks averaged over re-detections of a crop at several scales."""
    x, y, w, h = face.box
    cx, cy, half = x + w / 2, y + h / 2, 0.8 * max(w, h)
    fh, fw = frame.shape[:2]
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(fw, cx + half)), int(min(fh, cy + half))
    roi = frame[y0:y1, x0:x1]
    found = []
    for width in widths:
        s = width / max(w, 1.0)
        if s >= 1.0 or roi.size == 0:
            continue   # never upscale: that would invent landmark precision
        small = cv2.resize(roi, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        confs, _boxes, marks = yuface.detect(np.ascontiguousarray(small))
        if len(confs):
            best = int(np.argmax(confs))
            p = marks[best].astype(np.float64).reshape(5, 2) / s + (x0, y0)
            found.append(np.vstack([sorted(map(tuple, p[0:2])), p[2:3], sorted(map(tuple, p[3:5]))]))
    if not found:
        return face
    lm = np.mean(found, axis=0)
    return Face(face.score, face.box, tuple(lm[0]), tuple(lm[1]), tuple(lm[2]), tuple(lm[3]), tuple(lm[4]))
