"""`kiosk run` starts the kiosk; `kiosk check-config` validates the configuration and prints it."""
from __future__ import annotations

import dataclasses
import os
import signal
import sys

from kiosk.config import ConfigError, describe, load_config
from kiosk.services import CatalogError, load_catalog


def register(sub) -> None:
    run = sub.add_parser("run", help="start the kiosk (fullscreen; --simulate for the demo mode)")
    run.add_argument("--simulate", action="store_true",
                     help="simulate every device and the backend; windowed 1080x1920 unless --fullscreen")
    run.add_argument("--fullscreen", action="store_true", help="with --simulate: fullscreen anyway")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check-config", help="validate the configuration and print the effective values")
    check.set_defaults(func=cmd_check_config)


def _load(args):
    try:
        cfg = load_config(args.config)
        load_catalog(languages=tuple(cfg.i18n.languages))
        return cfg
    except (ConfigError, CatalogError) as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return None


def cmd_check_config(args) -> int:
    cfg = _load(args)
    if cfg is None:
        return 2
    print(describe(cfg))
    print("\nconfiguration OK")
    return 0


def cmd_run(args) -> int:
    cfg = _load(args)
    if cfg is None:
        return 2
    simulate = args.simulate or cfg.simulation.enabled
    if simulate and not args.fullscreen:
        cfg = dataclasses.replace(cfg, display=dataclasses.replace(cfg.display, fullscreen=False,
                                                                    show_cursor=True))
    from kiosk.kivy_env import prepare_kivy
    d = cfg.display
    prepare_kivy(d.fullscreen, d.width, d.height, d.show_cursor)
    from kiosk.runtime import build_runtime
    clock = None
    if os.environ.get("KIOSK_TEST_CONTROL"):
        from kiosk.test_control import OffsetClock
        clock = OffsetClock()
    runtime = build_runtime(cfg, simulate=simulate, **({"clock": clock} if clock else {}))
    from kiosk.app import KioskApp
    app = KioskApp(runtime)
    signal.signal(signal.SIGTERM, lambda *_: app.stop())
    signal.signal(signal.SIGINT, lambda *_: app.stop())
    app.run()
    return 0
