"""The document-photo analyser: one frame in, every check of the spec out, with the instruction to show.

``analyse`` serves the live guidance (detection on a scaled-down copy, measures on the full frame);
``final_check`` repeats everything on the captured full-resolution frame with detection at up to 1280 px.
The analyser only reads pixels: ``kiosk.photo.output`` crops and scales, it never retouches.
"""
from __future__ import annotations

import logging
import math
import time

import cv2
import numpy as np

from kiosk.photo import measures
from kiosk.photo.checks import Check, CheckResult, PhotoReport, Side, at_least, at_most, in_range
from kiosk.photo.detector import REFINE_WIDTHS, Face, detect_faces, refine_face
from kiosk.photo.thresholds import PhotoThresholds

log = logging.getLogger("kiosk.photo")


class PhotoAnalyser:
    """Stateless apart from the optional empty-backdrop reference; safe to call from one worker thread."""

    def __init__(self, thresholds: PhotoThresholds | None = None) -> None:
        self.t = thresholds or PhotoThresholds()
        self.backdrop_lab: np.ndarray | None = None

    def learn_backdrop(self, empty_frame: np.ndarray) -> bool:
        """Remember the colour of the empty backdrop (a frame with nobody in it); False if a face is there."""
        if detect_faces(empty_frame, detect_width=self.t.detect_width, min_score=self.t.min_face_score):
            return False
        self.remember_backdrop(empty_frame)
        return True

    def remember_backdrop(self, empty_frame: np.ndarray) -> None:
        """Take the backdrop colour from a frame already known to show nobody (live guidance does this)."""
        h, w = empty_frame.shape[:2]
        mean = empty_frame[h // 10:h // 2, w // 10:w - w // 10].reshape(-1, 3).mean(axis=0)
        self.backdrop_lab = cv2.cvtColor((mean / 255.0).astype(np.float32).reshape(1, 1, 3),
                                         cv2.COLOR_BGR2Lab).reshape(3)

    def analyse(self, frame: np.ndarray, *, detect_width: int | None = None,
                refine_widths: tuple[int, ...] = REFINE_WIDTHS) -> PhotoReport:
        """All checks on one frame (live guidance: detection on a copy ``detect_width`` wide)."""
        start = time.perf_counter()
        faces = detect_faces(frame, detect_width=detect_width or self.t.detect_width,
                             min_score=self.t.min_face_score)
        if faces:
            faces[0] = refine_face(frame, faces[0], refine_widths)
        results = self._checks(frame, faces)
        crop = measures.plan_crop(faces[0], frame.shape[1], frame.shape[0], self.t) if faces else None
        return PhotoReport(tuple(results), tuple(faces), crop, time.perf_counter() - start,
                           (frame.shape[1], frame.shape[0]))

    def final_check(self, frame: np.ndarray) -> PhotoReport:
        """The check on the captured full-resolution frame, with finer detection than the live one."""
        return self.analyse(frame, detect_width=max(self.t.detect_width, min(frame.shape[1], 960)))

    # ----------------------------------------------------------------------------------------------
    def _checks(self, frame: np.ndarray, faces: list[Face]) -> list[CheckResult]:
        t = self.t
        if not faces:
            return [CheckResult(Check.FACE_FOUND, False, 0.0, "1 face", Side.ANY, "no face found")]
        out = [CheckResult(Check.FACE_FOUND, True, float(len(faces)), "1 face")]
        dominance = 1.0 - faces[1].area / faces[0].area if len(faces) > 1 else 1.0
        out.append(CheckResult(Check.ONE_FACE, len(faces) == 1, dominance, "one face",
                               Side.ANY, f"{len(faces)} faces"))
        face = faces[0]
        h, w = frame.shape[:2]
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        ex = measures.exposure(gray, face)
        exp = in_range(Check.EXPOSURE, ex.mean, t.lum_min, t.lum_max, detail=
                       f"dark {ex.dark_share:.3f} (<= {t.max_dark_share}), "
                       f"bright {ex.bright_share:.3f} (<= {t.max_bright_share})")
        if exp.passed and ex.dark_share > t.max_dark_share:
            exp = CheckResult(Check.EXPOSURE, False, ex.mean, exp.limit, Side.LOW, exp.detail)
        elif exp.passed and ex.bright_share > t.max_bright_share:
            exp = CheckResult(Check.EXPOSURE, False, ex.mean, exp.limit, Side.HIGH, exp.detail)
        out.append(exp)
        crop = measures.plan_crop(face, w, h, t)
        ed = face.eye_distance
        enough_rows = crop.height >= t.out_height - 0.5
        res = at_least(Check.RESOLUTION, ed, t.min_eye_distance_px, "{:.0f}",
                       f"crop {crop.height:.0f} source rows for {t.out_height}")
        if not enough_rows:
            res = CheckResult(Check.RESOLUTION, False, ed, res.limit, Side.LOW,
                              f"only {crop.height:.0f} source rows for {t.out_height}: would need upscaling")
        out.append(res)
        out.append(in_range(Check.HEAD_SIZE, measures.head_height(face) / crop.height, t.head_min, t.head_max))
        cx = face.eye_mid[0]
        offset = (cx - (crop.left + crop.width / 2)) / crop.width
        out.append(in_range(Check.CENTRED, offset, -t.centre_tolerance, t.centre_tolerance, "{:+.2f}"))
        eye_line = (crop.top + crop.height - face.eye_mid[1]) / crop.height
        out.append(in_range(Check.EYE_LINE, eye_line, t.eye_min, t.eye_max))
        out.append(at_most(Check.ROLL, abs(measures.roll_deg(face)), t.max_roll, "{:.1f}"))
        yaw, pitch = measures.yaw_pitch_deg(face)
        out.append(at_most(Check.YAW, abs(yaw), t.max_yaw, "{:.1f}"))
        out.append(at_most(Check.PITCH, abs(pitch), t.max_pitch, "{:.1f}"))
        out.append(at_least(Check.EVEN_LIGHTING, ex.overlap, t.min_lighting_overlap))
        out.append(at_least(Check.DYNAMIC_RANGE, ex.entropy, t.min_entropy_bits))
        out.append(at_least(Check.SHARPNESS, measures.sharpness(gray, face), t.min_sharpness, "{:.0f}"))
        regions = measures.background_regions(face, crop, frame.shape)
        grad = measures.background_gradient(gray, regions)
        bg = at_most(Check.BACKGROUND, grad, t.max_background_gradient, "{:.1f}", "gradient")
        if self.backdrop_lab is not None and bg.passed:
            lab = measures.mean_lab(frame, regions)
            dist = float(np.linalg.norm(lab - self.backdrop_lab)) if lab is not None else math.nan
            if not dist <= t.max_background_distance:
                bg = CheckResult(Check.BACKGROUND, False, grad, bg.limit, Side.HIGH,
                                 f"colour {dist:.1f} from the empty backdrop (<= {t.max_background_distance})")
            else:
                bg = CheckResult(Check.BACKGROUND, True, grad, bg.limit, Side.ANY,
                                 f"gradient; colour {dist:.1f} from the empty backdrop")
        out.append(bg)
        out.append(at_most(Check.GLARE, measures.glare_share(frame, face), t.max_glare_share, "{:.3f}"))
        return out
