"""docs/protocol.md §12 test vectors TV-1…TV-11 (read from docs/vectors.json), plus the codec's error paths (§4, §5, §7.3, §8.3)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from custom_components.elke27.e27 import const
from custom_components.elke27.e27.crypto import (
    LinkSecrets,
    decrypt_key_field,
    derive_link_secrets,
    encrypt_key_field,
    hex_key_to_aes,
    open_envelope,
    padding_length,
    seal,
    swap32,
)
from custom_components.elke27.e27.errors import (
    E27CrcError,
    E27CryptoError,
    E27FrameLengthError,
    E27FramingError,
    E27TruncatedFrameError,
)
from custom_components.elke27.e27.framing import Deframer, Frame, build_frame, crc16
from custom_components.elke27.e27.messages import (
    ClientIdentity,
    JsonStreamSplitter,
    build_api_link_request,
    build_hello_request,
    build_request,
    decode,
    parse_message,
)

# The vectors, as the protocol notes publish them.
VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[2] / "docs" / "vectors.json").read_text())
TV5: dict[str, Any] = VECTORS["TV-5"]

# Shared inputs of TV-5…TV-8.
ACCESS_CODE = TV5["access_code"]
PASSPHRASE = TV5["passphrase"]
NONCE = TV5["nonce"]
CNONCE = TV5["cnonce"]
IDENTITY = ClientIdentity(**VECTORS["identity"])
PASS_HEX = TV5["pass"]
TEMPKEY_HEX = TV5["tempkey"]
LINKKEY_HEX = VECTORS["TV-7"]["linkkey"]
SESSION_KEY = bytes.fromhex(VECTORS["TV-8"]["session_key"])
HMAC_KEY = bytes.fromhex(VECTORS["TV-8"]["hmac_key"])

# §2.2 greeting.
GREETING = b'{"ELKWC2017":"Hello","nonce":"77274bf43c1400329c8362bacec79fe93323722c"}'
LOCAL = b'{"LOCAL":"2025/12/26,18:44:00"}'

Result = Frame | type[E27FramingError]


def feed_chunks(deframer: Deframer, chunks: Iterable[bytes]) -> list[Frame | E27FramingError]:
    """Feed each chunk in turn; return every result in stream order."""
    out: list[Frame | E27FramingError] = []
    for chunk in chunks:
        out += deframer.feed(chunk)
    return out


def kinds(results: Sequence[Frame | E27FramingError]) -> list[Result]:
    """Frames as they are, errors as their exact class, for comparison."""
    return [item if isinstance(item, Frame) else type(item) for item in results]


def bytewise(data: bytes) -> list[bytes]:
    """data one byte per chunk."""
    return [data[i : i + 1] for i in range(len(data))]


def aes_cbc_decrypt_raw(key: bytes, ciphertext: bytes) -> bytes:
    """§5.4 receiver step 2, written out independently of crypto.open_envelope."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(range(16)))).decryptor()
    return swap32(decryptor.update(swap32(ciphertext)) + decryptor.finalize())


# --- TV-1 CRC ---------------------------------------------------------------------------------

TV1 = [
    pytest.param(row["data"], row["crc"], row["wire"], id=f"TV-1 row {number}")
    for number, row in enumerate(VECTORS["TV-1"]["rows"], start=1)
]


@pytest.mark.parametrize(("data_hex", "crc", "wire_hex"), TV1)
def test_tv1_crc(data_hex: str, crc: int, wire_hex: str) -> None:
    data = bytes.fromhex(data_hex)
    assert crc16(data) == crc
    assert crc.to_bytes(2, "little") == bytes.fromhex(wire_hex)


@pytest.mark.parametrize(("data_hex", "crc", "wire_hex"), TV1)
def test_tv1_crc_residue(data_hex: str, crc: int, wire_hex: str) -> None:
    """TV-1: the CRC over data ‖ LE16(crc) is 0 for every row."""
    assert crc16(bytes.fromhex(data_hex + wire_hex)) == 0


def test_tv1_crc_running_value() -> None:
    """TV-1 row 2 computed in two pieces, split at every offset (odd and even)."""
    data = b"123456789"
    for split in range(len(data) + 1):
        assert crc16(data[split:], crc16(data[:split])) == 0xBB3D, split


# --- TV-2 helpers -----------------------------------------------------------------------------


