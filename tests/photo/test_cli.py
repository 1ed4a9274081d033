"""`kiosk camera status|snapshot|check` as a technician runs them."""
from __future__ import annotations

import cv2

from kiosk.cli import main
from tests.photo.conftest import grace_hopper, sim_frame


def test_check_prints_every_measure_and_accepts_a_compliant_frame(tmp_path, capsys):
    photo = tmp_path / "frame.png"
    cv2.imwrite(str(photo), sim_frame("compliant"))
    backdrop = tmp_path / "empty.png"
    cv2.imwrite(str(backdrop), sim_frame("nobody"))
    assert main(["camera", "check", str(photo), "--backdrop", str(backdrop)]) == 0
    out = capsys.readouterr().out
    for name in ("head_size", "eye_line", "centred", "resolution", "roll", "yaw", "pitch", "exposure",
                 "even_lighting", "dynamic_range", "sharpness", "background", "glare"):
        assert name in out
    assert "verdict: COMPLIANT (output 827x1063" in out


def test_check_refuses_a_real_portrait_and_says_why(tmp_path, capsys):
    photo = tmp_path / "grace.jpg"
    cv2.imwrite(str(photo), grace_hopper())
    assert main(["camera", "check", str(photo)]) == 1
    out = capsys.readouterr().out
    assert "resolution" in out and "would need upscaling" in out
    assert "verdict: REFUSED - instruction: Move a little closer" in out


def test_check_on_a_file_that_is_not_an_image_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    assert main(["camera", "check", str(bad)]) == 2
    assert "not a readable image" in capsys.readouterr().err


def test_status_and_snapshot_with_the_simulator(tmp_path, capsys):
    url = "sim://camera?scenario=compliant&width=640&height=360&fps=30"
    assert main(["camera", "status", "--url", url, "--seconds", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "state    online" in out and "frame    640x360" in out
    shot = tmp_path / "shot.jpg"
    assert main(["camera", "snapshot", str(shot), "--url", url]) == 0
    assert cv2.imread(str(shot)).shape == (360, 640, 3)


def test_status_of_a_missing_camera_is_not_ok(capsys):
    assert main(["camera", "status", "--url", "v4l2:///dev/video-gone", "--timeout", "1", "--seconds", "0"]) == 1
    out = capsys.readouterr().out
    assert "state    offline" in out and "cannot open camera source" in out
