"""The emulator's protocol half, driven over loopback with raw sockets and the backend's pure layers."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import pytest

from custom_components.elke27.e27 import const, crypto, framing, messages
from custom_components.elke27.e27.errors import E27CrcError, E27TruncatedFrameError
from e27_emulator import DEFAULT_GARBAGE, EmulatorPanel, PanelConfig, PanelSession, corrupt_frame, reply

from .rawclient import IDENTITY, TIMEOUT, RawClient

HEX40 = re.compile(r"[0-9a-f]{40}")
OTHER = messages.ClientIdentity(mn="222", sn="aabbccddeeff")


class _Discovery(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.replies.put_nowait(data)


async def _probe(panel: EmulatorPanel, payload: bytes, timeout: float = 1.0) -> bytes:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_Discovery, local_addr=("127.0.0.1", 0))
    try:
        assert panel.discovery_port
        transport.sendto(payload, ("127.0.0.1", panel.discovery_port))
        async with asyncio.timeout(timeout):
            return await protocol.replies.get()
    finally:
        transport.close()


# Discovery and greeting -------------------------------------------------------


@pytest.mark.parametrize("probe", [b'{"FIND":"ELKWCID"}', b'{ "FIND": "ELKWCID" }'])
async def test_discovery_reply(panel: EmulatorPanel, probe: bytes) -> None:
    reply_obj = json.loads(await _probe(panel, probe))
    assert reply_obj == {
        "ELKWC2017": "E27",
        "NAME": "E27 Emulator",
        "MAC_ADDR": "02:00:00:e2:70:01",
        "IPV4_ADDR": "127.0.0.1",
        "LISTEN_PORT": panel.port,
        "ENCRYPTED_LISTEN_PORT": 0,
        "SERIAL": "E27EMU000001",
    }


async def test_discovery_ignores_other_datagrams(panel: EmulatorPanel) -> None:
    with pytest.raises(TimeoutError):
        await _probe(panel, b'{"ELKWC2017":"E27"}', timeout=0.2)


async def test_greeting_has_fresh_nonce_and_local_time(panel: EmulatorPanel) -> None:
    first = await RawClient.connect(panel)
    second = await RawClient.connect(panel)
    try:
        for client in (first, second):
            assert list(client.greeting) == ["ELKWC2017", "nonce"]
            assert client.greeting["ELKWC2017"] == "Hello"
            assert HEX40.fullmatch(client.nonce)
            assert re.fullmatch(r"\d{4}/\d{2}/\d{2},\d{2}:\d{2}:\d{2}", client.local["LOCAL"])
        assert first.nonce != second.nonce
        await panel.wait_for_connections(2, TIMEOUT)
        assert panel.connection_count == 2
    finally:
        await first.close()
        await second.close()


# api_link ---------------------------------------------------------------------


async def test_api_link_reply_decrypts_with_tempkey(panel: EmulatorPanel, client: RawClient) -> None:
    tempkey = await client.link()
    envelope = await client.read_envelope(crypto.hex_key_to_aes(tempkey))
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (1, 0, 1, 0)
    inner = messages.decode(envelope.payload)["api_link"]
    assert inner["error_code"] == 0
    assert re.fullmatch(r"[0-9a-f]{32}", inner["enc"])
    assert HEX40.fullmatch(inner["hmac"])
    assert panel.links[IDENTITY.sn].linkkey_hex == inner["enc"]
    assert panel.links[IDENTITY.sn].linkhmac_hex == inner["hmac"]
    assert panel.received[-1]["api_link"]["sn"] == IDENTITY.sn


async def test_api_link_then_hello_on_the_same_connection(panel: EmulatorPanel, client: RawClient) -> None:
    linkkey = (await client.link_reply(await client.link()))["api_link"]["enc"]
    inner = (await client.hello())["hello"]
    assert len(crypto.decrypt_key_field(linkkey, inner["sk"])) == 16


async def test_api_link_with_wrong_passphrase_is_silent(panel: EmulatorPanel, client: RawClient) -> None:
    await client.link(passphrase="wrong")
    await client.expect_silence(0.3)
    assert panel.links == {}
    # The connection stays open and in cleartext.
    assert (await client.hello())["hello"]["error_code"] == 11006


async def test_api_link_relink_replaces_keys(panel: EmulatorPanel, client: RawClient) -> None:
    first = (await client.link_reply(await client.link()))["api_link"]["enc"]
    second = (await client.link_reply(await client.link()))["api_link"]["enc"]
    assert first != second
    assert panel.links[IDENTITY.sn].linkkey_hex == second


@pytest.mark.parametrize("panel_config", [PanelConfig(max_links=2)])
async def test_api_link_table_full(panel: EmulatorPanel, client: RawClient) -> None:
    panel.add_link("one")
    panel.add_link("two")
    with pytest.raises(ValueError, match="full"):
        panel.add_link("three")
    assert await client.link_reply(await client.link()) == {
        "api_link": {"error_code": 11005, "error_message": "Not enough space"}
    }
    assert IDENTITY.sn not in panel.links
    # Re-linking an sn already in a full table is allowed.
    relink = messages.ClientIdentity(mn="222", sn="one")
    assert (await client.link_reply(await client.link(relink)))["api_link"]["error_code"] == 0


# hello ------------------------------------------------------------------------


async def test_hello_unknown_sn(client: RawClient) -> None:
    assert await client.hello() == {"hello": {"error_code": 11006, "error_message": "invalid_id"}}


async def test_hello_success(panel: EmulatorPanel, client: RawClient) -> None:
    link = panel.add_link(IDENTITY.sn)
    inner = (await client.hello())["hello"]
    assert list(inner) == ["seq", "session_id", "sk", "shm", "error_code"]
    assert inner["seq"] == 110
    assert inner["error_code"] == 0
    assert 0 < inner["session_id"] < 2**32
    session_key = crypto.decrypt_key_field(link.linkkey_hex, inner["sk"])
    assert len(session_key) == 16
    assert len(crypto.decrypt_key_field(link.linkkey_hex, inner["shm"])) == 32
    [session] = await panel.wait_for_sessions(1, TIMEOUT)
    assert panel.session_count == 1
    assert panel.session_keys == [session_key]
    assert (session.sn, session.session_id, session.session_key) == (IDENTITY.sn, inner["session_id"], session_key)
    assert session.identity == IDENTITY.as_wire()
    assert not session.ready


async def test_hello_session_ids_may_exceed_2_31(panel: EmulatorPanel, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = iter([0, 2**32 - 1])
    monkeypatch.setattr("e27_emulator.server.secrets.randbits", lambda bits: next(ids))
    panel.add_link(IDENTITY.sn)
    client = await RawClient.connect(panel)
    try:
        assert (await client.hello())["hello"]["session_id"] == 2**32 - 1
    finally:
        await client.close()


async def test_revoked_link_gets_invalid_id(panel: EmulatorPanel, client: RawClient) -> None:
    panel.add_link(IDENTITY.sn)
    assert panel.revoke_link(IDENTITY.sn)
    assert not panel.revoke_link(IDENTITY.sn)
    assert (await client.hello())["hello"]["error_code"] == 11006


async def test_refuse_hello(panel: EmulatorPanel, client: RawClient) -> None:
    panel.add_link(IDENTITY.sn)
    panel.refuse_hello()
    assert await client.hello() == {"hello": {"seq": 110, "error_code": 0}}
    assert panel.sessions == []
    panel.refuse_hello(False)
    assert "sk" in (await client.hello())["hello"]


@pytest.mark.parametrize("panel_config", [PanelConfig(max_links=9)])
async def test_session_limit_refuses_the_ninth(panel: EmulatorPanel) -> None:
    identities = [messages.ClientIdentity(mn="222", sn=f"client{number}") for number in range(9)]
    clients = [await RawClient.connect(panel) for _ in identities]
    try:
        for client, identity in zip(clients[:8], identities, strict=False):
            await client.go_online(panel, identity)
        assert len(await panel.wait_for_sessions(8, TIMEOUT)) == 8
        panel.add_link(identities[8].sn)
        assert await clients[8].hello(identities[8]) == {"hello": {"seq": 110, "error_code": 0}}
        assert len(panel.sessions) == 8
        # A slot frees up when a session ends.
        await clients[0].close()
        await panel.wait_until(lambda: len(panel.sessions) == 7, TIMEOUT)
        assert "sk" in (await clients[8].hello(identities[8]))["hello"]
    finally:
        for client in clients:
            await client.close()


async def test_duplicate_sn_is_refused_by_default(panel: EmulatorPanel, online: RawClient) -> None:
    second = await RawClient.connect(panel)
    try:
        assert await second.hello() == {"hello": {"seq": 110, "error_code": 0}}
        assert len(panel.sessions) == 1
    finally:
        await second.close()


@pytest.mark.parametrize("panel_config", [PanelConfig(duplicate_sn="replace")])
async def test_duplicate_sn_replaces_the_old_session(panel: EmulatorPanel, online: RawClient) -> None:
    second = await RawClient.connect(panel)
    try:
        assert "sk" in (await second.go_online(panel))["hello"]
        await online.expect_eof()
        [session] = panel.sessions
        assert session.session_id == second.session_id
    finally:
        await second.close()


@pytest.mark.parametrize("panel_config", [PanelConfig(duplicate_sn="allow")])
async def test_duplicate_sn_allowed(panel: EmulatorPanel, online: RawClient) -> None:
    second = await RawClient.connect(panel)
    try:
        await second.go_online(panel)
        assert [s.sn for s in panel.sessions] == [IDENTITY.sn, IDENTITY.sn]
        assert second.session_id != online.session_id
    finally:
        await second.close()


async def test_wait_for_sessions_times_out(panel: EmulatorPanel) -> None:
    with pytest.raises(TimeoutError):
        await panel.wait_for_sessions(1, timeout=0.05)


# Framed phase -----------------------------------------------------------------


async def test_r_u_alive(panel: EmulatorPanel, online: RawClient) -> None:
    seq = online.request({"system": {"r_u_alive": {}}})
    envelope = await online.read_envelope()
    assert (envelope.envelope_seq, envelope.src, envelope.dest, envelope.head) == (1, 0, 1, 0)
    assert messages.decode(envelope.payload) == {
        "seq": seq,
        "session_id": online.session_id,
        "system": {"r_u_alive": {"error_code": 0}},
    }
    assert (await online.call({"system": {"r_u_alive": {}}}))["seq"] == seq + 1
    [session] = panel.sessions
    assert session.ready
    assert session.received == [
        {"seq": seq, "session_id": online.session_id, "system": {"r_u_alive": {}}},
        {"seq": seq + 1, "session_id": online.session_id, "system": {"r_u_alive": {}}},
    ]


async def test_authenticate_gives_a_new_session_id(panel: EmulatorPanel, online: RawClient) -> None:
    seq = online.request({"authenticate": {"pin": 1234}})
    inner = (await online.read_message())["authenticate"]
    assert inner["seq"] == seq
    assert inner["error_code"] == 0
    assert (inner["user_id"], inner["group_id"]) == (1, 1)
    assert inner["session_id"] != online.session_id
    [session] = panel.sessions
    assert (session.session_id, session.user_id, session.authenticated) == (inner["session_id"], 1, True)
    assert session.received[-1]["authenticate"] == {"pin": 1234}


@pytest.mark.parametrize(("pin", "code"), [("1234", 11008), (4321, 11037), (True, 11008)])
async def test_authenticate_refused(panel: EmulatorPanel, online: RawClient, pin: object, code: int) -> None:
    inner = (await online.call({"authenticate": {"pin": pin}}))["authenticate"]
    assert inner["error_code"] == code
    assert inner["session_id"] == online.session_id
    assert not panel.sessions[0].authenticated


async def test_unknown_command_gets_11001(online: RawClient) -> None:
    seq = online.request({"area": {"get_status": {"area_id": 1}}})
    assert await online.read_message() == {"seq": seq, "error_code": 11001, "error_message": "unrecognized command"}


async def test_pluggable_handler(panel: EmulatorPanel, online: RawClient) -> None:
    seen: list[tuple[PanelSession, dict[str, Any]]] = []

    def handler(session: PanelSession, request: dict[str, Any]) -> list[dict[str, Any]] | None:
        seen.append((session, request))
        if "silent" in request:
            return None
        return [reply(session, request, {"area": {"get_status": {"block_id": n}}}) for n in (1, 2)]

    panel.handler = handler
    seq = online.request({"area": {"get_status": {}}})
    assert [(await online.read_message())["area"]["get_status"]["block_id"] for _ in range(2)] == [1, 2]
    assert seen[0][0] is panel.sessions[0]
    assert seen[0][1]["seq"] == seq
    online.request({"silent": {}})
    await online.expect_silence(0.2)
    assert len(seen) == 2


async def test_bad_frames_are_dropped_silently(panel: EmulatorPanel, online: RawClient) -> None:
    protocol, ciphertext = crypto.seal(bytes(16), b'{"seq":1}', envelope_seq=1, src=1, dest=0)
    online.send_raw(framing.build_frame(protocol, ciphertext))  # wrong key
    online.send_raw(corrupt_frame(protocol, ciphertext))  # bad CRC
    await online.expect_silence(0.2)
    assert panel.frame_errors == 2
    assert (await online.call({"system": {"r_u_alive": {}}}))["system"]["r_u_alive"]["error_code"] == 0


# Broadcasts and the first-frame rule ------------------------------------------


async def test_broadcast_waits_for_the_first_frame(panel: EmulatorPanel, online: RawClient) -> None:
    assert await panel.broadcast({"zone": {"status": {"zone_id": 3}}}) == 1
    await online.expect_silence(0.2)
    seq = online.request({"system": {"r_u_alive": {}}})
    assert await online.read_message() == {
        "seq": 0,
        "session_id": online.session_id,
        "zone": {"status": {"zone_id": 3}},
    }
    assert (await online.read_message())["seq"] == seq
    await panel.broadcast({"area": {"status": {}}})
    assert await online.read_message() == {"seq": 0, "session_id": online.session_id, "area": {"status": {}}}


async def test_broadcast_uses_each_sessions_current_id(panel: EmulatorPanel, online: RawClient) -> None:
    new_id = (await online.call({"authenticate": {"pin": 1234}}))["authenticate"]["session_id"]
    await panel.broadcast({"area": {"status": {}}})
    assert (await online.read_message())["session_id"] == new_id


async def test_broadcast_skips_connections_without_a_session(panel: EmulatorPanel, client: RawClient) -> None:
    assert await panel.broadcast({"area": {"status": {}}}) == 0
    await client.expect_silence(0.1)


# Fault knobs -------------------------------------------------------------------


@pytest.mark.parametrize("reset", [False, True])
async def test_drop_connections(panel: EmulatorPanel, online: RawClient, reset: bool) -> None:
    assert await panel.drop_connections(reset=reset) == 1
    assert panel.sessions == []
    await online.expect_eof()
    await panel.wait_until(lambda: panel.connection_count == 0, TIMEOUT)


async def test_go_silent(panel: EmulatorPanel, online: RawClient) -> None:
    panel.go_silent()
    seq = online.request({"system": {"r_u_alive": {}}})
    assert await panel.broadcast({"area": {"status": {}}}) == 0
    await online.expect_silence(0.3)
    assert panel.sessions[0].received[-1]["seq"] == seq
    with pytest.raises(TimeoutError):
        await _probe(panel, b'{"FIND":"ELKWCID"}', timeout=0.2)
    silent_client = await RawClient.connect(panel, greeting=False)
    try:
        await silent_client.expect_silence(0.2)
    finally:
        await silent_client.close()
    panel.go_silent(False)
    assert (await online.call({"system": {"r_u_alive": {}}}))["seq"] == seq + 1


async def test_send_garbage(panel: EmulatorPanel, online: RawClient) -> None:
    online.request({"system": {"r_u_alive": {}}})
    await online.read_message()
    assert await panel.send_garbage() == 1
    async with asyncio.timeout(1):
        assert await online.reader.readexactly(len(DEFAULT_GARBAGE)) == DEFAULT_GARBAGE
    assert await panel.send_garbage(b"\x7e\x80\x30\x00") == 1
    # A partial frame is abandoned when the next one starts; the reply still arrives.
    online.request({"system": {"r_u_alive": {}}})
    assert isinstance(await online.read_frame_item(), E27TruncatedFrameError)
    assert "r_u_alive" in (await online.read_message())["system"]


async def test_send_corrupt_frame(panel: EmulatorPanel, online: RawClient) -> None:
    online.request({"system": {"r_u_alive": {}}})
    await online.read_message()
    assert await panel.send_corrupt_frame() == 1
    assert isinstance(await online.read_frame_item(), E27CrcError)
    assert (await online.call({"system": {"r_u_alive": {}}}))["system"]["r_u_alive"] == {"error_code": 0}


async def test_reply_delay(panel: EmulatorPanel, online: RawClient) -> None:
    panel.reply_delay = 0.2
    assert panel.reply_delay == 0.2
    start = time.monotonic()
    await online.call({"system": {"r_u_alive": {}}})
    assert time.monotonic() - start >= 0.2
    panel.reply_delay = -1
    assert panel.reply_delay == 0


async def test_requests_are_read_while_a_reply_is_delayed(panel: EmulatorPanel, online: RawClient) -> None:
    panel.reply_delay = 60
    first = online.request({"system": {"r_u_alive": {}}})
    second = online.request({"system": {"r_u_alive": {}}})
    await panel.wait_for_requests(2, TIMEOUT)
    assert panel.max_in_flight == 2
    panel.reply_delay = 0  # releases the replies already waiting
    assert [(await online.read_message())["seq"] for _ in range(2)] == [first, second]


async def test_max_in_flight_is_one_for_a_serial_client(panel: EmulatorPanel, online: RawClient) -> None:
    for _ in range(3):
        await online.call({"system": {"r_u_alive": {}}})
    assert panel.max_in_flight == 1


async def test_reply_delay_applies_to_hello(panel: EmulatorPanel, client: RawClient) -> None:
    panel.reply_delay = 60
    client.send_raw(messages.build_hello_request(IDENTITY))
    await client.expect_silence(0.2)
    panel.reply_delay = 0
    assert (await client.read_object())["hello"]["error_code"] == 11006


# Pure helpers, lifecycle, logging ------------------------------------------------


@pytest.mark.parametrize("data", [b"\x01", b"\x7e" * 3, bytes(121), bytes(range(256))])
async def test_corrupt_frame_gives_a_crc_error(data: bytes) -> None:
    results = framing.Deframer().feed(corrupt_frame(0x80, data) + framing.build_frame(0x81, b"NEW"))
    assert [type(item) for item in results] == [E27CrcError, framing.Frame]


async def test_stop_closes_connections_and_restart_reuses_ports(panel: EmulatorPanel, online: RawClient) -> None:
    port, discovery_port = panel.port, panel.discovery_port
    await panel.stop()
    await online.expect_eof()
    assert panel.connection_count == 0
    await panel.start()
    assert (panel.port, panel.discovery_port) == (port, discovery_port)
    again = await RawClient.connect(panel)
    try:
        assert "sk" in (await again.go_online(panel))["hello"]
    finally:
        await again.close()


async def test_start_twice_fails(panel: EmulatorPanel) -> None:
    with pytest.raises(RuntimeError):
        await panel.start()


@pytest.mark.parametrize("panel_config", [PanelConfig(discovery_port=None)])
async def test_discovery_can_be_off(panel: EmulatorPanel) -> None:
    assert panel.discovery_port == 0


async def test_logs_hold_no_secrets(panel: EmulatorPanel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="e27_emulator")
    client = await RawClient.connect(panel)
    try:
        linkkey = (await client.link_reply(await client.link()))["api_link"]["enc"]
        await client.go_online(panel)
        await client.call({"authenticate": {"pin": 1234}})
    finally:
        await client.close()
    text = caplog.text
    assert "authenticate" in text
    for secret in ("123456", "emulator-passphrase", "1234", linkkey, client.session_key.hex()):
        assert secret not in text


# Hostile-panel knobs: raw messages, scripted hello replies, length-quirk frames ----------------


async def test_inject_sends_raw_text_as_an_encrypted_frame(panel: EmulatorPanel, online: RawClient) -> None:
    await online.call({"system": {"r_u_alive": {}}})  # the panel pushes only after the client's first frame
    text = '{"seq":0,"zone":{"get_status":{"zone_id":"²","rssi":' + "9" * 401 + "}}}"
    assert await panel.inject(text) == 1
    assert (await online.read_envelope()).payload == crypto.quirk_safe(text.encode())
    assert await panel.inject(b"not json at all") == 1
    assert (await online.read_envelope()).payload == b"not json at all"
    assert await panel.inject({"area": {"get_status": {"area_id": 1}}}) == 1  # no seq or session_id added
    assert await online.read_message() == {"area": {"get_status": {"area_id": 1}}}
    with pytest.raises(ValueError, match="does not fit"):
        await panel.inject(b"{" + b" " * const.MAX_PAYLOAD + b"}")


async def test_scripted_hello_replies_come_first_then_sessions_again(panel: EmulatorPanel, client: RawClient) -> None:
    panel.add_link(IDENTITY.sn)
    panel.script_hello_replies({"hello": {"error_code": "²"}}, '{"hello":{"session_id":-1}}')
    assert await client.hello() == {"hello": {"error_code": "²"}}
    assert await client.hello() == {"hello": {"session_id": -1}}
    assert panel.session_count == 0
    await client.go_online(panel)
    assert panel.session_count == 1


async def test_frames_avoid_the_reference_deframer_quirk_unless_asked(panel: EmulatorPanel, online: RawClient) -> None:
    """docs/protocol.md §4.4: LENGTH low byte == protocol byte is lost by the reference deframer; the panel avoids it."""
    await online.call({"system": {"r_u_alive": {}}})
    quirky = b'{"a":"' + b"x" * 106 + b'"}'  # TV-11: 114 bytes of JSON
    assert crypto.hits_length_quirk(len(quirky))
    await panel.inject(quirky)
    frame = await online.read_frame()
    assert frame.body[1] != frame.protocol
    panel.send_length_quirk_frames()
    for body in ({"system": {"r_u_alive": {}}}, {"zone": {"get_status": {"zone_id": 1}}}):
        online.request(body)
        frame = await online.read_frame()
        assert frame.body[1] == frame.protocol == 0x85  # what the knob is for: every frame hits it
        assert messages.decode(crypto.open_envelope(online.session_key, frame.protocol, frame.data).payload)
    panel.send_length_quirk_frames(False)
    online.request({"system": {"r_u_alive": {}}})
    frame = await online.read_frame()
    assert frame.body[1] != frame.protocol
