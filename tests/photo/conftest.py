"""Frames for the photo tests: the camera simulator's scenes at its full resolution (1920x1080), with the
simulator's noise and motion, and the two real portraits that ship with matplotlib and scikit-image."""
from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

from kiosk.photo.analyser import PhotoAnalyser
from simulators.camera import CameraSimulator

FULL = (1920, 1080)


@functools.lru_cache(maxsize=None)
def sim_frame(scenario: str, index: int = 3) -> np.ndarray:
    frame = CameraSimulator(scenario, width=FULL[0], height=FULL[1]).frame(index)
    frame.setflags(write=False)
    return frame


def grace_hopper() -> np.ndarray:
    from matplotlib import cbook
    return cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


def astronaut() -> np.ndarray:
    from skimage import data
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def analyser() -> PhotoAnalyser:
    a = PhotoAnalyser()
    assert a.learn_backdrop(sim_frame("nobody"))
    return a
