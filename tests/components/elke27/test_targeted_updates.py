"""A pushed change writes the states of the entities of the elements it changed, and no others."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.e27 import PanelEvent
from e27_emulator import EmulatorPanel

from .conftest import PANEL_MAC, state_of, wait_for

KITCHEN_WINDOW = "binary_sensor.house_kitchen_window"  # zone 4, area 1, not wireless
LIVING_ROOM_WINDOW = 3
KITCHEN_WINDOW_ZONE = 4


@pytest.fixture(autouse=True)
def _radio_details_first(radio_details_before_platforms: None) -> None:
    """The wireless zones' radio details arrive before the entities, not during a test's writes."""


@pytest.fixture
def writes() -> Iterator[list[str]]:
    """The entity id of every state write, in order."""
    written: list[str] = []
    original = Entity.async_write_ha_state

    def record(self: Entity) -> None:
        written.append(self.entity_id)
        original(self)

    with patch.object(Entity, "async_write_ha_state", record):
        yield written


def entities_of(hass: HomeAssistant, entry: MockConfigEntry, *keys: str, element_id: int) -> set[str]:
    """Entity ids of the entry's entities of one element: unique ids "<mac>_<key>_<id>" for the keys."""
    wanted = {f"{PANEL_MAC}_{key}_{element_id}" for key in keys}
    registry = er.async_get(hass)
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.unique_id in wanted and not entity.disabled
    }


async def test_zone_change_writes_only_that_zone(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, writes: list[str]
) -> None:
    # One window open first: the area is not ready, so opening another changes nothing but that zone.
    panel.state.open_zone(LIVING_ROOM_WINDOW)
    await wait_for(hass, lambda: hass.states.get("alarm_control_panel.house").attributes["ready"] is False)
    await hass.async_block_till_done()
    writes.clear()

    panel.state.open_zone(KITCHEN_WINDOW_ZONE)
    await wait_for(hass, lambda: state_of(hass, KITCHEN_WINDOW) == STATE_ON)
    await hass.async_block_till_done()

    assert set(writes) == {KITCHEN_WINDOW}
    assert set(writes) == entities_of(hass, init_integration, "zone", "zone_trouble", element_id=KITCHEN_WINDOW_ZONE)


async def test_area_change_writes_only_that_area(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, writes: list[str]
) -> None:
    writes.clear()
    panel.state.set_chime(1, True)
    await wait_for(hass, lambda: state_of(hass, "switch.house_chime") == STATE_ON)
    await hass.async_block_till_done()

    area_entities = entities_of(
        hass, init_integration, "area", "chime", "alarm_type", "alarm_cause", "area_trouble", element_id=1
    )
    assert "switch.house_chime" in writes
    assert set(writes) <= area_entities


async def test_changes_in_one_tick_write_once(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, writes: list[str]
) -> None:
    coordinator = init_integration.runtime_data
    assert coordinator.client is not None
    await hass.async_block_till_done()
    writes.clear()
    # Two messages read together (a burst) reach the coordinator in the same loop tick.
    for _ in range(2):
        coordinator._async_on_event(PanelEvent(frozenset({("zone", KITCHEN_WINDOW_ZONE)})))
    await hass.async_block_till_done()
    assert writes == [KITCHEN_WINDOW]


async def test_state_is_right_after_a_burst(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    for _ in range(25):
        panel.state.open_zone(KITCHEN_WINDOW_ZONE)
        panel.state.close_zone(KITCHEN_WINDOW_ZONE)
        panel.state.open_zone(LIVING_ROOM_WINDOW)
        panel.state.close_zone(LIVING_ROOM_WINDOW)
    panel.state.open_zone(KITCHEN_WINDOW_ZONE)
    await wait_for(hass, lambda: state_of(hass, KITCHEN_WINDOW) == STATE_ON)
    await wait_for(hass, lambda: hass.states.get("alarm_control_panel.house").attributes["ready"] is False)
    panel.state.close_zone(KITCHEN_WINDOW_ZONE)
    await wait_for(hass, lambda: hass.states.get("alarm_control_panel.house").attributes["ready"] is True)
    assert state_of(hass, KITCHEN_WINDOW) == STATE_OFF
    assert state_of(hass, "binary_sensor.house_living_room_window") == STATE_OFF
    assert init_integration.runtime_data.data == init_integration.runtime_data.client.panel


async def test_zone_battery_shows_in_area_troubles(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The area's trouble sensor names the zones concerned: a second zone's battery shows without an area change."""
    panic, pendant = 11, 12  # wireless, area 1
    sensor = "binary_sensor.house_trouble"
    panel.state.set_low_battery(panic)
    await wait_for(hass, lambda: state_of(hass, sensor) == STATE_ON)
    await wait_for(hass, lambda: hass.states.get(sensor).attributes["zones"] == ["Bedroom Panic Button"])
    assert hass.states.get(sensor).attributes["troubles"] == ["zone_low_battery"]
    panel.state.set_low_battery(pendant)
    both = ["Bedroom Panic Button", "Medical Pendant"]
    await wait_for(hass, lambda: hass.states.get(sensor).attributes["zones"] == both)
    general = hass.states.get("binary_sensor.test_house_trouble").attributes["zones"]
    assert {"House Bedroom Panic Button", "House Medical Pendant"} <= set(general)
