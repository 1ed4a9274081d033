"""Pass limits of the document-photo checks, configurable under ``[photo]``.

Starting points are the spec's table (shared/specs/photo-compliance.md, after ICAO 9303 and OFIQ). The values
marked "calibrated" were set from the camera simulator's compliant frames and the defects derived from them, with
margin on both sides; the figures are in tests/photo/test_calibration.py so a change shows what it costs.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import option


@dataclass(frozen=True)
class PhotoThresholds:
    # output geometry (35 x 45 mm at 600 dpi)
    out_width: int = option(827, "Output photo width in pixels (35 mm at 600 dpi)", min=100, max=4000)
    out_height: int = option(1063, "Output photo height in pixels (45 mm at 600 dpi)", min=100, max=6000)
    out_dpi: int = option(600, "Resolution written into the JPEG", min=72, max=1200)
    max_bytes: int = option(500_000, "Largest accepted JPEG size in bytes", min=50_000, max=5_000_000)
    # faces
    min_face_score: int = option(60, "Lowest detector confidence (0-100) that counts as a face", min=1, max=100)
    # head size: chin-to-crown / photo height
    head_min: float = option(0.70, "Smallest head height / photo height (32 mm of 45)", min=0.3, max=1.0)
    head_max: float = option(0.80, "Largest head height / photo height (36 mm of 45)", min=0.3, max=1.0)
    head_target: float = option(0.75, "Head height / photo height the crop aims at", min=0.3, max=1.0)
    # eye line: height of the eye midpoint above the bottom edge / photo height
    eye_min: float = option(0.51, "Lowest eye line, share of the height from the bottom (23 mm)", min=0.3, max=0.9)
    eye_max: float = option(0.69, "Highest eye line, share of the height from the bottom (31 mm)", min=0.3, max=0.9)
    eye_target: float = option(0.60, "Eye line the crop aims at", min=0.3, max=0.9)
    centre_tolerance: float = option(0.05, "Largest offset of the face centre from the middle, share of the width",
                                     min=0.0, max=0.5)
    # resolution in the source frame
    min_eye_distance_px: float = option(90.0, "Fewest source pixels between the eye centres", min=10, max=1000)
    # pose (degrees)
    max_roll: float = option(8.0, "Largest head roll in degrees", min=0, max=45)
    max_yaw: float = option(5.0, "Largest head yaw (turn) in degrees", min=0, max=45)
    max_pitch: float = option(5.0, "Largest head pitch (nod) in degrees", min=0, max=45)
    # exposure of the face (luminance 0..1)
    lum_min: float = option(0.30, "Lowest mean face luminance (0-1)", min=0, max=1)
    lum_max: float = option(0.70, "Highest mean face luminance (0-1)", min=0, max=1)
    max_dark_share: float = option(0.01, "Largest share of face pixels at or below 25/255", min=0, max=1)
    max_bright_share: float = option(0.005, "Largest share of face pixels at or above 247/255", min=0, max=1)
    min_lighting_overlap: float = option(0.5, "Smallest overlap of left/right face luminance histograms",
                                         min=0, max=1)
    min_entropy_bits: float = option(6.5, "Smallest entropy of the face luminance in bits", min=0, max=8)
    # calibrated
    min_sharpness: float = option(100.0, "Smallest variance of the Laplacian on the face scaled to 64 px "
                                        "between the eyes (calibrated)", min=0, max=10000)
    max_background_gradient: float = option(1.0, "Largest mean gradient magnitude of the backdrop beside the "
                                                  "head (calibrated, 0-255 scale)", min=0, max=255)
    max_background_distance: float = option(25.0, "Largest colour distance (Lab) of the backdrop from the empty "
                                                   "backdrop reference (calibrated)", min=0, max=300)
    max_glare_share: float = option(0.02, "Largest share of saturated pixels around the eyes (calibrated)",
                                    min=0, max=1)
    # live guidance
    stable_frames: int = option(5, "Consecutive passing frames before the countdown starts", min=1, max=100)
    max_motion: float = option(0.08, "Largest face movement between frames, share of the eye distance",
                               min=0, max=1)
    detect_width: int = option(640, "Width the live frame is scaled to for face detection", min=160, max=4000)
