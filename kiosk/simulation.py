"""Simulation mode: start every stand-in for the outside world in-process and point the configuration at them.

Each simulator speaks the real protocol (ESC/POS over TCP, CRT-591 over a pty, HTTP on loopback, a camera
frame source), so the kiosk runs exactly the code it runs on a totem; only the URLs differ.
"""
from __future__ import annotations

import dataclasses
import logging

log = logging.getLogger("kiosk.simulation")


def start_simulators(runtime) -> None:
    """Start the simulators and rewrite ``runtime.config`` to use them (before the devices are built)."""
    from simulators.backend import BackendSimulator
    from simulators.camera import CameraSimulator
    from simulators.card_reader import CardReaderSimulator
    from simulators.printer import PrinterSimulator

    sim_dir = runtime.data_dir / "simulators"
    sim_dir.mkdir(parents=True, exist_ok=True)
    cfg = runtime.config

    backend = BackendSimulator(sim_dir / "backend.sqlite3", port=0)
    backend_url = backend.start()
    runtime.on_stop(backend.stop)
    token_file = runtime.data_dir / "backend-token"
    backend.provision_kiosk(cfg.kiosk.id, token_file)

    printer = PrinterSimulator(sim_dir / "paper", port=0, columns=cfg.printer.columns)
    printer_url = printer.start()
    runtime.on_stop(printer.stop)

    reader = CardReaderSimulator(link_path=str(sim_dir / "card-reader.tty"))
    reader.start()
    runtime.on_stop(reader.stop)

    camera = CameraSimulator(cfg.simulation.camera_scenario, width=cfg.camera.width, height=cfg.camera.height,
                             fps=cfg.camera.fps)
    camera_url = camera.start()
    runtime.on_stop(camera.stop)

    runtime.simulators = {"backend": backend, "printer": printer, "card_reader": reader, "camera": camera}
    runtime.config = dataclasses.replace(
        cfg,
        backend=dataclasses.replace(cfg.backend, url=backend_url, token_file=str(token_file), ca_bundle=""),
        printer=dataclasses.replace(cfg.printer, url=printer_url),
        card_reader=dataclasses.replace(cfg.card_reader, url=reader.url),
        camera=dataclasses.replace(cfg.camera, url=camera_url))
    log.info("simulators: backend %s, printer %s, card reader %s, camera %s (receipts as PNG in %s)",
             backend_url, printer_url, reader.url, camera_url, sim_dir / "paper")
