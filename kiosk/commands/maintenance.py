"""`kiosk hash-pin`: make the [maintenance] pin_hash value for a technician PIN (read from the terminal)."""
from __future__ import annotations

import getpass
import sys

from kiosk.maintenance import hash_pin


def register(sub) -> None:
    p = sub.add_parser("hash-pin", help="print the pin_hash for a technician PIN (4-12 digits)")
    p.add_argument("--stdin", action="store_true", help="read the PIN from standard input (for scripts)")
    p.set_defaults(func=cmd_hash_pin)


def cmd_hash_pin(args) -> int:
    pin = sys.stdin.readline().strip() if args.stdin else getpass.getpass("technician PIN: ")
    try:
        print(hash_pin(pin))
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    return 0
