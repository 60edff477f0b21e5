"""UDP discovery responder (docs/protocol.md §2.1)."""

from __future__ import annotations

import asyncio
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
