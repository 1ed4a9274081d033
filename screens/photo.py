"""The photo step: live preview with a face guide and one instruction at a time, a countdown once the pose is
good and steady, then the captured photo to accept or retake; after a few failed attempts, a way out.

Camera reading and analysis run on ``LiveGuidance``'s threads and the capture on a worker thread; results come
back to the Kivy loop with ``Clock.schedule_once`` (preview blits merged by a trigger). The preview reuses ONE
texture for every frame. The captured JPEG lives only in memory until ``on_accept`` hands it to the journey.
"""
from __future__ import annotations

import io
import logging
import threading
from typing import TYPE_CHECKING, Callable

import numpy as np
from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_, _, on_language_change
from kiosk.photo.analyser import PhotoAnalyser
from kiosk.photo.live import Guidance, LiveGuidance
from kiosk.photo.output import PhotoOutputError, document_photo
from kiosk.photo.stability import InstructionSmoother

if TYPE_CHECKING:
    from drivers.camera import CameraDriver

log = logging.getLogger("kiosk.screens.photo")

MSG_TITLE = N_("Your photo for the document")
MSG_STARTING = N_("The camera is starting")
MSG_CHECKING = N_("Checking the photo")
MSG_CAPTURED = N_("Is this photo all right?")
MSG_USE = N_("Use this photo")
MSG_RETAKE = N_("Take it again")
MSG_ATTEMPTS = N_("Attempts left: {n}")
MSG_FAILED = N_("We could not take a photo that meets the rules.")
MSG_CAMERA_DOWN = N_("The camera is not working at the moment.")
MSG_SKIP = N_("Continue without the photo")
MSG_BRING = N_("You can bring a printed passport photo (35 x 45 mm) to the counter.")
MSG_NOT_ACCEPTED = N_("The photo did not pass the checks")


