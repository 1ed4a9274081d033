"""Run the virtual printer: ``python -m simulators.printer --port 9100 --pty --out /tmp/paper [faults]``.

Fault switches can also be flipped while it runs by typing commands on stdin, e.g. ``cover_open on``,
``paper_out_after_lines 5``, ``baud 115200``, ``refill``, ``unplug``, ``replug``, ``status``, ``quit``.
"""
from __future__ import annotations

import argparse
import logging
import sys

from simulators.printer.simulator import FAULT_NAMES, Faults, PrinterSimulator

INT_SWITCHES = ("paper_out_after_lines", "baud", "disconnect_after_bytes")


def _parse_value(name: str, text: str):
    if name in INT_SWITCHES:
        return None if text.lower() in ("off", "none", "0") else int(text)
    if text.lower() in ("on", "1", "true", "yes"):
        return True
    if text.lower() in ("off", "0", "false", "no"):
        return False
    raise ValueError(f"{name}: expected on/off, found {text!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simulators.printer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=9100, help="TCP port (0 = any free port; default 9100)")
    ap.add_argument("--no-tcp", action="store_true", help="do not listen on TCP")
    ap.add_argument("--pty", action="store_true", help="also offer a pseudo-terminal (serial) link")
    ap.add_argument("--out", default="printer-paper", help="directory for receipt PNGs")
    ap.add_argument("--columns", type=int, default=48, choices=(32, 42, 48))
    for name in FAULT_NAMES:
        flag = "--" + name.replace("_", "-")
        if name in INT_SWITCHES:
            ap.add_argument(flag, type=int, default=None, metavar="N")
        else:
            ap.add_argument(flag, action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    faults = Faults(**{n: getattr(args, n) for n in FAULT_NAMES})
    sim = PrinterSimulator(args.out, port=None if args.no_tcp else args.port, pty=args.pty,
                           columns=args.columns, faults=faults)
    sim.start()
    for url in (sim.tcp_url, sim.pty_url):
        if url:
            print(f"printer simulator listening: {url}", flush=True)
    print(f"receipts go to {args.out}/; type 'help' for commands", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            cmd = words[0]
            try:
                if cmd in ("quit", "exit"):
                    break
                if cmd == "help":
                    print("commands: <switch> <on|off|N>, refill, unplug, replug, status, quit; switches: "
                          + ", ".join(FAULT_NAMES))
                elif cmd == "refill":
                    sim.refill()
                elif cmd == "unplug":
                    sim.unplug()
                elif cmd == "replug":
                    sim.replug()
                elif cmd == "status":
                    print({k: v for k, v in vars(sim.faults).items()}, f"receipts={len(sim.receipts)}")
                elif cmd in FAULT_NAMES and len(words) == 2:
                    sim.set_faults(**{cmd: _parse_value(cmd, words[1])})
                else:
                    print(f"unknown command {line.strip()!r}; type 'help'")
            except ValueError as exc:
                print(f"error: {exc}")
    except KeyboardInterrupt:
        sys.stderr.write("stopped\n")   # Ctrl-C is how this tool is meant to end
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
