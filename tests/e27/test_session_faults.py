"""A session facing a hostile panel: malformed content, unexpected errors in its tasks, link-key evidence, send side."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27 import (
    ClientIdentity,
    E27Error,
    E27ProtocolError,
    E27TimeoutError,
    Message,
    Session,
    SessionState,
)
from custom_components.elke27.e27 import session as session_module
from custom_components.elke27.e27.crypto import SessionCipher, hits_length_quirk, open_envelope
from custom_components.elke27.e27.framing import Deframer, Frame
from custom_components.elke27.e27.messages import build_request, decode
from e27_emulator import EmulatorPanel

from .conftest import SessionFactory

WAIT = 30.0
LOGGER = "custom_components.elke27.e27"
# Content no panel should send, each in a correctly encrypted frame.
MALFORMED = (
    '{"seq":"²","zone":{"get_status":{"zone_id":1}}}',
    '{"seq":0,"session_id":-1,"area":{"get_status":{"area_id":1}}}',
    '{"seq":0,"session_id":"١٢","zone":{"get_status":{"zone_id":1}}}',
    '{"seq":[0],"zone":{"get_status":{"zone_id":1}}}',
    '{"seq":0,"a":' + "[" * 990 + "]" * 990 + "}",
    '{"seq":0,"tstat":{"get_status":{"tstat_id":1,"temperature":NaN}}}',
    "not json at all",
    "[1,2,3]",
)


async def online(make_session: SessionFactory, **options: Any) -> Session:
    session = make_session(**options)
    await session.connect()
    await session.request("system", "r_u_alive")  # the panel pushes only after our first frame
    return session


async def test_malformed_content_is_dropped_not_the_session(
    make_session: SessionFactory, panel: EmulatorPanel, caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    caplog.set_level(logging.DEBUG)  # every message is logged (redacted) at DEBUG: deep nesting included
    session = await online(make_session)
    received: list[Message] = []
    session.add_message_listener(received.append)
    for text in MALFORMED:
        assert await panel.inject(text) == 1
    await panel.broadcast({"zone": {"get_status": {"zone_id": 3, "secure_state": "VIOLATED"}}})
    async with asyncio.timeout(WAIT):
        while not received:
            await asyncio.sleep(0.01)
    assert [(message.domain, message.body["zone_id"]) for message in received] == [("zone", 3)]
    assert session.connected
    assert (await session.request("system", "r_u_alive")).error is None
    mine = [record for record in caplog.records if record.name == LOGGER]
    warnings = [record.getMessage() for record in mine if record.levelno == logging.WARNING]
    assert len(warnings) == 1  # the first malformed message; the others at DEBUG
    assert "ignoring a malformed message" in warnings[0]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    gc.collect()
    assert loop_errors == []


async def test_an_unexpected_error_in_the_reader_ends_the_session_with_a_protocol_error(
    make_session: SessionFactory, panel: EmulatorPanel, caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    session = await online(make_session)
    lost: list[E27Error] = []
    session.add_connection_lost_listener(lost.append)
    original = session_module.parse_message

    def broken(obj: dict[str, Any]) -> Message:
        if obj.get("zone"):
            raise RuntimeError("a bug in the parser")
        return original(obj)

    with patch.object(session_module, "parse_message", broken):
        await panel.broadcast({"zone": {"get_status": {"zone_id": 3}}})
        async with asyncio.timeout(WAIT):
            while not lost:
                await asyncio.sleep(0.01)
    assert isinstance(lost[0], E27ProtocolError)
    assert "unexpected RuntimeError in the session's reader: a bug in the parser" in str(lost[0])
    assert session.state is SessionState.CLOSED
    with pytest.raises(E27ProtocolError):
        await session.request("system", "r_u_alive")
    tracebacks = [r for r in caplog.records if r.name == LOGGER and r.exc_info and r.levelno == logging.DEBUG]
    assert tracebacks  # the traceback at DEBUG; the listener reports the reason
    assert not [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]
    gc.collect()
    assert loop_errors == []


async def test_an_unexpected_error_in_the_keepalive_ends_the_session_and_says_why(
    make_session: SessionFactory, caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    session = make_session(keepalive_interval=0.05)
    original = Session.request_body

    async def broken(self: Session, body: Any, **kwargs: Any) -> Message:
        if "system" in body:
            raise RuntimeError("a bug in the probe")
        return await original(self, body, **kwargs)

    with patch.object(Session, "request_body", broken):
        await session.connect()
        async with asyncio.timeout(WAIT):
            while session.connected:
                await asyncio.sleep(0.01)
    warnings = [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert warnings == [
        "test panel: closing the session: unexpected RuntimeError in the session's keepalive: a bug in the probe"
    ]
    gc.collect()
    assert loop_errors == []


async def test_link_key_evidence(make_session: SessionFactory, panel: EmulatorPanel, identity: ClientIdentity) -> None:
    """link_suspect: hello worked but nothing since could be opened, and a request went unanswered."""
    session = await online(make_session)
    assert not session.link_suspect
    await session.close()
    # The panel holds another link key for us: hello works, our frames mean nothing to it.
    panel.add_link(identity.sn, linkkey_hex="0f" * 16)
    wrong = make_session()
    await wrong.connect()
    assert not wrong.link_suspect  # nothing asked yet
    with pytest.raises(E27TimeoutError):
        await wrong.request("system", "r_u_alive", timeout=0.2)
    assert wrong.link_suspect
    await wrong.close()
    # A right key and a slow panel look the same, until its answer arrives.
    slow = Session("127.0.0.1", panel.port, identity, "0f" * 16, name="test panel")
    try:
        await slow.connect()
        panel.reply_delay = 60
        with pytest.raises(E27TimeoutError):
            await slow.request("system", "r_u_alive", timeout=0.2)
        assert slow.link_suspect
        inbound: list[Message] = []
        slow.add_message_listener(inbound.append, replies=True)
        panel.reply_delay = 0
        async with asyncio.timeout(WAIT):
            while not inbound:
                await asyncio.sleep(0.01)
        assert not slow.link_suspect
    finally:
        await slow.close()


class _Capture:
    """Stands in for the connection's writer: keeps what would be sent."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.integers(0, 1500),
    st.integers(1, 2**31 - 1),
    st.integers(0, 2**32 - 1),
    st.text(max_size=20),
)
def test_no_frame_we_send_is_one_the_reference_deframer_loses(
    filler: int, seq: int, session_id: int, name: str
) -> None:
    """docs/protocol.md §4.4: LENGTH low byte == protocol byte (JSON of 114, 370, … bytes) is never sent."""
    session = Session("192.0.2.9", 2101, ClientIdentity(mn="222", sn="001122334455"), "00" * 16, name="t")
    capture = _Capture()
    session._cipher = SessionCipher(bytes(16))
    session._writer = capture  # type: ignore[assignment]
    body = {"zone": {"set_status": {"zone_id": 3, "name": name, "x": "x" * filler}}}
    payload = build_request(seq, session_id, body)
    session._send(payload, body)
    (frame,) = Deframer().feed(bytes(capture.data))
    assert isinstance(frame, Frame)
    assert frame.body[1] != frame.protocol
    sent = open_envelope(bytes(16), frame.protocol, frame.data).payload
    assert not hits_length_quirk(len(sent))
    assert decode(sent) == decode(payload)  # the same JSON, at most one space longer
    assert len(sent) - len(payload) in (0, 1)


@pytest.mark.parametrize("unit", [b"\x7e\x85", b"\x7e\x85\x05\x00\x01"], ids=["frame starts", "five-byte starts"])
async def test_garbage_never_stalls_the_event_loop(
    make_session: SessionFactory, panel: EmulatorPanel, unit: bytes
) -> None:
    """Megabytes of garbage frames: the session keeps working and the loop keeps running (lag measured here)."""
    session = await online(make_session)
    loop = asyncio.get_running_loop()
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        while True:
            before = loop.time()
            await asyncio.sleep(0.001)
            worst = max(worst, loop.time() - before)

    task = asyncio.create_task(ticker())
    try:
        assert await panel.send_garbage(unit * (2 * 1024 * 1024 // len(unit))) == 1
        async with asyncio.timeout(WAIT):
            assert (await session.request("system", "r_u_alive")).error is None  # answered behind the garbage
    finally:
        task.cancel()
    assert session.connected
    # A slice of garbage takes milliseconds; a whole read of it used to take hundreds.
    assert worst < 0.1