def test_tv2_swap32() -> None:
    data = bytes.fromhex(VECTORS["TV-2"]["swap32"]["in"])
    assert swap32(data) == bytes.fromhex(VECTORS["TV-2"]["swap32"]["out"])
    assert swap32(swap32(data)) == data


@pytest.mark.parametrize(
    ("size", "pad"),
    [pytest.param(row["size"], row["pad"], id=f"TV-2 pad {row['size']}") for row in VECTORS["TV-2"]["padding"]],
)
def test_tv2_padding(size: int, pad: int) -> None:
    assert padding_length(size) == pad


def test_swap32_rejects_partial_word() -> None:
    """§3.2: swap32 works on whole 4-byte words only."""
    with pytest.raises(E27CryptoError):
        swap32(b"\x01\x02\x03")


# --- TV-3 frames ------------------------------------------------------------------------------

TV3_ROWS = [
    (row["name"], row["protocol"], row["data"], row["length"], row["crc"], row["wire"])
    for row in VECTORS["TV-3"]["rows"]
]
TV3 = [pytest.param(*row[1:], id=row[0]) for row in TV3_ROWS]
TV3_WIRES = [bytes.fromhex(row[5]) for row in TV3_ROWS]
TV3_FRAMES = [Frame(row[1], bytes.fromhex(row[2])) for row in TV3_ROWS]


@pytest.mark.parametrize(("protocol", "data_hex", "length", "crc", "wire_hex"), TV3)
def test_tv3_build(protocol: int, data_hex: str, length: int, crc: int, wire_hex: str) -> None:
    data = bytes.fromhex(data_hex)
    body = bytes((protocol,)) + length.to_bytes(2, "little") + data
    assert length == len(data) + 5
    assert crc16(body) == crc
    assert build_frame(protocol, data) == bytes.fromhex(wire_hex)


def test_tv3_row6_wire_size() -> None:
    """TV-3 row 6: 128 bytes on the wire, the LENGTH byte 7E stuffed."""
    assert len(TV3_WIRES[5]) == 128
    assert TV3_WIRES[5][:5] == bytes.fromhex("7e807e0000")


@pytest.mark.parametrize(("protocol", "data_hex", "length", "crc", "wire_hex"), TV3)
@pytest.mark.parametrize("mode", ["whole", "bytewise", "every split"])
def test_tv3_deframe(protocol: int, data_hex: str, length: int, crc: int, wire_hex: str, mode: str) -> None:
    """TV-3: each wire deframes to one frame whose body is protocol ‖ LENGTH ‖ data."""
    wire = bytes.fromhex(wire_hex)
    expected = [Frame(protocol, bytes.fromhex(data_hex))]
    if mode == "whole":
        chunkings = [[wire]]
    elif mode == "bytewise":
        chunkings = [bytewise(wire)]
    else:
        chunkings = [[wire[:split], wire[split:]] for split in range(len(wire) + 1)]
    for chunks in chunkings:
        deframer = Deframer()
        results = feed_chunks(deframer, chunks)
        assert results == expected
        (frame,) = results
        assert isinstance(frame, Frame)
        assert frame.body == bytes((protocol,)) + length.to_bytes(2, "little") + bytes.fromhex(data_hex)
        assert deframer.discarded == 0
        assert deframer.buffered == 0


def test_tv3_row3_body() -> None:
    """TV-3: the spec's example frame_no_crc, 810900107e2030."""
    (frame,) = Deframer().feed(TV3_WIRES[2])
    assert isinstance(frame, Frame)
    assert frame.body == bytes.fromhex("810900107e2030")


@pytest.mark.parametrize("mode", ["whole", "bytewise", "chunks of 7"])
def test_tv3_all_frames_in_one_stream(mode: str) -> None:
    """TV-3 rows 1–6 concatenated: all six frames, in order."""
    stream = b"".join(TV3_WIRES)
    if mode == "whole":
        chunks = [stream]
    elif mode == "bytewise":
        chunks = bytewise(stream)
    else:
        chunks = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    deframer = Deframer()
    assert feed_chunks(deframer, chunks) == TV3_FRAMES
    assert deframer.discarded == 0


def test_tv3_random_chunkings() -> None:
    """TV-3 rows 1–6 twice over, in seeded random chunkings."""
    stream = b"".join(TV3_WIRES) * 2
    rng = random.Random(27)
    for _ in range(50):
        chunks, pos = [], 0
        while pos < len(stream):
            size = rng.randint(1, 40)
            chunks.append(stream[pos : pos + size])
            pos += size
        assert feed_chunks(Deframer(), chunks) == TV3_FRAMES * 2


