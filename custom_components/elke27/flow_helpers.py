"""What the config flow needs besides its steps: identifying a panel, scanning, announcing progress."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
from typing import Any, Final

from homeassistant.components.network import async_get_ipv4_broadcast_addresses
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED

from . import const
from .const import LOGGER
from .e27 import DiscoveredPanel, E27ConnectionError, E27Error, async_discover, async_probe
from .e27.connection import async_close, async_open, async_read_greeting
from .e27.messages import JsonStreamSplitter

# A host name (RFC 1123): dot-separated labels of letters, digits, hyphens (and the underscores some
# local resolvers hand out), at most 63 characters each and 253 in all.
_LABEL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
MAX_HOST_LENGTH: Final = 253
# Access code and passphrase are hashed as typed (UTF-8); this bounds what a form can send.
MAX_SECRET_LENGTH: Final = 128


def normalize_host(text: str) -> str | None:
    """The host as typed (stripped; an IP address in its canonical form), or None if it is not a host.

    Checked before anything resolves or connects: names that the resolver would refuse with an
    exception (too long, empty labels, NUL, control or direction characters, non-ASCII) are not hosts.
    """
    host = text.strip()
    if not host or len(host) > MAX_HOST_LENGTH or not host.isascii() or not host.isprintable():
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.removesuffix(".")
    if all(_LABEL.fullmatch(label) for label in name.split(".")):
        return host
    return None


def normalize_port(value: float) -> int | None:
    """A TCP port 1–65535 from the form's number (the number selector gives a float), or None."""
    if not float(value).is_integer():
        return None
    port = int(value)
    return port if 1 <= port <= 65535 else None


def secret_usable(value: object) -> bool:
    """Whether an access code or passphrase can be used as typed (1–128 printable characters, UTF-8)."""
    # Only lone surrogates cannot be encoded as UTF-8, and they are not printable.
    return isinstance(value, str) and bool(value) and len(value) <= MAX_SECRET_LENGTH and value.isprintable()


async def async_tcp_reachable(host: str, port: int) -> bool:
    """True if something at host:port greets like an E27 panel."""
    try:
        reader, writer = await async_open(host, port, const.FLOW_PROBE_TIMEOUT)
    except E27ConnectionError:
        return False
    try:
        await async_read_greeting(reader, JsonStreamSplitter(), const.FLOW_PROBE_TIMEOUT)
    except E27Error:
        return False
    finally:
        await async_close(writer)
    return True


async def async_identify(host: str, port: int) -> tuple[DiscoveredPanel | None, str]:
    """The panel at host:port (its MAC comes only from UDP discovery), or an error key."""
    if not await async_tcp_reachable(host, port):
        return None, "cannot_connect"
    try:
        panel = await async_probe(host, const.FLOW_PROBE_TIMEOUT)
    except OSError as err:  # no UDP socket (no usable network)
        LOGGER.debug("Cannot ask %s for its identity: %s", host, err)
        return None, "cannot_connect"
    if panel is None:
        return None, "no_discovery_reply"
    return panel, ""


async def async_scan(hass: HomeAssistant) -> list[DiscoveredPanel]:
    """Every panel that answers a discovery broadcast on Home Assistant's networks within a few seconds."""
    targets = [str(address) for address in await async_get_ipv4_broadcast_addresses(hass)]
    try:
        return await async_discover(const.FLOW_DISCOVERY_TIMEOUT, targets=targets)
    except OSError as err:  # no usable network interface: nothing found
        LOGGER.debug("Discovery scan failed: %s", err)
        return []


def progress_watchers(hass: HomeAssistant) -> int:
    """How many subscribers listen for the end of progress steps (each open flow dialog is one)."""
    return hass.bus.async_listeners().get(EVENT_DATA_ENTRY_FLOW_PROGRESSED, 0)


async def async_wait_for_watcher(hass: HomeAssistant, task: asyncio.Future[Any], watchers_before: int) -> bool:
    """Wait for task, then until someone new listens for progress events (at most PROGRESS_WATCHER_WAIT).

    Home Assistant announces the end of a progress step with one event. The frontend
    subscribes to it only after it has drawn the step, so a task that ends quickly would be
    announced to nobody and the dialog would spin for ever. Returns whether a new subscriber
    came (then later progress steps of the same dialog need not wait again).
    A dialog can close and another open while the task still runs: the count starts from the
    fewest subscribers seen since the step was shown, not from those left when the task ends.
    """
    fewest = watchers_before
    while not task.done():
        fewest = min(fewest, progress_watchers(hass))
        await asyncio.wait((task,), timeout=const.PROGRESS_WATCHER_POLL)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(const.PROGRESS_WATCHER_WAIT):
            while (watchers := progress_watchers(hass)) <= fewest:
                fewest = watchers  # another dialog closed meanwhile: count from there
                await asyncio.sleep(const.PROGRESS_WATCHER_POLL)
            return True
    return False
