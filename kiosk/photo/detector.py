"""Face detection with five landmarks, offline: YuNet (libfacedetection) through the ``yuface`` wheel.

YuNet costs ~55 ms on a 600x512 frame here, so live frames are scaled down to ``detect_width`` first and the
results scaled back to the full frame, where every measure is taken.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
import yuface

log = logging.getLogger("kiosk.photo")
#: YuNet degrades on larger inputs (yuface warns above this): frames are scaled so neither side exceeds it.
YUNET_MAX_SIDE = 960

Point = tuple[float, float]

#: Eye-to-chin over eye-to-mouth (mouth corners) distance, vertical. Calibrated on the two real frontal
#: portraits shipped with matplotlib and scikit-image (1.90 and 1.79, taking their chin from YuNet's box at
#: native size); it varies between people by about +-5 %, which is the head-size verdict's uncertainty.
CHIN_OVER_MOUTH = 1.85


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
        """The chin, from the landmarks: ``CHIN_OVER_MOUTH`` eye-to-mouth distances below the eyes. YuNet's box
        bottom moves with scale and context (1.71-2.02 eye-to-mouth distances on the same face) and is cut off
        by the frame edge when the person is too close; the landmark ratio does not depend on either."""
        ey = self.eye_mid[1]
        return ey + CHIN_OVER_MOUTH * (self.mouth_mid[1] - ey)

    def landmarks(self) -> np.ndarray:
        return np.array([self.eye_left, self.eye_right, self.nose, self.mouth_left, self.mouth_right],
                        dtype=np.float64)


def detect_faces(frame: np.ndarray, *, detect_width: int = 640, min_score: int = 60) -> list[Face]:
    """Faces in a BGR frame, largest first. The frame is scaled down (never up) to ``detect_width``."""
    if frame is None or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError("expected a BGR image (H x W x 3, uint8)")
    h, w = frame.shape[:2]
    scale = min(1.0, detect_width / w, YUNET_MAX_SIDE / max(h, w))
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
    """The same face with landmarks re-detected on a crop around it, turned level first, at several scales,
    and averaged. YuNet pulls the landmarks of a tilted face towards upright (a 14 degree tilt reads as 10):
    on the levelled crop the residual tilt is small, and mapping the points back restores the full angle."""
    x, y, w, h = face.box
    half = 0.8 * max(w, h)
    (x1, y1), (x2, y2) = face.eye_left, face.eye_right
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    cx, cy = face.eye_mid
    found = []
    for width in widths:
        s = width / max(w, 1.0)
        if s >= 1.0:
            continue   # never upscale: that would invent landmark precision
        size = int(2 * half * s)
        m = cv2.getRotationMatrix2D((cx, cy), angle, s)
        m[0, 2] += size / 2 - cx
        m[1, 2] += size / 2 - cy
        patch = cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
        confs, _boxes, marks = yuface.detect(patch)
        if not len(confs):
            continue
        best = int(np.argmax(confs))
        p = marks[best].astype(np.float64).reshape(5, 2)
        back = cv2.invertAffineTransform(m)
        p = p @ back[:, :2].T + back[:, 2]
        found.append(np.vstack([sorted(map(tuple, p[0:2])), p[2:3], sorted(map(tuple, p[3:5]))]))
    if not found:
        return face
    lm = np.mean(found, axis=0)
    return Face(face.score, face.box, tuple(lm[0]), tuple(lm[1]), tuple(lm[2]), tuple(lm[3]), tuple(lm[4]))
