"""UDP discovery responder (docs/protocol.md §2.1)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from custom_components.elke27.e27 import messages

_LOGGER = logging.getLogger(__name__)


def is_discovery_request(data: bytes) -> bool:
    """True for a FIND/ELKWCID probe, with or without spaces in its JSON."""
    return b"FIND" in data and b"ELKWCID" in data


class DiscoveryResponder(asyncio.DatagramProtocol):
    """Answers each discovery probe with one JSON datagram, unicast to the sender.

    `reply` builds the answer, or returns None to stay silent (a silent panel).
    """

    def __init__(self, name: str, reply: Callable[[], dict[str, Any] | None]) -> None:
        self._name = name
        self._reply = reply
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Answer a probe; ignore anything else (including our own replies)."""
        if not is_discovery_request(data) or self._transport is None:
            return
        answer = self._reply()
        if answer is None:
            _LOGGER.debug("%s: discovery probe from %s ignored (silent)", self._name, addr)
            return
        _LOGGER.debug("%s: answering discovery probe from %s", self._name, addr)
        self._transport.sendto(messages.encode(answer), addr)

    def error_received(self, exc: Exception) -> None:
        """A UDP send error (e.g. ICMP unreachable) is not fatal to the responder."""
        _LOGGER.debug("%s: discovery socket error: %s", self._name, exc)


def fake_panel_replies(count: int) -> list[bytes]:
    """Discovery replies of `count` different panels (distinct MACs), as a misbehaving device might send."""
    return [
        json.dumps(
            {"ELKWC2017": 1, "MAC_ADDR": f"02:00:00:00:{index >> 8:02x}:{index & 0xFF:02x}", "LISTEN_PORT": 2101}
        ).encode()
        for index in range(count)
    ]


class Neighbour(asyncio.DatagramProtocol):
    """Another device on the LAN: counts every datagram it gets and answers each with all of `replies`.

    With fake_panel_replies it is a device answering as many panels; with malformed replies, a
    broken one.
    """

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = replies
        self.requests = 0
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Count the request and send every reply back to its sender."""
        assert self._transport is not None
        self.requests += 1
        for reply in self.replies:
            self._transport.sendto(reply, addr)


async def start_neighbour(replies: list[bytes]) -> tuple[asyncio.DatagramTransport, Neighbour, int]:
    """A Neighbour listening on an ephemeral loopback port: (transport to close, the neighbour, its port)."""
    transport, neighbour = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: Neighbour(replies), local_addr=("127.0.0.1", 0)
    )
    return transport, neighbour, transport.get_extra_info("sockname")[1]
