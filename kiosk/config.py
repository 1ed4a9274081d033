"""Typed, validated configuration: shipped defaults, then a site file, then a few environment variables.

The schema is the dataclasses below: each field's ``option(...)`` gives its default, what it means, and the
allowed values, so one table drives validation, the printed reference (``kiosk check-config``) and the README.
A wrong value stops start-up with one message naming the file, the key, what was expected and what was found.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

SITE_CONFIG_PATH = Path("/etc/polis-kiosk/kiosk.toml")
ENV_CONFIG = "KIOSK_CONFIG"
#: environment variable → (section, key). Kept short on purpose: the file is the place for settings.
ENV_OVERRIDES = {
    "KIOSK_ID": ("kiosk", "id"),
    "KIOSK_DATA_DIR": ("data", "dir"),
    "KIOSK_BACKEND_URL": ("backend", "url"),
    "KIOSK_LOG_LEVEL": ("logging", "level"),
}


class ConfigError(Exception):
    """One clear sentence for the technician: where, which key, expected what, found what."""


def option(default: Any, doc: str, *, min: float | None = None, max: float | None = None,
           choices: tuple | None = None, secret: bool = False) -> Any:
    meta = {"doc": doc, "min": min, "max": max, "choices": choices, "secret": secret}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class KioskSection:
    id: str = option("PT-00000", "Kiosk identifier assigned by the operator (PT-nnnnn)")
    office_name: str = option("Ufficio Postale", "Post office name printed on receipts")
    office_address: str = option("", "Post office address printed on receipts")


@dataclass(frozen=True)
class I18nSection:
    languages: list = option(["it", "en"], "Languages offered to citizens, in order (ISO 639-1)")
    default: str = option("it", "Language of the attract loop and of a new visit")


@dataclass(frozen=True)
class DisplaySection:
    fullscreen: bool = option(True, "Fullscreen borderless window (production)")
    width: int = option(1080, "Window width in pixels when not fullscreen", min=320, max=7680)
    height: int = option(1920, "Window height in pixels when not fullscreen", min=320, max=7680)
    dpi: float = option(96.0, "Screen density used to size touch targets in millimetres", min=40, max=600)
    show_cursor: bool = option(False, "Show the mouse cursor (off on a touchscreen)")
    high_contrast: bool = option(False, "Start in high-contrast mode (7:1)")
    large_text: bool = option(False, "Start in large-text mode")


@dataclass(frozen=True)
class TimeoutsSection:
    inactivity_s: float = option(60.0, "Seconds without a touch before the 'are you still there?' warning",
                                 min=10, max=600)
    warning_s: float = option(20.0, "Seconds the warning stays up before the visit ends", min=20, max=120)
    max_extensions: int = option(10, "How many times a citizen may extend a visit", min=10, max=100)
    receipt_s: float = option(20.0, "Seconds the thank-you screen stays before the attract loop", min=5, max=120)


@dataclass(frozen=True)
class PrinterSection:
    url: str = option("tcp://127.0.0.1:9100", "Printer address (serial://, tcp://, usb://, file://)")
    columns: int = option(48, "Characters per line: 48 or 42 for 80 mm paper, 32 for 58 mm", min=32, max=48)
    status_timeout_s: float = option(0.4, "Wait for each DLE EOT status reply", min=0.3, max=0.5)
    poll_interval_s: float = option(2.0, "Seconds between status polls", min=0.2, max=60)


@dataclass(frozen=True)
class CardReaderSection:
    url: str = option("serial:///dev/ttyS1?baudrate=115200", "Card reader serial port or pyserial URL")
    address: int = option(0, "Reader bus address 0-15", min=0, max=15)
    take_card_s: float = option(30.0, "Seconds an ejected card waits at the gate before it is retained",
                                min=5, max=300)
    poll_interval_s: float = option(0.5, "Seconds between status polls", min=0.1, max=10)


@dataclass(frozen=True)
class CameraSection:
    url: str = option("v4l2://0", "Camera device index/path, stream URL, or sim://camera?scenario=…")
    width: int = option(1920, "Capture width in pixels", min=320, max=7680)
    height: int = option(1080, "Capture height in pixels (at least 1063: the 600 dpi photo is never upscaled)",
                         min=240, max=4320)
    fps: int = option(30, "Capture rate", min=5, max=120)


@dataclass(frozen=True)
class BackendSection:
    url: str = option("http://127.0.0.1:8080", "Central backend base URL (https in production)")
    ca_bundle: str = option("", "CA bundle that verifies the backend's certificate ('' = system store)")
    token_file: str = option("/etc/polis-kiosk/token", "Bearer token file; must be mode 0600")
    connect_timeout_s: float = option(3.0, "TCP/TLS connect time-out", min=0.5, max=60)
    read_timeout_s: float = option(10.0, "Reply read time-out", min=1, max=120)
    heartbeat_s: float = option(45.0, "Seconds between heartbeats", min=30, max=60)
    wait_for_delivery_s: float = option(8.0, "How long the citizen waits for an immediate answer",
                                        min=0, max=60)


@dataclass(frozen=True)
class DataSection:
    dir: str = option("/var/lib/polis-kiosk", "Data directory: outbox, catalog cache, logs")
    retention_days: int = option(30, "Days delivered requests are kept before purge", min=1, max=365)


@dataclass(frozen=True)
class MaintenanceSection:
    pin_hash: str = option("", "PBKDF2 hash of the technician PIN (kiosk hash-pin)", secret=True)
    max_attempts: int = option(5, "Wrong PINs before lockout", min=1, max=20)
    lockout_s: float = option(300.0, "Lockout duration after too many wrong PINs", min=10, max=86400)


@dataclass(frozen=True)
class LoggingSection:
    level: str = option("INFO", "Log level", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    max_bytes: int = option(5_000_000, "Size of one log file before rotation", min=100_000, max=1_000_000_000)
    backups: int = option(5, "Rotated log files kept", min=1, max=100)


@dataclass(frozen=True)
class SimulationSection:
    enabled: bool = option(False, "Start every device and the backend as simulators (also --simulate)")
    camera_scenario: str = option("compliant", "Camera simulator scenario")
    card: str = option("mario_rossi", "Virtual card inserted by the card-reader simulator on demand")


from kiosk.photo.thresholds import PhotoThresholds  # noqa: E402  (after option(), which it uses)


@dataclass(frozen=True)
class KioskConfig:
    kiosk: KioskSection = field(default_factory=KioskSection)
    i18n: I18nSection = field(default_factory=I18nSection)
    display: DisplaySection = field(default_factory=DisplaySection)
    timeouts: TimeoutsSection = field(default_factory=TimeoutsSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    card_reader: CardReaderSection = field(default_factory=CardReaderSection)
    camera: CameraSection = field(default_factory=CameraSection)
    backend: BackendSection = field(default_factory=BackendSection)
    data: DataSection = field(default_factory=DataSection)
    maintenance: MaintenanceSection = field(default_factory=MaintenanceSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    simulation: SimulationSection = field(default_factory=SimulationSection)
    photo: PhotoThresholds = field(default_factory=PhotoThresholds)
    sources: tuple = field(default=(), compare=False)


# ---------------------------------------------------------------------------------------------------
def default_config_text() -> str:
    return resources.files("config").joinpath("kiosk.toml").read_text(encoding="utf-8")


def _read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "whole number", float: "number", str: "text", list: "list"}.get(
        type(value), type(value).__name__)


def _check_value(where: str, f: dataclasses.Field, ftype: Any, value: Any) -> Any:
    meta = f.metadata
    expected = ftype
    ok = False
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif expected is str:
        ok = isinstance(value, str)
    elif expected is list:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    if not ok:
        want = _type_name(expected() if expected is not list else [])
        raise ConfigError(f"{where}: expected {want}, found {value!r} ({_type_name(value)})")
    lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ConfigError(f"{where}: expected a value from {lo:g} to {hi:g}, found {value!r}")
    if choices and value not in choices:
        raise ConfigError(f"{where}: expected one of {', '.join(map(str, choices))}, found {value!r}")
    return value


def _build(cls: type, data: dict, origin: dict, prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "sources"}
    for key in data:
        if key not in fields:
            where = origin.get(f"{prefix}{key}", "configuration")
            known = ", ".join(fields)
            raise ConfigError(f"{where}: unknown key [{prefix.rstrip('.') or 'top level'}] {key!r}; "
                              f"known keys: {known}")
    values = {}
    for name, f in fields.items():
        if name not in data:
            continue
        ftype = hints[name]
        dotted = f"{prefix}{name}"
        where = f"{origin.get(dotted, 'configuration')}: [{prefix.rstrip('.')}] {name}" if prefix else \
            f"{origin.get(dotted, 'configuration')}: [{name}]"
        if dataclasses.is_dataclass(ftype):
            if not isinstance(data[name], dict):
                raise ConfigError(f"{where}: expected a table, found {data[name]!r}")
            values[name] = _build(ftype, data[name], origin, f"{dotted}.")
        else:
            values[name] = _check_value(where, f, typing.get_origin(ftype) or ftype, data[name])
    return cls(**values)


def _merge(base: dict, over: dict, origin: dict, label: str, prefix: str = "") -> None:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, origin, label, f"{prefix}{key}.")
        else:
            base[key] = value
            origin[f"{prefix}{key}"] = label
            if isinstance(value, dict):
                for sub in value:
                    origin[f"{prefix}{key}.{sub}"] = label


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> KioskConfig:
    """Shipped defaults ← site file (``path``, else $KIOSK_CONFIG, else /etc/polis-kiosk/kiosk.toml if it
    exists) ← environment overrides. Raises ConfigError with a message fit for a technician."""
    env = os.environ if env is None else env
    origin: dict[str, str] = {}
    data: dict = {}
    try:
        defaults = tomllib.loads(default_config_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"shipped config/kiosk.toml: TOML syntax error: {exc}") from None
    _merge(data, defaults, origin, "config/kiosk.toml (shipped)")
    sources = ["config/kiosk.toml (shipped)"]
    site = Path(path) if path else Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else \
        SITE_CONFIG_PATH if SITE_CONFIG_PATH.exists() else None
    if site is not None:
        _merge(data, _read_toml(site), origin, str(site))
        sources.append(str(site))
    for var, (section, key) in ENV_OVERRIDES.items():
        if var in env:
            data.setdefault(section, {})[key] = env[var]
            origin[f"{section}.{key}"] = f"environment variable {var}"
            sources.append(var)
    cfg = _build(KioskConfig, data, origin)
    _check_consistency(cfg)
    return dataclasses.replace(cfg, sources=tuple(sources))


def _check_consistency(cfg: KioskConfig) -> None:
    from drivers.device_url import DeviceUrlError, parse_device_url
    if not cfg.i18n.languages:
        raise ConfigError("[i18n] languages: expected at least one language, found an empty list")
    if cfg.i18n.default not in cfg.i18n.languages:
        raise ConfigError(f"[i18n] default: expected one of the configured languages "
                          f"{cfg.i18n.languages}, found {cfg.i18n.default!r}")
    for section in ("printer", "card_reader", "camera"):
        try:
            parse_device_url(getattr(cfg, section).url)
        except DeviceUrlError as exc:
            raise ConfigError(f"[{section}] url: {exc}") from None
    if not cfg.backend.url.startswith(("http://", "https://")):
        raise ConfigError(f"[backend] url: expected an http:// or https:// URL, found {cfg.backend.url!r}")


def describe(cfg: KioskConfig) -> str:
    """The effective configuration as TOML-like text, secrets masked (for check-config and diagnostics)."""
    lines = [f"# sources: {', '.join(cfg.sources)}"]
    for sf in dataclasses.fields(cfg):
        if sf.name == "sources":
            continue
        section = getattr(cfg, sf.name)
        lines.append(f"\n[{sf.name}]")
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if f.metadata.get("secret") and value:
                shown = '"********"'
            elif isinstance(value, bool):
                shown = "true" if value else "false"
            elif isinstance(value, str):
                shown = '"' + value.replace('"', '\\"') + '"'
            else:
                shown = repr(value).replace("'", '"')
            lines.append(f"{f.name} = {shown}    # {f.metadata.get('doc', '')}")
    return "\n".join(lines)


def reference_table() -> str:
    """Markdown table of every option (for the README)."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    sections = typing.get_type_hints(KioskConfig)
    for sf in dataclasses.fields(KioskConfig):
        if sf.name == "sources":
            continue
        for f in dataclasses.fields(sections[sf.name]):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            rows.append(f"| `{sf.name}.{f.name}` | `{default!r}` | {f.metadata.get('doc', '')} |")
    return "\n".join(rows)
