"""Driver ↔ simulator over a real pty: commands, full identifications, the forgotten card, the end of a visit."""
from __future__ import annotations

import datetime as dt

import pytest

from drivers.backoff import Backoff
from drivers.card_reader import CardReader, NoCard
from drivers.device import DeviceState, EventKind, MediaState, SupplyLevel
from kiosk.identity import CardIdentification, CardOutcome, CardStep
from simulators.card_reader import Position

from .conftest import wait_for


def test_open_sends_init_and_reports_online_with_no_card(make_reader, sim):
    reader, _ = make_reader()
    assert sim.commands[0] == (0x30, 0x30)   # INIT first, after the EOT that clears the line
    assert reader.firmware == "CRT-591-SIM V1.0"
    status = reader.status()
    assert (status.state, status.media, status.supply) == (DeviceState.ONLINE, MediaState.NOT_PRESENT,
                                                            SupplyLevel.FULL)


def test_card_inserted_without_accepting_waits_at_the_gate(make_reader, sim):
    reader, rec = make_reader()
    sim.insert("mario_rossi")
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at gate")
    assert EventKind.MEDIA_INSERTED not in rec.kinds()


def test_card_waiting_at_the_closed_shutter_is_taken_in_when_the_visit_asks(make_reader, sim):
    reader, rec = make_reader()
    sim.insert("anna_bianchi")
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at gate")
    reader.accept_card().result(3)
    rec.wait(EventKind.MEDIA_INSERTED)
    assert reader.read_card().result(5).surname == "BIANCHI"


def test_a_card_given_back_is_never_taken_in_as_the_next_card(make_reader, sim):
    reader, rec = make_reader()
    run_identification(reader, sim, "mario_rossi")
    reader.eject().result(5)
    reader.accept_card().result(3)       # the next visit starts while the card is still at the gate
    reader.refuse_card().result(3)       # one more full cycle
    assert sim.position is Position.GATE
    assert rec.kinds().count(EventKind.MEDIA_INSERTED) == 1


def test_read_eject_take_cycle_gives_events_in_order(make_reader, sim):
    reader, rec = make_reader()
    reader.accept_card().result(3)
    assert "accepting" in reader.status().flags
    sim.insert("mario_rossi")
    rec.wait(EventKind.MEDIA_INSERTED)
    data = reader.read_card().result(5)
    assert (data.surname, data.given_name, data.codice_fiscale) == ("ROSSI", "MARIO", "RSSMRA85T10A562S")
    assert (0x51, 0x30) in sim.commands and (0x51, 0x31) in sim.commands  # cold reset … power off
    reader.eject().result(5)
    assert sim.position is Position.GATE
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at gate")
    sim.take()
    rec.wait(EventKind.MEDIA_REMOVED)
    assert rec.kinds() == [EventKind.MEDIA_INSERTED, EventKind.MEDIA_REMOVED]
    wait_for(lambda: reader.status().media is MediaState.NOT_PRESENT, what="no card")


def run_identification(reader, sim, card: str) -> list[CardOutcome]:
    outcomes: list[CardOutcome] = []
    from drivers.clock import FakeClock
    flow = CardIdentification(reader, outcomes.append, clock=FakeClock())
    flow.start()
    wait_for(lambda: "accepting" in reader.status().flags, what="entry enabled")
    sim.insert(card)
    wait_for(lambda: any(o.step in (CardStep.IDENTIFIED, CardStep.INVALID) for o in outcomes),
             what=f"{card} identified or refused")
    return outcomes


@pytest.mark.parametrize("card, surname, sex, birth", [
    ("mario_rossi", "ROSSI", "M", dt.date(1985, 12, 10)),
    ("anna_bianchi", "BIANCHI", "F", dt.date(1950, 3, 22)),
    ("luca_verdi", "VERDI", "M", dt.date(1972, 5, 7)),
])
def test_full_identification_of_good_cards(make_reader, sim, card, surname, sex, birth):
    reader, _ = make_reader()
    outcomes = run_identification(reader, sim, card)
    assert [o.step for o in outcomes] == [CardStep.INSERTED, CardStep.IDENTIFIED]
    ident = outcomes[-1].identity
    assert (ident.surname, ident.sex, ident.birth_date, ident.identified_by) == (surname, sex, birth, "health_card")
    assert sim.position is Position.IC     # stays in until the journey is done with it


@pytest.mark.parametrize("card, reason", [
    ("no_chip", "no_chip"), ("mute_chip", "chip_error"), ("bank_card", "not_health_card"),
    ("garbled", "unknown_layout"), ("giuseppe_esposito", "expired"), ("mismatch", "inconsistent"),
])
def test_cards_that_are_not_usable_are_refused_with_a_reason_and_ejected(make_reader, sim, card, reason):
    reader, rec = make_reader()
    outcomes = run_identification(reader, sim, card)
    invalid = outcomes[-1]
    assert invalid.step is CardStep.INVALID and invalid.code == reason and invalid.message
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card ejected to the gate")
    if reason in ("no_chip", "chip_error", "not_health_card", "unknown_layout"):
        assert rec.wait(EventKind.INVALID_MEDIA).code == reason
    sim.take()
    wait_for(lambda: any(o.step is CardStep.REMOVED for o in outcomes), what="removed")


