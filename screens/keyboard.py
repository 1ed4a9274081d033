"""A large on-screen keyboard in a pop-up: one for every typed field, so an elderly citizen meets one design.

Keys are 10 to a row (≈ 25 mm wide on the totem). ``layout`` picks the keys: "alnum" (codice fiscale, passport
numbers), "digits" (years, heights, codes) or "date" (digits and /).
"""
from __future__ import annotations

from typing import Callable

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from screens.widgets import KioskButton

LAYOUTS = {
    "alnum": ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"],
    "text": ["1234567890", "QWERTYUIOP", "ASDFGHJKL'", "ZXCVBNM-"],
    "digits": ["123", "456", "789", "0"],
    "date": ["123", "456", "789", "0/"],
}


#: returned by ``on_done`` when the answer will come through ``KeyboardPopup.answer``
LATER = object()


class KeyboardPopup(ModalView):
    title = StringProperty("")
    value = StringProperty("")
    error = StringProperty("")
    max_length = NumericProperty(40)
    masked = BooleanProperty(False)      # PINs: show dots, never the digits

    def __init__(self, title: str, value: str, layout: str, on_done: Callable[[str], str | None],
                 max_length: int = 40, masked: bool = False, **kw) -> None:
        """``on_done(value)`` returns None to close, a (translated) problem to show and stay open, or LATER."""
        super().__init__(**kw)
        self.title, self.value, self.max_length, self.masked = title, value, max_length, masked
        self._on_done = on_done
        rows = self.ids.rows
        for row in LAYOUTS[layout]:
            from kivy.uix.boxlayout import BoxLayout
            line = BoxLayout(size_hint_y=None, spacing=rows.spacing)
            line.bind(minimum_height=line.setter("height"))
            for ch in row:
                key = KioskButton(text=ch, kid=f"key_{ch}", font_mm=9)
                key.bind(on_release=lambda _b, ch=ch: self.press(ch))
                line.add_widget(key)
            if layout in ("digits", "date") and len(row) < 3:
                for _ in range(3 - len(row)):
                    line.add_widget(KioskButton(text="", disabled=True, opacity=0))
            rows.add_widget(line)

    def press(self, ch: str) -> None:
        self.error = ""
        if len(self.value) < self.max_length:
            self.value += ch

    def space(self) -> None:
        if self.value and not self.value.endswith(" "):
            self.press(" ")

    def backspace(self) -> None:
        self.error = ""
        self.value = self.value[:-1]

    def done(self) -> None:
        answer = self._on_done(self.value.strip())
        if answer is not LATER:
            self.answer(answer)

    def answer(self, problem: str | None) -> None:
        """Close, or show the problem and stay open. ``on_done`` returning ``LATER`` calls this itself once its
        check (run off the UI thread, like the PIN's deliberately slow hash) is done."""
        if problem:
            self.error = problem
            if self.masked:
                self.value = ""
        else:
            self.dismiss(animation=False)
