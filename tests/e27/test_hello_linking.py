"""Greeting, hello and linking against a misbehaving peer: what each failure becomes (docs/protocol.md §2.2, §6.4, §6.5, §7.2–§7.5)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.elke27.e27.connection import Greeting, async_open, async_read_greeting
from custom_components.elke27.e27.crypto import derive_link_secrets, encrypt_key_field, hex_key_to_aes, seal
from custom_components.elke27.e27.errors import (
    E27ConnectionError,
    E27LinkError,
    E27LinkTableFullError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27SessionRefusedError,
    E27TimeoutError,
)
from custom_components.elke27.e27.framing import Frame, build_frame
from custom_components.elke27.e27.hello import accept_hello, read_hello_reply
from custom_components.elke27.e27.linking import LinkCredentials, async_link, parse_link_reply
from custom_components.elke27.e27.messages import ClientIdentity, JsonStreamSplitter

IDENTITY = ClientIdentity(mn="222", sn="001122334455")
LINKKEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LINKHMAC = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
NONCE = "77274bf43c1400329c8362bacec79fe93323722c"
SESSION_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
HMAC_KEY = bytes(range(32))


def _reader(*chunks: bytes, eof: bool = False, error: Exception | None = None) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    if error is not None:
        reader.set_exception(error)
    elif eof:
        reader.feed_eof()
    return reader


def _hello(**body: Any) -> dict[str, Any]:
    return {"hello": {"seq": 110, **body}}


# --- hello ------------------------------------------------------------------------------------


async def test_hello_reply_after_the_greeting_and_split_over_reads() -> None:
    reply = json.dumps(_hello(session_id=7, sk="00", shm="00", error_code=0)).encode()
    greeting = b'{"ELKWC2017":"Hello","nonce":"' + NONCE.encode() + b'"}{"LOCAL":"2025/12/26,18:44:00"}'
    reader = _reader(greeting + reply[:10], reply[10:])
    assert await read_hello_reply(reader, JsonStreamSplitter(), 1.0, "Test") == json.loads(reply)


@pytest.mark.parametrize(
    ("reader", "error", "message"),
    [
        (lambda: _reader(b'{"ELKWC2017":"Hello"}', eof=True), E27ConnectionError, "before the hello reply"),
        (lambda: _reader(error=ConnectionResetError("reset")), E27ConnectionError, "waiting for the hello reply"),
        (lambda: _reader(b'{"LOCAL":"2025/12/26,18:44:00"}'), E27TimeoutError, "sent no hello reply within 0.05 s"),
    ],
    ids=["closed", "reset", "silent"],
)
async def test_hello_without_an_answer(
    reader: Callable[[], asyncio.StreamReader], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        await read_hello_reply(reader(), JsonStreamSplitter(), 0.05, "Test")
    assert not isinstance(caught.value, E27ProvisioningRequired)  # retried later, never a reason to link again


def test_accepted_hello_gives_the_session_key() -> None:
    reply = _hello(
        session_id=4_000_000_000,
        sk=encrypt_key_field(LINKKEY, SESSION_KEY),
        shm=encrypt_key_field(LINKKEY, HMAC_KEY),
        error_code=0,
    )
    result = accept_hello(reply, LINKKEY)
    assert (result.session_id, result.session_key) == (4_000_000_000, SESSION_KEY)
    assert SESSION_KEY.hex() not in repr(result)


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (_hello(error_code=11006, error_message="invalid_id"), E27ProvisioningRequired, "link it again"),
        (_hello(error_code=11008, error_message="no authorization"), E27ProvisioningRequired, "link it again"),
        (_hello(error_code=11001, error_message="busy"), E27ConnectionError, "refused the session: busy"),
        (_hello(session_id=7, error_code=0), E27SessionRefusedError, "another client may be using this identity"),
        (_hello(session_id=7, sk="", shm="00"), E27SessionRefusedError, "no session key"),
        (_hello(session_id=7, sk="zz", shm="zz"), E27ProtocolError, "unreadable session key"),
        (_hello(session_id=7, sk="00" * 15, shm="00" * 32), E27ProtocolError, "unreadable session key"),
        (
            _hello(session_id=7, sk=encrypt_key_field(LINKKEY, bytes(32)), shm=encrypt_key_field(LINKKEY, HMAC_KEY)),
            E27ProtocolError,
            "wrong size",
        ),
        (
            _hello(session_id=7, sk=encrypt_key_field(LINKKEY, SESSION_KEY), shm=encrypt_key_field(LINKKEY, bytes(16))),
            E27ProtocolError,
            "wrong size",
        ),
        ({"hello": {"session_id": "seven"}, "seq": "x"}, E27ProtocolError, "malformed hello reply"),
    ],
    ids=[
        "11006",
        "11008",
        "other refusal",
        "no keys",
        "empty key",
        "not hex",
        "partial block",
        "long sk",
        "short shm",
        "malformed",
    ],
)
def test_refused_or_broken_hello(reply: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        accept_hello(reply, LINKKEY)
    # Only the panel saying "not linked" asks for a new link; anything else is retried.
    assert isinstance(caught.value, E27ProvisioningRequired) == (error is E27ProvisioningRequired)


# --- linking ----------------------------------------------------------------------------------

SECRETS = derive_link_secrets(
    access_code="123456", passphrase="example-passphrase", nonce=NONCE, cnonce="ab" * 20, mn="222", sn="001122334455"
)


def _reply_frame(reply: dict[str, Any], *, head: int = 0, tempkey: str = SECRETS.tempkey_hex) -> Frame:
    protocol, ciphertext = seal(
        hex_key_to_aes(tempkey), json.dumps(reply).encode(), envelope_seq=1, src=0, dest=1, head=head
    )
    return Frame(protocol, ciphertext)


def test_link_reply_with_an_unexpected_head_byte_still_links() -> None:
    frame = _reply_frame({"api_link": {"enc": LINKKEY.upper(), "hmac": LINKHMAC, "error_code": 0}}, head=1)
    assert parse_link_reply(frame, SECRETS) == LinkCredentials(LINKKEY, LINKHMAC)  # hex case as the panel sends it


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (
            {"api_link": {"error_code": 11001, "error_message": "no"}},
            E27LinkError,
            r"refused the link \(error 11001: no\)",
        ),
        ({"api_link": {"error_code": 4}}, E27LinkError, r"refused the link \(error 4\)"),
        ({"api_link": {"error_code": 7, "error_text": "Not enough space"}}, E27LinkTableFullError, "no free link slot"),
        ({"error_message": "Not enough space"}, E27LinkTableFullError, "no free link slot"),
        ({"api_link": {"error_code": [1]}}, E27LinkError, "unreadable error code"),
        ({"api_link": {"enc": "zz" * 16, "hmac": LINKHMAC}}, E27LinkError, "did not contain valid link credentials"),
        ({"api_link": {"enc": LINKKEY[:-2], "hmac": LINKHMAC}}, E27LinkError, "did not contain valid link credentials"),
        ({"api_link": {"enc": LINKKEY, "hmac": "abc"}}, E27LinkError, "did not contain valid link credentials"),
        ({"api_link": {"enc": LINKKEY}}, E27LinkError, "did not contain valid link credentials"),
    ],
    ids=[
        "refused",
        "refused without text",
        "table full",
        "bare table full",
        "odd code",
        "not hex",
        "short key",
        "odd hmac",
        "no hmac",
    ],
)
def test_link_refusals(reply: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_link_reply(_reply_frame(reply), SECRETS)


class FakeWriter:
    """What async_link writes; `written` is set once the request is out."""

    def __init__(self) -> None:
        self.data = b""
        self.written = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        self.written.set()


async def _answer(reader: asyncio.StreamReader, writer: FakeWriter, *extra: bytes) -> None:
    """Play the panel: after the request, send extra bytes, then the reply sealed with this request's tempkey."""
    await writer.written.wait()
    request = json.loads(writer.data)["api_link"]
    secrets = derive_link_secrets(
        access_code="123456",
        passphrase="example-passphrase",
        nonce=NONCE,
        cnonce=request["cnonce"],
        mn=request["mn"],
        sn=request["sn"],
    )
    assert request["pass"] == secrets.pass_hex
    good = _reply_frame({"api_link": {"enc": LINKKEY, "hmac": LINKHMAC, "error_code": 0}}, tempkey=secrets.tempkey_hex)
    for chunk in extra:
        reader.feed_data(chunk)
    reader.feed_data(build_frame(good.protocol, good.data))


