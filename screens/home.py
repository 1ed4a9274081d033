"""The home screen: every service of the catalog, the unavailable ones greyed out with the reason."""
from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _
from screens.widgets import KioskButton


def _fee_text(cents: int) -> str:
    if not cents:
        return _("Free")
    return _("Fee: {amount} €").format(amount=f"{cents // 100},{cents % 100:02d}")


class HomeScreen(Screen):
    def on_pre_enter(self, *_args):
        self.refresh()

    def refresh(self, *_args):
        """Rebuild the list (language, text size or device availability changed)."""
        app = App.get_running_app()
        grid = self.ids.service_list
        grid.clear_widgets()
        lang = app.lang
        for service in app.journey.services.values():
            reason = app.journey.unavailable_reason(service)
            line2 = _(reason) if reason else f"{service.description(lang)} · {_fee_text(service.fee_cents)}"
            btn = KioskButton(kid="service_" + service.id.replace(".", "_"),
                              text=f"[b]{service.name(lang)}[/b]\n[size={int(app.ui.fs * 6)}]{line2}[/size]",
                              disabled=bool(reason))
            btn.bind(on_release=lambda _b, sid=service.id: app.choose_service(sid))
            grid.add_widget(btn)
