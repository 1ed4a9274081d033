"""The visit state machine, driven by a fake clock: no window, no sleeping."""
from __future__ import annotations

import pytest

from drivers.clock import FakeClock
from drivers.device import DeviceState, DeviceStatus, SupplyLevel
from kiosk import i18n
from kiosk.journey import Journey, JourneyError, Step, Timeouts
from kiosk.services import load_catalog

ONLINE = DeviceStatus(DeviceState.ONLINE, supply=SupplyLevel.FULL)


class Citizen:
    surname, given_name, codice_fiscale = "ROSSI", "MARIO", "RSSMRA80A01H501U"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def devices():
    return {"printer": ONLINE, "camera": ONLINE, "card_reader": ONLINE}


@pytest.fixture
def journey(clock, devices):
    return Journey(load_catalog(), clock=clock, timeouts=Timeouts(60, 20, 10, 20), device_status=lambda: devices)


def test_full_visit_with_photo_and_wipe(journey, clock):
    seen = []
    journey.subscribe(lambda j: seen.append(j.step))
    journey.start()
    journey.set_language("en")
    journey.choose_service("cie.richiesta")
    assert journey.step is Step.IDENTIFY
    journey.identified(Citizen())
    assert journey.step is Step.FIELDS
    assert not journey.submit_fields({"organ_donation": "maybe"})
    assert "organ_donation" in journey.field_errors and journey.step is Step.FIELDS
    assert journey.submit_fields({"organ_donation": "si"})
    assert journey.step is Step.PHOTO
    journey.photo_taken(b"\xff\xd8jpeg")
    journey.confirm()
    journey.submitted("00123-261125-0042-K", outcome=None)
    assert journey.step is Step.RECEIPT and journey.session.local_ref
    clock.advance(20)
    journey.tick()
    assert journey.step is Step.ATTRACT and journey.end_reason == "completed"
    assert journey.session.is_empty and i18n.current_language() == "it"
    assert seen[:3] == [Step.HOME, Step.HOME, Step.IDENTIFY]


def test_service_without_photo_skips_photo_and_back_goes_back(journey):
    journey.start()
    journey.choose_service("anpr.nascita")          # no fields
    journey.identified(Citizen())
    assert journey.step is Step.REVIEW
    journey.back()
    assert journey.step is Step.HOME                # no fields to go back to
    journey.choose_service("inps.cu")               # identity kept within the visit
    assert journey.step is Step.FIELDS


def test_unavailable_service_cannot_start(journey, devices):
    devices["camera"] = DeviceStatus(DeviceState.OFFLINE)
    journey.start()
    reason = journey.unavailable_reason(journey.services["passaporto.rilascio"])
    assert reason and "camera" in reason
    with pytest.raises(JourneyError):
        journey.choose_service("passaporto.rilascio")
    assert journey.step is Step.HOME
    devices["printer"] = DeviceStatus(DeviceState.ONLINE, supply=SupplyLevel.OUT)
    assert "paper" in journey.unavailable_reason(journey.services["anpr.nascita"])
    del devices["printer"]                           # unknown is never ok
    assert journey.unavailable_reason(journey.services["anpr.nascita"])


def test_inactivity_warns_extends_at_least_ten_times_then_ends(journey, clock):
    journey.start()
    journey.choose_service("inps.cu")
    journey.identified(Citizen())
    assert journey.step is Step.FIELDS
    for n in range(10):
        clock.advance(59.9)
        journey.tick()
        assert not journey.warning
        clock.advance(0.2)
        journey.tick()
        assert journey.warning and journey.seconds_until_end() == pytest.approx(20, abs=0.3)
        assert journey.extend()
    clock.advance(61)
    journey.tick()
    assert journey.warning and journey.extensions_left == 0
    assert not journey.extend()
    clock.advance(20)
    journey.tick()
    assert journey.step is Step.ATTRACT and journey.end_reason == "inactivity" and journey.session.is_empty


def test_touch_postpones_warning_and_attract_is_not_watched(journey, clock):
    clock.advance(1000)
    journey.tick()
    assert journey.step is Step.ATTRACT and not journey.warning
    journey.start()
    clock.advance(50)
    journey.touch()
    clock.advance(50)
    journey.tick()
    assert not journey.warning


def test_failsafe_and_end_hooks_always_run(journey):
    reasons = []
    journey.on_visit_end(reasons.append)
    journey.on_visit_end(lambda r: 1 / 0)           # a broken hook cannot stop the wipe
    journey.start()
    journey.choose_service("anpr.nascita")
    journey.identified(Citizen())
    journey.fail("test")
    assert reasons == ["error"] and journey.step is Step.ATTRACT and journey.session.is_empty


def test_guards_refuse_out_of_order_actions(journey):
    with pytest.raises(JourneyError):
        journey.confirm()
    with pytest.raises(JourneyError):
        journey.identified(Citizen())
    journey.start()
    with pytest.raises(JourneyError):
        journey.set_language("xx")
    with pytest.raises(JourneyError):
        journey.choose_service("no.such")


def test_photo_can_be_skipped_and_the_request_says_so(journey):
    journey.start()
    journey.choose_service("passaporto.rinnovo")
    journey.identified(Citizen())
    assert journey.submit_fields({"old_passport": "YA1234567"})
    journey.photo_skipped()
    assert journey.step is Step.REVIEW and journey.session.photo_jpeg is None
    assert journey.session.fields["photo"] == "brought_to_counter"
    journey.back()
    journey.photo_taken(b"\xff\xd8\xffjpeg")
    assert "photo" not in journey.session.fields


def test_a_failing_observer_sends_the_visit_to_the_failsafe(journey):
    def broken_screen(j):
        if j.step is Step.IDENTIFY:
            raise RuntimeError("screen cannot show this step")
    journey.subscribe(broken_screen)
    journey.start()
    journey.choose_service("anpr.nascita")
    assert journey.step is Step.ATTRACT and journey.end_reason == "error" and journey.session.is_empty


def test_services_withdrawn_by_the_backend_catalog_are_greyed_out(clock, devices):
    offered = {"ids": None}
    journey = Journey(load_catalog(), clock=clock, device_status=lambda: devices, offered=lambda: offered["ids"])
    journey.start()
    nascita = journey.services["anpr.nascita"]
    assert journey.unavailable_reason(nascita) is None          # no catalog yet: the shipped one stands
    offered["ids"] = frozenset({"anpr.residenza"})
    assert "not offered" in journey.unavailable_reason(nascita)
    with pytest.raises(JourneyError):
        journey.choose_service("anpr.nascita")
    journey.choose_service("anpr.residenza")
