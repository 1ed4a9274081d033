"""Why the calibrated thresholds sit where they do: each is checked against the measures of the compliant
frames and of the defect made for it, so a change of threshold or of measure shows its margin here.

Figures on the simulator at 1920x1080 (seeded noise) when calibrated:
  sharpness (Laplacian variance, face at 64 px between the eyes): compliant 1400-1950, blurred (sigma 6.5 px)
      ~42, dark face ~150; a blur of sigma 4 px reads ~100 -> limit 100: 14x under compliant, 2.4x over the
      blurred scenario, sigma 2 passes and sigma 5 fails.
  background gradient (0-255, half resolution, after a light blur): plain backdrop with sensor noise 0.05-0.06,
      busy scene 4.2-4.4 -> limit 1.0.
  backdrop colour distance (Lab): compliant 0.5, busy 26, dark 62 -> limit 25 (the gradient catches busy first).
  glare (share of saturated pixels around the eyes): compliant 0.000-0.001, overexposed 0.28 -> limit 0.02.
"""
from __future__ import annotations

import cv2
import pytest

from kiosk.photo.checks import Check
from kiosk.photo.thresholds import PhotoThresholds
from tests.photo.conftest import sim_frame

T = PhotoThresholds()


def measure(analyser, scenario: str, check: Check, index: int = 3) -> float:
    return analyser.final_check(sim_frame(scenario, index)).result(check).measure


@pytest.mark.parametrize("index", [1, 5])
def test_sharpness_limit_has_margin_on_both_sides(analyser, index):
    assert measure(analyser, "compliant", Check.SHARPNESS, index) > 5 * T.min_sharpness
    assert measure(analyser, "blurred", Check.SHARPNESS, index) < 0.7 * T.min_sharpness


def test_the_sharpness_limit_falls_between_a_slight_and_a_clear_defocus(analyser):
    """At 1080 source rows for 1063 output rows the limit sits at a Gaussian blur of sigma ~4 px (0.17 mm on
    the print): sigma 2 (a soft lens) passes, sigma 5 (0.21 mm) is refused."""
    def sharpness(sigma: float) -> float:
        frame = cv2.GaussianBlur(sim_frame("compliant"), (0, 0), sigma)
        return analyser.final_check(frame).result(Check.SHARPNESS).measure
    assert sharpness(2.0) > 2 * T.min_sharpness
    assert sharpness(5.0) < T.min_sharpness


def test_background_gradient_limit_separates_plain_from_busy(analyser):
    assert measure(analyser, "compliant", Check.BACKGROUND) < T.max_background_gradient / 5
    assert measure(analyser, "busy_background", Check.BACKGROUND) > 3 * T.max_background_gradient


def test_glare_limit_separates_clean_from_saturated_eyes(analyser):
    assert measure(analyser, "compliant", Check.GLARE) < T.max_glare_share / 5
    assert measure(analyser, "overexposed", Check.GLARE) > 5 * T.max_glare_share


def test_pose_of_the_compliant_person_reads_level_within_the_limits(analyser):
    """Five-landmark pose is noisy (see kiosk/photo/measures.py): the compliant person must read inside the
    limits on several frames, and the made-up defects outside them."""
    for index in (1, 5, 9):
        report = analyser.final_check(sim_frame("compliant", index))
        assert report.result(Check.YAW).measure <= T.max_yaw
        assert report.result(Check.PITCH).measure <= T.max_pitch
        assert report.result(Check.ROLL).measure <= T.max_roll / 2
    assert measure(analyser, "turned", Check.YAW) > T.max_yaw
    assert measure(analyser, "tilted", Check.ROLL) > T.max_roll + 3