class PhotoScreen(Screen):
    phase = OptionProperty("starting", options=["starting", "preview", "countdown", "checking", "captured",
                                                "failed", "camera_down"])
    instruction = StringProperty("")        # translated, shown in large text
    note = StringProperty("")               # translated, smaller line under the instruction
    countdown = NumericProperty(0)
    attempts_left = NumericProperty(0)
    good = BooleanProperty(False)           # every live check passes: the guide turns green
    guide = ListProperty([0.0, 0.0, 1.0, 1.0])   # the target crop in the preview, normalised x, y, w, h

    def __init__(self, camera: "CameraDriver", analyser: PhotoAnalyser, on_accept: Callable[[bytes], None],
                 on_skip: Callable[[], None], *, max_attempts: int = 3, countdown_s: int = 3,
                 camera_timeout_s: float = 8.0, on_activity: Callable[[], None] | None = None, **kw) -> None:
        kw.setdefault("name", "photo")
        super().__init__(**kw)
        self.camera = camera
        self.analyser = analyser
        self.on_accept = on_accept
        self.on_skip = on_skip
        self.on_activity = on_activity
        self.max_attempts = max_attempts
        self.countdown_s = countdown_s
        self.camera_timeout_s = camera_timeout_s
        self._texture: Texture | None = None
        self._pending: np.ndarray | None = None
        self._pending_lock = threading.Lock()
        self._blit_trigger = Clock.create_trigger(self._blit, 0)
        self._tick_event = None
        self._watch_event = None
        self._photo: bytes | None = None
        self._source_msg = MSG_STARTING
        self._camera_silent_since: float | None = None
        self._smoother = InstructionSmoother()
        self._live = LiveGuidance(camera, analyser, on_preview=self._preview_from_worker,
                                  on_guidance=self._guidance_from_worker)
        self._unsubscribe_lang = on_language_change(lambda _lang: Clock.schedule_once(self._retranslate, 0))

    # --- life -------------------------------------------------------------------------------------------
    def on_pre_enter(self, *_args) -> None:
        self.attempts_left = self.max_attempts
        self._drop_photo()
        self._camera_silent_since = None
        self._start_preview()
        self._watch_event = Clock.schedule_interval(self._watch_camera, 0.5)

    def on_leave(self, *_args) -> None:
        self._live.stop()
        self._cancel_countdown()
        if self._watch_event:
            self._watch_event.cancel()
            self._watch_event = None
        self._drop_photo()
        with self._pending_lock:
            self._pending = None

    def _start_preview(self) -> None:
        self._smoother.reset()
        self.phase = "starting" if self.camera.latest() is None else "preview"
        self.good = False
        self._say(MSG_STARTING if self.phase == "starting" else "")
        self.note = _(MSG_ATTEMPTS).format(n=self.attempts_left)
        self._live.start()

    # --- from the worker threads -----------------------------------------------------------------------
    def _preview_from_worker(self, image: np.ndarray, _seq: int) -> None:
        with self._pending_lock:
            self._pending = image
        self._blit_trigger()

    def _guidance_from_worker(self, guidance: Guidance) -> None:
        Clock.schedule_once(lambda _dt: self._on_guidance(guidance), 0)

    # --- on the Kivy loop --------------------------------------------------------------------------------
    def _blit(self, *_args) -> None:
        with self._pending_lock:
            image, self._pending = self._pending, None
        if image is None or self.phase in ("captured", "checking", "failed"):
            return
        h, w = image.shape[:2]
        if self._texture is None or self._texture.size != (w, h):
            self._texture = Texture.create(size=(w, h), colorfmt="rgb")   # only when the camera mode changes
            self.ids.preview.texture = self._texture
        self._texture.blit_buffer(image.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.ids.preview.canvas.ask_update()
        if self.phase == "starting":
            self.phase = "preview"

    def _on_guidance(self, guidance: Guidance) -> None:
        if self.phase not in ("starting", "preview", "countdown"):
            return
        report = guidance.report
        if report.crop is not None and report.frame_size[0]:
            fw, fh = report.frame_size
            c = report.crop
            # the preview is mirrored: mirror the guide's x as well
            self.guide = [1.0 - (c.left + c.width) / fw, 1.0 - (c.top + c.height) / fh, c.width / fw, c.height / fh]
        if report.faces and self.on_activity:
            self.on_activity()
        self.good = report.ok
        if self.phase == "countdown":
            if not report.ok:
                self._cancel_countdown()
                self.phase = "preview"
                self._say(report.instruction)
            return
        self.phase = "preview"
        self._say(self._smoother.update(report.instruction))
        if guidance.stable:
            self._start_countdown()

    def _start_countdown(self) -> None:
        self.phase = "countdown"
        self.countdown = self.countdown_s
        self._tick_event = Clock.schedule_interval(self._tick, 1.0)

    def _cancel_countdown(self) -> None:
        if self._tick_event:
            self._tick_event.cancel()
            self._tick_event = None
        self.countdown = 0

    def _tick(self, _dt) -> bool:
        self.countdown -= 1
        if self.countdown > 0:
            return True
        self._cancel_countdown()
        self._capture()
        return False

    def _capture(self) -> None:
        self._live.stop()                 # the final check gets the CPU; the preview freezes meanwhile
        self.phase = "checking"
        self._say(MSG_CHECKING)
        threading.Thread(target=self._capture_worker, name="photo-capture", daemon=True).start()

    def _capture_worker(self) -> None:
        """Take a fresh full-resolution frame, run the final check and make the file (worker thread)."""
        jpeg, message = None, MSG_NOT_ACCEPTED
        try:
            frame = self.camera.capture(timeout=3.0)
            report = self.analyser.final_check(frame.image)
            if report.ok:
                jpeg = document_photo(frame.image, report.crop, self.analyser.t)
            else:
                message = report.instruction
                log.info("photo: final check refused: %s", ", ".join(r.check.value for r in report.failed))
        except PhotoOutputError as exc:
            log.warning("photo: output refused: %s", exc)
        except Exception:                 # a failed capture costs an attempt, never the kiosk
            log.exception("photo: capture failed")
        Clock.schedule_once(lambda _dt: self._captured(jpeg, message), 0)

    def _captured(self, jpeg: bytes | None, message: str) -> None:
        if self.phase != "checking":
            return                      # the citizen left meanwhile
        if jpeg is None:
            self._attempt_used(message)
            return
        self._photo = jpeg
        self._live.stop()
        self.ids.captured.texture = CoreImage(io.BytesIO(jpeg), ext="jpg").texture
        self.phase = "captured"
        self._say(MSG_CAPTURED)

    def _attempt_used(self, message: str) -> None:
        self.attempts_left = max(0, self.attempts_left - 1)
        if self.attempts_left <= 0:
            self._live.stop()
            self.phase = "failed"
            self._say(MSG_FAILED)
            self.note = _(MSG_BRING)
            return
        self._live.tracker.reset()
        self.phase = "preview"
        self._say(message)
        self.note = _(MSG_ATTEMPTS).format(n=self.attempts_left)
        self._live.start()

    def _watch_camera(self, _dt) -> None:
        """A camera that gives no frames for a while is a way out, not an endless 'starting'."""
        if self.phase not in ("starting", "preview", "countdown"):
            return
        if self.camera.status().ready:
            self._camera_silent_since = None
            return
        now = Clock.get_boottime()
        if self._camera_silent_since is None:
            self._camera_silent_since = now
        elif now - self._camera_silent_since >= self.camera_timeout_s:
            self._cancel_countdown()
            self._live.stop()
            self.phase = "camera_down"
            self._say(MSG_CAMERA_DOWN)
            self.note = _(MSG_BRING)

    # --- buttons ---------------------------------------------------------------------------------------
    def use_photo(self) -> None:
        if self.phase != "captured" or self._photo is None:
            return
        photo, self._photo = self._photo, None
        self.on_accept(photo)

    def retake(self) -> None:
        if self.phase != "captured":
            return
        self._drop_photo()
        self._attempt_used("")

    def skip(self) -> None:
        if self.phase in ("failed", "camera_down"):
            self.on_skip()

    # --- helpers ---------------------------------------------------------------------------------------
    def _say(self, message: str) -> None:
        self._source_msg = message
        self.instruction = _(message) if message else ""

    def _retranslate(self, *_args) -> None:
        self.instruction = _(self._source_msg) if self._source_msg else ""
        if self.phase in ("failed", "camera_down"):
            self.note = _(MSG_BRING)
        else:
            self.note = _(MSG_ATTEMPTS).format(n=self.attempts_left)

    def _drop_photo(self) -> None:
        self._photo = None
        if "captured" in self.ids:
            self.ids.captured.texture = None
