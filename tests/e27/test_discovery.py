"""UDP discovery against the emulator and the reply parser on its own."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from custom_components.elke27.e27 import async_discover, async_probe
from custom_components.elke27.e27.discovery import normalize_mac, parse_discovery_reply
from e27_emulator import EmulatorPanel


async def test_probe_one_host(panel: EmulatorPanel) -> None:
    found = await async_probe("127.0.0.1", timeout=20, port=panel.discovery_port)
    assert found is not None
    assert found.mac == normalize_mac(panel.config.mac)
    assert found.name == panel.config.name
    assert found.port == panel.port
    assert found.host == "127.0.0.1"


async def test_discover_collects_answers(panel: EmulatorPanel) -> None:
    found = await async_discover(2, targets=["127.0.0.1"], port=panel.discovery_port)
    assert [panel_.mac for panel_ in found] == [normalize_mac(panel.config.mac)]


async def test_probe_of_a_silent_host_returns_none(panel: EmulatorPanel) -> None:
    await panel.stop()
    assert await async_probe("127.0.0.1", timeout=0.3, port=panel.discovery_port) is None


def _reply(**fields: object) -> bytes:
    base: dict[str, object] = {
        "ELKWC2017": "x",
        "MAC_ADDR": "2C-CF-67-CA-1A-E0",
        "IPV4_ADDR": "192.0.2.1",
        "LISTEN_PORT": 2101,
        "ENCRYPTED_LISTEN_PORT": 2601,
        "NAME": "Panel (1AE0)",
    }
    return json.dumps(base | fields).encode()


def test_reply_parsing_normalises_and_validates() -> None:
    panel = parse_discovery_reply(_reply(), "192.0.2.9")
    assert panel is not None
    assert (panel.mac, panel.host, panel.port, panel.encrypted_port, panel.serial) == (
        "2c:cf:67:ca:1a:e0",
        "192.0.2.1",
        2101,
        2601,
        None,
    )
    # The marker may be a value rather than a key (docs/protocol.md §2.1).
    moved = json.dumps({"MAGIC": "ELKWC2017", "MAC_ADDR": "2ccf67ca1ae0", "LISTEN_PORT": "2101"}).encode()
    other = parse_discovery_reply(moved, "192.0.2.9")
    assert other is not None
    assert (other.host, other.port, other.name) == ("192.0.2.9", 2101, "E27 1AE0")


def test_reply_parsing_rejects_what_is_not_a_panel() -> None:
    assert parse_discovery_reply(b'{"FIND":"ELKWCID"}', "h") is None
    assert parse_discovery_reply(_reply(LISTEN_PORT=0), "h") is None
    assert parse_discovery_reply(_reply(LISTEN_PORT=70000), "h") is None
    assert parse_discovery_reply(_reply(MAC_ADDR="nonsense"), "h") is None
    assert parse_discovery_reply(json.dumps({"MAC_ADDR": "2ccf67ca1ae0", "LISTEN_PORT": 1}).encode(), "h") is None
    assert parse_discovery_reply(b"ELKWC2017 not json", "h") is None
    assert parse_discovery_reply(b'["ELKWC2017"]', "h") is None
    assert parse_discovery_reply(_reply(LISTEN_PORT="²"), "h") is None  # str.isdigit() says yes, int() no
    assert parse_discovery_reply(_reply(MAC_ADDR=["2c:cf:67:ca:1a:e0"]), "h") is None
    assert parse_discovery_reply(b'{"ELKWC2017":' + b"[" * 5000 + b"]" * 5000 + b"}", "h") is None


class _Answers(asyncio.DatagramProtocol):
    """Another host on the LAN: answers every datagram with each of its replies."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = replies
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self.transport is not None
        for reply in self.replies:
            self.transport.sendto(reply, addr)


async def test_malformed_replies_from_other_hosts_are_ignored_quietly(caplog: pytest.LogCaptureFixture) -> None:
    replies = [
        _reply(LISTEN_PORT="²"),
        _reply(LISTEN_PORT=10**400),
        b'{"ELKWC2017":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"ELKWC2017 \xff\xfe",
        _reply(MAC_ADDR="02:00:00:00:00:09", LISTEN_PORT=2101),
    ]
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Answers(replies), local_addr=("127.0.0.1", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        found = await async_probe("127.0.0.1", timeout=5, port=port)
    finally:
        transport.close()
    assert found is not None
    assert found.mac == "02:00:00:00:00:09"
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
