"""The end of a visit: what happened, the reference in large digits, and a clear goodbye."""
from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_, _

HEADINGS = {
    "completed": N_("Done! Your document has been issued."),
    "accepted": N_("Done! Your request has been accepted."),
    "recorded": N_("Your request is saved and will be sent automatically."),
    "rejected": N_("Your request was not accepted."),
    "failed": N_("We are sorry: something went wrong."),
}
TAKE_RECEIPT = N_("Take your receipt from the slot below the screen.")


class ReceiptScreen(Screen):
    def on_pre_enter(self, *_args):
        self.refresh()

    def refresh(self, *_args):
        app = App.get_running_app()
        result = app.journey.session.outcome
        if result is None:
            return
        lang = app.lang
        self.ids.heading.text = _(HEADINGS[result.status])
        self.ids.reference.text = result.local_ref
        self.ids.reference_label.text = _("Your reference number") if result.local_ref else ""
        from kiosk.outbox.messages import citizen_message   # loads the backend stack: not needed at start-up
        lines = []
        outcome = result.outcome
        if outcome is not None and outcome.kind.value == "delivered" and outcome.message:
            lines.append(outcome.message.get(lang) or next(iter(outcome.message.values())))
        elif outcome is not None:
            lines.append(_(citizen_message(outcome)))
        for field, reason in result.reasons.items():
            lines.append(f"• {reason}")
        lines += [_(p) for p in result.problems]
        if result.print_state.value == "printed":
            lines.append(_(TAKE_RECEIPT))
        self.ids.details.text = "\n\n".join(lines)