@pytest.mark.parametrize("prefix", [LOCAL, GREETING + LOCAL, b"\x01\x02abc"], ids=["LOCAL", "greeting", "garbage"])
@pytest.mark.parametrize("index", range(len(TV3_ROWS)), ids=[row[0] for row in TV3_ROWS])
def test_tv3_after_cleartext(prefix: bytes, index: int) -> None:
    """TV-3 wires preceded by cleartext: the cleartext is counted as discarded, the frame delivered."""
    wire = TV3_WIRES[index]
    for chunks in ([prefix + wire], bytewise(prefix + wire)):
        deframer = Deframer()
        assert feed_chunks(deframer, chunks) == [TV3_FRAMES[index]]
        assert deframer.discarded == len(prefix)


# --- TV-4 deframer behaviour ------------------------------------------------------------------

OK = bytes.fromhex(VECTORS["TV-4"]["ok"])
NEW = bytes.fromhex(VECTORS["TV-4"]["new"])
OK_FRAME = Frame(0x80, b"OK")
NEW_FRAME = Frame(0x81, b"NEW")


def test_tv4_ok_and_new_frames() -> None:
    assert build_frame(0x80, b"OK") == OK
    assert build_frame(0x81, b"NEW") == NEW
    assert OK_FRAME.body == bytes.fromhex(VECTORS["TV-4"]["ok_body"])
    assert NEW_FRAME.body == bytes.fromhex(VECTORS["TV-4"]["new_body"])


TV4 = [
    pytest.param(bytes.fromhex("01 02 61 62 63") + OK, [OK_FRAME], 5, id="TV-4 row 1 garbage"),
    pytest.param(
        bytes.fromhex("7e 80 07 00") + NEW,
        [E27TruncatedFrameError, NEW_FRAME],
        0,
        id="TV-4 row 2 truncated",
    ),
    pytest.param(
        bytes.fromhex("7e 80 07 00 4f b4 74 ad") + NEW,
        [E27CrcError, NEW_FRAME],
        0,
        id="TV-4 row 3 corrupted",
    ),
    pytest.param(LOCAL + OK, [OK_FRAME], len(LOCAL), id="TV-4 row 4 LOCAL"),
    pytest.param(bytes.fromhex("7e 80 04 00") + NEW, [E27FrameLengthError, NEW_FRAME], 0, id="TV-4 row 5 LENGTH 4"),
    pytest.param(b"\x7e" + OK, [OK_FRAME], None, id="TV-4 row 6 double 7E"),
    # §4.5: LENGTH above the 4096 limit (0x1001) is refused like LENGTH 4.
    pytest.param(bytes.fromhex("7e 80 01 10") + NEW, [E27FrameLengthError, NEW_FRAME], 0, id="§4.5 LENGTH 4097"),
]


@pytest.mark.parametrize(("stream", "expected", "discarded"), TV4)
@pytest.mark.parametrize("bytewise_feed", [False, True], ids=["whole", "bytewise"])
def test_tv4_deframer(stream: bytes, expected: list[Result], discarded: int | None, bytewise_feed: bool) -> None:
    deframer = Deframer()
    results = feed_chunks(deframer, bytewise(stream) if bytewise_feed else [stream])
    assert kinds(results) == expected
    if discarded is not None:
        assert deframer.discarded == discarded


def test_length_excluding_crc_is_rejected() -> None:
    """§4.1: LENGTH counts the CRC. A sender using LENGTH = N + 3 gets no frame through."""
    data = bytes.fromhex("0102030405060708")
    body = bytes((0x80,)) + (len(data) + 3).to_bytes(2, "little") + data
    crc = crc16(body)
    wrong = b"\x7e" + body + crc.to_bytes(2, "little")
    assert 0x7E not in wrong[1:]
    for chunks in ([wrong + NEW], bytewise(wrong + NEW)):
        results = feed_chunks(Deframer(), chunks)
        assert kinds(results) == [E27CrcError, NEW_FRAME]


