"""Camera: OpenCV capture or the simulator, on a worker thread, newest frame only."""
from drivers.camera.driver import CameraDriver, Frame
from drivers.camera.sources import CameraNotFound, StreamEnded

__all__ = ["CameraDriver", "Frame", "CameraNotFound", "StreamEnded"]
