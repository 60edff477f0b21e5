"""UDP discovery of panels on the local network (docs/protocol.md §2.1)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from .const import DISCOVERY_MARKER, DISCOVERY_PORT, DISCOVERY_REQUEST, DISCOVERY_TIMEOUT, PROBE_TIMEOUT
from .errors import E27MessageError
from .messages import decode
from .values import as_int, real_serial

_LOGGER = logging.getLogger(__package__)
BROADCAST_ADDRESS: Final = "255.255.255.255"
# Requests per target and scan, SEND_SPACING seconds apart (UDP may lose one): a reply never
# triggers another request, so a scan costs the network a fixed handful of datagrams.
SENDS_PER_TARGET: Final = 3
SEND_SPACING: Final = 1.0
# Distinct panels kept per scan; a LAN with more E27 panels than this is not a home.
MAX_PANELS: Final = 32
# A panel's reply is a few hundred bytes; anything much larger is not one and is not parsed.
MAX_REPLY_SIZE: Final = 2048


@dataclass(frozen=True, slots=True)
class DiscoveredPanel:
    """A panel that answered discovery."""

    name: str
    mac: str
    host: str
    port: int
    encrypted_port: int | None
    serial: str | None


def normalize_mac(mac: str) -> str | None:
    """MAC as lowercase colon-separated pairs, whatever separators the panel used; None if invalid."""
    digits = "".join(ch for ch in mac if ch not in ":-. ").lower()
    if len(digits) != 12 or any(ch not in "0123456789abcdef" for ch in digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _port(value: Any) -> int | None:
    return as_int(value, 1, 65535)


def parse_discovery_reply(data: bytes, source_host: str) -> DiscoveredPanel | None:
    """The panel described by a discovery datagram, or None if it is not a usable panel reply.

    Where the panel puts its ELKWC2017 marker is not known (docs/protocol.md §13, question 1), so
    it is looked for anywhere in the datagram, and only the fields we need are required.
    """
    if DISCOVERY_MARKER not in data or data.strip() == DISCOVERY_REQUEST:
        return None
    try:
        obj = decode(data)
    except E27MessageError as err:
        _LOGGER.debug("Ignoring a discovery reply that is not a JSON object: %s", err)
        return None
    mac_text = obj.get("MAC_ADDR")
    mac = normalize_mac(mac_text) if isinstance(mac_text, str) else None
    port = _port(obj.get("LISTEN_PORT"))
    if mac is None or port is None:
        return None
    host = obj.get("IPV4_ADDR")
    name = obj.get("NAME")
    return DiscoveredPanel(
        name=name if isinstance(name, str) and name else f"E27 {mac[-5:].replace(':', '').upper()}",
        mac=mac,
        host=host if isinstance(host, str) and host and host != "0.0.0.0" else source_host,  # noqa: S104
        port=port,
        encrypted_port=_port(obj.get("ENCRYPTED_LISTEN_PORT")),
        serial=real_serial(obj.get("SERIAL")),
    )


class _DiscoveryProtocol(asyncio.DatagramProtocol):
    """Collects distinct panels (by MAC), at most MAX_PANELS; anything beyond is dropped unread."""

    def __init__(self) -> None:
        self.found: dict[str, DiscoveredPanel] = {}
        self.event = asyncio.Event()
        self.dropped = 0

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        # Cheap checks first: a neighbour may answer with a flood of datagrams.
        if len(self.found) >= MAX_PANELS or len(data) > MAX_REPLY_SIZE:
            self.dropped += 1
            return
        try:
            panel = parse_discovery_reply(data, str(addr[0]))
        except Exception:  # anything on the LAN may answer: one odd datagram must not flood the log
            _LOGGER.debug("Ignoring an unreadable discovery reply from %s", addr[0], exc_info=True)
            return
        if panel is not None:
            self.found.setdefault(panel.mac, panel)
            self.event.set()

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("Discovery socket error: %s", exc)


async def _resolve(loop: asyncio.AbstractEventLoop, target: str, port: int) -> str | None:
    """target as an IPv4 address; a host name is looked up off the event loop. None if it has none."""
    try:
        return str(ipaddress.IPv4Address(target))
    except ValueError:
        pass
    try:
        infos = await loop.getaddrinfo(target, port, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError, ValueError) as err:  # gaierror, or a name the resolver refuses
        _LOGGER.debug("Cannot resolve %r for discovery: %s", target, err)
        return None
    return next((str(info[4][0]) for info in infos), None)


async def _scan(targets: list[str], port: int, timeout: float, *, first_only: bool) -> list[DiscoveredPanel]:
    """Send SENDS_PER_TARGET requests to each target, spaced over the first part of the scan, and listen.

    Replies never cause more requests: however many hosts answer, the scan sends at most
    SENDS_PER_TARGET datagrams per target.
    """
    loop = asyncio.get_running_loop()
    addresses: list[str] = []
    for target in targets:
        if (address := await _resolve(loop, target, port)) is not None and address not in addresses:
            addresses.append(address)
    if not addresses:
        return []
    transport, protocol = await loop.create_datagram_endpoint(
        _DiscoveryProtocol,
        local_addr=("0.0.0.0", 0),  # noqa: S104 - replies to a broadcast come back on any interface
        allow_broadcast=True,
    )
    try:
        deadline = loop.time() + timeout
        spacing = min(SEND_SPACING, timeout / SENDS_PER_TARGET)
        for send in range(SENDS_PER_TARGET):
            for address in addresses:
                # A send the system refuses does not raise: asyncio hands it to error_received.
                transport.sendto(DISCOVERY_REQUEST, (address, port))
            # The last request gets the rest of the scan to be answered.
            wait_until = deadline if send == SENDS_PER_TARGET - 1 else min(deadline, loop.time() + spacing)
            while (remaining := wait_until - loop.time()) > 0 and not (first_only and protocol.found):
                protocol.event.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await protocol.event.wait()
            if (first_only and protocol.found) or loop.time() >= deadline:
                break
    finally:
        transport.close()
    if protocol.dropped:
        _LOGGER.debug("Discovery kept %d panels and dropped %d further replies", len(protocol.found), protocol.dropped)
    return list(protocol.found.values())


async def async_discover(
    timeout: float = DISCOVERY_TIMEOUT, *, targets: Iterable[str] = (BROADCAST_ADDRESS,), port: int = DISCOVERY_PORT
) -> list[DiscoveredPanel]:
    """Broadcast a discovery request to each target address and collect the panels that answer in time.

    At most MAX_PANELS distinct panels (by MAC) are returned. Raises OSError when no UDP
    socket can be opened (no usable network).
    """
    return await _scan(list(targets), port, timeout, first_only=False)


async def async_probe(
    host: str, timeout: float = PROBE_TIMEOUT, *, port: int = DISCOVERY_PORT
) -> DiscoveredPanel | None:
    """Ask one host directly; its identity (name, MAC) or None if nothing answered (or the name has no address).

    Raises OSError when no UDP socket can be opened.
    """
    found = await _scan([host], port, timeout, first_only=True)
    return found[0] if found else None
