"""The attract loop: a calm invitation that cycles through the offered languages. No personal data ever."""
from __future__ import annotations

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_, _, translate

INVITATION = N_("Touch the screen to start")
APOLOGY = N_("We are sorry: something went wrong and your visit was closed. Please start again.")


class AttractScreen(Screen):
    invitation = StringProperty("")
    notice = StringProperty("")
    pulse = NumericProperty(1.0)
    CYCLE_S = 4.0

    def on_enter(self, *_args):
        app = App.get_running_app()
        if app.journey.end_reason == "error":
            self.notice = _(APOLOGY)
            Clock.schedule_once(lambda _dt: setattr(self, "notice", ""), 10)
        self._index = 0
        self._show_next()
        self._cycle = Clock.schedule_interval(lambda _dt: self._show_next(), self.CYCLE_S)
        self._anim = (Animation(pulse=0.92, duration=1.5, t="in_out_sine")
                      + Animation(pulse=1.0, duration=1.5, t="in_out_sine"))
        self._anim.repeat = True
        self._anim.start(self)

    def on_leave(self, *_args):
        self._cycle.cancel()
        Animation.cancel_all(self, "pulse")
        self.pulse = 1.0

    def on_touch_down(self, touch):
        """Anywhere on the screen starts a visit: the whole attract loop is one big button. The top corners
        are kept for the technician's gesture (top-left, top-right, top-left within 4 s)."""
        app = App.get_running_app()
        corner = self._corner(touch)
        if corner:
            self._gesture = [(c, t) for c, t in getattr(self, "_gesture", []) if touch.time_start - t < 4.0]
            self._gesture.append((corner, touch.time_start))
            if [c for c, _t in self._gesture[-3:]] == ["left", "right", "left"]:
                self._gesture = []
                app.ask_maintenance_pin()
            return True
        app.start_visit()
        return True

    def _corner(self, touch) -> str:
        size = App.get_running_app().ui.mm * 20
        if touch.y < self.top - size:
            return ""
        if touch.x < self.x + size:
            return "left"
        if touch.x > self.right - size:
            return "right"
        return ""

    def _show_next(self) -> None:
        langs = App.get_running_app().config_obj.i18n.languages
        self.invitation = translate(INVITATION, langs[self._index % len(langs)])
        self._index += 1
