"""UDP discovery against the emulator and the reply parser on its own."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.elke27.e27 import async_discover, async_probe
from custom_components.elke27.e27.discovery import (
    MAX_PANELS,
    MAX_REPLY_SIZE,
    SENDS_PER_TARGET,
    _DiscoveryProtocol,
    normalize_mac,
    parse_discovery_reply,
)
from e27_emulator import EmulatorPanel
from e27_emulator.discovery import Neighbour, start_neighbour


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


@pytest.mark.parametrize("placeholder", ["00000001", "00000000", "0", "FFFFFFFF", "ffffffff", " 00000001 ", "", 1])
def test_a_placeholder_serial_in_a_reply_is_no_serial(placeholder: object) -> None:
    """The panel's factory placeholder is shared by many panels: never shown, never an identity."""
    panel = parse_discovery_reply(_reply(SERIAL=placeholder), "192.0.2.9")
    assert panel is not None
    assert panel.serial is None


def test_a_real_serial_in_a_reply_is_kept() -> None:
    panel = parse_discovery_reply(_reply(SERIAL=" E27A00012345 "), "192.0.2.9")
    assert panel is not None
    assert panel.serial == "E27A00012345"


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


async def test_malformed_replies_from_other_hosts_are_ignored_quietly(caplog: pytest.LogCaptureFixture) -> None:
    replies = [
        _reply(LISTEN_PORT="²"),
        _reply(LISTEN_PORT=10**400),
        b'{"ELKWC2017":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"ELKWC2017 \xff\xfe",
        _reply(MAC_ADDR="02:00:00:00:00:09", LISTEN_PORT=2101),
    ]
    transport, _, port = await start_neighbour(replies)
    try:
        found = await async_probe("127.0.0.1", timeout=5, port=port)
    finally:
        transport.close()
    assert found is not None
    assert found.mac == "02:00:00:00:00:09"
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def _counting(panels: int) -> tuple[asyncio.DatagramTransport, Neighbour, int]:
    """A neighbour answering each request as `panels` panels (each reply naming the loopback address)."""
    replies = [
        _reply(MAC_ADDR=f"02:00:00:00:{index >> 8:02x}:{index & 0xFF:02x}", IPV4_ADDR="127.0.0.1")
        for index in range(panels)
    ]
    return await start_neighbour(replies)


async def test_a_scan_sends_a_few_requests_per_target_whatever_answers() -> None:
    transport, responder, port = await _counting(3)
    try:
        found = await async_discover(1.5, targets=["127.0.0.1"], port=port)
    finally:
        transport.close()
    assert len(found) == 3
    assert 1 <= responder.requests <= SENDS_PER_TARGET


async def test_a_scan_keeps_a_bounded_number_of_panels() -> None:
    transport, responder, port = await _counting(MAX_PANELS * 3)
    try:
        found = await async_discover(1.0, targets=["127.0.0.1"], port=port)
    finally:
        transport.close()
    assert len(found) == MAX_PANELS
    assert len({panel.mac for panel in found}) == MAX_PANELS
    assert responder.requests <= SENDS_PER_TARGET


async def test_an_oversized_reply_is_dropped_unparsed() -> None:
    huge = _reply(NAME="x" * (MAX_REPLY_SIZE + 1))
    with patch("custom_components.elke27.e27.discovery.parse_discovery_reply") as parse:
        protocol = _DiscoveryProtocol()
        protocol.datagram_received(huge, ("192.0.2.1", 2362))
    parse.assert_not_called()
    assert not protocol.found


async def test_a_host_name_is_resolved_off_the_event_loop(panel: EmulatorPanel) -> None:
    """Names go through the loop's resolver (an executor), never a blocking lookup on the loop."""
    loop = asyncio.get_running_loop()
    asked: list[str] = []
    real = loop.getaddrinfo

    async def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        if host != "panel.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return await real("127.0.0.1", *args, **kwargs)

    with patch.object(loop, "getaddrinfo", getaddrinfo):
        found = await async_probe("panel.invalid", timeout=20, port=panel.discovery_port)
        assert await async_probe("a..b", timeout=0.3, port=panel.discovery_port) is None
    assert found is not None
    assert found.mac == normalize_mac(panel.config.mac)
    assert asked == ["panel.invalid", "a..b"]


async def test_a_send_the_system_refuses_ends_the_scan_empty_and_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """Port 0 cannot be sent to (EINVAL): the scan finds nothing, raises nothing, and says why only at debug level."""
    caplog.set_level(logging.DEBUG, logger="custom_components.elke27.e27")
    assert await async_probe("127.0.0.1", timeout=0.3, port=0) is None
    refused = [record for record in caplog.records if "Discovery socket error" in record.getMessage()]
    assert refused
    assert all(record.levelno == logging.DEBUG for record in refused)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_reply_that_breaks_the_parser_does_not_end_the_scan(
    panel: EmulatorPanel, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever a datagram makes the parser do, the scan goes on and still finds the panel answering after it."""
    real = parse_discovery_reply
    calls: list[bytes] = []

    def parse(data: bytes, source_host: str) -> Any:
        calls.append(data)
        if len(calls) == 1:
            raise RecursionError("a reply the parser could not handle")
        return real(data, source_host)

    with patch("custom_components.elke27.e27.discovery.parse_discovery_reply", parse):
        found = await async_probe("127.0.0.1", timeout=20, port=panel.discovery_port)
    assert found is not None
    assert found.mac == normalize_mac(panel.config.mac)
    assert len(calls) >= 2
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