def test_tv3_wire_with_short_length_is_rejected() -> None:
    """TV-3 row 2 with LENGTH lowered by 2 (13 → 11): CRC error, no frame with that data."""
    wire = bytearray(TV3_WIRES[1])
    wire[2] -= 2
    results = Deframer().feed(bytes(wire) + NEW)
    assert kinds(results) == [E27CrcError, NEW_FRAME]


def test_stuffed_7e_outside_frame_is_discarded() -> None:
    """§4.2: 7E 00 outside a frame is a literal 7E in garbage, not a frame start."""
    deframer = Deframer()
    assert deframer.feed(b"ab\x7e\x00cd" + OK) == [OK_FRAME]
    assert deframer.discarded == 6


def test_build_frame_rejects_bad_input() -> None:
    """§4.2: protocol 00 and 7E cannot be framed; §4.5: at most 4096 bytes unstuffed."""
    for protocol in (0x00, 0x7E, 0x100):
        with pytest.raises(ValueError):
            build_frame(protocol, b"")
    build_frame(0x80, bytes(const.MAX_FRAME_LENGTH - 5))
    with pytest.raises(ValueError):
        build_frame(0x80, bytes(const.MAX_FRAME_LENGTH - 4))


def test_size_limits_match_spec() -> None:
    """§4.5: with the 4096 limit, ciphertext ≤ 4080 bytes and JSON payload ≤ 4071 bytes."""
    assert const.MAX_FRAME_LENGTH == 4096
    assert const.MAX_CIPHERTEXT == 4080
    assert const.MAX_PAYLOAD == 4071


def test_largest_payload_fits_one_frame() -> None:
    """§4.5: a MAX_PAYLOAD payload seals and frames; one byte more is refused."""
    key = bytes(16)
    protocol, ciphertext = seal(key, b"x" * const.MAX_PAYLOAD, envelope_seq=1, src=1, dest=0)
    assert len(ciphertext) == const.MAX_CIPHERTEXT
    (frame,) = Deframer().feed(build_frame(protocol, ciphertext))
    assert isinstance(frame, Frame)
    assert open_envelope(key, frame.protocol, frame.data).payload == b"x" * const.MAX_PAYLOAD
    with pytest.raises(ValueError):
        seal(key, b"x" * (const.MAX_PAYLOAD + 1), envelope_seq=1, src=1, dest=0)


# --- TV-5 key derivation ----------------------------------------------------------------------


def test_tv5_derivation() -> None:
    secrets = derive_link_secrets(
        access_code=ACCESS_CODE, passphrase=PASSPHRASE, nonce=NONCE, cnonce=CNONCE, mn="222", sn="001122334455"
    )
    assert secrets.pass_hex + secrets.tempkey_hex == TV5["h3"]
    assert secrets.pass_hex == PASS_HEX
    assert secrets.tempkey_hex == TEMPKEY_HEX
    assert hex_key_to_aes(secrets.tempkey_hex) == bytes.fromhex(TV5["tempkey_aes"])


def test_tv5_extra_checks() -> None:
    """TV-5 extra checks: the reference library's own unit-test inputs."""
    extra = TV5["extra"]
    secrets = derive_link_secrets(
        access_code=extra["access_code"],
        passphrase=PASSPHRASE,
        nonce=extra["nonce"],
        cnonce=extra["cnonce"],
        mn=extra["mn"],
        sn=extra["sn"],
    )
    assert secrets.pass_hex == extra["pass"]
    assert secrets.tempkey_hex == extra["tempkey"]


def test_tv5_nonce_case_matters() -> None:
    """TV-5: upper-casing the nonce gives pass 98379608."""
    secrets = derive_link_secrets(
        access_code=ACCESS_CODE, passphrase=PASSPHRASE, nonce=NONCE.upper(), cnonce=CNONCE, mn="222", sn="001122334455"
    )
    assert secrets.pass_hex == TV5["upper_case_nonce_pass"]


def test_link_secrets_repr_hides_values() -> None:
    secrets = derive_link_secrets(
        access_code=ACCESS_CODE, passphrase=PASSPHRASE, nonce=NONCE, cnonce=CNONCE, mn="222", sn="001122334455"
    )
    for text in (repr(secrets), str(secrets), repr([secrets]), f"{secrets}"):
        assert PASS_HEX not in text
        assert TEMPKEY_HEX not in text
    assert secrets == LinkSecrets(pass_hex=PASS_HEX, tempkey_hex=TEMPKEY_HEX)


