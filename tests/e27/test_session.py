"""The runtime session against the emulated panel over loopback."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.elke27.e27 import (
    ClientIdentity,
    E27CommandError,
    E27ConnectionError,
    E27Error,
    E27ProvisioningRequired,
    E27SessionRefusedError,
    E27TimeoutError,
    Message,
    Session,
    SessionState,
)
from custom_components.elke27.e27.crypto import encrypt_key_field, seal
from custom_components.elke27.e27.framing import build_frame
from custom_components.elke27.e27.messages import encode
from e27_emulator import EmulatorPanel

from .conftest import PIN, SessionFactory

# A safety net for waits on conditions: they hold long before it unless something is broken.
WAIT = 30.0


async def test_request_reply(session: Session, panel: EmulatorPanel) -> None:
    reply = await session.request("system", "r_u_alive")
    assert (reply.domain, reply.command, reply.error) == ("system", "r_u_alive", None)
    assert session.connected
    assert session.session_id is not None
    request = panel.received[-1]
    assert request["system"] == {"r_u_alive": {}}
    assert request["session_id"] == session.session_id
    assert request["seq"] == reply.seq


async def test_unknown_command_is_a_command_error(session: Session) -> None:
    with pytest.raises(E27CommandError) as err:
        await session.request("nosuch", "thing", {"x": 1})
    assert err.value.code == 11001
    assert session.connected  # a refusal is not a connection failure


async def test_concurrent_requests_are_serialised_and_matched_by_seq(session: Session, panel: EmulatorPanel) -> None:
    panel.reply_delay = 0.02
    replies = await asyncio.gather(*(session.request("system", "r_u_alive") for _ in range(8)))
    seqs = [reply.seq for reply in replies]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 8
    sent = [request["seq"] for request in panel.received if "system" in request]
    assert sent[-8:] == seqs
    assert panel.max_in_flight == 1


async def test_authenticate_adopts_the_new_session_id(session: Session, panel: EmulatorPanel) -> None:
    before = session.session_id
    reply = await session.authenticate(PIN)
    assert reply.domain == "authenticate"
    assert session.session_id == reply.session_id != before
    await session.request("system", "r_u_alive")
    assert panel.received[-1]["session_id"] == session.session_id


async def test_wrong_pin_is_refused(session: Session) -> None:
    with pytest.raises(E27CommandError) as err:
        await session.authenticate(PIN + 1)
    assert err.value.code == 11037
    assert str(PIN + 1) not in str(err.value)


async def test_broadcasts_reach_listeners_until_unsubscribed(session: Session, panel: EmulatorPanel) -> None:
    received: list[Message] = []
    got = asyncio.Event()

    def listener(message: Message) -> None:
        received.append(message)
        got.set()

    unsubscribe = session.add_message_listener(listener)
    await session.request("system", "r_u_alive")  # the panel broadcasts only after our first frame
    await panel.broadcast({"zone": {"status": {"zone_id": 3, "violated": True}}})
    async with asyncio.timeout(WAIT):
        await got.wait()
    assert received[0].is_broadcast
    assert (received[0].domain, received[0].command, received[0].body) == (
        "zone",
        "status",
        {"zone_id": 3, "violated": True},
    )
    unsubscribe()
    unsubscribe()  # idempotent
    await panel.broadcast({"zone": {"status": {"zone_id": 4}}})
    await session.request("system", "r_u_alive")  # the broadcast was sent before this reply
    assert len(received) == 1


async def test_a_failing_listener_does_not_kill_the_reader(session: Session, panel: EmulatorPanel) -> None:
    got = asyncio.Event()

    def broken(message: Message) -> None:
        raise RuntimeError("listener bug")

    session.add_message_listener(broken)
    session.add_message_listener(lambda message: got.set())
    await session.request("system", "r_u_alive")
    await panel.broadcast({"area": {"status": {"area_id": 1}}})
    async with asyncio.timeout(WAIT):
        await got.wait()
    await session.request("system", "r_u_alive")


async def test_keepalive_probes_an_idle_link(make_session: SessionFactory, panel: EmulatorPanel) -> None:
    session = make_session(keepalive_interval=0.1)
    await session.connect()

    def probes() -> int:
        return len([request for request in panel.received if request.get("system") == {"r_u_alive": {}}])

    await panel.wait_until(lambda: probes() >= 2, timeout=WAIT)
    assert session.connected


async def test_keepalive_detects_a_silent_panel(make_session: SessionFactory, panel: EmulatorPanel) -> None:
    session = make_session(keepalive_interval=0.2, keepalive_timeout=0.3)
    lost: asyncio.Future[E27Error] = asyncio.get_running_loop().create_future()
    session.add_connection_lost_listener(lost.set_result)
    await session.connect()
    panel.go_silent(True)
    async with asyncio.timeout(WAIT):
        error = await lost
    assert isinstance(error, E27TimeoutError)
    assert session.state is SessionState.CLOSED
    with pytest.raises(E27TimeoutError):
        await session.request("system", "r_u_alive")


async def test_request_timeout_then_late_reply_is_ignored(session: Session, panel: EmulatorPanel) -> None:
    inbound: list[Message] = []
    session.add_message_listener(inbound.append, replies=True)
    panel.reply_delay = 60  # held until released below
    with pytest.raises(E27TimeoutError, match=r"system\.r_u_alive"):
        await session.request("system", "r_u_alive", timeout=0.1)
    late_seq = panel.received[-1]["seq"]
    panel.reply_delay = 0
    async with asyncio.timeout(WAIT):  # the late reply arrives and must not be taken for the next one
        while not any(message.seq == late_seq for message in inbound):
            await asyncio.sleep(0.01)
    reply = await session.request("system", "r_u_alive")
    assert reply.seq == panel.received[-1]["seq"] != late_seq


async def test_disconnect_mid_request_fails_every_pending_request(session: Session, panel: EmulatorPanel) -> None:
    lost: list[E27Error] = []
    session.add_connection_lost_listener(lost.append)
    panel.reply_delay = 60  # held until the connection is gone
    first = asyncio.create_task(session.request("system", "r_u_alive"))
    second = asyncio.create_task(session.request("system", "r_u_alive"))
    await panel.wait_for_requests(len(panel.received) + 1, WAIT)
    await panel.drop_connections()
    panel.reply_delay = 0
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert all(isinstance(result, E27ConnectionError) for result in results)
    assert results[0] is results[1] is lost[0]  # the first error, everywhere
    assert session.state is SessionState.CLOSED


async def test_reconnect_after_the_panel_drops_connections(make_session: SessionFactory, panel: EmulatorPanel) -> None:
    first = make_session()
    await first.connect()
    await panel.drop_connections()
    async with asyncio.timeout(WAIT):
        while first.connected:
            await asyncio.sleep(0.01)
    with pytest.raises(E27ConnectionError):
        await first.request("system", "r_u_alive")
    second = make_session()
    await second.connect()
    assert (await second.request("system", "r_u_alive")).error is None


async def test_garbage_and_corrupt_frames_are_dropped(session: Session, panel: EmulatorPanel) -> None:
    await session.request("system", "r_u_alive")
    await panel.send_garbage(b'\x00\x01garbage{"LOCAL":"x"}\x7e')
    await panel.send_corrupt_frame()
    reply = await session.request("system", "r_u_alive")
    assert reply.error is None
    assert session.connected


async def test_close_frees_the_panel_session(session: Session, panel: EmulatorPanel) -> None:
    assert panel.session_count == 1
    await session.close()
    async with asyncio.timeout(WAIT):
        while panel.session_count:
            await asyncio.sleep(0.01)
    assert session.state is SessionState.CLOSED
    with pytest.raises(E27ConnectionError):
        await session.request("system", "r_u_alive")


async def test_several_concurrent_sessions(
    panel: EmulatorPanel, make_session: SessionFactory, identity: ClientIdentity
) -> None:
    sessions = [make_session()]
    for index in range(2):
        other = ClientIdentity(mn="222", sn=f"00000000000{index}")
        link = panel.add_link(other.sn)
        sessions.append(Session("127.0.0.1", panel.port, other, link.linkkey_hex))
    await asyncio.gather(*(s.connect() for s in sessions))
    try:
        replies = await asyncio.gather(*(s.request("system", "r_u_alive") for s in sessions))
        assert all(reply.error is None for reply in replies)
        assert len({s.session_id for s in sessions}) == 3
        assert panel.session_count == 3
    finally:
        await asyncio.gather(*(s.close() for s in sessions[1:]))


async def test_second_session_for_the_same_identity_is_refused(session: Session, make_session: SessionFactory) -> None:
    with pytest.raises(E27SessionRefusedError, match="another client"):
        await make_session().connect()
    assert session.connected


async def test_unknown_identity_requires_provisioning(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    session = Session("127.0.0.1", panel.port, identity, "00" * 16)
    with pytest.raises(E27ProvisioningRequired, match="link it again"):
        await session.connect()
    assert session.state is SessionState.CLOSED


async def test_revoked_link_requires_provisioning(
    make_session: SessionFactory, panel: EmulatorPanel, identity: ClientIdentity
) -> None:
    panel.revoke_link(identity.sn)
    with pytest.raises(E27ProvisioningRequired):
        await make_session().connect()


async def test_missing_credentials_require_provisioning_without_connecting(identity: ClientIdentity) -> None:
    with pytest.raises(E27ProvisioningRequired):
        await Session("127.0.0.1", 9, identity, None).connect()


async def test_connect_to_a_closed_port_is_a_connection_error(identity: ClientIdentity) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(E27ConnectionError, match="cannot connect"):
        await Session("127.0.0.1", port, identity, "00" * 16).connect()


async def test_refused_hello_is_a_connection_error(make_session: SessionFactory, panel: EmulatorPanel) -> None:
    panel.refuse_hello(True)
    with pytest.raises(E27SessionRefusedError):  # a connection error: retry later
        await make_session().connect()


async def test_frame_right_behind_the_hello_reply_is_not_lost(identity: ClientIdentity) -> None:
    """A panel that sends a frame in the same write as the hello reply (docs/protocol.md §7.5, TV-12b)."""
    linkkey = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    session_key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'{"ELKWC2017":"Hello","nonce":"77274bf43c1400329c8362bacec79fe93323722c"}')
        await reader.readuntil(b"}}")
        hello = {
            "hello": {
                "seq": 110,
                "session_id": 2244432638,
                "sk": encrypt_key_field(linkkey, session_key),
                "shm": encrypt_key_field(linkkey, bytes(range(32))),
                "error_code": 0,
            }
        }
        protocol, ciphertext = seal(
            session_key, encode({"seq": 0, "area": {"status": {"area_id": 1}}}), envelope_seq=1, src=0, dest=1
        )
        writer.write(encode(hello) + b'{"LOCAL":"2025/12/26,18:44:00"}' + build_frame(protocol, ciphertext))
        await done.wait()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    session = Session("127.0.0.1", server.sockets[0].getsockname()[1], identity, linkkey)
    received: list[Message] = []
    session.add_message_listener(received.append)
    try:
        await session.connect()
        assert session.session_id == 2244432638  # ≥ 2³¹ is fine
        async with asyncio.timeout(WAIT):
            while not received:
                await asyncio.sleep(0.01)
        assert received[0].domain == "area"
    finally:
        done.set()
        await session.close()
        server.close()
        await server.wait_closed()


async def test_session_repr_holds_no_keys(session: Session, panel: EmulatorPanel) -> None:
    await session.authenticate(PIN)
    text = repr(session)
    assert panel.session_keys
    for key in panel.session_keys:
        assert key.hex() not in text
    assert str(PIN) not in text
