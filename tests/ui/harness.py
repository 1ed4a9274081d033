"""Drive the real kiosk in a real window under Xvfb: real clicks (xdotool), real key presses, real window-close
requests, and screenshots — plus a loopback control port (kiosk/test_control.py) to ask what is on screen."""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from tests import waiting

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
SCREEN = (1080, 1920)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    return waiting.wait_until(predicate, timeout, what, interval)


class VirtualDisplay:
    """An Xvfb server of our own when the environment has no DISPLAY."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.display = os.environ.get("DISPLAY", "")

    def start(self) -> str:
        if self.display:
            return self.display
        if not shutil.which("Xvfb"):
            raise RuntimeError("Xvfb is not installed: apt-get install -y xvfb xdotool")
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
             "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as fh:
            number = fh.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        return self.display

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(5)


def send_wm_delete(display: str, window_id: int) -> None:
    """Ask the window to close the way a window manager's close button does (WM_DELETE_WINDOW)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]

    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open display {display}")
    try:
        ev = XEvent()
        ev.xclient.type = 33  # ClientMessage
        ev.xclient.window = window_id
        ev.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        ev.xclient.format = 32
        ev.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        x11.XSendEvent(dpy, window_id, 0, 0, ctypes.byref(ev))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


class KioskWindow:
    """One running kiosk process (simulation mode) and the means to look at it and touch it."""

    def __init__(self, display: str, workdir: Path, site_config: str = "", name: str = "kiosk",
                 args: tuple[str, ...] = ("run", "--simulate"), env: dict | None = None) -> None:
        self.display = display
        self.workdir = workdir
        self.name = name
        self.port_file = workdir / "control.port"
        self.log_path = workdir / "kiosk.log"
        config_path = workdir / "site.toml"
        config_path.write_text(site_config)
        self.env = dict(os.environ, DISPLAY=display, KIOSK_TEST_CONTROL=str(self.port_file),
                        KIOSK_DATA_DIR=str(workdir / "data"), XDG_STATE_HOME=str(workdir / "state"),
                        **(env or {}))
        self.cmd = [sys.executable, "-m", "kiosk.cli", "--config", str(config_path), *args]
        self.proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._stream = None
        self.window_id: int | None = None

    # --- life ---------------------------------------------------------------------------------------
    def start(self, timeout: float = 60) -> "KioskWindow":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.port_file.exists() and self.port_file.read_text().strip() or self._died(),
                   timeout, "the kiosk's control port")
        self._sock = socket.create_connection(("127.0.0.1", int(self.port_file.read_text())), timeout=15)
        self._stream = self._sock.makefile("rwb")
        self.window_id = int(wait_until(self._find_window, timeout, "the kiosk window"))
        return self

    def _died(self):
        if self.proc and self.proc.poll() is not None:
            raise AssertionError(f"kiosk exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
        return False

    def _find_window(self):
        out = subprocess.run(["xdotool", "search", "--pid", str(self.proc.pid)], env=self.env, capture_output=True,
                             text=True).stdout.split()
        return out[0] if out else None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self._sock:
            self._sock.close()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    # --- questions ------------------------------------------------------------------------------------
    def ask(self, **request) -> dict:
        self._died()
        self._stream.write(json.dumps(request).encode() + b"\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            self._died()
            raise AssertionError("control connection closed")
        reply = json.loads(line)
        if "error" in reply:
            raise AssertionError(f"control: {reply['error']}")
        return reply

    def state(self) -> dict:
        return self.ask(cmd="state")

    def widget(self, wid: str) -> dict:
        return self.ask(cmd="widget", id=wid)

    def texts(self) -> list[str]:
        return self.ask(cmd="texts")["texts"]

    def advance(self, seconds: float) -> None:
        """Move the kiosk's clock forward (inactivity time-outs without waiting)."""
        self.ask(cmd="advance", seconds=seconds)

    def call(self, name: str, *args) -> None:
        self.ask(cmd="call", name=name, args=list(args))

    def wait_for_screen(self, name: str, timeout: float = 15) -> dict:
        return wait_until(lambda: (s := self.state())["screen"] == name and s["settled"] and s, timeout,
                          f"screen {name!r}")

    def wait_for(self, predicate, what: str, timeout: float = 15):
        def check():
            state = self.state()
            return state if predicate(state) else None
        return wait_until(check, timeout, what)

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{self.name}-{label}.png"
        saved = Path(self.ask(cmd="screenshot", path=str(self.workdir / f"{label}.png"))["path"])
        shutil.move(saved, target)
        return target

    # --- real input -------------------------------------------------------------------------------------
    def _xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=10)

    def tap(self, wid: str, timeout: float = 10) -> None:
        """A real click at the centre of the widget (a touch, for Kivy's mouse provider)."""
        w = wait_until(lambda: (info := self.widget(wid)) and info["opacity"] > 0 and info, timeout,
                       f"widget {wid!r} visible")
        height = self.state()["window"][1]
        self.tap_at(int(w["x"] + w["width"] / 2), int(height - (w["y"] + w["height"] / 2)))

    def tap_at(self, x: int, y: int) -> None:
        """Move the pointer (waiting until it is there) and click. ``--sync`` never returns for a move to
        where the pointer already is, so a second tap on the same spot only clicks."""
        if getattr(self, "_pointer", None) != (x, y):
            self._xdotool("mousemove", "--sync", str(x), str(y))
            self._pointer = (x, y)
        self._xdotool("click", "1")

    def key(self, name: str) -> None:
        self._xdotool("key", "--window", str(self.window_id), name)

    def request_close(self) -> None:
        send_wm_delete(self.display, int(self.window_id))
