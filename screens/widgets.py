"""Widgets shared by every screen (layout in common.kv)."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.modalview import ModalView


class KioskButton(Button):
    """A large button. ``kid`` names dynamically created buttons for tests and diagnostics."""
    primary = BooleanProperty(False)
    kid = StringProperty("")
    font_mm = NumericProperty(9)      # text height in mm on the panel
    height_mm = NumericProperty(0)    # at least this tall (0: the normal 22 mm target)

    def on_touch_down(self, touch):
        # Only real single touches: ignore the emulated extra fingers and scroll wheels.
        if getattr(touch, "is_mouse_scrolling", False) or touch.button not in (None, "left"):
            return False
        return super().on_touch_down(touch)


class LanguageBar(BoxLayout):
    """One button per offered language, each written in its own language, so anyone can find theirs."""
    NAMES = {"it": "Italiano", "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
             "sl": "Slovenščina"}

    def __init__(self, **kw):
        super().__init__(**kw)
        app = App.get_running_app()
        for lang in app.config_obj.i18n.languages:
            btn = KioskButton(text=self.NAMES.get(lang, lang), kid=f"lang_{lang}")
            btn.bind(on_release=lambda _b, lang=lang: app.set_language(lang))
            self.add_widget(btn)
        app.bind(lang=self._mark)
        self._mark(app, app.lang)

    def _mark(self, _app, lang: str) -> None:
        for btn in self.children:
            btn.primary = btn.kid == f"lang_{lang}"


class InactivityWarning(ModalView):
    seconds = NumericProperty(20)
    extensions_left = NumericProperty(10)
