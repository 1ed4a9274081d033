"""DLE EOT replies: pattern validation, noise, and the mapping onto the shared device vocabulary."""
import pytest
from hypothesis import given, strategies as st

from drivers.device import DeviceState, SupplyLevel
from drivers.printer.status import (RawStatus, first_status_byte, is_asb_header, is_status_byte,
                                    to_device_status)

OK = RawStatus(0x12, 0x12, 0x12, 0x12)


def test_all_clear_is_online_with_paper():
    st_ = to_device_status(OK)
    assert st_.state is DeviceState.ONLINE and st_.supply is SupplyLevel.FULL and not st_.flags


@pytest.mark.parametrize("raw, state, supply, flag", [
    (RawStatus(0x12, 0x12, 0x12, 0x1E), DeviceState.ONLINE, SupplyLevel.LOW, "paper_near_end"),
    (RawStatus(0x1A, 0x32, 0x12, 0x7E), DeviceState.OFFLINE, SupplyLevel.OUT, "paper_end"),
    (RawStatus(0x1A, 0x16, 0x12, 0x12), DeviceState.OFFLINE, SupplyLevel.FULL, "cover_open"),
    (RawStatus(0x1A, 0x12, 0x12, 0x12), DeviceState.OFFLINE, SupplyLevel.FULL, "offline"),
    (RawStatus(0x1A, 0x52, 0x1A, 0x12), DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "cutter_error"),
    (RawStatus(0x1A, 0x52, 0x32, 0x12), DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "unrecoverable_error"),
    (RawStatus(0x1A, 0x52, 0x52, 0x12), DeviceState.HARDWARE_ERROR, SupplyLevel.FULL, "recoverable_error"),
])
def test_each_condition_maps_to_the_vocabulary(raw, state, supply, flag):
    st_ = to_device_status(raw)
    assert (st_.state, st_.supply) == (state, supply)
    assert flag in st_.flags


@pytest.mark.parametrize("missing", range(4))
def test_any_missing_reply_is_unknown_never_ok(missing):
    values = [0x12] * 4
    values[missing] = None
    st_ = to_device_status(RawStatus(*values))
    assert st_.state is DeviceState.OFFLINE and st_.supply is SupplyLevel.UNKNOWN
    assert "no answer" in st_.detail


def test_noise_and_asb_frames_are_skipped():
    asb = bytes([0x18, 0x00, 0x00, 0x0F])
    assert is_asb_header(0x18) and not is_status_byte(0x18)
    b, used = first_status_byte(b"\xff\x00\x81" + asb + b"\x16")
    assert b == 0x16 and used == 8
    assert first_status_byte(b"\xff\xfe" + asb) == (None, 6)


@given(st.binary(max_size=64))
def test_parser_never_crashes_and_only_returns_pattern_bytes(data):
    b, used = first_status_byte(data)
    assert 0 <= used <= len(data)
    if b is None:
        assert not any(is_status_byte(x) for x in data)
    else:
        assert is_status_byte(b) and data[used - 1] == b
        assert not any(is_status_byte(x) for x in data[:used - 1])


status_bytes = st.sampled_from([b for b in range(256) if is_status_byte(b)])


@given(st.one_of(st.none(), status_bytes), st.one_of(st.none(), status_bytes),
       st.one_of(st.none(), status_bytes), st.one_of(st.none(), status_bytes))
def test_mapping_is_total_and_ok_only_when_everything_answered_clean(p, o, e, r):
    st_ = to_device_status(RawStatus(p, o, e, r))
    if st_.state is DeviceState.ONLINE:
        assert None not in (p, o, e, r)
        assert not (p & 0x08) and not (o & 0x24) and not (e & 0x68) and not (r & 0x60)
        assert st_.supply in (SupplyLevel.FULL, SupplyLevel.LOW)
