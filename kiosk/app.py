"""The Kivy application: wires the Runtime (devices, outbox, catalog) and the Journey to the screens.

Screens observe the journey and call the app's actions; the app turns journey steps into screen changes and
shows the inactivity warning. Device and network work never runs here: results arrive via ``@mainthread``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock, mainthread
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from kiosk import i18n, theme
from kiosk.journey import JourneyError, Journey, Step
from kiosk.runtime import Runtime

log = logging.getLogger("kiosk.app")

SCREEN_FOR_STEP = {Step.ATTRACT: "attract", Step.HOME: "home", Step.IDENTIFY: "identify", Step.FIELDS: "fields",
                   Step.PHOTO: "photo", Step.REVIEW: "review", Step.SUBMIT: "submit", Step.RECEIPT: "receipt"}
KV_FILES = ("common", "keyboard", "attract", "home", "identify", "fields", "review", "submit", "receipt",
            "maintenance", "photo")
BLOCKED_KEYS = {27: "escape", 282: "F1", 1073741882: "F1"}


class _KeepRunning(ExceptionHandler):
    """Kivy's last line of defence: log, send the citizen back to the start, keep the loop alive."""

    def __init__(self, app: "KioskApp") -> None:
        self.app = app

    def handle_exception(self, exc):
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.critical("unhandled exception in the UI loop", exc_info=exc)
        Clock.schedule_once(lambda _dt: self.app.journey.fail("ui loop"), 0)
        return ExceptionManager.PASS


