"""Diagnostics: the entry and the live panel model, with every secret and identifier redacted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields, is_dataclass
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import CONF_CLIENT, CONF_LINKHMAC, CONF_LINKKEY, CONF_MAC
from .coordinator import Elke27ConfigEntry

# discovery_keys: Home Assistant's DHCP discovery stores the panel's MAC there.
TO_REDACT = {
    CONF_HOST,
    CONF_MAC,
    CONF_LINKKEY,
    CONF_LINKHMAC,
    CONF_CLIENT,
    "unique_id",
    "discovery_keys",
    "serial",
    "sn",
}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: Elke27ConfigEntry) -> dict[str, Any]:
    """What a maintainer needs to understand a problem, and nothing that identifies or unlocks the panel."""
    coordinator = entry.runtime_data
    client = coordinator.client
    panel = coordinator.data
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "connected": bool(client and client.connected),
        "last_update_success": coordinator.last_update_success,
        "panel": async_redact_data({f.name: _plain(getattr(panel, f.name)) for f in fields(panel)}, TO_REDACT),
    }


def _plain(value: Any) -> Any:
    """The model's read-only element tables and dataclasses as plain data (asdict cannot copy the tables)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value
