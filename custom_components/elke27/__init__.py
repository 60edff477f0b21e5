"""The Elk E27 integration: one push-connected panel per config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType

from . import migration
from .const import CONF_MAC, DOMAIN, LOGGER
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .discovery import async_setup_discovery
from .entity import panel_device
from .services import async_setup_services

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
    if CONF_MAC not in entry.data and not await _async_learn_identity(hass, entry):
        return False
    coordinator = Elke27Coordinator(hass, entry)
    await coordinator.async_start()
    entry.runtime_data = coordinator
    # The panel device first: the devices of areas, lights, … are attached to it (via_device_id).
    panel = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **panel_device(coordinator))
    coordinator.panel_device_id = panel.id
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_remove_stale(hass, entry, coordinator)
    # No update listener: the options are read when used, and every flow that changes the
    # entry's data reloads it once itself.
    return True


async def async_unload_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Unload the platforms and close the session (the panel has only 8 session slots)."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    await entry.runtime_data.async_shutdown()
    return unloaded


async def async_migrate_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Bring an entry to the current version; entries of the community integration are taken over."""
    return await migration.async_migrate_entry(hass, entry)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Forget the repair issues about a deleted entry."""
    migration.async_remove_issues(hass, entry)


async def _async_learn_identity(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """An entry taken over from the community integration whose panel has not told its MAC yet."""
    if (mac := await migration.async_ask_mac(entry.data[CONF_HOST])) is None:
        migration.async_issue_identity_unknown(hass, entry)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="identity_unknown",
            translation_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
        )
    return migration.async_adopt_identity(hass, entry, mac)


def _async_remove_stale(hass: HomeAssistant, entry: Elke27ConfigEntry, coordinator: Elke27Coordinator) -> None:
    """Remove entities and devices of elements that no longer exist on the panel."""
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        if not coordinator.entity_is_current(entity.unique_id):
            LOGGER.debug("Removing %s, gone from the panel", entity.entity_id)
            entities.async_remove(entity.entity_id)
    registry = dr.async_get(hass)
    wanted = coordinator.device_identifiers()
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not any(identifier in wanted for identifier in device.identifiers):
            LOGGER.debug("Removing device %s, gone from the panel", device.name)
            registry.async_remove_device(device.id)
