"""Run the card-reader simulator on a pty and drive it from the keyboard (or a pipe):

    python -m simulators.card_reader [--link PATH] [--motor-s 0.8] [--card NAME] [--no-stdin]

Commands: insert CARD · take · fault NAME [VALUE] · clear · cards · status · unplug · replug · quit
Point the kiosk at the printed path: [card_reader] url = "serial://<path>".
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from simulators.card_reader.cards import CARDS
from simulators.card_reader.device import CardReaderSimulator, Faults, SimulatorError

HELP = "insert CARD | take | fault NAME [VALUE] | clear | cards | status | unplug | replug | quit"


def _value(text: str) -> float | bool:
    if text.lower() in ("on", "true", "yes"):
        return True
    if text.lower() in ("off", "false", "no"):
        return False
    return float(text) if "." in text else int(text, 0)


def execute(sim: CardReaderSimulator, line: str) -> str:
    """One command line → the reply text. Raises SystemExit on quit."""
    words = line.split()
    if not words:
        return ""
    cmd, rest = words[0].lower(), words[1:]
    if cmd in ("quit", "exit"):
        raise SystemExit(0)
    try:
        if cmd == "insert" and len(rest) == 1:
            sim.insert(rest[0])
            return f"inserted {rest[0]}: card {sim.position.value}"
        if cmd == "take":
            return f"took {sim.take()}"
        if cmd == "fault" and rest:
            sim.set_fault(rest[0], _value(rest[1]) if len(rest) > 1 else True)
            return f"fault {rest[0]} set"
        if cmd == "clear":
            sim.clear_faults()
            return "faults cleared"
        if cmd == "cards":
            return "\n".join(f"{c.name:18} {c.description}" for c in CARDS.values())
        if cmd == "status":
            return (f"card {sim.card.name if sim.card else '-'} at {sim.position.value}; entry "
                    f"{'open' if sim.entry_enabled else 'closed'}; retained {len(sim.retained)}/"
                    f"{sim.retain_capacity}; plugged {sim.plugged}; faults {sim.faults}")
        if cmd == "unplug":
            sim.unplug()
            return "unplugged"
        if cmd == "replug":
            sim.replug()
            return f"plugged in at {sim.link_path}"
    except (SimulatorError, ValueError) as exc:
        return f"error: {exc}"
    return f"unknown command {line.strip()!r}; commands: {HELP}; faults: {', '.join(Faults.NAMES)}"


def _terminate(signum, frame) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simulators.card_reader", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--link", help="stable path of the port (a symlink to the pty)")
    ap.add_argument("--motor-s", type=float, default=0.5, help="time a card move takes")
    ap.add_argument("--address", type=int, default=0)
    ap.add_argument("--card", help="insert this card at start")
    ap.add_argument("--no-stdin", action="store_true", help="ignore stdin; run until interrupted")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    signal.signal(signal.SIGTERM, _terminate)  # so that `kill` also removes the port link
    sim = CardReaderSimulator(address=args.address, motor_s=args.motor_s, link_path=args.link)
    path = sim.start()
    print(path, flush=True)
    print(f"# card reader simulator ready; url serial://{path}; {HELP}", flush=True)
    try:
        if args.card:
            print(execute(sim, f"insert {args.card}"), flush=True)
        if args.no_stdin:
            threading.Event().wait()
        for line in sys.stdin:
            reply = execute(sim, line)
            if reply:
                print(reply, flush=True)
    except (SystemExit, KeyboardInterrupt):
        sys.stderr.write("stopped\n")   # Ctrl-C is how this tool is meant to end
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
