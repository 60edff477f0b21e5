"""Background discovery: a short UDP scan at start and periodically; panels become discovered flows.

Unknown panels appear as "Discovered" cards; a known panel found at a new address has its
entry updated by the flow (which reloads it). The scan is one broadcast per network with a
few seconds of listening, every BACKGROUND_DISCOVERY_INTERVAL; it stops when the last entry
is removed (and starts again when one is added). A host the user typed as a name is kept:
only an entry that holds an IP address follows its panel to a new address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import CONF_HOST, CONF_PORT, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util.network import is_ip_address

from . import const
from .const import CONF_CLIENT, CONF_MAC, DOMAIN
from .e27 import DiscoveredPanel
from .flow_helpers import async_scan

DISCOVERY_KEY_VERSION = 1


@callback
def async_trigger_discovery(hass: HomeAssistant, panels: Iterable[DiscoveredPanel]) -> None:
    """Start a discovery flow for every panel that is new or has moved."""
    entries = {entry.unique_id: entry for entry in hass.config_entries.async_entries(DOMAIN)}
    # Entries taken over from the community integration whose panel has not told its MAC yet.
    waiting = {
        entry.data[CONF_HOST]: entry
        for entry in entries.values()
        if CONF_CLIENT in entry.data and CONF_MAC not in entry.data
    }
    for panel in panels:
        entry = entries.get(panel.mac)
        if entry is not None and not follows_discovery(entry.data.get(CONF_HOST), panel.host, panel.port, entry):
            continue  # known, and at its address (or at a host name the user chose): nothing to do
        if entry is None and (entry := waiting.get(panel.host)) is not None:
            hass.config_entries.async_schedule_reload(entry.entry_id)  # it answers now: finish taking it over
            continue
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data=dataclasses.asdict(panel),
            discovery_key=discovery_flow.DiscoveryKey(domain=DOMAIN, key=panel.mac, version=DISCOVERY_KEY_VERSION),
        )


def is_ip(host: object) -> bool:
    """True if host is an IP address literal (not a name the user typed)."""
    return isinstance(host, str) and is_ip_address(host)


def follows_discovery(stored_host: object, host: str, port: int | None, entry: ConfigEntry) -> bool:
    """Whether an entry should move to the address its panel was found at.

    Only an entry that holds an IP address moves (a name the user typed stays, whatever the
    panel says about itself), and only when the address differs.
    """
    if not is_ip(stored_host):
        return False
    return stored_host != host or (port is not None and entry.data.get(CONF_PORT) != port)


def panel_from_discovery(data: dict[str, Any]) -> DiscoveredPanel:
    """The panel a discovery flow was started for."""
    return DiscoveredPanel(**data)


@callback
def async_setup_discovery(hass: HomeAssistant) -> None:
    """Scan once Home Assistant has started, then every BACKGROUND_DISCOVERY_INTERVAL while entries exist."""
    stop_interval: list[Callable[[], None]] = []

    async def _async_scan(*_: Any) -> None:
        async_trigger_discovery(hass, await async_scan(hass))

    @callback
    def _async_start(*_: Event) -> None:
        hass.async_create_background_task(_async_scan(), "elke27 discovery")

    @callback
    def _async_repeat() -> None:
        if not stop_interval:
            stop_interval.append(
                async_track_time_interval(
                    hass, _async_scan, const.BACKGROUND_DISCOVERY_INTERVAL, cancel_on_shutdown=True
                )
            )

    @callback
    def _async_entries_changed(change: ConfigEntryChange, entry: ConfigEntry) -> None:
        if entry.domain != DOMAIN:
            return
        if change is ConfigEntryChange.REMOVED and not hass.config_entries.async_entries(DOMAIN, include_ignore=False):
            while stop_interval:
                stop_interval.pop()()
        elif change is ConfigEntryChange.ADDED:
            _async_repeat()

    if hass.state is CoreState.running:
        _async_start()
    else:
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _async_start)
    _async_repeat()
    async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, _async_entries_changed)
