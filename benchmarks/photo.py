"""Document-photo pipeline on this machine (issue 6): preview frames delivered, guidance rate, analysis time per
live frame, the full check on the captured photo, and the bare detector on the same frames.

    .venv/bin/python benchmarks/photo.py [--quick]

Targets (shared/specs/photo-compliance.md): preview >= 25 fps, guidance >= 10 Hz, full check < 1 s.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import yuface  # noqa: E402

from drivers.backoff import Backoff  # noqa: E402
from drivers.camera import CameraDriver  # noqa: E402
from kiosk.photo.analyser import PhotoAnalyser  # noqa: E402
from kiosk.photo.live import LiveGuidance  # noqa: E402
from kiosk.photo.output import document_photo  # noqa: E402
from simulators.camera import CameraSimulator  # noqa: E402


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def live_run(seconds: float, scenario: str) -> dict:
    sim = CameraSimulator(scenario, width=1280, height=720, fps=30)
    cam = CameraDriver(sim.start(), width=1280, height=720, fps=30, backoff=Backoff(base=0.05, cap=0.5))
    cam.open()
    if cam.wait_frame(0, timeout=20) is None:
        raise SystemExit("camera simulator gave no frame")
    live = LiveGuidance(cam, PhotoAnalyser(), on_preview=lambda img, seq: None, on_guidance=lambda g: None)
    live.start()
    threading.Event().wait(1.0)          # warm-up
    p0, g0, t0 = live.preview_count, live.guidance_count, time.perf_counter()
    n0 = len(live.analysis_times)
    threading.Event().wait(seconds)
    p1, g1, t1 = live.preview_count, live.guidance_count, time.perf_counter()
    times = live.analysis_times[n0:]
    live.stop(wait=2.0)
    cam.close()
    sim.stop()
    return {"preview_fps": (p1 - p0) / (t1 - t0), "guidance_hz": (g1 - g0) / (t1 - t0),
            "camera_fps": 30.0, "analysis": times}


def bare_detector(frames: list[np.ndarray]) -> list[float]:
    out = []
    for f in frames:
        small = cv2.resize(f, (640, round(f.shape[0] * 640 / f.shape[1])), interpolation=cv2.INTER_AREA)
        t = time.perf_counter()
        yuface.detect(small)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short run (about 15 s)")
    args = ap.parse_args()
    seconds = 3.0 if args.quick else 10.0
    reps = 5 if args.quick else 20

    live = live_run(seconds, "compliant")
    sim720 = CameraSimulator("compliant", width=1280, height=720)
    frames720 = [sim720.frame(i) for i in range(reps)]
    analyser = PhotoAnalyser()
    live_alone = []
    for f in frames720:
        live_alone.append(analyser.analyse(f).elapsed_s)
    bare = bare_detector(frames720)

    full = CameraSimulator("compliant", width=1920, height=1080)
    frames_full = [full.frame(i) for i in range(reps)]
    final_times, output_times, sizes = [], [], []
    for f in frames_full:
        t = time.perf_counter()
        report = analyser.final_check(f)
        t1 = time.perf_counter()
        if report.ok:
            sizes.append(len(document_photo(f, report.crop)))
        final_times.append(t1 - t)
        output_times.append(time.perf_counter() - t1)
    bare_full = bare_detector(frames_full)

    ms = lambda v: f"{v * 1000:8.1f}"  # noqa: E731
    rows = [
        ("preview frames delivered (1280x720 @ 30)", f"{live['preview_fps']:8.1f} fps", ">= 25 fps",
         live["preview_fps"] >= 25),
        ("guidance update rate (live, with preview)", f"{live['guidance_hz']:8.1f} Hz", ">= 10 Hz",
         live["guidance_hz"] >= 10),
        ("analysis per live frame, median (pipeline)", ms(statistics.median(live["analysis"])) + " ms", "", None),
        ("analysis per live frame, p95 (pipeline)", ms(pct(live["analysis"], 95)) + " ms", "", None),
        ("analysis per 1280x720 frame alone, median", ms(statistics.median(live_alone)) + " ms", "", None),
        ("analysis per 1280x720 frame alone, p95", ms(pct(live_alone, 95)) + " ms", "", None),
        ("bare YuNet on the same frames (640 px), median", ms(statistics.median(bare)) + " ms", "", None),
        ("bare YuNet on the same frames (640 px), p95", ms(pct(bare, 95)) + " ms", "", None),
        ("full check on 1920x1080 capture, median", ms(statistics.median(final_times)) + " ms", "< 1000 ms",
         statistics.median(final_times) < 1.0),
        ("full check on 1920x1080 capture, p95", ms(pct(final_times, 95)) + " ms", "< 1000 ms",
         pct(final_times, 95) < 1.0),
        ("bare YuNet on the capture (640 px), median", ms(statistics.median(bare_full)) + " ms", "", None),
        ("crop + JPEG 827x1063, median", ms(statistics.median(output_times)) + " ms", "", None),
        ("JPEG size", f"{(max(sizes) if sizes else 0) / 1000:8.1f} KB", "<= 500 KB",
         bool(sizes) and max(sizes) <= 500_000),
    ]
    sys.stdout.write(f"photo pipeline benchmark ({'quick' if args.quick else 'full'}: {seconds:.0f} s live, "
                     f"{reps} stills)\n")
    sys.stdout.write(f"{'measure':<48} {'value':>14}  {'target':<10} verdict\n")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        sys.stdout.write(f"{name:<48} {value:>14}  {target:<10} {verdict}\n")


if __name__ == "__main__":
    main()
