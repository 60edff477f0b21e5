"""The deframer takes a frame it holds entirely in one piece: it must behave exactly as byte by byte."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27 import const
from custom_components.elke27.e27.errors import E27CrcError, E27FramingError, E27TruncatedFrameError
from custom_components.elke27.e27.framing import Deframer, Frame, build_frame, crc16

from .test_properties import chunk_sizes, chunked, segments

SETTINGS = settings(max_examples=200, deadline=None)
# LENGTH 0x7E (data 121 bytes): the low LENGTH byte is stuffed on the wire.
STUFFED_LENGTH_DATA = bytes(0x7E - const.MIN_FRAME_LENGTH)


def outcome(deframer: Deframer, pieces: Any) -> tuple[list[Any], int, int]:
    """Results (errors by type and text: exceptions compare by identity), discarded and buffered counts."""
    results: list[Any] = []
    for piece in pieces:
        results += [item if isinstance(item, Frame) else (type(item), str(item)) for item in deframer.feed(piece)]
    return results, deframer.discarded, deframer.buffered


def whole(stream: bytes) -> tuple[list[Any], int, int]:
    return outcome(Deframer(), [stream])


def bytewise(stream: bytes) -> tuple[list[Any], int, int]:
    return outcome(Deframer(), [stream[i : i + 1] for i in range(len(stream))])


def data_with_crc_byte(protocol: int, value: int) -> bytes:
    """Frame data whose CRC under protocol has a byte equal to value (so the CRC is stuffed if value is 7E)."""
    for n in range(1 << 16):
        data = n.to_bytes(2, "little")
        body = bytes((protocol,)) + (len(data) + const.MIN_FRAME_LENGTH).to_bytes(2, "little") + data
        if value in crc16(body).to_bytes(2, "little"):
            return data
    raise AssertionError("no such data")


def test_stuffed_start_bytes_anywhere_in_a_frame() -> None:
    frames = [
        Frame(0x80, b"\x7e" * 40),  # in the data, back to back
        Frame(0x81, STUFFED_LENGTH_DATA),  # in LENGTH
        Frame(0x82, data_with_crc_byte(0x82, 0x7E)),  # in the CRC
        Frame(0x83, b"abc\x7e"),  # the last data byte
        Frame(0x84, b""),
    ]
    stream = b"".join(build_frame(frame.protocol, frame.data) for frame in frames)
    assert b"\x7e\x00" in build_frame(0x82, frames[2].data)[-4:]
    assert whole(stream) == bytewise(stream) == (frames, 0, 0)


def test_garbage_between_frames() -> None:
    first, second = build_frame(0x80, b"one"), build_frame(0x85, b"\x7etwo")
    garbage = b"noise\x7e\x00more\x7e\x00"  # stray bytes and stuffed 7Es outside any frame
    stream = garbage + first + garbage + second + garbage
    expected = [Frame(0x80, b"one"), Frame(0x85, b"\x7etwo")]
    assert whole(stream) == bytewise(stream) == (expected, 3 * len(garbage), 0)


def test_split_at_every_offset() -> None:
    stream = (
        b"xx"
        + build_frame(0x80, b"\x7e" * 5 + b"data")
        + b"\x7e\x00junk"
        + build_frame(0x81, STUFFED_LENGTH_DATA)
        + build_frame(0x82, data_with_crc_byte(0x82, 0x7E))
        + b"\x7e"
    )
    expected = whole(stream)
    assert len(expected[0]) == 3
    assert expected == bytewise(stream)
    for split in range(len(stream) + 1):
        assert outcome(Deframer(), [stream[:split], stream[split:]]) == expected, split


def test_an_unstuffed_start_byte_inside_a_frame_starts_the_next_one() -> None:
    frame = build_frame(0x80, b"0123456789")
    cut = frame[:8] + build_frame(0x81, b"next")  # the first frame is interrupted by a new start
    results, _, _ = whole(cut)
    assert results == bytewise(cut)[0]
    assert results[0][0] is E27TruncatedFrameError
    assert results[1:] == [Frame(0x81, b"next")]


def test_a_bad_crc_in_one_piece_is_reported_and_the_stream_goes_on() -> None:
    bad = bytearray(build_frame(0x80, b"payload"))
    bad[-1] ^= 0x01
    stream = bytes(bad) + build_frame(0x81, b"ok")
    results, _, _ = whole(stream)
    assert results == bytewise(stream)[0]
    assert results[0][0] is E27CrcError
    assert results[1:] == [Frame(0x81, b"ok")]


def test_lengths_out_of_range_are_left_to_the_bytewise_path() -> None:
    short = b"\x7e\x80\x04\x00" + build_frame(0x81, b"after")
    oversize = b"\x7e\x80" + (const.MAX_FRAME_LENGTH + 1).to_bytes(2, "little") + build_frame(0x81, b"after")
    for stream in (short, oversize):
        assert whole(stream) == bytewise(stream)
        assert whole(stream)[0][-1] == Frame(0x81, b"after")


def test_frame_data_is_bytes_whatever_is_fed() -> None:
    wire = build_frame(0x80, b"\x7ehello")
    for fed in (bytearray(wire), memoryview(wire)):
        (frame,) = Deframer().feed(fed)  # type: ignore[arg-type]
        assert isinstance(frame, Frame)
        assert type(frame.data) is bytes
        assert frame.data == b"\x7ehello"


@SETTINGS
@given(st.lists(segments, max_size=12).map(b"".join), chunk_sizes)
def test_any_stream_decodes_as_it_does_byte_by_byte(stream: bytes, sizes: list[int]) -> None:
    expected = bytewise(stream)
    assert whole(stream) == expected
    assert outcome(Deframer(), chunked(stream, sizes)) == expected
    assert all(isinstance(item, Frame) or issubclass(item[0], E27FramingError) for item in expected[0])


# Frame starts followed by 0–5 bytes (any, 7E and 00 included): what a flood of garbage frames looks like.
short_units = st.lists(
    st.builds(
        lambda protocol, tail: bytes((0x7E, protocol)) + tail,
        st.sampled_from([0x85, 0x80, 0x01, 0x00, 0x7E]),
        st.binary(max_size=5) | st.sampled_from([b"", b"\x05", b"\x05\x00", b"\x00\x00", b"\x7e\x00", b"\x7e"]),
    )
    | st.builds(  # a LENGTH that the bytes before the next start may or may not reach
        lambda protocol, length, tail: bytes((0x7E, protocol, length, 0)) + tail,
        st.sampled_from([0x85, 0x01]),
        st.integers(0, 12),
        st.binary(max_size=10),
    ),
    max_size=40,
).map(b"".join)


@SETTINGS
@given(st.lists(short_units | segments, max_size=8).map(b"".join), chunk_sizes)
def test_floods_of_frame_starts_decode_as_they_do_byte_by_byte(stream: bytes, sizes: list[int]) -> None:
    expected = bytewise(stream)
    assert whole(stream) == expected
    assert outcome(Deframer(), chunked(stream, sizes)) == expected


OK = build_frame(0x80, b"OK")
OK_FRAME = Frame(0x80, b"OK")


class _Counting(Deframer):
    """A deframer whose step methods the test can wrap (the real one has slots)."""


FLOODS = {
    "frame starts": b"\x7e\x85",
    "starts with a LENGTH": b"\x7e\x85\x05\x00",
    "starts with a LENGTH out of range": b"\x7e\x85\x00\x00",
    "five-byte starts": b"\x7e\x85\x05\x00\x01",
    "starts with a LENGTH out of range and data": b"\x7e\x85\x00\x00\x01\x02",
    "start bytes": b"\x7e",
    "stuffed start bytes": b"\x7e\x00",
}


@pytest.mark.parametrize("unit", FLOODS.values(), ids=FLOODS.keys())
def test_a_flood_costs_no_step_per_byte_and_returns_one_error(unit: bytes) -> None:
    """Linear in the bytes whatever they are: a flood is searched through, not walked byte by byte.

    The deframer's per-byte steps are counted (not timed); a megabyte of the worst patterns
    takes a handful of them per 64 KiB read, and yields one error, not one per garbage frame.
    """
    data = unit * (1024 * 1024 // len(unit)) + OK
    deframer = _Counting()
    steps = 0
    for name in ("_escaped", "_abandon", "_check", "_whole"):
        original = getattr(deframer, name)

        def counted(*args: Any, _original: Any = original) -> Any:
            nonlocal steps
            steps += 1
            return _original(*args)

        setattr(deframer, name, counted)
    results = [item for piece in chunked(data, [65536]) for item in deframer.feed(piece)]
    assert steps < 20 * (len(data) // 65536 + 1)
    assert results[-1] == OK_FRAME
    assert len(results) <= 2  # at most one error for the whole flood, then the good frame