def test_hex_key_to_aes_rejects_bad_keys() -> None:
    with pytest.raises(E27CryptoError):
        hex_key_to_aes("zz" * 16)
    with pytest.raises(E27CryptoError):
        hex_key_to_aes(TEMPKEY_HEX[:-2])


# --- TV-6 api_link request --------------------------------------------------------------------

TV6 = VECTORS["TV-6"]["request"].encode()


def test_tv6_api_link_request() -> None:
    assert len(TV6) == 167
    assert build_api_link_request(IDENTITY, PASS_HEX, CNONCE) == TV6
    assert build_api_link_request(IDENTITY, PASS_HEX, CNONCE, seq=110) == TV6


# --- TV-7 api_link reply ----------------------------------------------------------------------

TV7_J = VECTORS["TV-7"]["json"].encode()
TV7_PLAINTEXT = bytes.fromhex(VECTORS["TV-7"]["plaintext"])
TV7_CIPHERTEXT = bytes.fromhex(VECTORS["TV-7"]["ciphertext"])
TV7_WIRE = bytes.fromhex(VECTORS["TV-7"]["wire"])


def test_tv7_sizes() -> None:
    assert len(TV7_J) == 120
    assert len(TV7_PLAINTEXT) == 144
    assert len(TV7_CIPHERTEXT) == 144
    assert len(TV7_WIRE) == 151
    assert TV7_WIRE[2:4] == (149).to_bytes(2, "little")


def test_tv7_plaintext_layout() -> None:
    """TV-7 plaintext and its swapped form (§5.2, §5.4), decrypted by hand from the ciphertext."""
    key = hex_key_to_aes(TEMPKEY_HEX)
    assert aes_cbc_decrypt_raw(key, TV7_CIPHERTEXT) == TV7_PLAINTEXT
    swapped = swap32(TV7_PLAINTEXT)
    assert swapped[:32] == bytes.fromhex("000000017b000100697061226e696c5f7b3a226b636e652230223a2232653166")
    assert swapped[-32:] == bytes.fromhex("6f7272656f635f723a2265642a7d7d3000000042000000000000000000000000")


@pytest.mark.parametrize("bytewise_feed", [False, True], ids=["whole", "bytewise"])
def test_tv7_decrypt_reply(bytewise_feed: bool) -> None:
    """TV-7: the framed reply, after leftover cleartext, opens under the tempkey-derived key."""
    stream = LOCAL + TV7_WIRE
    deframer = Deframer()
    results = feed_chunks(deframer, bytewise(stream) if bytewise_feed else [stream])
    assert results == [Frame(0x8F, TV7_CIPHERTEXT)]
    assert deframer.discarded == len(LOCAL)
    envelope = open_envelope(hex_key_to_aes(TEMPKEY_HEX), 0x8F, TV7_CIPHERTEXT)
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (1, 0, 1, 0)
    assert envelope.padding == 15
    assert envelope.payload == TV7_J
    body = parse_message(decode(envelope.payload)).body
    assert body["enc"] == LINKKEY_HEX
    assert body["hmac"] == VECTORS["TV-7"]["linkhmac"]


def test_tv7_seal_reproduces_wire() -> None:
    protocol, ciphertext = seal(hex_key_to_aes(TEMPKEY_HEX), TV7_J, envelope_seq=1, src=0, dest=1, head=0)
    assert protocol == 0x8F
    assert ciphertext == TV7_CIPHERTEXT
    assert build_frame(protocol, ciphertext) == TV7_WIRE


def test_tv7_wrong_key_fails_magic() -> None:
    """§5.4 step 3: the reply opened with the link key instead of the tempkey fails the MAGIC check."""
    with pytest.raises(E27CryptoError):
        open_envelope(hex_key_to_aes(LINKKEY_HEX), 0x8F, TV7_CIPHERTEXT)


# --- TV-8 hello -------------------------------------------------------------------------------

TV8_REQUEST = VECTORS["TV-8"]["request"].encode()
TV8_SK = VECTORS["TV-8"]["sk"]
TV8_SHM = VECTORS["TV-8"]["shm"]
TV8_REPLY = VECTORS["TV-8"]["reply"].encode()


def test_tv8_hello_request() -> None:
    assert build_hello_request(IDENTITY) == TV8_REQUEST
    assert build_hello_request(IDENTITY, seq=110) == TV8_REQUEST


