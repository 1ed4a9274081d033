"""A real Kivy window hosting only the photo step, wired to the camera simulator, for the Xvfb test.

    python -m tests.photo.ui.host WORKDIR SCENARIO

It writes WORKDIR/state.json (phase, instruction, widget rectangles in screen pixels) five times a second and
reads WORKDIR/command (``scenario=NAME``) so the test can move the simulated person. Accepted photos are
written to WORKDIR/accepted.jpg (this is the test's outbox stand-in); a skip writes WORKDIR/skipped.
"""
from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path

from kiosk.kivy_env import prepare_kivy

WIDTH, HEIGHT = 720, 1280


def main() -> None:
    workdir, scenario = Path(sys.argv[1]), sys.argv[2]
    prepare_kivy(False, WIDTH, HEIGHT, True)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.lang import Builder
    from kivy.properties import ObjectProperty, StringProperty
    from kivy.uix.screenmanager import ScreenManager

    from drivers.backoff import Backoff
    from drivers.camera import CameraDriver
    from kiosk import i18n, theme
    from kiosk.photo.analyser import PhotoAnalyser
    from screens.ui_theme import UiTheme
    from simulators.camera import CameraSimulator

    class Host(App):
        lang = StringProperty("it")
        ui = ObjectProperty(None)

        def t(self, message: str, _lang: str = "") -> str:
            return i18n.gettext(message)

        def build(self):
            i18n.set_language(self.lang)
            self.ui = UiTheme()
            self.ui.apply(theme.NORMAL, theme.Metrics(96.0))
            import screens.widgets  # noqa: F401  (KioskButton for common.kv)
            for name in ("common", "photo"):
                Builder.load_string(resources.files("screens").joinpath(f"{name}.kv").read_text("utf-8"),
                                    filename=f"{name}.kv")
            from screens.photo import PhotoScreen
            self.sim = CameraSimulator(scenario, width=1920, height=1080, fps=25)
            self.camera = CameraDriver(self.sim.start(), width=1920, height=1080, fps=25,
                                       backoff=Backoff(base=0.1, cap=0.5))
            self.camera.open()
            self.screen = PhotoScreen(self.camera, PhotoAnalyser(), self.accepted, self.skipped,
                                      max_attempts=2, camera_timeout_s=3.0)
            sm = ScreenManager()
            sm.add_widget(self.screen)
            Clock.schedule_interval(self.report, 0.2)
            return sm

        def accepted(self, jpeg: bytes) -> None:
            (workdir / "accepted.jpg").write_bytes(jpeg)

        def skipped(self) -> None:
            (workdir / "skipped").write_text("1")

        def report(self, _dt) -> None:
            cmd = workdir / "command"
            if cmd.exists():
                text = cmd.read_text().strip()
                cmd.unlink()
                key, _, value = text.partition("=")
                if key == "scenario":
                    self.sim.set_scenario(value)
                elif key == "unplug":
                    self.sim.unplug()
                elif key == "language":
                    self.lang = value
                    i18n.set_language(value)
            s = self.screen
            rects = {}
            for wid in ("use_button", "retake_button", "skip_button", "preview", "captured", "instruction"):
                w = s.ids[wid]
                x, y = w.to_window(*w.pos)
                rects[wid] = {"x": x, "y": Window.height - y - w.height, "w": w.width, "h": w.height,
                              "visible": w.opacity > 0 and not w.disabled}
            state = {"phase": s.phase, "instruction": s.instruction, "note": s.note, "countdown": s.countdown,
                     "attempts_left": s.attempts_left, "good": s.good, "texture_id": id(s._texture),
                     "preview_texture": id(s.ids.preview.texture), "window": [Window.width, Window.height],
                     "rects": rects, "pid": os.getpid()}
            tmp = workdir / "state.tmp"
            tmp.write_text(json.dumps(state))
            tmp.replace(workdir / "state.json")

        def on_stop(self):
            self.camera.close()
            self.sim.stop()

    Host().run()


if __name__ == "__main__":
    main()
