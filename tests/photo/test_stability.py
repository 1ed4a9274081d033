"""Capture only after the pose has been good and still for several consecutive live frames."""
from __future__ import annotations

import numpy as np

from kiosk.photo.stability import StabilityTracker
from kiosk.photo.thresholds import PhotoThresholds
from tests.photo.conftest import sim_frame


def test_needs_consecutive_good_frames_and_resets_on_a_bad_one(analyser):
    tracker = StabilityTracker(PhotoThresholds(stable_frames=3))
    good = [analyser.analyse(sim_frame("compliant", i)) for i in (3, 4, 5, 6)]
    assert all(r.ok for r in good)
    bad = analyser.analyse(sim_frame("too_far", 1))
    assert [tracker.update(r) for r in good[:2]] == [False, False]
    assert tracker.update(bad) is False and tracker.count == 0
    assert [tracker.update(r) for r in good[:3]] == [False, False, True]
    assert tracker.stable


def test_a_face_that_jumps_between_frames_is_not_stable(analyser):
    tracker = StabilityTracker(PhotoThresholds(stable_frames=2, max_motion=0.08))
    first = analyser.analyse(sim_frame("compliant", 1))
    frame = np.ascontiguousarray(np.roll(sim_frame("compliant", 1), 60, axis=1))   # moved by 60 px
    moved = analyser.analyse(frame)
    assert moved.ok
    assert tracker.update(first) is False
    assert tracker.update(moved) is False      # moved more than 8 % of the eye distance: count restarts
    assert tracker.update(moved) is True


def test_one_odd_report_does_not_change_the_instruction_shown():
    from kiosk.photo.stability import InstructionSmoother
    s = InstructionSmoother(window=3)
    assert s.update("Move a little closer") == "Move a little closer"
    assert s.update("Move a little closer") == "Move a little closer"
    assert s.update("Keep your chin level") == "Move a little closer"      # one noisy frame
    assert s.update("Perfect, hold still") == "Move a little closer"       # no majority yet
    assert s.update("Perfect, hold still") == "Perfect, hold still"        # now it holds
    s.reset()
    assert s.update("Hold still for a moment") == "Hold still for a moment"