def test_tv8_linkkey_aes_key() -> None:
    assert hex_key_to_aes(LINKKEY_HEX) == bytes.fromhex(VECTORS["TV-8"]["linkkey_aes"])


def test_tv8_decrypt_key_fields() -> None:
    assert decrypt_key_field(LINKKEY_HEX, TV8_SK) == SESSION_KEY
    assert decrypt_key_field(LINKKEY_HEX, TV8_SHM) == HMAC_KEY
    # §6.4 / §13 q5: hex case as sent by the panel is unknown; upper case must work too.
    assert decrypt_key_field(LINKKEY_HEX.upper(), TV8_SK.upper()) == SESSION_KEY


def test_tv8_encrypt_key_fields() -> None:
    """§7.3 emulator side: encrypt_key_field reproduces the vector's sk and shm."""
    assert encrypt_key_field(LINKKEY_HEX, SESSION_KEY) == TV8_SK
    assert encrypt_key_field(LINKKEY_HEX, HMAC_KEY) == TV8_SHM


def test_tv8_key_field_errors() -> None:
    with pytest.raises(E27CryptoError):
        decrypt_key_field(LINKKEY_HEX, "not hex")
    with pytest.raises(E27CryptoError):
        decrypt_key_field(LINKKEY_HEX, TV8_SK[:-2])
    with pytest.raises(E27CryptoError):
        decrypt_key_field(LINKKEY_HEX, "")


def test_tv8_reply_parse() -> None:
    """TV-8 reply: seq and session_id sit inside the hello object (§7.2, §8.2)."""
    message = parse_message(decode(TV8_REPLY))
    assert message.domain == "hello"
    assert message.seq == 110
    assert message.session_id == 12345
    assert message.error is None
    assert message.body["sk"] == TV8_SK
    assert message.body["shm"] == TV8_SHM


def test_tv8_reply_after_greeting_in_one_stream() -> None:
    """TV-8: greeting + LOCAL + hello reply, split anywhere, gives the three objects."""
    stream = GREETING + LOCAL + TV8_REPLY
    for split in range(len(stream) + 1):
        splitter = JsonStreamSplitter()
        found: list[dict[str, Any]] = []
        for chunk in (stream[:split], stream[split:]):
            splitter.feed(chunk)
            while (obj := splitter.pop()) is not None:
                found.append(obj)
        assert [next(iter(obj)) for obj in found] == ["ELKWC2017", "LOCAL", "hello"], split
        assert found[0]["nonce"] == NONCE


# --- TV-9 client → panel frame ----------------------------------------------------------------

TV9_P = VECTORS["TV-9"]["payload"].encode()
TV9_PLAINTEXT = bytes.fromhex(VECTORS["TV-9"]["plaintext"])
TV9_CIPHERTEXT = bytes.fromhex(VECTORS["TV-9"]["ciphertext"])
TV9_WIRE = bytes.fromhex(VECTORS["TV-9"]["wire"])


def test_tv9_request_json() -> None:
    assert len(TV9_P) == 54
    assert build_request(1, 12345, {"system": {"r_u_alive": {}}}) == TV9_P


def test_tv9_plaintext_layout() -> None:
    assert aes_cbc_decrypt_raw(SESSION_KEY, TV9_CIPHERTEXT) == TV9_PLAINTEXT
    assert swap32(TV9_PLAINTEXT[:16]) == bytes.fromhex("000000017b000001716573222c313a22")
    assert TV9_CIPHERTEXT[:16] == swap32(bytes.fromhex("d3603bbd2d0cb4a5bbb04e75b1dd465e"))


def test_tv9_seal_and_frame() -> None:
    protocol, ciphertext = seal(SESSION_KEY, TV9_P, envelope_seq=1, src=1, dest=0, head=0)
    assert protocol == 0x81
    assert ciphertext == TV9_CIPHERTEXT
    wire = build_frame(protocol, ciphertext)
    assert wire == TV9_WIRE
    assert len(wire) == 70
    assert wire[2:4] == (69).to_bytes(2, "little")
    assert crc16(wire[1:-2]) == 0x4635


