"""Technician commands for the card reader, using the [card_reader] settings:

  kiosk card-reader status            state, media, retain bin, firmware
  kiosk card-reader read [--wait S]   read the card inside (or open the shutter and wait S seconds for one)
  kiosk card-reader eject             give the card back at the gate
  kiosk card-reader retain            keep the card in the retain bin

Output shows the codice fiscale masked and no names: a technician's screen can be photographed.
"""
from __future__ import annotations

import sys
import threading
import time

from drivers.device import DeviceError, DeviceState, EventKind, MediaState
from kiosk.config import ConfigError, load_config
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the driver loads only when a card-reader command runs (kiosk run stays fast)
    from drivers.card_reader import CardReader


def register(sub) -> None:
    p = sub.add_parser("card-reader", help="card reader diagnostics and actions")
    p.add_argument("--url", help="override [card_reader] url (e.g. the simulator's path)")
    p.add_argument("--connect-s", type=float, default=5.0, help="how long to wait for the reader to answer")
    actions = p.add_subparsers(dest="card_reader_action", metavar="ACTION", required=True)
    actions.add_parser("status", help="state, media, retain bin, firmware").set_defaults(func=cmd_status)
    r = actions.add_parser("read", help="read the health card inside and check it")
    r.add_argument("--wait", type=float, default=0.0, metavar="S",
                   help="if no card is inside, open the shutter and wait up to S seconds for one")
    r.set_defaults(func=cmd_read)
    actions.add_parser("eject", help="give the card back at the gate").set_defaults(func=cmd_eject)
    actions.add_parser("retain", help="keep the card in the retain bin").set_defaults(func=cmd_retain)


def _open(args) -> CardReader | None:
    from drivers.card_reader import CardReader
    try:
        cfg = load_config(args.config).card_reader
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return None
    reader = CardReader(args.url or cfg.url, address=cfg.address, take_card_s=cfg.take_card_s,
                        poll_interval=cfg.poll_interval_s)
    reader.open()
    deadline = time.monotonic() + args.connect_s
    while time.monotonic() < deadline and reader.status().state in (DeviceState.STARTING, DeviceState.OFFLINE):
        threading.Event().wait(0.05)
    status = reader.status()
    if status.state in (DeviceState.STARTING, DeviceState.OFFLINE):
        print(f"card reader offline: {status.detail or 'no answer'}", file=sys.stderr)
        reader.close()
        return None
    return reader


def _print_status(reader: CardReader) -> None:
    s = reader.status()
    print(f"state:      {s.state.value}")
    print(f"media:      {s.media.value}")
    print(f"retain bin: {'FULL' if 'retain_bin_full' in s.flags else 'ok'}")
    print(f"firmware:   {reader.firmware or 'unknown'}")
    if s.detail:
        print(f"detail:     {s.detail}")


def cmd_status(args) -> int:
    reader = _open(args)
    if reader is None:
        return 1
    try:
        _print_status(reader)
        return 0 if reader.status().ready else 1
    finally:
        reader.close()


def cmd_read(args) -> int:
    from drivers.card_reader import InvalidCard
    from kiosk.identity import IdentityError, identity_from_card
    reader = _open(args)
    if reader is None:
        return 1
    try:
        if reader.status().media is not MediaState.PRESENT and args.wait > 0:
            inserted = threading.Event()
            reader.subscribe(lambda e: inserted.set() if e.kind is EventKind.MEDIA_INSERTED else None)
            reader.accept_card().result(args.connect_s)
            print(f"insert a card within {args.wait:g} s …")
            if not inserted.wait(args.wait):
                print("no card inserted", file=sys.stderr)
                reader.refuse_card().result(args.connect_s)
                return 1
        try:
            data = reader.read_card().result(60)
        except InvalidCard as exc:
            print(f"invalid card: {exc.reason} ({exc.detail})")
            return 1
        try:
            ident = identity_from_card(data)
        except IdentityError as exc:
            print(f"card read, refused: {exc.code} ({exc.detail}): {exc.message}")
            return 1
        print(f"health card OK: {ident.masked}, sex {ident.sex}, expires {ident.card_expiry.isoformat()}")
        print("the card is still inside: `kiosk card-reader eject` gives it back")
        return 0
    except DeviceError as exc:
        print(f"card reader error: {exc}", file=sys.stderr)
        return 1
    finally:
        reader.close()


def _action(args, name: str) -> int:
    reader = _open(args)
    if reader is None:
        return 1
    try:
        getattr(reader, name)().result(60)
        print(f"{name}: done")
        _print_status(reader)
        return 0
    except DeviceError as exc:
        print(f"{name} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        reader.close()


def cmd_eject(args) -> int:
    return _action(args, "eject")


def cmd_retain(args) -> int:
    return _action(args, "retain")
