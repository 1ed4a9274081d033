"""Sending: the request is stored, answered (or recorded offline) and the receipt printed, off the UI thread."""
from __future__ import annotations

from kivy.animation import Animation
from kivy.properties import NumericProperty
from kivy.uix.screenmanager import Screen


class SubmitScreen(Screen):
    spin = NumericProperty(0)

    def on_enter(self, *_args):
        self._anim = Animation(spin=360, duration=1.2)
        self._anim.repeat = True
        self._anim.start(self)

    def on_leave(self, *_args):
        Animation.cancel_all(self, "spin")
        self.spin = 0