@pytest.mark.parametrize("bytewise_feed", [False, True], ids=["whole", "bytewise"])
def test_tv9_deframe_and_open(bytewise_feed: bool) -> None:
    results = feed_chunks(Deframer(), bytewise(TV9_WIRE) if bytewise_feed else [TV9_WIRE])
    assert results == [Frame(0x81, TV9_CIPHERTEXT)]
    envelope = open_envelope(SESSION_KEY, 0x81, TV9_CIPHERTEXT)
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (1, 1, 0, 0)
    assert envelope.padding == 1
    assert envelope.payload == TV9_P


# --- TV-10 panel → client frame ---------------------------------------------------------------

TV10_P = VECTORS["TV-10"]["payload"].encode()
TV10_WIRE = bytes.fromhex(VECTORS["TV-10"]["wire"])


def test_tv10_seal_and_frame() -> None:
    assert len(TV10_P) == 60
    protocol, ciphertext = seal(SESSION_KEY, TV10_P, envelope_seq=7, src=0, dest=1, head=0)
    assert protocol == 0x8B
    wire = build_frame(protocol, ciphertext)
    assert wire == TV10_WIRE
    assert len(wire) == 86
    assert wire[2:4] == (85).to_bytes(2, "little")


@pytest.mark.parametrize("bytewise_feed", [False, True], ids=["whole", "bytewise"])
def test_tv10_deframe_and_open(bytewise_feed: bool) -> None:
    stream = TV9_WIRE + TV10_WIRE  # TV-9 then TV-10 in one stream: both come out, in order
    (first, frame) = feed_chunks(Deframer(), bytewise(stream) if bytewise_feed else [stream])
    assert first == Frame(0x81, TV9_CIPHERTEXT)
    assert isinstance(frame, Frame)
    assert frame.protocol == 0x8B
    envelope = open_envelope(SESSION_KEY, frame.protocol, frame.data)
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (7, 0, 1, 0)
    assert envelope.padding == 11
    assert envelope.payload == TV10_P
    message = parse_message(decode(envelope.payload))
    assert (message.domain, message.seq, message.session_id, message.error) == ("authenticate", 2, 67890, None)


# --- TV-11 reference-deframer quirk -----------------------------------------------------------

TV11_P = VECTORS["TV-11"]["payload"].encode()


def test_tv11_quirk_frame_is_accepted() -> None:
    """TV-11: protocol 85 with LENGTH 85 00 is a valid frame; we must not copy the §4.4 quirk."""
    assert len(TV11_P) == 114
    protocol, ciphertext = seal(bytes(16), TV11_P, envelope_seq=1, src=1, dest=0, head=0)
    assert protocol == 0x85
    assert len(ciphertext) == 128
    wire = build_frame(protocol, ciphertext)
    assert wire[:8] == bytes.fromhex(VECTORS["TV-11"]["wire_start"])
    for chunks in ([wire], bytewise(wire)):
        results = feed_chunks(Deframer(), chunks)
        assert results == [Frame(0x85, ciphertext)]
        assert open_envelope(bytes(16), 0x85, ciphertext).payload == TV11_P


# --- §5.4 receiver checks ---------------------------------------------------------------------


def test_open_wrong_key_is_crypto_error() -> None:
    with pytest.raises(E27CryptoError):
        open_envelope(bytes(16), 0x81, TV9_CIPHERTEXT)


def test_open_wrong_pad_nibble_is_crypto_error() -> None:
    """§5.4: the pad length comes from the protocol byte; a wrong one misplaces MAGIC."""
    with pytest.raises(E27CryptoError):
        open_envelope(SESSION_KEY, 0x82, TV9_CIPHERTEXT)


@pytest.mark.parametrize("ciphertext", [TV9_CIPHERTEXT[:-1], TV9_CIPHERTEXT + b"\x00", b""], ids=["63", "65", "0"])
def test_open_partial_block_is_crypto_error(ciphertext: bytes) -> None:
    with pytest.raises(E27CryptoError):
        open_envelope(SESSION_KEY, 0x81, ciphertext)


@pytest.mark.parametrize("protocol", [0x01, 0x7F, 0x0F])
def test_open_unencrypted_protocol_is_crypto_error(protocol: int) -> None:
    """§5.1: bit 7 clear means not encrypted, a protocol error online."""
    with pytest.raises(E27CryptoError):
        open_envelope(SESSION_KEY, protocol, TV9_CIPHERTEXT)


def test_open_bad_key_size_is_crypto_error() -> None:
    with pytest.raises(E27CryptoError):
        open_envelope(SESSION_KEY[:15], 0x81, TV9_CIPHERTEXT)