def test_read_without_a_card_is_a_clear_error(make_reader):
    reader, _ = make_reader()
    with pytest.raises(NoCard):
        reader.read_card().result(3)
    with pytest.raises(NoCard):
        reader.eject().result(3)


def test_forgotten_card_is_retained_after_the_configured_time(make_reader, sim, clock):
    reader, rec = make_reader(take_card_s=20.0)
    outcomes = run_identification(reader, sim, "mario_rossi")
    reader.eject().result(5)
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at the gate")
    clock.advance(19.0)
    for _ in range(2):  # the second operation runs only after a whole poll cycle (gate check included)
        reader.refuse_card().result(3)
    assert sim.position is Position.GATE
    clock.advance(2.0)
    event = rec.wait(EventKind.MEDIA_RETAINED)
    assert "gate" in event.detail
    assert sim.retained == ["mario_rossi"] and sim.position is Position.NONE
    wait_for(lambda: reader.status().media is MediaState.RETAINED, what="media retained")
    wait_for(lambda: any(o.step is CardStep.RETAINED for o in outcomes), what="flow told")


def test_visit_ending_with_the_card_inside_ejects_it_first(make_reader, sim):
    reader, _ = make_reader()
    run_identification(reader, sim, "mario_rossi")
    assert sim.position is Position.IC
    reader.end_visit().result(5)
    assert sim.position is Position.GATE and not sim.entry_enabled


def test_technician_retain_puts_the_card_in_the_bin(make_reader, sim):
    reader, rec = make_reader()
    sim.insert("bank_card")
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at gate")
    reader.retain().result(5)
    assert sim.retained == ["bank_card"]
    assert rec.wait(EventKind.MEDIA_RETAINED).detail == "technician request"


def test_unknown_url_scheme_is_reported_offline_not_ok(clock):
    reader = CardReader("usb://04b8:0e15", clock=clock, poll_interval=0.05)
    reader.open()
    try:
        wait_for(lambda: reader.status().state is DeviceState.OFFLINE, what="offline")
        assert "serial://" in reader.status().detail and reader.status().media is MediaState.UNKNOWN
        with pytest.raises(Exception, match="offline"):
            reader.eject().result(1)
    finally:
        reader.close()


def test_simulator_over_tcp_identifies_a_card_too(clock):
    from simulators.card_reader import CardReaderSimulator
    sim = CardReaderSimulator(tcp=True)
    url = sim.start()
    assert url.startswith("tcp://127.0.0.1:")
    reader = CardReader(url, clock=clock, poll_interval=0.03, backoff=Backoff(base=0.05, cap=0.2))
    outcomes: list[CardOutcome] = []
    try:
        reader.open()
        wait_for(lambda: reader.status().ready, what="online over TCP")
        outcomes = run_identification(reader, sim, "luca_verdi")
        assert outcomes[-1].identity.surname == "VERDI"
        sim.unplug()
        wait_for(lambda: reader.status().state is DeviceState.OFFLINE, what="offline")
        sim.replug()
        wait_for(lambda: reader.status().ready, timeout=8, what="back over TCP on the same port")
    finally:
        reader.close()
        sim.stop()


def test_no_code_or_name_reaches_the_log_during_a_visit(make_reader, sim, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    reader, _ = make_reader()
    outcomes = run_identification(reader, sim, "mario_rossi")
    assert outcomes[-1].step is CardStep.IDENTIFIED
    reader.eject().result(5)
    sim.take()
    wait_for(lambda: any(o.step is CardStep.REMOVED for o in outcomes), what="removed")
    assert "RSSMRA*********S" in caplog.text          # the masked form is there for the technician
    for secret in ("RSSMRA85T10A562S", "ROSSI", "MARIO", "10121985"):
        assert secret not in caplog.text


def test_flow_with_an_offline_reader_offers_the_keyboard(clock):
    reader = CardReader("serial:///nonexistent/port", clock=clock)   # never opened: offline
    outcomes: list[CardOutcome] = []
    CardIdentification(reader, outcomes.append).start()
    assert [o.step for o in outcomes] == [CardStep.READER_ERROR]
    assert "type your tax code" in outcomes[0].message


def test_media_events_carry_the_status_they_announce(make_reader, sim):
    reader, rec = make_reader()
    run_identification(reader, sim, "mario_rossi")
    assert rec.wait(EventKind.MEDIA_INSERTED).status.media is MediaState.PRESENT
    reader.eject().result(5)
    sim.take()
    assert rec.wait(EventKind.MEDIA_REMOVED).status.media is MediaState.NOT_PRESENT
