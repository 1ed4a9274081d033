"""Every fault switch of the simulator: the driver recovers, or ends in a clear, reported state."""
from __future__ import annotations

import pytest

from drivers.card_reader import CardJammed, CommandRejected, RetainBinFull
from drivers.device import DeviceState, ErrorAction, EventKind, MediaState, SupplyLevel
from simulators.card_reader import Position

from .conftest import wait_for

MOVE_EJECT = (0x32, 0x39)


def card_inside(reader, sim, rec, card="mario_rossi"):
    reader.accept_card().result(3)
    sim.insert(card)
    rec.wait(EventKind.MEDIA_INSERTED)


def went_offline(rec) -> bool:
    return any(e.kind is EventKind.STATUS_CHANGED and e.status.state is DeviceState.OFFLINE for e in rec.events)


def test_short_nak_storm_is_absorbed_by_resending(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("nak_storm", 2)
    assert reader.read_card().result(5).surname == "ROSSI"
    assert reader.stats.resends >= 2 and not went_offline(rec)


def test_endless_nak_storm_goes_offline_then_recovers_with_init(make_reader, sim):
    reader, rec = make_reader()
    inits = sim.commands.count((0x30, 0x30))
    sim.set_fault("nak_storm", 30)
    wait_for(lambda: went_offline(rec), what="offline")
    assert reader.status().media is MediaState.UNKNOWN   # unknown is never reported as ok
    wait_for(lambda: reader.status().ready, what="back online")
    assert sim.commands.count((0x30, 0x30)) > inits


def test_missing_ack_on_a_quick_command_still_gets_the_answer(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("missing_ack", 3)
    assert reader.read_card().result(5).codice_fiscale == "RSSMRA85T10A562S"


@pytest.mark.parametrize("fault", ["missing_ack", "lose_response"])
def test_motor_command_with_lost_ack_or_reply_is_never_sent_twice(make_reader, sim, fault):
    sim.motor_s = 0.35  # the reply comes after the ACK window, like a real move
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("target", 0x32)  # hit the MOVE itself, not the STATUS before it
    sim.set_fault(fault, 1)
    reader.eject().result(5)
    assert sim.position is Position.GATE
    assert sim.commands.count(MOVE_EJECT) == 1


def test_motor_command_whose_reply_is_lost_is_sent_again_only_if_the_card_did_not_move(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("jam", True)            # the move fails: its reply is lost, the card is still inside
    sim.set_fault("target", 0x32)
    sim.set_fault("lose_response", 1)
    with pytest.raises(CardJammed):       # asked STATUS, card not at the gate → one resend → jam reported
        reader.eject().result(5)
    assert sim.commands.count(MOVE_EJECT) == 2


def test_corrupted_replies_are_nakked_and_resent(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("corrupt_bcc", 2)
    assert reader.read_card().result(5).surname == "ROSSI"
    assert reader.stats.naks_sent >= 2


def test_persistently_corrupted_replies_drop_the_link_and_it_comes_back(make_reader, sim):
    reader, rec = make_reader()
    sim.set_fault("corrupt_bcc", 6)
    wait_for(lambda: went_offline(rec), what="offline")
    wait_for(lambda: reader.status().ready, what="online again")


def test_garbage_on_the_line_is_skipped(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("garbage", 8)
    assert reader.read_card().result(5).given_name == "MARIO"
    assert reader.stats.noise_bytes > 0


def test_slow_replies_within_the_time_out_are_waited_for(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("slow_s", 0.4)
    assert reader.read_card().result(10).surname == "ROSSI"
    assert not went_offline(rec)


def test_replies_slower_than_the_time_out_mean_offline_until_they_speed_up(make_reader, sim):
    reader, rec = make_reader()
    sim.set_fault("slow_s", 1.3)   # quick commands time out at 1 s in these tests
    wait_for(lambda: went_offline(rec), what="offline")
    sim.set_fault("slow_s", 0.0)
    wait_for(lambda: reader.status().ready, timeout=8, what="online again")


def test_jam_is_a_hardware_error_asking_to_clear_and_reset_recovers(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("jam", True)
    with pytest.raises(CardJammed):
        reader.eject().result(5)
    status = reader.status()
    assert (status.state, status.media) == (DeviceState.HARDWARE_ERROR, MediaState.JAMMED)
    error = rec.wait(EventKind.ERROR)
    assert (error.code, error.action) == ("10", ErrorAction.CLEAR)
    sim.set_fault("jam", False)    # the technician frees the path
    reader.reset()
    wait_for(lambda: reader.status().ready and sim.position is Position.GATE, what="recovered, card at gate")


def test_card_moved_by_hand_is_reported_and_ends_at_the_gate(make_reader, sim):
    reader, rec = make_reader()
    card_inside(reader, sim, rec)
    sim.set_fault("moved_by_hand", 1)
    with pytest.raises(CommandRejected, match="moved by hand"):
        reader.read_card().result(5)
    assert rec.wait(EventKind.ERROR).code == "45"
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at the gate")
    sim.take()
    rec.wait(EventKind.MEDIA_REMOVED)


def test_unplugged_reader_is_offline_unknown_and_reinitialised_when_back(make_reader, sim):
    reader, rec = make_reader()
    inits = sim.commands.count((0x30, 0x30))
    sim.set_fault("unplugged", True)
    wait_for(lambda: reader.status().state is DeviceState.OFFLINE, what="offline")
    assert reader.status().media is MediaState.UNKNOWN and reader.status().supply is SupplyLevel.UNKNOWN
    sim.set_fault("unplugged", False)
    wait_for(lambda: reader.status().ready, timeout=8, what="online after replug")
    assert sim.commands.count((0x30, 0x30)) == inits + 1 and sim.initialised


def test_silent_reader_is_offline(make_reader, sim):
    reader, rec = make_reader()
    sim.set_fault("silent", True)
    wait_for(lambda: reader.status().state is DeviceState.OFFLINE, what="offline")
    sim.set_fault("silent", False)
    wait_for(lambda: reader.status().ready, timeout=8, what="online again")


def test_full_retain_bin_is_reported_and_retain_refused_for_maintenance(make_reader, sim):
    reader, rec = make_reader()
    sim.set_fault("bin_full", True)
    wait_for(lambda: "retain_bin_full" in reader.status().flags, what="bin full flag")
    assert reader.status().supply is SupplyLevel.OUT
    sim.insert("mario_rossi")
    wait_for(lambda: reader.status().media is MediaState.ENTERING, what="card at the gate")
    with pytest.raises(RetainBinFull):
        reader.retain().result(5)
    error = rec.wait(EventKind.ERROR)
    assert (error.code, error.action) == ("A1", ErrorAction.MAINTENANCE)
    assert sim.position is Position.GATE
