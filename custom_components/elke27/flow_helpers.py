"""What the config flow needs besides its steps: identifying a panel, scanning, announcing progress."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from homeassistant.components.network import async_get_ipv4_broadcast_addresses
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED

from . import const
from .const import LOGGER
from .e27 import DiscoveredPanel, E27ConnectionError, E27Error, async_discover, async_probe
from .e27.connection import async_close, async_open, async_read_greeting
from .e27.messages import JsonStreamSplitter


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
    panel = await async_probe(host, const.FLOW_PROBE_TIMEOUT, port=const.DISCOVERY_PORT)
    if panel is None:
        return None, "no_discovery_reply"
    return panel, ""


async def async_scan(hass: HomeAssistant) -> list[DiscoveredPanel]:
    """Every panel that answers a discovery broadcast on Home Assistant's networks within a few seconds."""
    targets = [str(address) for address in await async_get_ipv4_broadcast_addresses(hass)]
    try:
        return await async_discover(const.FLOW_DISCOVERY_TIMEOUT, targets=targets, port=const.DISCOVERY_PORT)
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
