"""Start-up time: process start → first drawn frame of the attract screen, against a bare Kivy app that draws
one label in the same window, measured side by side (alternating runs) in one run. Target: kiosk ≤ 1.5 × bare.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--quick]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.ui.harness import VirtualDisplay  # noqa: E402

BARE_APP = r'''
import os, sys, time
os.environ["KIVY_NO_ARGS"] = "1"; os.environ["KIVY_NO_CONSOLELOG"] = "1"; os.environ["KIVY_NO_CONFIG"] = "1"
from kivy.config import Config
Config.set("graphics", "width", "1080"); Config.set("graphics", "height", "1920")
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label

class Bare(App):
    def build(self):
        Window.bind(on_draw=self.first)
        return Label(text="Tocca lo schermo per iniziare", font_size=60)
    def first(self, *a):
        Window.unbind(on_draw=self.first)
        with open(sys.argv[1], "w") as fh:
            fh.write(repr(time.time()))
        Clock.schedule_once(lambda dt: self.stop(), 0)
Bare().run()
'''


def one_run(cmd: list[str], env: dict, mark: Path) -> float:
    mark.unlink(missing_ok=True)
    started = time.time()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True)
    return float(mark.read_text()) - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="3 runs each")
    args = ap.parse_args()
    runs = 3 if args.quick else max(5, args.runs)
    vd = VirtualDisplay()
    display = vd.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            bare = tmp / "bare.py"
            bare.write_text(BARE_APP)
            mark = tmp / "mark"
            env = dict(os.environ, DISPLAY=display, KIOSK_STARTUP_MARK=str(mark), KIOSK_EXIT_AFTER_FIRST_FRAME="1",
                       KIOSK_DATA_DIR=str(tmp / "data"), XDG_STATE_HOME=str(tmp / "state"))
            kiosk_cmd = [sys.executable, "-m", "kiosk.cli", "run", "--simulate"]
            bare_cmd = [sys.executable, str(bare), str(mark)]
            one_run(bare_cmd, env, mark)            # warm the file cache for both
            one_run(kiosk_cmd, env, mark)
            kiosk_t, bare_t = [], []
            for _ in range(runs):
                bare_t.append(one_run(bare_cmd, env, mark))
                kiosk_t.append(one_run(kiosk_cmd, env, mark))
    finally:
        vd.stop()
    kb, bb = statistics.median(kiosk_t), statistics.median(bare_t)
    print(f"start-up to first frame, {runs} runs each (Xvfb {display}, 1080x1920)")
    print(f"{'app':<22}{'median s':>10}{'min s':>8}{'max s':>8}")
    print(f"{'bare Kivy (1 label)':<22}{bb:>10.3f}{min(bare_t):>8.3f}{max(bare_t):>8.3f}")
    print(f"{'kiosk attract screen':<22}{kb:>10.3f}{min(kiosk_t):>8.3f}{max(kiosk_t):>8.3f}")
    print(f"ratio kiosk / bare: {kb / bb:.2f} (target <= 1.50) -> {'OK' if kb / bb <= 1.5 else 'OVER'}")


if __name__ == "__main__":
    main()
