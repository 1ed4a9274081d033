"""A loopback control port for the UI tests, enabled only by the KIOSK_TEST_CONTROL environment variable.

It answers questions about what is on screen (current screen, journey step, a widget's window rectangle and
text) and takes screenshots; the tests then touch the screen for real with xdotool. It also moves the kiosk's
clock forward, so inactivity time-outs are tested without waiting. One JSON object per line, each way.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label

from drivers.clock import SystemClock

log = logging.getLogger("kiosk.test_control")


class OffsetClock(SystemClock):
    """The system clock plus an offset that the tests can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.offset

    def now(self) -> dt.datetime:
        return super().now() + dt.timedelta(seconds=self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def _walk(widget):
    yield widget
    for child in widget.children:
        yield from _walk(child)


def _roots():
    return list(Window.children)


def find_widget(wid: str):
    for root in _roots():
        for w in _walk(root):
            if getattr(w, "kid", "") == wid:
                return w
            ids = getattr(w, "ids", None)
            if ids and wid in ids:
                return ids[wid]
    return None


def _visible_texts() -> list[str]:
    texts = []
    for root in _roots():
        current = getattr(root, "current_screen", None)
        for w in _walk(current or root):
            if isinstance(w, Label) and w.text and w.opacity > 0:
                texts.append(w.text)
    return texts


def _handle(app, request: dict) -> dict:
    cmd = request.get("cmd")
    if cmd == "state":
        j = app.journey
        return {"screen": app.sm.current, "settled": not app.sm.transition.is_active, "step": j.step.value, "warning": j.warning,
                "warning_shown": bool(app._warning and app._warning.parent),
                "session_empty": j.session.is_empty, "language": app.lang, "end_reason": j.end_reason,
                "extensions_left": j.extensions_left, "window": list(Window.size),
                "large_text": app.large_text, "simulators": sorted(app.runtime.simulators),
                "backend_ready": app.runtime.sender is not None, "high_contrast": app.high_contrast,
                "devices": {k: v.as_dict() for k, v in app.runtime.devices.statuses().items()}}
    if cmd == "widget":
        w = find_widget(request["id"])
        if w is None:
            return {"error": f"no widget {request['id']!r}"}
        x, y = w.to_window(w.x, w.y)
        return {"x": x, "y": y, "width": w.width, "height": w.height, "text": getattr(w, "text", ""),
                "disabled": bool(getattr(w, "disabled", False)), "opacity": w.opacity}
    if cmd == "texts":
        return {"texts": _visible_texts()}
    if cmd == "screenshot":
        path = Path(request["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = Window.screenshot(name=str(path))
        return {"path": saved}
    if cmd == "advance":
        app.runtime.clock.advance(float(request["seconds"]))
        app._tick()
        return {"ok": True}
    if cmd == "crash":
        # An unexpected error inside the UI loop, as a bug in a screen would raise it.
        def boom(_dt):
            raise RuntimeError("test-induced failure in the UI loop")
        Clock.schedule_once(boom, 0)
        return {"ok": True}
    if cmd == "sim":
        # The simulated outside world (simulation mode only): a fault on the backend, paper out …
        sim = app.runtime.simulators[request["device"]]
        getattr(sim, request["method"])(*request.get("args", []), **request.get("kwargs", {}))
        return {"ok": True}
    if cmd == "outbox":
        stats = app.runtime.outbox.stats()
        return {"pending": stats.pending, "delivered": stats.delivered, "rejected": stats.rejected}
    if cmd == "call":
        # Test-only hook to reach journey actions that come from devices (card read, photo taken).
        target = getattr(app, request["name"])
        target(*request.get("args", []))
        return {"ok": True}
    return {"error": f"unknown command {cmd!r}"}


def start_control_server(app, port_file: str) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    Path(port_file).write_text(str(server.getsockname()[1]))

    def on_main(request: dict) -> dict:
        done = threading.Event()
        box: dict = {}

        def run(_dt):
            try:
                box["reply"] = _handle(app, request)
            except Exception as exc:
                log.exception("control request failed")
                box["reply"] = {"error": repr(exc)}
            done.set()
        Clock.schedule_once(run, 0)
        if not done.wait(10):
            return {"error": "UI thread did not answer within 10 s"}
        return box["reply"]

    def serve_client(conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    reply = on_main(json.loads(line))
                except json.JSONDecodeError as exc:
                    reply = {"error": f"bad json: {exc}"}
                stream.write(json.dumps(reply).encode() + b"\n")
                stream.flush()

    def accept_loop() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve_client, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, name="test-control", daemon=True).start()
    log.info("test control listening on port %d", server.getsockname()[1])
