"""The technician's screen: device and outbox status, device actions, every action audited.

Reached from the attract loop by a deliberate gesture (touch the top-left, top-right, then top-left corner
again within 4 seconds) followed by the PIN. It closes itself after 5 minutes without a touch.
"""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _

log = logging.getLogger("kiosk.screens.maintenance")
IDLE_CLOSE_S = 300


class MaintenanceScreen(Screen):
    def on_enter(self, *_args):
        self._refresh_ev = Clock.schedule_interval(lambda _dt: self.refresh(), 1.0)
        self.refresh()

    def on_leave(self, *_args):
        self._refresh_ev.cancel()

    def refresh(self, *_args):
        """Figures are gathered on the maintenance worker (the outbox query touches the disk), shown here."""
        app = App.get_running_app()
        if app.journey.clock.monotonic() - app.maintenance_last_touch > IDLE_CLOSE_S:
            app.close_maintenance("idle")
            return
        future = app._maintenance_work(self._status_text, app.runtime)
        future.add_done_callback(lambda f: Clock.schedule_once(lambda _dt: self._show(f), 0))

    def _show(self, future) -> None:
        try:
            self.ids.status.text = future.result()
        except Exception:
            log.exception("maintenance status failed")

    @staticmethod
    def _status_text(rt) -> str:
        lines = [f"[b]{rt.config.kiosk.id}[/b] · {rt.config.kiosk.office_name}"]
        for name, st in sorted(rt.devices.statuses().items()):
            flags = f" ({', '.join(sorted(st.flags))})" if st.flags else ""
            lines.append(f"[b]{name}[/b]: {st.state.value} · media {st.media.value} · supply {st.supply.value}"
                         f"{flags} {st.detail}")
        if rt.outbox is not None:
            stats = rt.outbox.stats()
            lines.append(f"[b]outbox[/b]: {stats.pending} pending (oldest {stats.oldest_age_s:.0f} s), "
                         f"{stats.delivered} delivered, {stats.rejected} rejected, "
                         f"{stats.needs_attention} need attention")
        if rt.sender is not None:
            lines.append(f"[b]backend[/b]: circuit {rt.sender.breaker_state.value}"
                         + (" (paused: needs attention)" if rt.sender.paused else ""))
        if rt.outbox is not None and rt.outbox.alert:
            lines.append(f"[b]ALERT[/b]: {rt.outbox.alert}")
        if rt.out_of_service:
            lines.append(f"[b]{_('Out of service')}[/b]: {rt.out_of_service}")
        return "\n".join(lines)

    def act(self, action: str) -> None:
        App.get_running_app().maintenance_action(action)
