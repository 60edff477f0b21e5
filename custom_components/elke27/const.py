"""Constants of the Elk E27 integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from .e27.const import DEFAULT_PORT as PANEL_PORT

DOMAIN: Final = "elke27"
LOGGER = logging.getLogger(__package__)

DEFAULT_PORT: Final = PANEL_PORT
FLOW_DISCOVERY_TIMEOUT: Final = 3.0
FLOW_PROBE_TIMEOUT: Final = 3.0
# A panel with the right access code and passphrase links in well under a second; with a wrong
# one it stays silent, so the flow gives up after LINK_TIMEOUT. The link step waits
# LINK_QUICK_WAIT for the answer itself and shows a progress step only after that.
LINK_TIMEOUT: Final = 15.0
LINK_QUICK_WAIT: Final = 2.0
# A progress step's end is announced by an event the frontend subscribes to only after
# drawing the step; the announcement waits up to this long for that subscription.
PROGRESS_WATCHER_WAIT: Final = 10.0
PROGRESS_WATCHER_POLL: Final = 0.05
# Background discovery: one bounded UDP scan at start and then periodically.
BACKGROUND_DISCOVERY_INTERVAL: Final = timedelta(minutes=15)

CONF_MAC: Final = "mac"
CONF_CLIENT: Final = "client"
CONF_LINKKEY: Final = "linkkey"
CONF_LINKHMAC: Final = "linkhmac"
CONF_ACCESS_CODE: Final = "access_code"
CONF_PASSPHRASE: Final = "passphrase"  # noqa: S105 - a form field name, not a secret
CONF_PANEL: Final = "panel"
# The panel needs a user code for every arm and disarm and we never store one, so
# Home Assistant always asks for the code; the options are about arming behaviour.
CONF_KEEP_AWAY: Final = "keep_away"
DEFAULT_KEEP_AWAY: Final = False
MANUAL_ENTRY: Final = "manual"

# What the community integration (the same domain, entry version 1.1) stores; its entries are
# adopted by the migration to entry version 1.2.
COMMUNITY_CONF_SERIAL: Final = "integration_serial"
COMMUNITY_CONF_LINK_KEYS: Final = "link_keys_json"
COMMUNITY_CONF_PANEL: Final = "panel"

# Our identity towards the panel; `sn` is random per config entry.
CLIENT_MN: Final = "222"
CLIENT_FWVER: Final = "0.1.0"
CLIENT_HWVER: Final = "1.0"
CLIENT_OSVER: Final = "1.0"

# Entities that exist only for wireless zones; they are added once the panel reports a
# zone's radio details, which can be after setup, so stale-entity cleanup must keep them.
KEY_ZONE_LOW_BATTERY: Final = "zone_low_battery"
KEY_ZONE_SIGNAL: Final = "zone_signal"
WIRELESS_ZONE_KEYS: Final = (KEY_ZONE_LOW_BATTERY, KEY_ZONE_SIGNAL)
# Thermostat sensors exist once the thermostat reports the reading (humidity 0 is "no sensor").
KEY_THERMOSTAT_HUMIDITY: Final = "humidity"
KEY_THERMOSTAT_BATTERY: Final = "battery"
# Entity keys (unique-id parts) added only once a reading appears → the kind of element they belong to;
# stale-entity cleanup keeps them while that element exists.
DEFERRED_ENTITY_KEYS: Final = {
    KEY_ZONE_LOW_BATTERY: "zone",
    KEY_ZONE_SIGNAL: "zone",
    KEY_THERMOSTAT_HUMIDITY: "thermostat",
    KEY_THERMOSTAT_BATTERY: "thermostat",
}
