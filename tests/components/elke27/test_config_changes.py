"""Configuration changed on the panel reaches Home Assistant live: renames, new and removed elements, no reload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from homeassistant.const import ATTR_FRIENDLY_NAME, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import DOMAIN
from e27_emulator import EmulatorPanel, PanelState

from .conftest import FAST_CLIENT, PANEL_MAC, client_options, state_of, wait_for

FRONT_DOOR = "binary_sensor.house_front_door"
DIMMER = "light.living_room_dimmer"
PORCH_RELAY = "switch.test_house_porch_relay"
HUMIDITY = "sensor.hallway_thermostat_humidity"


@pytest.fixture(autouse=True)
def _quick_configuration_checks() -> Iterator[None]:
    """Check the panel's configuration checksums every 50 ms instead of every minute."""
    with client_options(**FAST_CLIENT, config_check_interval=0.05):
        yield


def friendly_name(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.attributes.get(ATTR_FRIENDLY_NAME) if state is not None else None


def _device(device_registry: dr.DeviceRegistry, kind: str, element_id: int) -> dr.DeviceEntry | None:
    devices = device_registry.async_get_devices(identifiers={(DOMAIN, f"{PANEL_MAC}_{kind}_{element_id}")})
    return next(iter(devices), None)


def _unavailable_log(hass: HomeAssistant) -> list[str]:
    """Entity ids that went unavailable from now on."""
    seen: list[str] = []

    def _on_change(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == STATE_UNAVAILABLE:
            seen.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", _on_change)
    return seen


async def test_renamed_on_the_panel_renames_devices_and_entities(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    coordinator = init_integration.runtime_data
    panel.change_config("zone", 1, name="Main Entrance")
    panel.change_config("output", 3, name="Gate Relay")
    panel.change_config("light", 2, name="Den Dimmer")
    panel.change_config("area", 1, name="Home")
    await wait_for(hass, lambda: friendly_name(hass, DIMMER) == "Den Dimmer")
    await wait_for(hass, lambda: friendly_name(hass, PORCH_RELAY) == "Test House Gate Relay")
    await wait_for(hass, lambda: friendly_name(hass, FRONT_DOOR) == "Home Main Entrance")
    light, area = _device(device_registry, "light", 2), _device(device_registry, "area", 1)
    assert light is not None
    assert area is not None
    assert (light.name, area.name) == ("Den Dimmer", "Home")
    assert init_integration.runtime_data is coordinator  # no reload


async def test_a_name_given_in_home_assistant_wins(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    light = _device(device_registry, "light", 2)
    assert light is not None
    device_registry.async_update_device(light.id, name_by_user="Reading Lamp")
    entity_registry.async_update_entity(FRONT_DOOR, name="Entrance")
    entity_registry.async_update_entity(PORCH_RELAY, name="Relay")
    await hass.async_block_till_done()
    panel.change_config("light", 2, name="Den Dimmer")
    panel.change_config("zone", 1, name="Main Entrance")
    panel.change_config("output", 3, name="Gate Relay")
    await wait_for(
        hass, lambda: (device := _device(device_registry, "light", 2)) is not None and device.name == "Den Dimmer"
    )
    await wait_for(
        hass,
        lambda: (device := _device(device_registry, "zone", 1)) is not None and device.name == "House Main Entrance",
    )
    await hass.async_block_till_done()
    assert friendly_name(hass, DIMMER) == "Reading Lamp"
    assert friendly_name(hass, FRONT_DOOR) == "Entrance"
    assert friendly_name(hass, PORCH_RELAY) == "Relay"


async def test_elements_added_and_removed_come_and_go_without_a_reload(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    coordinator = init_integration.runtime_data
    unavailable = _unavailable_log(hass)
    panel.change_config("zone", 19, name="Shed Door", area=2, definition="BURG PERIM INST", zone_type="DOOR")
    panel.change_config("light", 3, name="Shed Light", area=2)
    panel.change_config("light", 2, remove=True)
    panel.change_config("output", 4, remove=True)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.garage_shed_door") == "off")
    await wait_for(hass, lambda: state_of(hass, "light.shed_light") is not None)
    await wait_for(hass, lambda: entity_registry.async_get(DIMMER) is None)
    await wait_for(hass, lambda: entity_registry.async_get("switch.test_house_sprinkler_valve") is None)
    await hass.async_block_till_done()
    assert hass.states.get(DIMMER) is None
    assert _device(device_registry, "light", 2) is None
    assert _device(device_registry, "light", 3) is not None
    assert init_integration.runtime_data is coordinator  # no reload
    assert unavailable == []  # every other entity stayed as it was
    # Removed and added again: it comes back.
    panel.change_config("light", 2, name="Living Room Dimmer", area=1)
    await wait_for(hass, lambda: state_of(hass, DIMMER) is not None)


async def test_thermostat_readings_missing_at_setup_keep_and_regain_their_sensors(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    panel_state: PanelState,
    linked_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    linked_entry.add_to_hass(hass)
    # The humidity sensor existed before; this time the thermostat reports no humidity (0) at setup.
    entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{PANEL_MAC}_humidity_1",
        config_entry=linked_entry,
        suggested_object_id="hallway_thermostat_humidity",
    )
    panel_state.tstats[1].humidity = 0
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get(HUMIDITY) is not None  # not deleted for one missing reading
    assert state_of(hass, HUMIDITY) == STATE_UNKNOWN
    panel.set_temperature(1, 71, humidity=45)
    await wait_for(hass, lambda: state_of(hass, HUMIDITY) == "45")


async def test_a_thermostat_reading_that_appears_later_gets_its_sensor(
    hass: HomeAssistant, panel: EmulatorPanel, panel_state: PanelState, linked_entry: MockConfigEntry
) -> None:
    panel_state.tstats[1].humidity = 0
    linked_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(HUMIDITY) is None
    panel.set_temperature(1, 71, humidity=45)
    await wait_for(hass, lambda: state_of(hass, HUMIDITY) == "45")


@pytest.fixture
def _no_configuration_checks() -> Iterator[None]:
    with client_options(**FAST_CLIENT, config_check_interval=None):
        yield


@pytest.mark.usefixtures("_no_configuration_checks")
async def test_a_rename_found_at_a_reconnect_is_followed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    client = init_integration.runtime_data.client
    assert client is not None
    before = client.last_bootstrap
    panel.change_config("zone", 1, name="Main Entrance")
    panel.change_config("output", 3, name="Gate Relay")
    await panel.drop_connections()  # the client compares the checksums again when it reconnects
    await wait_for(hass, lambda: client.connected and client.last_bootstrap is not before)
    await wait_for(hass, lambda: friendly_name(hass, FRONT_DOOR) == "House Main Entrance")
    assert friendly_name(hass, PORCH_RELAY) == "Test House Gate Relay"


async def test_a_zone_added_later_is_named_in_the_troubles(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """A zone the panel adds after setup is followed by the area's and the panel's trouble sensors, without a reload."""
    garage, panel_trouble = "binary_sensor.garage_trouble", "binary_sensor.test_house_trouble"
    assert hass.states.get(garage).attributes["zones"] == ["Motion"]
    panel.change_config(
        "zone", 19, name="Shed Door", area=2, definition="BURG PERIM INST", zone_type="DOOR", wireless=True
    )
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.garage_shed_door") == "off")
    # The Garage already reports a low battery: only the new zone's status changes.
    panel.set_low_battery(19)
    await wait_for(hass, lambda: hass.states.get(garage).attributes["zones"] == ["Motion", "Shed Door"])
    await wait_for(hass, lambda: "Garage Shed Door" in hass.states.get(panel_trouble).attributes["zones"])


async def test_an_area_added_later_counts_in_the_panels_trouble_type(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The panel's Trouble type names the troubles of an area the panel adds after setup, without a reload."""
    panel_type = "sensor.test_house_trouble_type"
    panel.set_low_battery(18, False)
    await wait_for(hass, lambda: state_of(hass, panel_type) == "none")
    panel.change_config("area", 3, name="Shed")
    await wait_for(hass, lambda: state_of(hass, "sensor.shed_trouble_type") == "none")
    panel.set_trouble("Siren Fault", area_id=3)
    await wait_for(hass, lambda: state_of(hass, panel_type) == "other")
