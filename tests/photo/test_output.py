"""The document photo file: 827x1063 px, 600 dpi written, sRGB, <= 500 KB, and pixels only cropped and scaled."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from kiosk.photo.measures import Crop, plan_crop
from kiosk.photo.output import PhotoOutputError, document_photo
from kiosk.photo.thresholds import PhotoThresholds
from tests.photo.conftest import grace_hopper, sim_frame


@pytest.fixture(scope="module")
def compliant(analyser):
    frame = sim_frame("compliant")
    report = analyser.final_check(frame)
    assert report.ok
    return frame, report


def test_output_has_the_size_dpi_profile_and_weight_of_a_document_photo(compliant):
    frame, report = compliant
    data = document_photo(frame, report.crop)
    assert len(data) <= 500_000
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (827, 1063)
    assert tuple(round(v) for v in image.info["dpi"]) == (600, 600)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_output_only_crops_and_scales_background_and_face_are_untouched(compliant):
    frame, report = compliant
    x, y, w, h = report.crop.box()
    expected = cv2.resize(frame[y:y + h, x:x + w], (827, 1063), interpolation=cv2.INTER_AREA)
    got = cv2.cvtColor(np.array(Image.open(io.BytesIO(document_photo(frame, report.crop)))), cv2.COLOR_RGB2BGR)
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.mean() < 2.0          # JPEG rounding only
    assert np.percentile(diff, 99) <= 12


def test_the_output_photo_passes_its_own_measures(compliant, analyser):
    """The file itself, measured as an office would: head 70-80 %, eyes 51-69 % up, centred."""
    frame, report = compliant
    photo = cv2.imdecode(np.frombuffer(document_photo(frame, report.crop), np.uint8), cv2.IMREAD_COLOR)
    face = analyser.final_check(photo).faces[0]
    from kiosk.photo.measures import head_height
    assert 0.70 <= head_height(face) / 1063 <= 0.80
    assert 0.51 <= (1063 - face.eye_mid[1]) / 1063 <= 0.69
    assert abs(face.eye_mid[0] - 827 / 2) / 827 <= 0.05


def test_quality_steps_down_to_fit_a_small_size_cap(compliant):
    frame, report = compliant
    full = document_photo(frame, report.crop)
    t = PhotoThresholds(max_bytes=len(full) // 2)
    smaller = document_photo(frame, report.crop, t)
    assert len(smaller) <= len(full) // 2
    assert Image.open(io.BytesIO(smaller)).size == (827, 1063)
    with pytest.raises(PhotoOutputError, match="cannot fit"):
        document_photo(frame, report.crop, PhotoThresholds(max_bytes=10_000))


def test_a_crop_that_would_need_upscaling_is_refused():
    image = grace_hopper()                       # 512x600: too few pixels for 1063 rows
    with pytest.raises(PhotoOutputError, match="upscaling"):
        document_photo(image, Crop(0, 0, 466, 600, fits=True))


def test_a_crop_outside_the_frame_is_refused():
    frame = sim_frame("compliant")
    with pytest.raises(PhotoOutputError, match="leaves"):
        document_photo(frame, Crop(1500, 0, 827, 1063, fits=True))


def test_planned_crop_stays_inside_the_frame_for_every_scenario(analyser):
    for scenario in ("compliant", "too_close", "off_centre", "too_far"):
        frame = sim_frame(scenario)
        face = analyser.final_check(frame).faces[0]
        c = plan_crop(face, frame.shape[1], frame.shape[0], PhotoThresholds())
        assert c.left >= 0 and c.top >= 0
        assert c.left + c.width <= frame.shape[1] + 0.5 and c.top + c.height <= frame.shape[0] + 0.5
        assert c.width / c.height == pytest.approx(827 / 1063)
