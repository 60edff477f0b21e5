"""Zones, zone diagnostics, panel troubles and the connection as binary sensors, against the emulated panel."""

from __future__ import annotations

import pytest
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import state_of, wait_for

MOTION = "binary_sensor.house_hallway_motion"
WINDOW_TROUBLE = "binary_sensor.house_kitchen_window_trouble"
GARAGE_MOTION_BATTERY = "binary_sensor.garage_motion_battery"
TROUBLE = "binary_sensor.test_house_trouble"
AC_POWER = "binary_sensor.test_house_ac_power"
BATTERY = "binary_sensor.test_house_battery"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BINARY_SENSOR]


@pytest.mark.usefixtures("radio_details_before_platforms")
async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_zone_follows_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, MOTION) == STATE_OFF
    panel.open_zone(5)
    await wait_for(hass, lambda: state_of(hass, MOTION) == STATE_ON)
    panel.close_zone(5)
    await wait_for(hass, lambda: state_of(hass, MOTION) == STATE_OFF)


async def test_zone_trouble_and_tamper(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, WINDOW_TROUBLE) == STATE_OFF
    panel.set_zone_trouble(4)  # a cut wire
    await wait_for(hass, lambda: state_of(hass, WINDOW_TROUBLE) == STATE_ON)
    panel.set_zone_trouble(4, False)
    await wait_for(hass, lambda: state_of(hass, WINDOW_TROUBLE) == STATE_OFF)
    panel.set_zone_tamper(4)
    await wait_for(hass, lambda: state_of(hass, WINDOW_TROUBLE) == STATE_ON)


async def test_zone_low_battery(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert state_of(hass, GARAGE_MOTION_BATTERY) == STATE_ON  # low in the demo house
    assert state_of(hass, TROUBLE) == STATE_ON  # the panel reports the zone's trouble too

    panel.set_low_battery(18, False)  # battery replaced
    await wait_for(hass, lambda: state_of(hass, GARAGE_MOTION_BATTERY) == STATE_OFF)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_OFF)

    panel.set_low_battery(18)
    await wait_for(hass, lambda: state_of(hass, GARAGE_MOTION_BATTERY) == STATE_ON)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_ON)


@pytest.mark.parametrize(
    ("trouble", "ac_power", "battery"),
    [
        ("AC Fail", STATE_OFF, STATE_OFF),
        ("Low Battery", STATE_ON, STATE_ON),
        ("Backup Battery Low", STATE_ON, STATE_ON),  # "Backup" holds the letters "ac"
        ("Phone Line", STATE_ON, STATE_OFF),
    ],
)
async def test_system_troubles(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    trouble: str,
    ac_power: str,
    battery: str,
) -> None:
    panel.set_low_battery(18, False)  # start without any trouble
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_OFF)
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (STATE_ON, STATE_OFF)

    panel.set_trouble(trouble)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_ON)
    assert hass.states.get(TROUBLE).attributes["troubles"] == [trouble]
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (ac_power, battery)

    panel.set_trouble(trouble, False)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_OFF)
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (STATE_ON, STATE_OFF)
