"""Logging for a totem that nobody watches: a rotating file in the data directory plus stderr (journald
picks it up), personal data masked on every record, and every unhandled exception — main thread, worker
threads, Kivy's loop — logged instead of lost."""
from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from kiosk.privacy import MaskingFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
log = logging.getLogger("kiosk")


def setup_logging(data_dir: Path | None, level: str = "INFO", max_bytes: int = 5_000_000,
                  backups: int = 5) -> Path | None:
    """Configure the root logger once; returns the log file path (None when only stderr is used)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk", False):
            root.removeHandler(h)
    masking = MaskingFilter()
    formatter = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    log_file = None
    if data_dir is not None:
        try:
            (data_dir / "logs").mkdir(parents=True, exist_ok=True)
            log_file = data_dir / "logs" / "kiosk.log"
            handlers.append(logging.handlers.RotatingFileHandler(log_file, maxBytes=max_bytes,
                                                                 backupCount=backups, encoding="utf-8"))
        except OSError as exc:
            log_file = None
            print(f"kiosk: cannot write logs under {data_dir}: {exc}; logging to stderr only", file=sys.stderr)
    for h in handlers:
        h.addFilter(masking)
        h.setFormatter(formatter)
        h._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(level)
    install_exception_hooks()
    return log_file


def install_exception_hooks() -> None:
    """sys.excepthook and threading.excepthook log instead of printing to a console nobody reads."""
    def on_exception(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread else "?"
        log.critical("unhandled exception in thread %s", name,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
