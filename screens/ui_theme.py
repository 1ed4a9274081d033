"""The theme as Kivy properties, so every kv expression that uses a colour or a size follows a switch to
high contrast or large text at once. Values come from kiosk/theme.py; this object is updated in place."""
from __future__ import annotations

import dataclasses

from kivy.event import EventDispatcher
from kivy.properties import ColorProperty, NumericProperty

from kiosk import theme


class UiTheme(EventDispatcher):
    background = ColorProperty()
    text = ColorProperty()
    muted_text = ColorProperty()
    primary = ColorProperty()
    primary_text = ColorProperty()
    secondary = ColorProperty()
    secondary_text = ColorProperty()
    disabled = ColorProperty()
    disabled_text = ColorProperty()
    error = ColorProperty()
    banner = ColorProperty()
    banner_text = ColorProperty()
    mm = NumericProperty(96 / 25.4)        # pixels per millimetre on the panel
    fs = NumericProperty(96 / 25.4)        # pixels per millimetre of text (larger in large-text mode)
    target = NumericProperty(83.0)         # height of a normal button in pixels

    def apply(self, palette: theme.Palette, metrics: theme.Metrics) -> None:
        for f in dataclasses.fields(palette):
            setattr(self, f.name, theme.hex_to_rgba(getattr(palette, f.name)))
        self.mm = metrics.mm(1)
        self.fs = metrics.font(1)
        self.target = metrics.target
