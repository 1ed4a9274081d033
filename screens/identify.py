"""Identification: insert the health card (read by the reader's thread) or type the codice fiscale."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.clock import mainthread
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_, _, current_language
from kiosk.identity import CardIdentification, CardOutcome, CardStep, IdentityError, identity_from_typed
from screens.keyboard import KeyboardPopup
from screens.widgets import KioskButton

log = logging.getLogger("kiosk.screens.identify")

INSERT = N_("Insert your health card in the slot below the screen, chip facing up.")
READING = N_("Reading your card…")
HELLO = N_("Hello, {name}! Please take your card back.")
TAKE_BACK = N_("Please take your card back.")
RETAINED = N_("Your card was kept by the kiosk for safety. Please ask at the post office counter.")
NO_READER = N_("The card reader is not working right now: please type your codice fiscale instead.")


class IdentifyScreen(Screen):
    status = StringProperty("")
    status_is_error = BooleanProperty(False)
    simulated = BooleanProperty(False)

    def on_pre_enter(self, *_args):
        app = App.get_running_app()
        self._identity = None
        self._status_msg, self._status_args = INSERT, {}
        self.status_is_error = False
        self.simulated = "card_reader" in app.runtime.simulators
        if self.simulated and not self.ids.sim_tools.children:
            for kid, text, action in (("sim_insert_button", "Simulation: insert the health card", self.simulate_insert),
                                      ("sim_take_button", "Simulation: take the card", self.simulate_take)):
                btn = KioskButton(kid=kid, text=text, font_mm=6, height_mm=14)
                btn.bind(on_release=lambda _b, action=action: action())
                self.ids.sim_tools.add_widget(btn)
        reader = app.runtime.card_reader
        self._ident = None
        if reader is None or not reader.status().ready:
            self._set(NO_READER, error=True)
            return
        self._ident = CardIdentification(reader, self._on_card)
        self._ident.start()
        self.refresh()

    def on_leave(self, *_args):
        if self._ident is not None:
            self._ident.finish()      # closes the slot; a card still inside comes back out
            self._ident.close()
            self._ident = None

    def refresh(self, *_args):
        self.status = _(self._status_msg).format(**self._status_args)

    def _set(self, msg: str, error: bool = False, **args) -> None:
        self._status_msg, self._status_args, self.status_is_error = msg, args, error
        self.refresh()

    @mainthread
    def _on_card(self, outcome: CardOutcome) -> None:
        app = App.get_running_app()
        app.journey.touch()
        if outcome.step is CardStep.INSERTED:
            self._set(READING)
        elif outcome.step is CardStep.IDENTIFIED:
            self._identity = outcome.identity
            name = f"{outcome.identity.given_name.title()} {outcome.identity.surname.title()}"
            self._set(HELLO, name=name)
            app.runtime.card_reader.eject()
        elif outcome.step is CardStep.INVALID:
            self._status_args = {}
            self._set_combined(outcome.message, TAKE_BACK)
        elif outcome.step is CardStep.REMOVED:
            if self._identity is not None:
                app.identified(self._identity)
            else:
                self._ident.start()
        elif outcome.step is CardStep.RETAINED:
            self._set(RETAINED, error=True)
        elif outcome.step is CardStep.READER_ERROR:
            self._set(outcome.message or NO_READER, error=True)

    def _set_combined(self, first: str, second: str) -> None:
        self._status_msg, self.status_is_error = first, True
        self.status = f"{_(first)} {_(second)}"

    def type_code(self) -> None:
        def check(value: str) -> str | None:
            try:
                identity = identity_from_typed(value, App.get_running_app().journey.clock.now().date())
            except IdentityError as exc:
                return exc.translated(current_language())
            App.get_running_app().identified(identity)
            return None
        KeyboardPopup(_("Type your codice fiscale (16 characters)"), "", "alnum", check, max_length=16).open(
            animation=False)

    # --- simulation mode only: the developer's hand at the card slot ------------------------------------
    def simulate_insert(self) -> None:
        self._simulated_hand("insert", App.get_running_app().config_obj.simulation.card)

    def simulate_take(self) -> None:
        self._simulated_hand("take")

    def _simulated_hand(self, action: str, *args) -> None:
        from simulators.card_reader import SimulatorError
        try:
            getattr(App.get_running_app().runtime.simulators["card_reader"], action)(*args)
        except SimulatorError as exc:   # e.g. a second card while one is inside: physically impossible
            log.info("simulated card %s refused: %s", action, exc)
