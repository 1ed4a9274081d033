"""Technician commands for the camera and the document photo:

  kiosk camera status   [--url URL] [--seconds 2]    is the camera there, at what size and rate
  kiosk camera snapshot OUT.jpg [--url URL]           one frame, to aim the camera (explicit technician action)
  kiosk camera check PHOTO.jpg [--backdrop EMPTY.jpg] every compliance check with its measure and verdict

Exit codes: 0 ok / compliant, 1 camera not online / photo refused, 2 bad input.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading

log = logging.getLogger("kiosk.commands.camera")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("camera", help="camera status, snapshot, and document-photo checks")
    sub = p.add_subparsers(dest="camera_command", metavar="ACTION", required=True)
    s = sub.add_parser("status", help="open the camera and report its status and frame rate")
    s.add_argument("--url", help="camera URL (default: [camera] url of the configuration)")
    s.add_argument("--seconds", type=float, default=2.0, help="how long to measure the frame rate")
    s.add_argument("--timeout", type=float, default=10.0, help="how long to wait for the first frame")
    s.set_defaults(func=_status)
    n = sub.add_parser("snapshot", help="save one full-resolution frame as JPEG")
    n.add_argument("output")
    n.add_argument("--url", help="camera URL (default: [camera] url of the configuration)")
    n.add_argument("--timeout", type=float, default=10.0)
    n.set_defaults(func=_snapshot)
    c = sub.add_parser("check", help="run every compliance check on a photo and print the measures")
    c.add_argument("photo")
    c.add_argument("--backdrop", help="a frame of the empty backdrop, for the background colour check")
    c.set_defaults(func=_check)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _driver(args):
    from drivers.camera import CameraDriver
    from kiosk.config import ConfigError, load_config
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        sys.stderr.write(f"kiosk: configuration error: {exc}\n")
        return None
    try:
        return CameraDriver(args.url or cfg.camera.url, width=cfg.camera.width, height=cfg.camera.height,
                            fps=cfg.camera.fps)
    except ValueError as exc:
        sys.stderr.write(f"kiosk camera: {exc}\n")
        return None


def _status(args) -> int:
    cam = _driver(args)
    if cam is None:
        return 2
    cam.open()
    try:
        first = cam.wait_frame(0, timeout=args.timeout)
        if first is not None:
            threading.Event().wait(max(0.0, args.seconds))     # let the rate settle before measuring it
        status = cam.status()
        _out(f"camera   {cam.url.raw}")
        _out(f"state    {status.state.value}")
        _out(f"detail   {status.detail}")
        if first is not None:
            _out(f"frame    {first.size[0]}x{first.size[1]}")
            _out(f"rate     {cam.measured_fps():.1f} fps")
        return 0 if status.ready and first is not None else 1
    finally:
        cam.close()


def _snapshot(args) -> int:
    import cv2
    cam = _driver(args)
    if cam is None:
        return 2
    cam.open()
    try:
        frame = cam.wait_frame(0, timeout=args.timeout)
        if frame is None:
            sys.stderr.write(f"kiosk camera: no frame within {args.timeout:.0f} s ({cam.status().detail})\n")
            return 1
        if not cv2.imwrite(args.output, frame.image):
            sys.stderr.write(f"kiosk camera: cannot write {args.output}\n")
            return 2
        _out(f"{args.output}: {frame.size[0]}x{frame.size[1]}")
        return 0
    finally:
        cam.close()


def _read_image(path: str):
    import cv2
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        sys.stderr.write(f"kiosk camera: {path}: not a readable image\n")
    return image


def _check(args) -> int:
    from kiosk.config import ConfigError, load_config
    from kiosk.photo.analyser import PhotoAnalyser
    from kiosk.photo.output import PhotoOutputError, document_photo
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        sys.stderr.write(f"kiosk: configuration error: {exc}\n")
        return 2
    image = _read_image(args.photo)
    if image is None:
        return 2
    analyser = PhotoAnalyser(cfg.photo)
    if args.backdrop:
        empty = _read_image(args.backdrop)
        if empty is None:
            return 2
        if not analyser.learn_backdrop(empty):
            sys.stderr.write(f"kiosk camera: {args.backdrop}: a face is in the backdrop frame\n")
            return 2
    report = analyser.final_check(image)
    _out(f"{args.photo}: {image.shape[1]}x{image.shape[0]}, {len(report.faces)} face(s), "
         f"{report.elapsed_s * 1000:.0f} ms")
    _out(report.table())
    if report.ok:
        try:
            size = len(document_photo(image, report.crop, cfg.photo))
        except PhotoOutputError as exc:
            _out(f"verdict: REFUSED ({exc})")
            return 1
        _out(f"verdict: COMPLIANT (output {cfg.photo.out_width}x{cfg.photo.out_height}, {size} bytes)")
        return 0
    _out(f"verdict: REFUSED - instruction: {report.instruction}")
    return 1
