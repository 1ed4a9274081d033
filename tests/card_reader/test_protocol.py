"""Framing: bytes as the spec lays them out, and a parser that survives any line noise."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from drivers.card_reader import protocol as p


def test_status_command_bytes_match_the_spec_layout():
    # F2 ADDR LENH LENL 'C' CM PM ETX BCC, LEN = 3, BCC = XOR of STX..ETX (worked out by hand)
    assert p.command(0, 0x31, 0x30) == bytes.fromhex("F2 00 00 03 43 31 30 03 B0")


def test_positive_reply_carries_status_and_data_and_length_counts_them():
    raw = p.positive(5, 0x30, 0x30, "000", b"FW1")
    assert raw[:4] == bytes([0xF2, 5, 0, 6 + 3])
    (frame,) = p.FrameParser().feed(raw)
    assert (frame.kind, frame.address, frame.cm, frame.pm, frame.status, frame.data) == \
        (p.Kind.POSITIVE, 5, 0x30, 0x30, "000", b"FW1")


def test_negative_reply_with_either_head_byte_gives_the_error_code():
    standard = p.negative(0, 0x32, 0x39, "10")
    alt = p.frame_bytes(0, bytes([0x45, 0x32, 0x39]) + b"10")
    for raw in (standard, alt):
        (frame,) = p.FrameParser().feed(raw)
        assert frame.kind is p.Kind.NEGATIVE and frame.error_code == "10"


def test_control_bytes_inside_a_frame_are_data_and_outside_are_controls():
    data = bytes([p.ACK, p.NAK, p.EOT, p.STX, p.ETX])
    raw = bytes([p.ACK]) + p.positive(0, 0x51, 0x39, "200", data) + bytes([p.EOT])
    items = p.FrameParser().feed(raw)
    assert items[0] is p.Control.ACK and items[2] is p.Control.EOT
    assert items[1].data == data


def test_frame_split_in_single_bytes_is_reassembled():
    raw = p.positive(0, 0x31, 0x30, "100")
    parser = p.FrameParser()
    items = [item for b in raw for item in parser.feed(bytes([b]))]
    assert len(items) == 1 and items[0].status == "100"


def test_bad_bcc_is_reported_corrupt_and_the_next_good_frame_still_found():
    good = p.positive(0, 0x31, 0x30, "000")
    bad = good[:-1] + bytes([good[-1] ^ 1])
    items = p.FrameParser().feed(bad + good)
    assert isinstance(items[0], p.Corrupt) and items[0].reason == "bad BCC"
    assert items[-1] == p.FrameParser().feed(good)[0]


def test_false_start_in_noise_does_not_hide_a_real_frame():
    good = p.positive(0, 0x31, 0x30, "200")
    noise = bytes([0xF2, 0x00, 0x01, 0x00, 0x50])  # claims a 256-byte frame that never comes
    items = p.FrameParser().feed(noise + good)
    frames = [i for i in items if isinstance(i, p.Frame)]
    assert frames and frames[0].status == "200"


def test_unfinished_frame_is_dropped_when_the_line_goes_quiet():
    parser = p.FrameParser()
    assert parser.feed(p.positive(0, 0x31, 0x30, "000")[:6]) == []
    items = parser.expire()
    assert items and isinstance(items[0], p.Corrupt)
    assert parser.pending == 0 or not any(isinstance(i, p.Frame) for i in items)


frames_strategy = st.builds(
    lambda kind, addr, cm, pm, st_, data: {
        "C": lambda: p.command(addr, cm, pm, data),
        "P": lambda: p.positive(addr, cm, pm, st_, data),
        "N": lambda: p.negative(addr, cm, pm, st_[:2], data),
    }[kind](),
    st.sampled_from("CPN"), st.integers(0, 15), st.integers(0x30, 0x51), st.integers(0x30, 0x39),
    st.text("0123456789AB", min_size=3, max_size=3), st.binary(max_size=40))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(1, 50), max_size=20))
def test_random_bytes_never_crash_and_every_frame_found_is_self_consistent(data, cuts):
    parser = p.FrameParser()
    items, pos = [], 0
    for cut in cuts:
        items += parser.feed(data[pos:pos + cut])
        pos += cut
    items += parser.feed(data[pos:]) + parser.expire()
    for item in items:
        if isinstance(item, p.Frame):  # only byte runs that are genuinely valid frames may come out
            alt_head = item.encode()[:4] + b"\x45" + item.encode()[5:-1]
            assert item.encode() in data or alt_head + bytes([p.bcc(alt_head)]) in data


@settings(max_examples=300, deadline=None)
@given(st.lists(frames_strategy, min_size=1, max_size=5), st.data())
def test_one_corrupted_byte_never_yields_a_frame_that_was_not_sent(frames, data):
    stream = bytearray(b"".join(frames))
    index = data.draw(st.integers(0, len(stream) - 1))
    # a changed byte anywhere except the length field: XOR BCC catches every single-byte change there
    length_bytes = set()
    pos = 0
    for f in frames:
        length_bytes |= {pos + 2, pos + 3}
        pos += len(f)
    if index in length_bytes:
        index = (index + 2) % len(stream)
    stream[index] ^= data.draw(st.integers(1, 255))
    parser = p.FrameParser()
    got = parser.feed(bytes(stream)) + parser.expire()
    sent = {bytes(f) for f in frames}
    for item in got:
        if isinstance(item, p.Frame):
            assert item.encode() in sent


@settings(max_examples=200, deadline=None)
@given(st.lists(frames_strategy, min_size=1, max_size=4), st.binary(max_size=30), st.binary(max_size=30))
def test_frames_surrounded_by_noise_without_stx_are_all_recovered(frames, before, after):
    noise = lambda b: bytes(x for x in b if x not in (p.STX, p.ACK, p.NAK, p.EOT))
    stream = noise(before) + b"".join(frames) + noise(after)
    parser = p.FrameParser()
    got = [i.encode() for i in parser.feed(stream) + parser.expire() if isinstance(i, p.Frame)]
    assert got == [bytes(f) for f in frames]


@settings(max_examples=300, deadline=None)
@given(st.lists(frames_strategy, min_size=2, max_size=5), st.data())
def test_a_damaged_length_loses_only_that_frame(frames, data):
    victim = data.draw(st.integers(0, len(frames) - 1))
    damaged = bytearray(frames[victim])
    damaged[data.draw(st.sampled_from([2, 3]))] ^= data.draw(st.integers(1, 255))
    stream = b"".join(frames[:victim]) + bytes(damaged) + b"".join(frames[victim + 1:])
    parser = p.FrameParser()
    got = [i.encode() for i in parser.feed(stream) + parser.expire() if isinstance(i, p.Frame)]
    sent = [bytes(f) for f in frames]
    assert set(got) <= set(sent)
    others = sent[:victim] + sent[victim + 1:]
    assert [g for g in got if g != sent[victim]] == [o for o in others if o != sent[victim]]