async def _link(reader: asyncio.StreamReader, writer: FakeWriter, timeout: float = 5.0) -> LinkCredentials:
    return await async_link(
        reader,
        writer,  # type: ignore[arg-type]
        nonce=NONCE,
        identity=IDENTITY,
        access_code="123456",
        passphrase="example-passphrase",
        timeout=timeout,
    )


async def test_linking_skips_damaged_and_foreign_frames_before_the_reply() -> None:
    reader, writer = asyncio.StreamReader(), FakeWriter()
    damaged = bytearray(build_frame(0x80, bytes(16)))
    damaged[-1] ^= 0xFF  # bad CRC
    foreign = _reply_frame({"api_link": {"enc": LINKKEY, "hmac": LINKHMAC}}, tempkey="00" * 16)  # another key
    late_local = b'{"LOCAL":"2025/12/26,18:44:00"}'
    answer = asyncio.create_task(
        _answer(reader, writer, late_local, bytes(damaged), build_frame(foreign.protocol, foreign.data))
    )
    assert await _link(reader, writer) == LinkCredentials(LINKKEY, LINKHMAC)
    await answer


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        (lambda: _reader(eof=True), "closed the connection without answering"),
        (lambda: _reader(error=ConnectionResetError("reset by peer")), "connection lost while linking"),
        (asyncio.StreamReader, "did not answer the link request within 0.05 s"),
    ],
    ids=["closed", "reset", "silent"],
)
async def test_linking_without_an_answer_says_the_secrets_may_be_wrong(
    reader: Callable[[], asyncio.StreamReader], message: str
) -> None:
    with pytest.raises(E27LinkError, match=message):
        await _link(reader(), FakeWriter(), timeout=0.05)


