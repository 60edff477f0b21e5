"""The Elk E27 integration: one push-connected panel per config entry."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, LOGGER
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .entity import panel_device
from .services import async_setup_services

PLATFORMS = [
    Platform.ALARM_CONTROL_PANEL,
    Platform.BINARY_SENSOR,
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
    """Register the integration's actions once, whatever the number of panels."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Connect to the panel, bootstrap its model and set up the platforms."""
    coordinator = Elke27Coordinator(hass, entry)
    await coordinator.async_start()
    entry.runtime_data = coordinator
    # The panel device first: the devices of areas, lights, … are attached to it (via_device_id).
    panel = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **panel_device(coordinator))
    coordinator.panel_device_id = panel.id
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_remove_stale(hass, entry, coordinator)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Unload the platforms and close the session (the panel has only 8 session slots)."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    await entry.runtime_data.async_shutdown()
    return unloaded


async def async_migrate_entry(hass: HomeAssistant, entry: Elke27ConfigEntry) -> bool:
    """Entries from a newer version cannot be read by this one."""
    if entry.version > 1:
        LOGGER.error("Cannot downgrade the %s configuration from version %s", entry.title, entry.version)
        return False
    return True


async def _async_options_updated(hass: HomeAssistant, entry: Elke27ConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


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
