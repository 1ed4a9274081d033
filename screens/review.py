"""Review: everything the citizen is about to send, with the fee, before one deliberate confirmation."""
from __future__ import annotations

import io

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _
from kiosk.journey import PHOTO_AT_COUNTER, PHOTO_FIELD
from kiosk.privacy import mask_codice_fiscale


def euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


class ReviewScreen(Screen):
    def on_pre_enter(self, *_args):
        self.refresh()

    def refresh(self, *_args):
        app = App.get_running_app()
        journey = app.journey
        service, session = journey.service, journey.session
        if service is None or session.identity is None:
            return
        lang = app.lang
        ident = session.identity
        who = f"{ident.given_name.title()} {ident.surname.title()}".strip() or mask_codice_fiscale(
            ident.codice_fiscale)
        lines = [f"[b]{_('Service')}:[/b] {service.name(lang)}", f"[b]{_('For')}:[/b] {who}"]
        for spec in service.fields:
            value = session.fields.get(spec.name, "")
            if spec.kind == "choice":
                value = next((o.labels.get(lang, value) for o in spec.options if o.value == value), value)
            lines.append(f"[b]{spec.labels.get(lang) or spec.labels['it']}:[/b] {value or '—'}")
        if session.fields.get(PHOTO_FIELD) == PHOTO_AT_COUNTER:
            lines.append(f"[b]{_('Photo')}:[/b] {_('you will bring a printed photo to the counter')}")
        lines.append(f"[b]{_('Cost')}:[/b] " + (euro(service.fee_cents) + " — " + _("paid at the counter with pagoPA")
                                                  if service.fee_cents else _("Free")))
        self.ids.summary.text = "\n\n".join(lines)
        photo = self.ids.photo
        if session.photo_jpeg:
            photo.texture = CoreImage(io.BytesIO(bytes(session.photo_jpeg)), ext="jpg").texture
            photo.opacity = 1
        else:
            photo.texture = None
            photo.opacity = 0
