"""Everything the kiosk needs at run time, built from the configuration without Kivy: data directory,
logging, catalog, devices (real or simulated), outbox and sender. The Kivy app receives one Runtime and only
reads from it, so the whole back half of the kiosk can be started and tested headless."""
from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from drivers.clock import SYSTEM_CLOCK, Clock
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHub
from kiosk.journey import Journey, Timeouts
from kiosk.logging_setup import setup_logging
from kiosk.services import Service, load_catalog

log = logging.getLogger("kiosk.runtime")


def simulation_data_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "polis-kiosk-sim"


@dataclass
class Runtime:
    config: KioskConfig
    data_dir: Path
    catalog: tuple[Service, ...]
    clock: Clock = SYSTEM_CLOCK
    devices: DeviceHub = field(default_factory=DeviceHub)
    simulate: bool = False
    _stoppers: list = field(default_factory=list)

    def make_journey(self) -> Journey:
        t = self.config.timeouts
        return Journey(self.catalog, default_language=self.config.i18n.default,
                       languages=tuple(self.config.i18n.languages),
                       timeouts=Timeouts(t.inactivity_s, t.warning_s, t.max_extensions, t.receipt_s),
                       clock=self.clock, device_status=self.devices.statuses)

    def on_stop(self, fn) -> None:
        self._stoppers.append(fn)

    def start_background(self) -> None:
        """Start devices (and simulators in simulation mode). Called after the first frame is drawn so the
        attract screen appears at once; every piece here starts its own thread and returns."""
        if self.simulate:
            from kiosk.simulation import start_simulators
            start_simulators(self)
        self.devices.open_all()

    def stop(self) -> None:
        self.devices.close_all()
        for fn in reversed(self._stoppers):
            try:
                fn()
            except Exception:
                log.exception("error while stopping %r", fn)


def build_runtime(config: KioskConfig, *, simulate: bool = False, clock: Clock = SYSTEM_CLOCK) -> Runtime:
    if simulate and "KIOSK_DATA_DIR" not in os.environ:
        data_dir = simulation_data_dir()
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, dir=str(data_dir)))
    data_dir = Path(config.data.dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(data_dir, config.logging.level, config.logging.max_bytes, config.logging.backups)
    catalog = load_catalog(languages=tuple(config.i18n.languages))
    log.info("kiosk %s starting (%s), data in %s", config.kiosk.id, "simulation" if simulate else "production",
             data_dir)
    return Runtime(config=config, data_dir=data_dir, catalog=catalog, clock=clock, simulate=simulate)
