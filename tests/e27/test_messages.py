"""JSON envelopes: error shapes (docs/protocol.md §8.3), cleartext stream splitting (§2.2, §7.5), redaction."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from typing import Any

import pytest

from custom_components.elke27.e27 import const
from custom_components.elke27.e27.errors import (
    E27MessageError,
)
from custom_components.elke27.e27.framing import Deframer, Frame
from custom_components.elke27.e27.messages import (
    REDACTED,
    JsonStreamSplitter,
    decode,
    parse_message,
    redact,
)

from .test_vectors import (
    CNONCE,
    GREETING,
    LINKKEY_HEX,
    LOCAL,
    PASS_HEX,
    TV8_REPLY,
    TV8_SHM,
    TV8_SK,
    TV9_CIPHERTEXT,
    TV9_WIRE,
    TV10_WIRE,
    bytewise,
)

# --- §8.3 error envelopes ---------------------------------------------------------------------


@pytest.mark.parametrize("code", [11008, "11008"], ids=["int", "digit string"])
def test_error_root_shape(code: int | str) -> None:
    """§8.3 shape 1: root error."""
    message = parse_message({"seq": 5, "error_code": code, "error_message": "no authorization"})
    assert message.seq == 5
    assert message.domain is None
    assert message.error is not None
    assert message.error.code == 11008
    assert message.error.reason == "no authorization"


@pytest.mark.parametrize("key", ["error_text", "error_detail", "detail"])
def test_error_root_shape_message_keys(key: str) -> None:
    """§8.3 shape 1: the other tolerated message keys; seq 0 is a broadcast error."""
    message = parse_message({"seq": 0, "error_code": 11001, key: "unknown command"})
    assert message.is_broadcast
    assert message.domain is None
    assert message.error is not None
    assert (message.error.code, message.error.reason) == (11001, "unknown command")


@pytest.mark.parametrize("code", [11008, "11008"], ids=["int", "digit string"])
def test_error_domain_shape(code: int | str) -> None:
    """§8.3 shape 2: domain-level error, no command key."""
    message = parse_message({"seq": 6, "area": {"error_code": code}})
    assert (message.seq, message.domain, message.command) == (6, "area", None)
    assert message.error is not None
    assert message.error.code == 11008
    assert message.error.reason == "not authorized"


@pytest.mark.parametrize("code", [11006, "11006"], ids=["int", "digit string"])
def test_error_command_shape(code: int | str) -> None:
    """§8.3 shape 3: command-level error."""
    message = parse_message({"seq": 7, "area": {"get_attribs": {"area_id": 1, "error_code": code}}})
    assert (message.seq, message.domain, message.command) == (7, "area", "get_attribs")
    assert message.body["area_id"] == 1
    assert message.error is not None
    assert message.error.code == 11006
    assert message.error.reason == "invalid id"


@pytest.mark.parametrize("code", [0, "0"], ids=["int", "digit string"])
def test_error_code_zero_is_success(code: int | str) -> None:
    message = parse_message({"seq": 8, "zone": {"get_status": {"zone_id": 3, "error_code": code}}})
    assert message.error is None
    assert (message.domain, message.command, message.body["zone_id"]) == ("zone", "get_status", 3)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (-1, -1),
        ("-5", -5),
        (2**32, 2**32),
        (99999, 99999),
        ("11004", 11004),
        ("bogus", const.ErrorCode.UNKNOWN),
        ("²", const.ErrorCode.UNKNOWN),
        ("١٢", const.ErrorCode.UNKNOWN),
        (1.5, const.ErrorCode.UNKNOWN),
        (True, const.ErrorCode.UNKNOWN),
        ([], const.ErrorCode.UNKNOWN),
        ({}, const.ErrorCode.UNKNOWN),
    ],
    ids=repr,
)
def test_any_other_error_code_is_a_failure_with_that_code(code: Any, expected: int) -> None:
    """Not a reason to drop the reply (its request would time out): the request fails with the code (§2.4)."""
    for raw in ({"seq": 9, "error_code": code}, {"seq": 9, "zone": {"get_status": {"zone_id": 1, "error_code": code}}}):
        message = parse_message(raw)
        assert message.seq == 9
        assert message.error is not None
        assert message.error.code == expected


def test_unknown_error_code_is_kept() -> None:
    message = parse_message({"seq": 9, "error_code": int(const.ErrorCode.UNKNOWN)})
    assert message.error is not None
    assert message.error.code == const.ErrorCode.UNKNOWN


def test_hello_error() -> None:
    """§7.4: hello refused for an unlinked sn."""
    message = parse_message({"hello": {"error_code": 11006, "error_message": "invalid_id"}})
    assert message.domain == "hello"
    assert message.error is not None
    assert (message.error.code, message.error.reason) == (11006, "invalid_id")


@pytest.mark.parametrize("session_id", [2244432638, "2244432638"], ids=["int", "digit string"])
def test_hello_nested_seq_vendor_example(session_id: int | str) -> None:
    """§7.2 vendor example: nested seq, a session_id ≥ 2³¹, as int or digit string."""
    message = parse_message({"hello": {"seq": 10, "session_id": session_id, "error_code": 0}})
    assert (message.seq, message.session_id, message.error) == (10, 2244432638, None)


def test_authenticate_nested_seq_and_error() -> None:
    """§8.5: authenticate reply with nested seq, new session_id, and a refusal."""
    ok = parse_message({"authenticate": {"seq": 3, "session_id": 99, "error_code": 0, "user_id": 1}})
    assert (ok.domain, ok.seq, ok.session_id, ok.error) == ("authenticate", 3, 99, None)
    assert ok.body["user_id"] == 1
    refused = parse_message({"authenticate": {"seq": 4, "error_code": 11008}})
    assert refused.seq == 4
    assert refused.error is not None
    assert refused.error.code == 11008


def test_root_seq_wins_over_nested() -> None:
    message = parse_message({"seq": 12, "session_id": 5, "hello": {"seq": 110, "session_id": 6}})
    assert message.seq == 12
    assert message.session_id == 6


# --- JSON stream splitting (§2.2, §7.5) -------------------------------------------------------


def split_all(chunks: Iterable[bytes]) -> tuple[list[dict[str, Any]], JsonStreamSplitter]:
    splitter = JsonStreamSplitter()
    found: list[dict[str, Any]] = []
    for chunk in chunks:
        splitter.feed(chunk)
        while (obj := splitter.pop()) is not None:
            found.append(obj)
    return found, splitter


def test_splitter_greeting_any_chunking() -> None:
    """§2.2: greeting and LOCAL back to back, in every two-piece split, bytewise and at random."""
    stream = GREETING + LOCAL
    expected = [json.loads(GREETING), json.loads(LOCAL)]
    chunkings: list[list[bytes]] = [[stream], bytewise(stream)]
    chunkings += [[stream[:split], stream[split:]] for split in range(len(stream) + 1)]
    rng = random.Random(2101)
    for _ in range(30):
        cuts = sorted(rng.sample(range(1, len(stream)), 5))
        chunkings.append([stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)])
    for chunks in chunkings:
        found, splitter = split_all(chunks)
        assert found == expected
        assert splitter.remainder == b""


def test_splitter_braces_and_escapes_in_strings() -> None:
    obj = {"a": '}{"}', "b": {"c": "\\", "d": "{{", "e": '\\"}'}, "f": "ünï{còdé}"}
    text = json.dumps(obj, ensure_ascii=False).encode()
    assert b'\\"' in text
    assert b"\\\\" in text
    for chunks in ([text], bytewise(text), [b"  junk\r\n" + text + b"\n"]):
        found, _ = split_all(chunks)
        assert found == [obj]


def test_splitter_remainder_after_hello_is_byte_exact() -> None:
    """§7.5: frame bytes arriving with the hello reply are left for the deframer untouched."""
    after = TV9_WIRE + TV10_WIRE[:10]
    splitter = JsonStreamSplitter()
    splitter.feed(GREETING + LOCAL + TV8_REPLY[:20])
    assert splitter.pop() == json.loads(GREETING)
    assert splitter.pop() == json.loads(LOCAL)
    assert splitter.pop() is None
    splitter.feed(TV8_REPLY[20:] + after)
    hello = splitter.pop()
    assert hello is not None
    assert "hello" in hello
    assert splitter.remainder == after
    assert Deframer().feed(splitter.remainder) == [Frame(0x81, TV9_CIPHERTEXT)]


def test_splitter_oversized_object() -> None:
    splitter = JsonStreamSplitter()
    splitter.feed(b'{"a":"')
    assert splitter.pop() is None
    splitter.feed(b"x" * (const.MAX_CLEARTEXT - 6))
    assert splitter.pop() is None  # exactly MAX_CLEARTEXT bytes held: still allowed
    splitter.feed(b"x")
    with pytest.raises(E27MessageError):
        splitter.pop()


def test_splitter_bad_json_is_message_error() -> None:
    splitter = JsonStreamSplitter()
    splitter.feed(b'{"a":}')
    with pytest.raises(E27MessageError):
        splitter.pop()


@pytest.mark.parametrize("data", [b"[1,2]", b"not json", b"\xff\xfe{}", b'"text"'])
def test_decode_rejects_non_objects(data: bytes) -> None:
    with pytest.raises(E27MessageError):
        decode(data)


# --- redaction --------------------------------------------------------------------------------


def test_redact_hides_secrets_recursively() -> None:
    message = {
        "seq": 1,
        "authenticate": {"pin": 4231},
        "api_link": {"pass": PASS_HEX, "cnonce": CNONCE, "enc": LINKKEY_HEX, "hmac": "a0a1a2"},
        "hello": {"session_id": 12345, "sk": TV8_SK, "shm": TV8_SHM},
        "list": [{"nested": [{"pin": "9876"}]}],
    }
    original = json.loads(json.dumps(message))
    redacted = redact(message)
    assert message == original  # not mutated
    text = json.dumps(redacted)
    for secret in ("4231", PASS_HEX, LINKKEY_HEX, "a0a1a2", TV8_SK, TV8_SHM, "9876"):
        assert secret not in text
    assert redacted["authenticate"]["pin"] == REDACTED
    assert redacted["api_link"] == {"pass": REDACTED, "cnonce": CNONCE, "enc": REDACTED, "hmac": REDACTED}
    assert redacted["hello"] == {"session_id": 12345, "sk": REDACTED, "shm": REDACTED}
    assert redacted["list"] == [{"nested": [{"pin": REDACTED}]}]
    assert redacted["seq"] == 1
