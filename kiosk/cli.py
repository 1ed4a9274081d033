"""The `kiosk` command. Each technician area adds its subcommands from a module in kiosk/commands/ that
defines ``register(subparsers)``; handlers take the parsed args and return an exit code."""
from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import kiosk.commands

log = logging.getLogger("kiosk.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Polis sportello unico kiosk")
    parser.add_argument("--config", metavar="FILE", help="site configuration file (overrides the defaults)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(kiosk.commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
