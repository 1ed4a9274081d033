"""Everything the kiosk needs at run time, built from the configuration without Kivy: data directory,
logging, catalog, devices (real or simulated), outbox and sender. The Kivy app receives one Runtime and only
reads from it, so the whole back half of the kiosk can be started and tested headless."""
from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from drivers.clock import SYSTEM_CLOCK, Clock
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHub
from kiosk.journey import Journey, Timeouts
from kiosk.logging_setup import setup_logging
from kiosk.services import Service, load_catalog

log = logging.getLogger("kiosk.runtime")
try:
    VERSION = importlib.metadata.version("polis-kiosk")     # one place for the version: setup.cfg
except importlib.metadata.PackageNotFoundError:
    VERSION = "0+source"
BACKEND_SETUP_RETRY_S = 60.0
SIMULATION_PIN = "1234"     # simulation mode only, when no pin_hash is configured (README says so)


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
    simulators: dict = field(default_factory=dict)
    printer: object = None
    card_reader: object = None
    camera: object = None
    outbox: object = None
    sender: object = None
    heartbeat: object = None
    out_of_service: str = ""            # message from the backend while the kiosk is taken out of service
    restart_requested: bool = False
    _stoppers: list = field(default_factory=list)

    def make_journey(self) -> Journey:
        t = self.config.timeouts
        return Journey(self.catalog, default_language=self.config.i18n.default,
                       languages=tuple(self.config.i18n.languages),
                       timeouts=Timeouts(t.inactivity_s, t.warning_s, t.max_extensions, t.receipt_s),
                       clock=self.clock, device_status=self.devices.statuses, offered=self.offered_services)

    def on_stop(self, fn) -> None:
        self._stoppers.append(fn)

    def start_background(self) -> None:
        """Start devices (and simulators in simulation mode). Called after the first frame is drawn so the
        attract screen appears at once; every piece here starts its own thread and returns."""
        if self.simulate:
            from kiosk.simulation import start_simulators
            start_simulators(self)
        self._build_devices()
        self.devices.open_all()
        self._start_backend()

    def _build_devices(self) -> None:
        cfg = self.config
        from drivers.camera import CameraDriver
        from drivers.card_reader import CardReader
        from drivers.printer import ThermalPrinter
        from drivers.printer.render import PrinterProfile
        self.printer = ThermalPrinter(cfg.printer.url, profile=PrinterProfile(columns=cfg.printer.columns),
                                      status_timeout=cfg.printer.status_timeout_s,
                                      poll_interval=cfg.printer.poll_interval_s)
        self.card_reader = CardReader(cfg.card_reader.url, address=cfg.card_reader.address,
                                      take_card_s=cfg.card_reader.take_card_s,
                                      poll_interval=cfg.card_reader.poll_interval_s)
        self.camera = CameraDriver(cfg.camera.url, width=cfg.camera.width, height=cfg.camera.height,
                                   fps=cfg.camera.fps)
        for name in ("printer", "card_reader", "camera"):
            self.devices.add(name, getattr(self, name))

    def _start_backend(self) -> None:
        """Outbox first (requests must be storable even with no network), then the sender and heartbeat.
        Without usable credentials (token file missing or readable by others) the outbox still takes requests,
        and the client is tried again every minute, so a technician's fix needs no restart."""
        from kiosk.outbox import Outbox
        from kiosk.outbox.store import OUTBOX_FILENAME
        cfg = self.config
        self.outbox = Outbox.open_or_quarantine(self.data_dir / OUTBOX_FILENAME, cfg.kiosk.id, clock=self.clock,
                                                retention_days=cfg.data.retention_days)
        if self.outbox.alert:
            log.critical("outbox: %s", self.outbox.alert)
        self.on_stop(self.outbox.close)
        if self._connect_backend():
            return
        stopping = threading.Event()
        self.on_stop(stopping.set)

        def retry() -> None:
            while not stopping.wait(BACKEND_SETUP_RETRY_S):
                if self._connect_backend():
                    return
        threading.Thread(target=retry, name="backend-setup", daemon=True).start()

    def _connect_backend(self) -> bool:
        from kiosk.backend import BackendClient
        from kiosk.catalog_sync import CatalogSync
        from kiosk.heartbeat import Heartbeat
        from kiosk.outbox import OutboxSender
        cfg = self.config
        try:
            client = BackendClient.from_config(cfg)
            heartbeat_client = BackendClient.from_config(cfg)   # its own session: never waits behind a send
        except Exception as exc:
            log.critical("backend client cannot start (%s): requests are kept in the outbox; trying again in "
                         "%.0f s", exc, BACKEND_SETUP_RETRY_S)
            return False
        self.sender = OutboxSender(self.outbox, client, clock=self.clock)
        self.sender.start()
        self.on_stop(self.sender.stop)
        catalog = CatalogSync(heartbeat_client, self.data_dir / "catalog.json", locale=cfg.i18n.default)
        self.heartbeat = Heartbeat(heartbeat_client, version=VERSION, state_path=self.data_dir / "heartbeat-state.json",
                                   device_states=self.device_report,
                                   execute=self.execute_command, outbox=self.outbox, catalog=catalog,
                                   data_dir=self.data_dir, interval_s=cfg.backend.heartbeat_s, clock=self.clock)
        self.heartbeat.start()
        self.on_stop(self.heartbeat.stop)
        return True

    def offered_services(self) -> frozenset[str] | None:
        """Service ids in the backend's last good catalog (kept on disk), or None before any was received."""
        current = self.heartbeat.catalog.current if self.heartbeat and self.heartbeat.catalog else None
        return frozenset(s.id for s in current.services) if current else None

    def device_report(self) -> dict:
        """Device states for the heartbeat; the printer's supply is its paper (the contract's "paper" key)."""
        report = {name: status.as_dict() for name, status in self.devices.statuses().items()}
        if "printer" in report:
            report["printer"]["paper"] = report["printer"]["supply"]
        return report

    def execute_command(self, command) -> None:
        """A command from the operator's console, via the heartbeat (each runs once)."""
        if command.type == "out_of_service":
            self.out_of_service = command.message or "out of service"
        elif command.type == "in_service":
            self.out_of_service = ""
        elif command.type == "print_test" and self.printer is not None:
            from kiosk.receipts import KioskInfo, technician_test_page
            self.printer.submit(technician_test_page(KioskInfo.from_config(self.config), self.clock.now(),
                                                     self.config.printer.columns))
        elif command.type == "restart_app":
            log.warning("restart requested by the backend: exiting for the supervisor to restart the app")
            self.restart_requested = True
        elif command.type == "reload_catalog" and self.heartbeat is not None and self.heartbeat.catalog:
            self.heartbeat.catalog.refresh()

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
    if simulate and not config.maintenance.pin_hash:
        from kiosk.maintenance import hash_pin
        config = dataclasses.replace(config, maintenance=dataclasses.replace(
            config.maintenance, pin_hash=hash_pin(SIMULATION_PIN, iterations=10_000)))
    data_dir = Path(config.data.dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(data_dir, config.logging.level, config.logging.max_bytes, config.logging.backups)
    catalog = load_catalog(languages=tuple(config.i18n.languages))
    log.info("kiosk %s starting (%s), data in %s", config.kiosk.id, "simulation" if simulate else "production",
             data_dir)
    return Runtime(config=config, data_dir=data_dir, catalog=catalog, clock=clock, simulate=simulate)