class KioskApp(App):
    title = "Polis Sportello Unico"
    use_kivy_settings = False
    lang = StringProperty("it")
    ui = ObjectProperty(None)
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    office_name = StringProperty("")
    out_of_service = StringProperty("")

    def __init__(self, runtime: Runtime, **kw) -> None:
        super().__init__(**kw)
        self.runtime = runtime
        self.config_obj = runtime.config
        self.journey: Journey = runtime.make_journey()
        display = runtime.config.display
        self.large_text = display.large_text
        self.high_contrast = display.high_contrast
        self.office_name = runtime.config.kiosk.office_name
        self.lang = i18n.current_language()
        from screens.ui_theme import UiTheme
        self.ui = UiTheme()
        self._apply_theme()
        self._warning = None
        self._first_frame_seen = False
        from kiosk.maintenance import AuditLog, MaintenanceAccess
        m = runtime.config.maintenance
        self.audit = AuditLog(runtime.data_dir / "audit.log", runtime.clock)
        self.maintenance = MaintenanceAccess(m.pin_hash, runtime.data_dir / "maintenance-state.json", self.audit,
                                             max_attempts=m.max_attempts, lockout_s=m.lockout_s,
                                             clock=runtime.clock)
        self.maintenance_last_touch = 0.0
        self._maintenance_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maintenance")

    # --- helpers used by kv ---------------------------------------------------------------------
    def t(self, message: str, _lang: str = "") -> str:
        """Translate; kv passes ``app.lang`` so the expression re-evaluates on a language switch."""
        return i18n.gettext(message)

    def _apply_theme(self) -> None:
        self.ui.apply(theme.HIGH_CONTRAST if self.high_contrast else theme.NORMAL,
                      theme.Metrics(self.runtime.config.display.dpi, self.large_text))

    # --- building -------------------------------------------------------------------------------
    def build(self):
        for name in KV_FILES:
            Builder.load_string(resources.files("screens").joinpath(f"{name}.kv").read_text("utf-8"),
                                filename=f"{name}.kv")
        from screens.attract import AttractScreen
        from screens.fields import FieldsScreen
        from screens.home import HomeScreen
        from screens.identify import IdentifyScreen
        from screens.maintenance import MaintenanceScreen
        from screens.receipt import ReceiptScreen
        from screens.review import ReviewScreen
        from screens.submit import SubmitScreen
        self.sm = ScreenManager(transition=FadeTransition(duration=0.15))
        for screen in (AttractScreen(), HomeScreen(), IdentifyScreen(), FieldsScreen(), ReviewScreen(),
                       SubmitScreen(), ReceiptScreen(), MaintenanceScreen()):
            self.sm.add_widget(screen)
        self.sm.current = "attract"
        self._lockdown()
        ExceptionManager.add_handler(_KeepRunning(self))
        self.journey.subscribe(self._on_journey)
        self.journey.on_visit_end(self._on_visit_end)
        self.runtime.devices.subscribe(self._on_device_event)
        i18n.on_language_change(self._on_language)
        Clock.schedule_interval(lambda _dt: self._tick(), 0.5)
        Window.bind(on_touch_down=self._on_any_touch)
        Window.bind(on_draw=self._on_first_frame)
        control = os.environ.get("KIOSK_TEST_CONTROL")
        if control:
            from kiosk.test_control import start_control_server
            start_control_server(self, control)
        return self.sm

    def _lockdown(self) -> None:
        """No way out for a citizen: no Escape, no F1 settings, no window close, no emulated multi-touch."""
        Window.bind(on_request_close=self._refuse_close)
        Window.bind(on_keyboard=self._filter_keys)

    def _refuse_close(self, *_args, **_kw) -> bool:
        log.warning("window close request refused (lockdown)")
        return True

    def _filter_keys(self, _window, key, *_args) -> bool:
        if key in BLOCKED_KEYS:
            log.info("key %s ignored (lockdown)", BLOCKED_KEYS[key])
            return True
        return False

    def open_settings(self, *_args) -> bool:
        return False

    def _on_first_frame(self, *_args) -> None:
        if self._first_frame_seen:
            return
        self._first_frame_seen = True
        mark = os.environ.get("KIOSK_STARTUP_MARK")
        if mark:
            with open(mark, "w") as fh:
                fh.write(repr(time.time()))
        Window.unbind(on_draw=self._on_first_frame)
        if os.environ.get("KIOSK_EXIT_AFTER_FIRST_FRAME"):
            Clock.schedule_once(lambda _dt: self.stop(), 0)
            return
        threading.Thread(target=self._start_background, name="startup", daemon=True).start()

    def _start_background(self) -> None:
        try:
            self.runtime.start_background()
        except Exception:
            log.exception("background start-up failed; the kiosk keeps running with what it has")
        self._add_photo_screen()
        self._devices_changed()

    @mainthread
    def _add_photo_screen(self) -> None:
        """The photo step needs the camera driver, which exists only once the devices are built."""
        if self.runtime.camera is None or self.sm.has_screen("photo"):
            return
        from kiosk.photo.analyser import PhotoAnalyser
        from screens.photo import PhotoScreen
        self.sm.add_widget(PhotoScreen(self.runtime.camera, PhotoAnalyser(self.runtime.config.photo),
                                       on_accept=self.photo_accepted, on_skip=self.photo_skipped,
                                       on_activity=self.journey.touch))

    def on_stop(self) -> None:
        self._maintenance_worker.shutdown(wait=False, cancel_futures=True)
        self.runtime.stop()

    # --- journey → screens -----------------------------------------------------------------------
    def _on_journey(self, journey: Journey) -> None:
        target = SCREEN_FOR_STEP[journey.step]
        if not self.sm.has_screen(target):
            raise RuntimeError(f"no screen for step {journey.step.value}")   # the journey's failsafe ends the visit
        if self.sm.current != target:
            self.sm.current = target
        self._show_warning(journey.warning)

    def _on_visit_end(self, reason: str) -> None:
        """Give back a card still in the reader, close pop-ups, and reset the display modes for the next person."""
        reader = self.runtime.card_reader
        if reader is not None:
            reader.end_visit()
        for child in list(Window.children):
            if child is not self.sm and hasattr(child, "dismiss"):
                child.dismiss(animation=False)
        display = self.runtime.config.display
        if (self.large_text, self.high_contrast) != (display.large_text, display.high_contrast):
            self.large_text, self.high_contrast = display.large_text, display.high_contrast
            self._apply_theme()

    def _show_warning(self, visible: bool) -> None:
        from screens.widgets import InactivityWarning
        if visible:
            if self._warning is None:
                self._warning = InactivityWarning()
            self._warning.extensions_left = self.journey.extensions_left
            self._warning.seconds = int(self.journey.seconds_until_end() + 0.999)
            if not self._warning.parent:
                self._warning.open(animation=False)
        elif self._warning is not None and self._warning.parent:
            self._warning.dismiss(animation=False)

    def _tick(self) -> None:
        self.out_of_service = self.runtime.out_of_service
        if self.runtime.restart_requested:
            self.stop()
            return
        self.journey.tick()
        if self.journey.warning and self._warning is not None:
            self._warning.seconds = int(self.journey.seconds_until_end() + 0.999)

    def _on_any_touch(self, _window, _touch) -> bool:
        self.journey.touch()
        self.maintenance_last_touch = self.journey.clock.monotonic()
        return False

    def _on_language(self, lang: str) -> None:
        self.lang = lang
        self._refresh_current()

    def _refresh_current(self) -> None:
        screen = self.sm.current_screen
        if hasattr(screen, "refresh"):
            screen.refresh()

    def _on_device_event(self, _name: str, _event) -> None:
        self._devices_changed()

    @mainthread
    def _devices_changed(self) -> None:
        if self.sm.current == "home":
            self._refresh_current()

    # --- actions called by screens ----------------------------------------------------------------
    def _act(self, action, *args) -> None:
        try:
            action(*args)
        except JourneyError as exc:
            log.info("action refused: %s", exc)

    def start_visit(self) -> None:
        if self.out_of_service:
            log.info("visit not started: out of service")
            return
        self._act(self.journey.start)

    # --- maintenance --------------------------------------------------------------------------------
    def ask_maintenance_pin(self) -> None:
        """The corner gesture was made on the attract screen: ask for the technician PIN. The check (a slow
        salted hash by design) and the audit trail (fsync) run on the maintenance worker, never here."""
        from screens.keyboard import LATER, KeyboardPopup
        self._maintenance_work(self.audit.record, "gesture", "PIN asked")

        def check(pin: str):
            future = self._maintenance_work(self.maintenance.try_pin, pin)
            future.add_done_callback(lambda f: Clock.schedule_once(lambda _dt: answer(f), 0))
            return LATER

        def answer(future) -> None:
            result = future.result()
            if result.ok:
                popup.answer(None)
                self.open_maintenance()
            elif result.reason == "locked":
                popup.answer(i18n._("Locked: try again in {minutes} minutes.").format(
                    minutes=int(result.locked_for_s // 60) + 1))
            elif result.reason == "not_configured":
                popup.answer(i18n._("No technician PIN is configured on this kiosk."))
            else:
                popup.answer(i18n._("Wrong PIN: {tries} tries left.").format(tries=result.tries_left))
        popup = KeyboardPopup(i18n._("Technician PIN"), "", "digits", check, max_length=12, masked=True)
        popup.open(animation=False)

    def _maintenance_work(self, fn, *args):
        """Technician work (PIN hash, audit fsync, outbox figures, device actions) in order, off the UI thread."""
        return self._maintenance_worker.submit(fn, *args)

    def open_maintenance(self) -> None:
        if self.journey.step is not Step.ATTRACT:
            return
        self.maintenance_last_touch = self.journey.clock.monotonic()
        self.sm.current = "maintenance"

    def close_maintenance(self, why: str) -> None:
        self._maintenance_work(self.audit.record, "close", why)
        self.sm.current = "attract"

    def maintenance_action(self, action: str) -> None:
        """Technician buttons: each is started and audited on the maintenance worker."""
        if action == "toggle_service":     # a UI state: flipped here, audited there
            self.runtime.out_of_service = "" if self.runtime.out_of_service else "technician"
        self._maintenance_work(self._run_maintenance_action, action)

    def _run_maintenance_action(self, action: str) -> None:
        rt = self.runtime
        try:
            if action == "print_test":
                from kiosk.receipts import KioskInfo, technician_test_page
                status = [f"{k}: {v.state.value} {v.supply.value}" for k, v in rt.devices.statuses().items()]
                rt.printer.submit(technician_test_page(KioskInfo.from_config(rt.config), rt.clock.now(),
                                                       rt.config.printer.columns, status))
            elif action == "reset_printer":
                rt.printer.reset()
            elif action == "eject_card":
                rt.card_reader.eject()
            elif action == "reset_card_reader":
                rt.card_reader.reset()
            elif action == "reset_camera":
                rt.camera.reset()
            elif action != "toggle_service":
                raise ValueError(f"unknown action {action!r}")
            self.audit.record(action, "started")
        except Exception as exc:
            log.exception("technician action %s failed", action)
            self.audit.record(action, f"failed: {exc}")

    def set_language(self, lang: str) -> None:
        self._act(self.journey.set_language, lang)

    def choose_service(self, service_id: str) -> None:
        self._act(self.journey.choose_service, service_id)

    def identified(self, identity) -> None:
        self._act(self.journey.identified, identity)

    def submit_fields(self, values: dict) -> None:
        try:
            self.journey.submit_fields(values)
        except JourneyError as exc:
            log.info("action refused: %s", exc)
        self._refresh_current()

    def go_back(self) -> None:
        self._act(self.journey.back)

    def photo_accepted(self, jpeg: bytes) -> None:
        self._act(self.journey.photo_taken, jpeg)

    def photo_skipped(self) -> None:
        self._act(self.journey.photo_skipped)

    def confirm(self) -> None:
        """Review confirmed: store, wait a bounded time for the answer and print, all on a worker thread."""
        try:
            self.journey.confirm()
        except JourneyError as exc:
            log.info("action refused: %s", exc)
            return
        session, service = self.journey.session, self.journey.service
        threading.Thread(target=self._submit, args=(session, service), name="submit", daemon=True).start()

    def _submit(self, session, service) -> None:
        from kiosk.receipts import KioskInfo
        from kiosk.submission import MSG_NOT_STORED, SubmissionResult, submit_visit
        rt = self.runtime
        try:
            if rt.outbox is None:
                raise RuntimeError("the outbox is not open yet")
            result = submit_visit(session, service, outbox=rt.outbox, sender=rt.sender, printer=rt.printer,
                                  kiosk=KioskInfo.from_config(rt.config), columns=rt.config.printer.columns,
                                  wait_s=rt.config.backend.wait_for_delivery_s, now=rt.clock.now())
        except Exception:
            log.exception("submission failed")
            result = SubmissionResult(stored=False, problems=(MSG_NOT_STORED,))
        self._submitted(session, result)

    @mainthread
    def _submitted(self, session, result) -> None:
        if self.journey.session is not session or self.journey.step is not Step.SUBMIT:
            log.warning("submission finished after the visit ended (reference %s)", result.local_ref or "none")
            return
        self._act(self.journey.submitted, result.local_ref, result)

    def finish_visit(self) -> None:
        self._act(self.journey.finish)

    def extend_visit(self) -> None:
        self.journey.extend()

    def end_visit(self) -> None:
        self.journey.end_visit("citizen left")

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self._apply_theme()
        self._refresh_current()

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self._apply_theme()
        self._refresh_current()

