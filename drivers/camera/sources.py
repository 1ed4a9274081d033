"""Where frames come from: an OpenCV capture (device index/path, video file, stream URL) or the in-process
camera simulator. Both give ``read(timeout) -> BGR frame`` and ``release()``; a lost source raises."""
from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import cv2
import numpy as np

from drivers.device import DeviceError, DeviceOffline, DeviceTimeout
from drivers.device_url import DeviceUrl

log = logging.getLogger("kiosk.drivers.camera")


class CameraNotFound(DeviceOffline):
    code = "camera_not_found"


class StreamEnded(DeviceError):
    code = "stream_ended"


class FrameSource(Protocol):
    def read(self, timeout: float) -> np.ndarray: ...

    def release(self) -> None: ...


class OpenCvSource:
    """cv2.VideoCapture with one buffered frame. Files are paced at ``fps`` so they look like a camera."""

    def __init__(self, url: DeviceUrl, width: int, height: int, fps: float, timeout: float = 2.0) -> None:
        self.fps = fps
        self.is_file = url.scheme == "file"
        network = url.scheme in ("rtsp", "http", "https")
        if url.scheme == "v4l2":
            target = url.path or url.host
            spec: int | str = int(target) if target.isdigit() else target
        elif url.scheme == "file":
            spec = url.path
        else:
            spec = url.raw
        if network:   # FFmpeg would otherwise wait for ever on a camera that accepts and then says nothing
            ms = int(timeout * 1000)
            self._cap = cv2.VideoCapture(spec, cv2.CAP_FFMPEG, [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms,
                                                                 cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms])
        else:
            self._cap = cv2.VideoCapture(spec)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraNotFound(f"cannot open camera source {url.raw!r}")
        if not self.is_file:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            self._cap.set(cv2.CAP_PROP_FPS, fps)
            self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)   # keep only the latest frame in the driver
        self._next = time.monotonic()
        self._paced = threading.Event()

    def read(self, timeout: float) -> np.ndarray:
        if self.is_file:
            wait = self._next - time.monotonic()
            if wait > 0:
                self._paced.wait(min(wait, timeout))
            self._next = max(self._next + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)
        ok, frame = self._cap.read()
        if not ok or frame is None:
            if self.is_file:
                raise StreamEnded("end of the video file")
            raise DeviceTimeout("the camera gave no frame")
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return frame

    def release(self) -> None:
        self._cap.release()


class SimulatorSource:
    """The in-process camera simulator, by ``sim://camera?id=N`` or a private one from the URL's settings."""

    def __init__(self, url: DeviceUrl, width: int, height: int, fps: float) -> None:
        from simulators.camera import CameraSimulator, lookup   # only when a simulator is configured
        if url.host != "camera":
            raise DeviceError(f"{url.raw!r}: the camera driver can only use sim://camera")
        sim_id = url.param("id")
        if sim_id:
            sim = lookup(sim_id)
            if sim is None:
                raise CameraNotFound(f"no camera simulator with id {sim_id}")
        else:
            try:
                sim = CameraSimulator(url.param("scenario", "compliant"),
                                      width=url.int_param("width", width), height=url.int_param("height", height),
                                      fps=float(url.int_param("fps", int(fps))))
            except ValueError as exc:
                raise DeviceError(str(exc)) from None
        self._stream = sim.open_stream()

    def read(self, timeout: float) -> np.ndarray:
        return self._stream.read(timeout)

    def release(self) -> None:
        self._stream.release()


def open_source(url: DeviceUrl, width: int, height: int, fps: float, timeout: float = 2.0) -> FrameSource:
    if url.scheme == "sim":
        return SimulatorSource(url, width, height, fps)
    if url.scheme in ("v4l2", "file", "rtsp", "http", "https"):
        return OpenCvSource(url, width, height, fps, timeout)
    raise DeviceError(f"{url.raw!r}: a camera cannot be reached over {url.scheme}://")
