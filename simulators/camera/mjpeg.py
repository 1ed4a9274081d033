"""The camera simulator as a network camera: an MJPEG stream (multipart/x-mixed-replace over loopback HTTP), the
bytes an IP camera sends, so the driver's OpenCV/FFmpeg path is exercised end to end.

    server = MjpegServer(CameraSimulator("compliant", width=1280, height=720))
    url = server.start()          # "http://127.0.0.1:PORT/stream.mjpg" for CameraDriver(url)
    server.stop()                 # the camera "disappears"; start() again on the same port brings it back
"""
from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2

from simulators.camera.source import CameraSimulator

log = logging.getLogger("kiosk.sim.camera")
BOUNDARY = "polisframe"


class MjpegServer:
    def __init__(self, sim: CameraSimulator, host: str = "127.0.0.1", port: int = 0, quality: int = 85) -> None:
        self.sim = sim
        self.host, self.port = host, port
        self.quality = quality
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/stream.mjpg"

    def start(self) -> str:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):       # keep the HTTP server quiet; our logger says enough
                log.debug("mjpeg: " + fmt, *args)

            def do_GET(self):
                if self.path.split("?")[0] != "/stream.mjpg":
                    self.send_error(404, "only /stream.mjpg here")
                    return
                try:
                    stream = server.sim.open_stream()
                except OSError as exc:
                    self.send_error(503, str(exc))
                    return
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                try:
                    while not server._stopping.is_set():
                        frame = stream.read(1.0)
                        ok, jpg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, server.quality])
                        if not ok:
                            continue
                        self.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                         f"Content-Length: {len(jpg)}\r\n\r\n".encode())
                        self.wfile.write(jpg.tobytes())
                        self.wfile.write(b"\r\n")
                except (OSError, ConnectionError):
                    log.info("mjpeg: client left or camera unplugged")
                finally:
                    stream.release()

        self._stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mjpeg-sim", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread:
            self._thread.join(5)
            self._thread = None
