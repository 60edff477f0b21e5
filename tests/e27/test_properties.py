"""Property-based tests for the deframer (§4.3) and the schema-0 envelope round trip (§5)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27 import const
from custom_components.elke27.e27.crypto import open_envelope, seal
from custom_components.elke27.e27.errors import E27FramingError
from custom_components.elke27.e27.framing import Deframer, Frame, build_frame, crc16
from custom_components.elke27.e27.messages import decode, encode

# Modest: the whole suite runs on a 2-core CI machine.
SETTINGS = settings(max_examples=200, deadline=None)
MAX_DATA = const.MAX_FRAME_LENGTH - const.MIN_FRAME_LENGTH

protocols = st.integers(0x80, 0x8F)
# Plain random bytes rarely hit the interesting values, so mix in a stream built from them.
special_bytes = st.lists(st.sampled_from([0x7E, 0x00, 0x80, 0x85, 0x10, 0xFF]), max_size=300).map(bytes)
# Sizes spread evenly up to the limit, cheap to generate and shrinking towards short.
sized_bytes = st.builds(lambda n, seed: random.Random(seed).randbytes(n), st.integers(0, MAX_DATA), st.integers())
frame_data = st.one_of(st.binary(max_size=MAX_DATA), special_bytes, sized_bytes)
garbage = st.binary(max_size=64).map(lambda data: data.replace(b"\x7e", b""))
chunk_sizes = st.lists(st.integers(1, 64), min_size=1, max_size=20)


def chunked(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    """data cut into pieces of the given sizes, cycling through them."""
    pos = 0
    index = 0
    while pos < len(data):
        size = sizes[index % len(sizes)]
        yield data[pos : pos + size]
        pos += size
        index += 1


def feed_all(deframer: Deframer, data: bytes, sizes: list[int]) -> list[Frame | E27FramingError]:
    out: list[Frame | E27FramingError] = []
    for chunk in chunked(data, sizes):
        out += deframer.feed(chunk)
    return out


def crc16_bitwise(data: bytes) -> int:
    """§3.4's bitwise algorithm, spelled out."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@SETTINGS
@given(st.binary(max_size=600), st.integers(0, 0xFFFF))
def test_crc16_matches_bitwise_definition(data: bytes, split: int) -> None:
    assert crc16(data) == crc16_bitwise(data)
    split %= len(data) + 1
    assert crc16(data[split:], crc16(data[:split])) == crc16(data)


# A hostile stream: random bytes, frame starts with any LENGTH (in and out of range), long
# runs without 7E that fill a frame buffer, and real frames.
segments = st.one_of(
    st.binary(max_size=100),
    special_bytes,
    st.builds(
        lambda protocol, length: bytes((0x7E, protocol)) + length.to_bytes(2, "little"),
        st.integers(1, 0xFF).filter(lambda b: b != 0x7E),
        st.sampled_from([0, 4, 5, 6, 1000, const.MAX_FRAME_LENGTH, const.MAX_FRAME_LENGTH + 1, 0xFFFF])
        | st.integers(0, 0xFFFF),
    ),
    st.integers(0, 5000).map(lambda n: b"\x55" * n),
    st.builds(build_frame, protocols, st.binary(max_size=200)),
)


@SETTINGS
@given(st.lists(segments, max_size=12).map(b"".join), chunk_sizes | st.just([1]) | st.just([4096]))
def test_deframer_never_raises_and_stays_bounded(stream: bytes, sizes: list[int]) -> None:
    deframer = Deframer()
    total = 0
    for chunk in chunked(stream, sizes):
        results = deframer.feed(chunk)
        total += len(chunk)
        assert all(isinstance(item, Frame | E27FramingError) for item in results)
        assert deframer.buffered <= const.MAX_FRAME_LENGTH
        assert 0 <= deframer.discarded <= total


@SETTINGS
@given(protocols, frame_data, garbage, chunk_sizes)
@example(0x80, bytes(MAX_DATA), b"", [4096])
@example(0x8F, b"\x7e" * MAX_DATA, b"noise", [1])
def test_frame_round_trip(protocol: int, data: bytes, junk: bytes, sizes: list[int]) -> None:
    deframer = Deframer()
    results = feed_all(deframer, junk + build_frame(protocol, data), sizes)
    assert results == [Frame(protocol, data)]
    assert deframer.discarded == len(junk)
    assert deframer.buffered == 0


@SETTINGS
@given(
    st.lists(st.tuples(protocols, st.one_of(st.binary(max_size=300), special_bytes), garbage), min_size=1, max_size=8),
    chunk_sizes,
)
def test_frame_stream_round_trip(frames: list[tuple[int, bytes, bytes]], sizes: list[int]) -> None:
    stream = b"".join(junk + build_frame(protocol, data) for protocol, data, junk in frames)
    deframer = Deframer()
    assert feed_all(deframer, stream, sizes) == [Frame(protocol, data) for protocol, data, _ in frames]
    assert deframer.discarded == sum(len(junk) for _, _, junk in frames)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=25,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=8)
envelope_fields = {
    "envelope_seq": st.integers(0, 2**32 - 1),
    "src": st.integers(0, 255),
    "dest": st.integers(0, 255),
    "head": st.integers(0, 255),
}


@SETTINGS
@given(
    st.binary(min_size=16, max_size=16),
    json_objects.filter(lambda obj: len(encode(obj)) <= const.MAX_PAYLOAD),
    st.fixed_dictionaries(envelope_fields),
    chunk_sizes,
)
@example(bytes(16), {"k": "x" * (const.MAX_PAYLOAD - 8)}, {"envelope_seq": 1, "src": 1, "dest": 0, "head": 0}, [4096])
@example(bytes(16), {"a": "x" * 106}, {"envelope_seq": 1, "src": 1, "dest": 0, "head": 0}, [1])  # TV-11 shape
def test_envelope_round_trip(key: bytes, obj: dict[str, Any], fields: dict[str, int], sizes: list[int]) -> None:
    """Any JSON object up to MAX_PAYLOAD bytes survives seal → frame → deframe → open."""
    payload = encode(obj)
    protocol, ciphertext = seal(key, payload, **fields)
    assert protocol & 0xF0 == const.PROTOCOL_ENCRYPTED
    assert len(ciphertext) % const.AES_BLOCK == 0
    assert len(ciphertext) == len(payload) + const.ENVELOPE_OVERHEAD + (protocol & const.PAD_MASK)
    (frame,) = feed_all(Deframer(), build_frame(protocol, ciphertext), sizes)
    assert isinstance(frame, Frame)
    envelope = open_envelope(key, frame.protocol, frame.data)
    assert envelope.payload == payload
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (
        fields["envelope_seq"],
        fields["src"],
        fields["dest"],
        fields["head"],
    )
    assert envelope.padding == protocol & const.PAD_MASK
    assert decode(envelope.payload) == obj


@SETTINGS
@given(
    st.binary(min_size=16, max_size=16),
    st.binary(max_size=const.MAX_PAYLOAD) | sized_bytes.filter(lambda data: len(data) <= const.MAX_PAYLOAD),
    st.integers(0, 2**32 - 1),
)
def test_envelope_round_trip_any_bytes(key: bytes, payload: bytes, envelope_seq: int) -> None:
    protocol, ciphertext = seal(key, payload, envelope_seq=envelope_seq, src=1, dest=0)
    envelope = open_envelope(key, protocol, ciphertext)
    assert (envelope.payload, envelope.envelope_seq) == (payload, envelope_seq)
