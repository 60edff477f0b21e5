"""The Elk E27 integration: one push-connected panel per config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from . import migration
from .const import CONF_MAC, DOMAIN
from .coordinator import Elke27ConfigEntry, Elke27Coordinator, cache_store, forget_entry
from .discovery import async_setup_discovery
from .entity import panel_device
from .panel_log import log_store
from .services import async_setup_services
from .troubles import async_remove_repair_issues

PLATFORMS = [
    Platform.ALARM_CONTROL_PANEL,
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CLIMATE,
    Platform.COVER,
    Platform.EVENT,
    Platform.LIGHT,
    Platform.LOCK,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once, whatever the number of panels; look for panels."""
    async_setup_services(hass)
    async_setup_discovery(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Connect to the panel, bootstrap its model and set up the platforms."""
    if CONF_MAC not in entry.data:
        await _async_learn_identity(hass, entry)
    coordinator = Elke27Coordinator(hass, entry)
    await coordinator.async_start()
    entry.runtime_data = coordinator
    # The panel device first: the devices of areas, lights, … are attached to it (via_device_id).
    panel = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **panel_device(coordinator))
    coordinator.panel_device_id = panel.id
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_remove_stale()
    # No update listener: the options are read when used, and every flow that changes the
    # entry's data reloads it once itself.
    return True


async def async_unload_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Unload the platforms; once they are gone, the session closes (the panel has only 8 session slots).

    The coordinator closes the session and saves what it learnt through the entry's unload
    callbacks, which Home Assistant runs only when this returns True: if a platform fails to
    unload, its entities keep a working connection.
    """
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    if entry.disabled_by is not None:  # nothing will clear the panel's repair issues while it is disabled
        async_remove_repair_issues(hass, entry.entry_id)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Bring an entry to the current version; entries of the community integration are taken over."""
    return await migration.async_migrate_entry(hass, entry)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Forget everything kept for a deleted entry: its repair issues, stored files and per-entry state.

    Home Assistant calls this after unloading the entry, so nothing writes the stores again.
    """
    migration.async_remove_issues(hass, entry)
    async_remove_repair_issues(hass, entry.entry_id)
    forget_entry(entry.entry_id)
    for store in (cache_store(hass, entry.entry_id), log_store(hass, entry.entry_id)):
        await store.async_remove()


async def _async_learn_identity(hass: HomeAssistant, entry: Elke27ConfigEntry) -> None:
    """An entry taken over from the community integration whose panel has not told its MAC yet."""
    if (mac := await migration.async_ask_mac(entry.data[CONF_HOST])) is None:
        migration.async_issue_identity_unknown(hass, entry)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="identity_unknown",
            translation_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
        )
    if not migration.async_adopt_identity(hass, entry, mac):
        # Another entry already is this panel (a repair issue names it): retrying cannot help.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="duplicate_panel",
            translation_placeholders={"name": entry.title},
        )
