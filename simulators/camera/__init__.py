"""Camera simulator: scripted scenes (``scene``) streamed live (``source``)."""
from simulators.camera.scene import SCENARIOS, render
from simulators.camera.source import CameraSimulator, SimulatorUnplugged, lookup

__all__ = ["SCENARIOS", "render", "CameraSimulator", "SimulatorUnplugged", "lookup"]