# --- the TCP connection and the greeting (docs/protocol.md §2.2) ----------------------------------


async def test_greeting_after_other_cleartext_and_split_over_reads() -> None:
    greeting = b'{"ELKWC2017":"Hello","nonce":"' + NONCE.encode() + b'"}'
    splitter = JsonStreamSplitter()
    reader = _reader(b'{"LOCAL":"2025/12/26,18:44:00"}{"ELKWC2017":"Hello"}' + greeting[:12], greeting[12:] + b'{"LO')
    assert await async_read_greeting(reader, splitter, 1.0) == Greeting(NONCE)
    splitter.feed(b'CAL":"x"}')
    assert splitter.pop() == {"LOCAL": "x"}  # what followed the greeting stays for the next reader


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        (lambda: _reader(b'{"LOCAL":"2025/12/26,18:44:00"}', eof=True), E27ConnectionError),
        (lambda: _reader(error=ConnectionResetError("reset")), E27ConnectionError),
        (lambda: _reader(b'{"ELKWC2017":"Hello","nonce":""}'), E27TimeoutError),
    ],
    ids=["closed", "reset", "silent"],
)
async def test_no_greeting(reader: Callable[[], asyncio.StreamReader], error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        await async_read_greeting(reader(), JsonStreamSplitter(), 0.05)
    assert not isinstance(caught.value, E27ProvisioningRequired)


async def test_connecting_to_a_closed_port_or_a_silent_host() -> None:
    server = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(E27ConnectionError, match=f"cannot connect to 127.0.0.1:{port}") as refused:
        await async_open("127.0.0.1", port, 5.0)
    assert not isinstance(refused.value, E27TimeoutError)

    async def never(*args: Any, **kwargs: Any) -> Any:
        await asyncio.Event().wait()

    with (
        patch("asyncio.open_connection", never),
        pytest.raises(E27TimeoutError, match=r"timed out after 0\.05 s"),
    ):
        await async_open("192.0.2.1", 2101, 0.05)
