"""The citizen's visit as an explicit state machine, pure Python (no Kivy), driven by an injectable clock.

    ATTRACT → HOME (language + services) → IDENTIFY → FIELDS → PHOTO (if needed) → REVIEW → SUBMIT → RECEIPT
                                                     ↖──────────── back ─────────────┘
Language is a bar on every screen rather than a step of its own: most citizens keep Italian and save a touch,
and anyone can switch at any moment (the current screen re-translates). Identification comes after choosing a
service so the citizen knows why the card is asked for.

Every citizen-facing step has an inactivity timer: after ``inactivity_s`` without a touch the warning appears;
the citizen may extend (``max_extensions`` times); after ``warning_s`` more the visit ends. Ending a visit —
for any reason, including the failsafe after an unexpected error — wipes the session and returns to ATTRACT.
``tick()`` must be called regularly (the app does it every half second; tests call it after moving a FakeClock).
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Callable, Mapping

from drivers.clock import SYSTEM_CLOCK, Clock
from drivers.device import DeviceStatus
from kiosk import i18n
from kiosk.field_validators import validate
from kiosk.services import Service, availability
from kiosk.session import Session

log = logging.getLogger("kiosk.journey")


class Step(str, enum.Enum):
    ATTRACT = "attract"
    HOME = "home"
    IDENTIFY = "identify"
    FIELDS = "fields"
    PHOTO = "photo"
    REVIEW = "review"
    SUBMIT = "submit"
    RECEIPT = "receipt"


#: Set in the request when the citizen will bring a printed photo instead of one taken here.
PHOTO_FIELD, PHOTO_AT_COUNTER = "photo", "brought_to_counter"

#: Steps where an unattended screen is warned about and then ended.
WATCHED_STEPS = {Step.HOME, Step.IDENTIFY, Step.FIELDS, Step.PHOTO, Step.REVIEW}


class JourneyError(Exception):
    """An action that is not allowed now (a guard said no); the UI shows nothing worse than staying put."""


@dataclass(frozen=True)
class Timeouts:
    inactivity_s: float = 60.0
    warning_s: float = 20.0
    max_extensions: int = 10
    receipt_s: float = 20.0


Listener = Callable[["Journey"], None]


class Journey:
    def __init__(self, services: tuple[Service, ...], *, default_language: str = "it",
                 languages: tuple[str, ...] = ("it", "en"), timeouts: Timeouts = Timeouts(),
                 clock: Clock = SYSTEM_CLOCK,
                 device_status: Callable[[], Mapping[str, DeviceStatus]] = dict,
                 offered: Callable[[], frozenset[str] | None] = lambda: None) -> None:
        self.services = {s.id: s for s in services}
        self.languages = languages
        self.default_language = default_language
        self.timeouts = timeouts
        self.clock = clock
        self.device_status = device_status
        self.offered = offered
        self.step = Step.ATTRACT
        self.session = Session(language=default_language)
        self.warning = False
        self.end_reason = ""
        self.field_errors: dict[str, str] = {}
        self._last_activity = clock.monotonic()
        self._warning_since = 0.0
        self._entered_at = clock.monotonic()
        self._listeners: list[Listener] = []
        self._end_hooks: list[Callable[[str], None]] = []
        i18n.set_language(default_language)

    # --- observation ----------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def on_visit_end(self, hook: Callable[[str], None]) -> None:
        """Called with the reason whenever a visit ends (eject the card, cancel the camera …)."""
        self._end_hooks.append(hook)

    def _changed(self) -> None:
        """Tell the observers. One that fails (a screen that cannot show this step) ends the visit through the
        failsafe rather than leaving the citizen on a screen that no longer matches the visit."""
        failed = False
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:
                log.exception("journey listener failed in step %s", self.step.value)
                failed = True
        if failed and self.step is not Step.ATTRACT:
            self.fail("journey listener")

    @property
    def service(self) -> Service | None:
        return self.services.get(self.session.service_id or "")

    @property
    def extensions_left(self) -> int:
        return max(0, self.timeouts.max_extensions - self.session.extensions_used)

    def seconds_until_end(self) -> float:
        """While the warning shows: seconds before the visit ends (for the countdown)."""
        if not self.warning:
            return float("inf")
        return max(0.0, self.timeouts.warning_s - (self.clock.monotonic() - self._warning_since))

    def unavailable_reason(self, service: Service) -> str | None:
        return availability(service, self.device_status(), self.offered())

    # --- transitions ----------------------------------------------------------------------------
    def _go(self, step: Step) -> None:
        log.info("journey: %s → %s", self.step.value, step.value)
        self.step = step
        self._entered_at = self.clock.monotonic()
        self.touch()
        self._changed()

    def _require(self, *steps: Step) -> None:
        if self.step not in steps:
            raise JourneyError(f"not allowed in step {self.step.value}")

    def touch(self) -> None:
        """Any citizen activity: restarts the inactivity timer (a touch does not dismiss the warning:
        the citizen answers it with its own button, so a stray touch cannot be mistaken for presence)."""
        self._last_activity = self.clock.monotonic()

    def start(self) -> None:
        self._require(Step.ATTRACT)
        self.session = Session(language=self.default_language)
        i18n.set_language(self.default_language)
        self.end_reason = ""
        self._go(Step.HOME)

    def set_language(self, lang: str) -> None:
        if lang not in self.languages:
            raise JourneyError(f"language {lang!r} is not offered")
        self.session.language = lang
        i18n.set_language(lang)
        self.touch()
        self._changed()

    def choose_service(self, service_id: str) -> None:
        self._require(Step.HOME)
        service = self.services.get(service_id)
        if service is None:
            raise JourneyError(f"unknown service {service_id!r}")
        reason = self.unavailable_reason(service)
        if reason:
            raise JourneyError(f"service {service_id} unavailable: {reason}")
        self.session.service_id = service_id
        self.session.fields.clear()
        self.field_errors = {}
        self._go(Step.FIELDS if self.session.identity is not None else Step.IDENTIFY)

    def identified(self, identity) -> None:
        """The card was read (or the codice fiscale typed and validated)."""
        self._require(Step.IDENTIFY)
        self.session.set_identity(identity)
        self._go(Step.FIELDS if self.service and self.service.fields else self._after_fields())

    def _after_fields(self) -> Step:
        return Step.PHOTO if self.service and self.service.photo else Step.REVIEW

    def submit_fields(self, values: Mapping[str, str]) -> bool:
        """Validate and store the fields; True and on to the next step when all are right."""
        self._require(Step.FIELDS)
        service = self.service
        assert service is not None
        today = self.clock.now().date()
        errors = {}
        clean = {}
        for spec in service.fields:
            value = str(values.get(spec.name, "")).strip()
            if spec.kind == "choice" and value and value not in {o.value for o in spec.options}:
                errors[spec.name] = i18n.N_("Please choose one of the options.")
                continue
            problem = validate(value, spec.validators, today)
            if problem:
                errors[spec.name] = problem
            clean[spec.name] = value
        self.field_errors = errors
        self.touch()
        if errors:
            self._changed()
            return False
        self.session.fields = clean
        self._go(self._after_fields())
        return True

    def photo_taken(self, jpeg: bytes) -> None:
        self._require(Step.PHOTO)
        self.session.photo_jpeg = jpeg
        self.session.fields.pop(PHOTO_FIELD, None)
        self._go(Step.REVIEW)

    def photo_skipped(self) -> None:
        """No compliant photo could be taken: the request goes on and says the citizen will bring a printed
        photo to the counter (the office needs one either way)."""
        self._require(Step.PHOTO)
        self.session.photo_jpeg = None
        self.session.fields[PHOTO_FIELD] = PHOTO_AT_COUNTER
        self._go(Step.REVIEW)

    def back(self) -> None:
        """One step back; from HOME it ends the visit."""
        order = {Step.IDENTIFY: Step.HOME, Step.FIELDS: Step.HOME, Step.PHOTO: Step.FIELDS,
                 Step.REVIEW: Step.PHOTO if self.service and self.service.photo else Step.FIELDS}
        if self.step == Step.HOME:
            self.end_visit("citizen left")
            return
        target = order.get(self.step)
        if target is None:
            raise JourneyError(f"no way back from {self.step.value}")
        if target == Step.FIELDS and not (self.service and self.service.fields):
            target = Step.HOME
        self._go(target)

    def confirm(self) -> None:
        """The citizen confirmed the review: the app submits to the outbox now."""
        self._require(Step.REVIEW)
        self._go(Step.SUBMIT)

    def submitted(self, local_ref: str, outcome=None) -> None:
        """The request is durably stored (and perhaps already answered): show the receipt step."""
        self._require(Step.SUBMIT)
        self.session.local_ref = local_ref
        self.session.outcome = outcome
        self._go(Step.RECEIPT)

    def finish(self) -> None:
        self._require(Step.RECEIPT)
        self.end_visit("completed")

    # --- inactivity -----------------------------------------------------------------------------
    def extend(self) -> bool:
        """The citizen answered "I'm still here". False when no extension is left."""
        if not self.warning or self.extensions_left == 0:
            return False
        self.session.extensions_used += 1
        self.warning = False
        self.touch()
        self._changed()
        return True

    def tick(self) -> None:
        now = self.clock.monotonic()
        if self.step == Step.RECEIPT and now - self._entered_at >= self.timeouts.receipt_s:
            self.end_visit("completed")
            return
        if self.step not in WATCHED_STEPS:
            return
        if not self.warning and now - self._last_activity >= self.timeouts.inactivity_s:
            self.warning = True
            self._warning_since = now
            log.info("journey: inactivity warning in %s", self.step.value)
            self._changed()
        elif self.warning and now - self._warning_since >= self.timeouts.warning_s:
            self.end_visit("inactivity")

    # --- end ------------------------------------------------------------------------------------
    def fail(self, where: str) -> None:
        """Failsafe: something unexpected broke the visit. Apologise, wipe, start again."""
        log.error("journey: failsafe after an error in %s", where)
        self.end_visit("error")

    def end_visit(self, reason: str) -> None:
        log.info("journey: visit ended (%s) in %s", reason, self.step.value)
        for hook in list(self._end_hooks):
            try:
                hook(reason)
            except Exception:
                log.exception("visit-end hook failed")
        self.session.wipe()
        self.session = Session(language=self.default_language)
        self.field_errors = {}
        self.warning = False
        self.end_reason = reason
        i18n.set_language(self.default_language)
        self._go(Step.ATTRACT)
