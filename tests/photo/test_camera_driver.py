"""The camera driver against the simulator and a real video file through OpenCV: frames on its own thread,
newest only, honest status, reconnect after unplug, clean release."""
from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from drivers.backoff import Backoff
from drivers.camera import CameraDriver
from drivers.device import DeviceState, EventKind
from simulators.camera import CameraSimulator
from tests.waiting import poll


wait_until = poll


@pytest.fixture
def sim():
    s = CameraSimulator("compliant", width=640, height=360, fps=30)
    yield s
    s.stop()


def fast_backoff() -> Backoff:
    return Backoff(base=0.05, cap=0.2)


def test_frames_arrive_on_the_driver_thread_and_status_goes_online(sim):
    cam = CameraDriver(sim.start(), backoff=fast_backoff())
    assert cam.status().state is DeviceState.STARTING
    threads = []
    cam.subscribe(lambda e: threads.append(threading.current_thread().name))
    cam.open()
    try:
        frame = cam.wait_frame(0, timeout=10)
        assert frame is not None and frame.size == (640, 360)
        assert wait_until(lambda: cam.status().state is DeviceState.ONLINE)
        assert threads and all(name == "camera-worker" for name in threads)
        assert cam.status().detail == "640x360"
    finally:
        cam.close()
    assert cam.status().state is DeviceState.OFFLINE


def test_only_the_newest_frame_is_kept_for_a_slow_reader(sim):
    cam = CameraDriver(sim.start(), backoff=fast_backoff())
    cam.open()
    try:
        first = cam.wait_frame(0, timeout=10)
        assert first is not None
        assert wait_until(lambda: cam.latest().seq >= first.seq + 6)   # the reader was busy for 6 frames
        got = cam.wait_frame(first.seq, timeout=2)
        assert got.seq >= first.seq + 6          # it gets the newest frame, not the backlog from first + 1
        assert cam.measured_fps() == pytest.approx(30, rel=0.35)
    finally:
        cam.close()


def test_unplug_reports_offline_and_replug_recovers_by_itself(sim):
    cam = CameraDriver(sim.start(), backoff=fast_backoff())
    events = []
    cam.subscribe(lambda e: events.append(e))
    cam.open()
    try:
        assert wait_until(lambda: cam.status().ready)
        sim.unplug()
        assert wait_until(lambda: cam.status().state is DeviceState.OFFLINE)
        assert "unplugged" in cam.status().detail
        assert cam.wait_frame(cam.latest().seq, timeout=0.3) is None      # no stale frame passed off as new
        with pytest.raises(Exception, match="no frame"):
            cam.capture(timeout=0.2)
        sim.plug()
        assert wait_until(lambda: cam.status().ready)
        assert cam.capture(timeout=2).size == (640, 360)
        states = [e.status.state for e in events if e.kind is EventKind.STATUS_CHANGED]
        assert states[0] is DeviceState.ONLINE and DeviceState.OFFLINE in states and states[-1] is DeviceState.ONLINE
    finally:
        cam.close()


def test_scenario_change_is_seen_in_the_next_frames(sim):
    cam = CameraDriver(sim.start(), backoff=fast_backoff())
    cam.open()
    try:
        bright = cam.wait_frame(0, timeout=10).image.mean()
        sim.set_scenario("dark")
        assert wait_until(lambda: cam.latest().image.mean() < bright * 0.5)
    finally:
        cam.close()


def test_a_private_simulator_from_a_url_alone(tmp_path):
    cam = CameraDriver("sim://camera?scenario=nobody&width=320&height=240&fps=20", backoff=fast_backoff())
    cam.open()
    try:
        frame = cam.wait_frame(0, timeout=10)
        assert frame.size == (320, 240)
    finally:
        cam.close()


@pytest.mark.parametrize("url, words", [
    ("sim://camera?scenario=dancing", "unknown camera scenario"),
    ("sim://camera?id=999", "no camera simulator"),
    ("v4l2:///dev/video-does-not-exist", "cannot open camera source"),
    ("tcp://127.0.0.1:9", "cannot be reached over tcp"),
])
def test_a_camera_that_cannot_be_opened_is_offline_with_a_reason(url, words):
    cam = CameraDriver(url, backoff=fast_backoff())
    cam.open()
    try:
        assert wait_until(lambda: cam.status().state is DeviceState.OFFLINE)
        assert words in cam.status().detail
        assert not cam.status().ready
        assert cam.latest() is None
    finally:
        cam.close()


def test_video_file_through_opencv_plays_and_restarts_at_the_end(tmp_path):
    """The real OpenCV capture path: a short MJPG file the driver plays as if it were a camera."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (160, 120))
    assert writer.isOpened()
    for i in range(5):
        writer.write(np.full((120, 160, 3), 40 * i, np.uint8))
    writer.release()
    cam = CameraDriver(f"file://{path}", fps=60, backoff=fast_backoff())
    cam.open()
    try:
        assert wait_until(lambda: cam.latest() is not None and cam.latest().seq > 12)   # past the 5-frame end
        assert cam.latest().size == (160, 120)
        assert cam.status().ready
    finally:
        cam.close()


def test_network_camera_over_http_mjpeg_goes_away_and_comes_back():
    """The simulator as an IP camera (multipart JPEG over loopback HTTP), read by OpenCV/FFmpeg."""
    from simulators.camera.mjpeg import MjpegServer
    sim = CameraSimulator("compliant", width=320, height=240, fps=25)
    server = MjpegServer(sim)
    url = server.start()
    cam = CameraDriver(url, frame_timeout=2.0, backoff=fast_backoff())
    cam.open()
    try:
        frame = cam.wait_frame(0, timeout=20)
        assert frame is not None and frame.size == (320, 240)
        assert wait_until(lambda: cam.status().ready)
        server.stop()
        assert wait_until(lambda: cam.status().state is DeviceState.OFFLINE, timeout=15)
        server.start()                                   # same port: the camera is back on the network
        assert wait_until(lambda: cam.status().ready, timeout=20)
        seq = cam.latest().seq
        assert cam.wait_frame(seq, timeout=5) is not None
    finally:
        cam.close()
        server.stop()


def test_a_network_camera_that_accepts_and_then_says_nothing_is_offline_not_hung():
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    cam = CameraDriver(f"http://127.0.0.1:{port}/stream.mjpg", frame_timeout=1.0, backoff=fast_backoff())
    cam.open()
    worker = cam._thread
    try:
        assert wait_until(lambda: cam.status().state is DeviceState.OFFLINE, timeout=15)
        assert "cannot" in cam.status().detail
        assert cam.latest() is None
    finally:
        cam.close(timeout=5)
        listener.close()
    assert not worker.is_alive()          # no read left hanging on the silent camera
    assert cam.status().detail == "closed"
