"""The document photo file: the planned crop scaled down to 35x45 mm at 600 dpi, sRGB JPEG, under the size cap.

Only geometry happens here (crop, downscale with area averaging); background and face pixels are never edited.
"""
from __future__ import annotations

import io
import logging

import cv2
import numpy as np
from PIL import Image, ImageCms

from kiosk.photo.measures import Crop
from kiosk.photo.thresholds import PhotoThresholds

log = logging.getLogger("kiosk.photo")

QUALITIES = (95, 92, 90, 87, 85, 82, 80, 75, 70, 65, 60)


class PhotoOutputError(ValueError):
    """The frame cannot give a compliant file (crop outside the frame, or it would need upscaling)."""


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def document_photo(frame: np.ndarray, crop: Crop, t: PhotoThresholds | None = None) -> bytes:
    """JPEG bytes of the crop at ``out_width`` x ``out_height`` with the dpi and an sRGB profile written,
    stepping the quality down until the file fits ``max_bytes``."""
    t = t or PhotoThresholds()
    x, y, w, h = crop.box()
    fh, fw = frame.shape[:2]
    if x < 0 or y < 0 or x + w > fw or y + h > fh:
        raise PhotoOutputError(f"crop {crop.box()} leaves the {fw}x{fh} frame")
    if h < t.out_height or w < t.out_width - 1:
        raise PhotoOutputError(f"crop {w}x{h} is smaller than {t.out_width}x{t.out_height}: "
                               "it would need upscaling")
    part = cv2.resize(frame[y:y + h, x:x + w], (t.out_width, t.out_height), interpolation=cv2.INTER_AREA)
    image = Image.fromarray(cv2.cvtColor(part, cv2.COLOR_BGR2RGB))
    icc = _srgb_icc()
    for quality in QUALITIES:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=quality, dpi=(t.out_dpi, t.out_dpi), icc_profile=icc, optimize=True)
        if buf.tell() <= t.max_bytes:
            log.info("document photo: %dx%d, quality %d, %d bytes", t.out_width, t.out_height, quality, buf.tell())
            return buf.getvalue()
    raise PhotoOutputError(f"cannot fit the photo in {t.max_bytes} bytes even at quality {QUALITIES[-1]}")
