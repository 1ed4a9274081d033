"""The service's fields: choices as big buttons, typed values through the on-screen keyboard."""
from __future__ import annotations

from kivy.app import App
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _
from screens.keyboard import KeyboardPopup
from screens.widgets import KioskButton

KEYBOARD_FOR_KIND = {"text": "text", "year": "digits", "date": "date"}


class FieldsScreen(Screen):
    def on_pre_enter(self, *_args):
        app = App.get_running_app()
        self.values = dict(app.journey.session.fields)
        self.refresh()

    def refresh(self, *_args):
        app = App.get_running_app()
        service = app.journey.service
        if service is None:
            return
        lang = app.lang
        self.ids.heading.text = service.name(lang)
        box = self.ids.field_list
        box.clear_widgets()
        errors = app.journey.field_errors
        for spec in service.fields:
            box.add_widget(self._label(spec.labels.get(lang) or spec.labels["it"], bold=True))
            value = self.values.get(spec.name, "")
            if spec.kind == "choice":
                for option in spec.options:
                    btn = KioskButton(kid=f"opt_{spec.name}_{option.value}", primary=(value == option.value),
                                      text=option.labels.get(lang) or option.labels["it"])
                    btn.bind(on_release=lambda _b, n=spec.name, v=option.value: self.choose(n, v))
                    box.add_widget(btn)
            else:
                btn = KioskButton(kid=f"edit_{spec.name}", text=value or _("Touch here to write"))
                btn.bind(on_release=lambda _b, s=spec: self.edit(s))
                box.add_widget(btn)
            if spec.name in errors:
                box.add_widget(self._label(_(errors[spec.name]), error=True))

    def _label(self, text: str, bold: bool = False, error: bool = False) -> Label:
        app = App.get_running_app()
        lbl = Label(text=text, bold=bold or error, color=app.ui.error if error else app.ui.text,
                    font_size=app.ui.fs * 8, size_hint_y=None, halign="left", valign="middle")
        lbl.bind(width=lambda w, v: setattr(w, "text_size", (v, None)),
                 texture_size=lambda w, v: setattr(w, "height", v[1] + app.ui.mm * 2))
        return lbl

    def choose(self, name: str, value: str) -> None:
        self._set(name, value)

    def _set(self, name: str, value: str) -> None:
        """A changed value drops its old error: the citizen sees only problems that are still there."""
        self.values[name] = value
        App.get_running_app().journey.field_errors.pop(name, None)
        self.refresh()

    def edit(self, spec) -> None:
        lang = App.get_running_app().lang

        def done(value: str) -> None:
            self._set(spec.name, value)
        KeyboardPopup(spec.labels.get(lang) or spec.labels["it"], self.values.get(spec.name, ""),
                      KEYBOARD_FOR_KIND[spec.kind], done).open(animation=False)

    def proceed(self) -> None:
        App.get_running_app().submit_fields(self.values)
