"""What the trouble is, on the device page: translated enum states, the same in every language."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import PANEL_MAC, state_of, wait_for

PANEL = "sensor.test_house_trouble_type"
HOUSE = "sensor.house_trouble_type"
GARAGE = "sensor.garage_trouble_type"
GARAGE_MOTION = "sensor.garage_motion_trouble_type"
KITCHEN_WINDOW = "sensor.house_kitchen_window_trouble_type"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.SENSOR]


def _options(hass: HomeAssistant, entity_id: str) -> list[str]:
    return list(hass.states.get(entity_id).attributes["options"])


async def test_each_sits_on_its_element_device(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    entities, devices = er.async_get(hass), dr.async_get(hass)
    for entity_id, identifier in (
        (PANEL, PANEL_MAC),
        (GARAGE, f"{PANEL_MAC}_area_2"),
        (GARAGE_MOTION, f"{PANEL_MAC}_zone_18"),
    ):
        device = devices.async_get(entities.async_get(entity_id).device_id)
        assert (DOMAIN, identifier) in device.identifiers, entity_id
        assert entities.async_get(entity_id).entity_category == "diagnostic"


async def test_a_zone_and_its_area_say_low_battery(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The demo's garage motion sensor has a low battery: its device and the Garage's say so."""
    await wait_for(hass, lambda: state_of(hass, GARAGE_MOTION) == "low_battery")
    assert state_of(hass, GARAGE) == "zone_low_battery"
    assert state_of(hass, HOUSE) == "none"
    panel.set_low_battery(18, False)  # battery replaced
    await wait_for(hass, lambda: (state_of(hass, GARAGE_MOTION), state_of(hass, GARAGE)) == ("none", "none"))
    assert hass.states.get(GARAGE).attributes["troubles"] == []


async def test_several_troubles_are_multiple_and_listed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, KITCHEN_WINDOW) == "none"
    panel.set_zone_trouble(4)  # a cut wire
    await wait_for(hass, lambda: state_of(hass, KITCHEN_WINDOW) == "trouble")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == "zone_trouble")
    panel.set_zone_tamper(18)  # the garage motion sensor, whose battery is low, is opened
    # The bulk status first says "trouble" (it cannot tell a tamper); the zone's own status read then says which.
    await wait_for(hass, lambda: hass.states.get(GARAGE_MOTION).attributes["troubles"] == ["tamper", "low_battery"])
    assert state_of(hass, GARAGE_MOTION) == "multiple"
    panel.set_trouble("Siren Fault", area_id=1)  # words the integration does not know
    await wait_for(hass, lambda: state_of(hass, HOUSE) == "multiple")
    assert sorted(hass.states.get(HOUSE).attributes["troubles"]) == ["other", "zone_trouble"]
    for entity_id in (KITCHEN_WINDOW, HOUSE, GARAGE_MOTION):
        assert state_of(hass, entity_id) in _options(hass, entity_id)


@pytest.mark.parametrize(
    ("trouble", "state"),
    [
        ("AC Fail", "ac_power_lost"),
        ("Backup Battery Low", "battery_low"),
        ("Phone Line", "phone_line"),
        ("Communication Failure", "communication"),
        ("Clock Not Set", "clock_not_set"),
        ("Siren Supervision", "other"),
    ],
)
async def test_panel_trouble_type(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, trouble: str, state: str
) -> None:
    panel.set_low_battery(18, False)  # start without any trouble
    await wait_for(hass, lambda: state_of(hass, PANEL) == "none")
    panel.set_trouble(trouble)
    await wait_for(hass, lambda: state_of(hass, PANEL) == state)
    assert state in _options(hass, PANEL)
    panel.set_trouble(trouble, False)
    await wait_for(hass, lambda: state_of(hass, PANEL) == "none")


async def test_states_do_not_change_with_the_language(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """Recorded states are keys; the words are the frontend's translations."""
    await hass.config.async_update(language="de")
    panel.set_low_battery(18, False)
    panel.set_trouble("AC Fail")
    await wait_for(hass, lambda: state_of(hass, PANEL) == "ac_power_lost")
    panel.set_low_battery(18)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == "zone_low_battery")


async def test_the_panel_says_what_its_trouble_sensor_counts(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The panel's device shows Trouble for an area's trouble too: its Trouble type names that trouble."""
    await wait_for(hass, lambda: state_of(hass, PANEL) == "zone_low_battery")  # the Garage's motion sensor
    panel.set_trouble("AC Fail")
    await wait_for(hass, lambda: state_of(hass, PANEL) == "multiple")
    assert hass.states.get(PANEL).attributes["troubles"] == ["ac_power_lost", "zone_low_battery"]
    panel.set_low_battery(18, False)
    await wait_for(hass, lambda: state_of(hass, PANEL) == "ac_power_lost")
