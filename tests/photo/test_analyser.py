"""Each defect, made from the compliant frame, is caught by the check meant for it and gives its instruction;
the compliant frame passes; the real portraits are found, measured and refused for the right reasons."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from kiosk.i18n import translate
from kiosk.photo.analyser import PhotoAnalyser
from kiosk.photo.checks import INSTRUCTIONS, READY, Check, Side
from tests.photo.conftest import astronaut, grace_hopper, sim_frame


@pytest.mark.parametrize("index", [1, 11, 23])
def test_compliant_frame_passes_every_check_live_and_final(analyser, index):
    frame = sim_frame("compliant", index)
    for report in (analyser.analyse(frame), analyser.final_check(frame)):
        assert report.ok, report.table()
        assert len(report.results) == len(Check)
        assert report.instruction == READY


# scenario -> (the check that must fail, the side it misses on, the instruction the citizen gets)
DEFECTS = {
    "nobody": (Check.FACE_FOUND, Side.ANY, "Please sit in front of the camera"),
    "two_people": (Check.ONE_FACE, Side.ANY, "Only one person in the photo, please"),
    "too_far": (Check.HEAD_SIZE, Side.LOW, "Move a little closer"),
    "too_close": (Check.HEAD_SIZE, Side.HIGH, "Move back a little"),
    "off_centre": (Check.CENTRED, Side.HIGH, "Move to the middle of the frame"),
    "tilted": (Check.ROLL, Side.HIGH, "Keep your head straight"),
    "turned": (Check.YAW, Side.HIGH, "Look straight at the camera"),
    "dark": (Check.EXPOSURE, Side.LOW, "Too dark: the light will be adjusted"),
    "overexposed": (Check.EXPOSURE, Side.HIGH, "Too bright: the light will be adjusted"),
    "blurred": (Check.SHARPNESS, Side.LOW, "Hold still for a moment"),
    "busy_background": (Check.BACKGROUND, Side.HIGH, "The background behind you must be plain"),
}


@pytest.mark.parametrize("scenario", sorted(DEFECTS))
def test_each_defect_is_caught_by_its_check_with_its_instruction(analyser, scenario):
    check, side, instruction = DEFECTS[scenario]
    report = analyser.final_check(sim_frame(scenario))
    result = report.result(check)
    assert result is not None and not result.passed, report.table()
    assert result.side is side
    assert not report.ok
    assert report.instruction == instruction, report.table()
    assert translate(instruction, "it") != instruction, "no Italian translation"


@pytest.mark.parametrize("scenario", ["too_far", "off_centre", "tilted", "blurred", "busy_background"])
def test_a_defect_fails_only_its_own_check_and_the_rest_still_measure(analyser, scenario):
    """A single defect does not spill into unrelated verdicts (the citizen gets the right instruction)."""
    check = DEFECTS[scenario][0]
    report = analyser.final_check(sim_frame(scenario))
    assert [r.check for r in report.failed] == [check], report.table()


def test_live_guidance_matches_the_final_check_on_every_scenario(analyser):
    for scenario, (check, _side, _text) in DEFECTS.items():
        live = analyser.analyse(sim_frame(scenario, 7))
        assert check in {r.check for r in live.failed}, (scenario, live.table())


def test_dark_scene_fails_exposure_on_clipped_shadows_and_dynamic_range(analyser):
    report = analyser.final_check(sim_frame("dark"))
    assert report.result(Check.EXPOSURE).measure < 0.3
    assert not report.result(Check.DYNAMIC_RANGE).passed


def test_overexposed_scene_also_shows_glare_around_the_eyes(analyser):
    report = analyser.final_check(sim_frame("overexposed"))
    assert not report.result(Check.GLARE).passed


def test_a_second_face_pasted_into_the_compliant_frame_is_refused(analyser):
    """A defect made by hand from the compliant frame: a smaller copy of the face pasted beside it."""
    frame = sim_frame("compliant").copy()
    face = analyser.final_check(frame).faces[0]
    x, y, w, h = (int(v) for v in face.box)
    small = cv2.resize(frame[y:y + h, x:x + w], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    frame[40:40 + h // 2, 60:60 + w // 2] = small
    report = analyser.final_check(frame)
    assert not report.result(Check.ONE_FACE).passed
    assert report.instruction == "Only one person in the photo, please"


def test_rotation_made_from_the_compliant_frame_is_measured_as_roll(analyser):
    frame = sim_frame("compliant")
    cx, cy = analyser.final_check(frame).faces[0].eye_mid
    m = cv2.getRotationMatrix2D((cx, cy), 12.0, 1.0)
    rotated = cv2.warpAffine(frame, m, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    roll = analyser.final_check(rotated).result(Check.ROLL)
    assert not roll.passed and 9.0 < roll.measure < 15.0


def test_exposure_scaled_from_the_compliant_frame_moves_the_luminance_measure(analyser):
    frame = sim_frame("compliant")
    base = analyser.final_check(frame).result(Check.EXPOSURE).measure
    darker = analyser.final_check(cv2.convertScaleAbs(frame, alpha=0.45)).result(Check.EXPOSURE)
    assert darker.measure == pytest.approx(base * 0.45, rel=0.1)
    assert not darker.passed and darker.side is Side.LOW


def test_blur_of_increasing_strength_lowers_sharpness_monotonically(analyser):
    frame = sim_frame("compliant")
    values = [analyser.final_check(cv2.GaussianBlur(frame, (0, 0), s) if s else frame)
              .result(Check.SHARPNESS).measure for s in (0, 2, 4, 8)]
    assert values == sorted(values, reverse=True)
    assert values[0] > analyser.t.min_sharpness > values[-1]


@pytest.mark.parametrize("load", [grace_hopper, astronaut], ids=["grace_hopper", "astronaut"])
def test_real_portraits_are_found_measured_and_refused_for_the_right_reasons(analyser, load):
    image = load()
    report = PhotoAnalyser().final_check(image)   # no backdrop reference: their backdrop is unknown
    assert len(report.faces) == 1
    face = report.faces[0]
    x, y, w, h = face.box
    for px, py in face.landmarks():
        assert x <= px <= x + w and y <= py <= y + h
    assert face.eye_left[0] < face.nose[0] < face.eye_right[0]
    assert face.eye_mid[1] < face.nose[1] < face.mouth_mid[1]
    assert len(report.results) == len(Check)          # every measure reported
    assert all(not math.isnan(r.measure) for r in report.results)
    failed = {r.check for r in report.failed}
    # too few pixels for 600 dpi without upscaling, and a flag / space-shuttle backdrop
    assert {Check.RESOLUTION, Check.BACKGROUND} <= failed, report.table()
    assert "upscaling" in report.result(Check.RESOLUTION).detail
    # not refused for reasons that are not theirs: they are well lit, sharp, and hold their heads straight
    assert {Check.EXPOSURE, Check.SHARPNESS, Check.ROLL, Check.ONE_FACE} .isdisjoint(failed)


def test_garbage_input_is_a_clear_error_not_a_crash():
    analyser = PhotoAnalyser()
    with pytest.raises(ValueError, match="BGR"):
        analyser.analyse(np.zeros((10, 10), np.uint8))
    report = analyser.analyse(np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8))
    assert not report.ok and report.instruction == "Please sit in front of the camera"


def test_every_instruction_has_an_italian_translation():
    for text in {*INSTRUCTIONS.values(), READY}:
        assert translate(text, "it") != text, text


def test_side_light_made_from_the_compliant_frame_fails_even_lighting_only(analyser):
    """Light falling off across the face (1.25x on one cheek, 0.55x on the other), the rest unchanged."""
    frame = sim_frame("compliant")
    face = analyser.final_check(frame).faces[0]
    x = np.arange(frame.shape[1], dtype=np.float32)
    gain = np.clip(1.0 - (x - face.eye_mid[0]) / face.eye_distance * 0.4, 0.55, 1.25)
    lit = np.clip(frame.astype(np.float32) * gain[None, :, None], 0, 255).astype(np.uint8)
    report = analyser.final_check(lit)
    assert [r.check for r in report.failed] == [Check.EVEN_LIGHTING], report.table()
    assert report.instruction == "Uneven light on your face: the light will be adjusted"


@pytest.mark.parametrize("dy, side, instruction", [
    (110, Side.LOW, "Raise your face to the guide"),
    (-110, Side.HIGH, "Lower your face to the guide"),
])
def test_a_person_too_low_or_too_high_in_the_frame_fails_the_eye_line(analyser, dy, side, instruction):
    """The crop can follow the face only as far as the frame goes: 110 px lower or higher is too far."""
    frame = sim_frame("compliant")
    m = np.float32([[1, 0, 0], [0, 1, dy]])
    moved = cv2.warpAffine(frame, m, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    report = analyser.final_check(moved)
    assert [r.check for r in report.failed] == [Check.EYE_LINE], report.table()
    assert report.result(Check.EYE_LINE).side is side
    assert report.instruction == instruction


def test_reflections_on_glasses_made_from_the_compliant_frame_fail_the_glare_check(analyser):
    frame = sim_frame("compliant").copy()
    face = analyser.final_check(frame).faces[0]
    ed = face.eye_distance
    for ex, ey in (face.eye_left, face.eye_right):       # a lamp's reflection on each lens
        cv2.circle(frame, (int(ex + 0.15 * ed), int(ey - 0.12 * ed)), int(0.12 * ed), (255, 255, 255), -1)
    report = analyser.final_check(frame)
    assert [r.check for r in report.failed] == [Check.GLARE], report.table()
    assert report.instruction == "Reflections on your glasses: tilt them a little"
