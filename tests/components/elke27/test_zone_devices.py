"""Every zone is a device of its own, connected via its area's device; older registries move to them."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import PANEL_MAC, wait_for

GARAGE_MOTION = "binary_sensor.garage_motion"
GARAGE_MOTION_BATTERY = "binary_sensor.garage_motion_battery"
GARAGE_MOTION_SIGNAL = "sensor.garage_motion_signal_strength"
WINDOW = "binary_sensor.house_living_room_window"
WINDOW_TROUBLE = "binary_sensor.house_living_room_window_trouble"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BINARY_SENSOR, Platform.SENSOR]


def _device_of(hass: HomeAssistant, entity_id: str) -> dr.DeviceEntry:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.device_id is not None
    device = dr.async_get(hass).async_get(entry.device_id)
    assert device is not None
    return device


def _area_device(hass: HomeAssistant, entry: MockConfigEntry, area_id: int) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{PANEL_MAC}_area_{area_id}"), entry.entry_id)
    assert device is not None
    return device


@pytest.mark.usefixtures("radio_details_before_platforms")
async def test_a_wireless_zone_is_a_device_with_its_battery(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The battery page names the sensor ("Garage Motion"), not the area."""
    device = _device_of(hass, GARAGE_MOTION_BATTERY)
    assert (device.name, device.model) == ("Garage Motion", "Wireless zone")
    assert device.via_device_id == _area_device(hass, init_integration, 2).id
    assert _device_of(hass, GARAGE_MOTION).id == device.id
    assert hass.states.get(GARAGE_MOTION_BATTERY).attributes["friendly_name"] == "Garage Motion Battery"
    assert hass.states.get(GARAGE_MOTION).attributes["friendly_name"] == "Garage Motion"


async def test_a_zone_revealed_as_wireless_after_setup_gets_its_battery_on_its_device(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """A fresh configuration download learns the radio details after setup: the device is the same."""
    await wait_for(hass, lambda: hass.states.get(GARAGE_MOTION_BATTERY) is not None)
    device = _device_of(hass, GARAGE_MOTION_BATTERY)
    assert _device_of(hass, GARAGE_MOTION).id == device.id
    assert device.model == "Wireless zone"


async def test_a_wired_zone_is_a_device_too(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    device = _device_of(hass, WINDOW)
    assert (device.name, device.model) == ("House Living Room Window", "Zone")
    assert device.via_device_id == _area_device(hass, init_integration, 1).id
    assert _device_of(hass, WINDOW_TROUBLE).id == device.id
    assert hass.states.get(WINDOW).attributes["friendly_name"] == "House Living Room Window"


async def test_zone_entities_on_the_area_device_move_to_their_zone_devices(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """A registry written when zones lived on their area's device: same entity ids, same names, new devices."""
    linked_entry.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    area = devices.async_get_or_create(
        config_entry_id=linked_entry.entry_id, identifiers={(DOMAIN, f"{PANEL_MAC}_area_2")}, name="Garage"
    )
    outside = ar.async_get(hass).async_create("Outbuildings")
    area = devices.async_update_device(area.id, area_id=outside.id)
    old = {
        (GARAGE_MOTION, "binary_sensor", f"{PANEL_MAC}_zone_18"),
        (GARAGE_MOTION_BATTERY, "binary_sensor", f"{PANEL_MAC}_zone_low_battery_18"),
        (GARAGE_MOTION_SIGNAL, "sensor", f"{PANEL_MAC}_zone_signal_18"),
        ("binary_sensor.my_renamed_side_door", "binary_sensor", f"{PANEL_MAC}_zone_17"),
    }
    for entity_id, domain, unique_id in old:
        entities.async_get_or_create(
            domain,
            DOMAIN,
            unique_id,
            suggested_object_id=entity_id.split(".", 1)[1],
            config_entry=linked_entry,
            device_id=area.id,
        )
    entities.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{PANEL_MAC}_zone_trouble_18",
        suggested_object_id="garage_motion_trouble",
        config_entry=linked_entry,
        device_id=area.id,
        disabled_by=er.RegistryEntryDisabler.INTEGRATION,
    )
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    moved = (GARAGE_MOTION_BATTERY, GARAGE_MOTION_SIGNAL)  # added once the radio details are in
    await wait_for(hass, lambda: all(entities.async_get(entity_id).device_id != area.id for entity_id in moved))

    motion = _device_of(hass, GARAGE_MOTION)
    assert motion.identifiers == {(DOMAIN, f"{PANEL_MAC}_zone_18")}
    assert motion.via_device_id == area.id
    assert motion.area_id == outside.id  # the zone stays in the Home Assistant area it was in
    for entity_id in (GARAGE_MOTION_BATTERY, GARAGE_MOTION_SIGNAL):
        assert entities.async_get(entity_id).device_id == motion.id
    side_door = _device_of(hass, "binary_sensor.my_renamed_side_door")
    assert side_door.name == "Garage Side Door"
    assert hass.states.get("binary_sensor.my_renamed_side_door") is not None
    # A disabled entity (zone trouble is disabled by default) moves too.
    assert entities.async_get("binary_sensor.garage_motion_trouble").device_id == motion.id
    on_area = [entry for entry in entities.entities.values() if entry.device_id == area.id]
    assert not [entry.entity_id for entry in on_area if entry.unique_id.startswith(f"{PANEL_MAC}_zone")]
    # The area's device stays, with what belongs to the area.
    assert devices.async_get(area.id) is not None


async def test_a_zone_removed_from_the_panel_takes_its_device(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    devices = dr.async_get(hass)
    identifier = (DOMAIN, f"{PANEL_MAC}_zone_4")
    assert devices.async_get_device_by_identifier(identifier, init_integration.entry_id) is not None
    panel.change_config("zone", 4, remove=True)  # the installer deletes the kitchen window
    await panel.drop_connections()  # the client re-reads the configuration checksums on reconnect
    await wait_for(hass, lambda: devices.async_get_device_by_identifier(identifier, init_integration.entry_id) is None)
    assert (
        devices.async_get_device_by_identifier((DOMAIN, f"{PANEL_MAC}_zone_3"), init_integration.entry_id) is not None
    )


async def test_a_zone_of_no_configured_area_hangs_on_the_panel_device(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """A zone the panel assigns to an area it has not configured still gets its device, connected via the panel's."""
    panel.state.zones[3].area = 7  # the demo panel configures areas 1 and 2 only
    linked_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, f"{PANEL_MAC}_zone_3")
    assert entity_id is not None
    device = _device_of(hass, entity_id)
    hub = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, PANEL_MAC), linked_entry.entry_id)
    assert hub is not None
    assert device.via_device_id == hub.id
    assert device.name == "Living Room Window"
