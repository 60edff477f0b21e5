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
HOUSE_TROUBLE = "binary_sensor.house_trouble"
GARAGE_TROUBLE = "binary_sensor.garage_trouble"
MAINS = "binary_sensor.house_mains_power_monitor"
DOORBELL = "binary_sensor.house_doorbell"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BINARY_SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "radio_details_before_platforms")
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


async def test_zone_trouble_is_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """One trouble sensor per area names the zones; the per-zone ones are there for those who want them."""
    zone_troubles = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
        if entry.translation_key == "zone_trouble"
    ]
    assert len(zone_troubles) == 18
    assert all(entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION for entry in zone_troubles)
    assert state_of(hass, WINDOW_TROUBLE) is None
    assert state_of(hass, HOUSE_TROUBLE) == STATE_OFF


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
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
    await wait_for(hass, lambda: hass.states.get(HOUSE_TROUBLE).attributes["troubles"] == ["zone_tamper"])
    assert hass.states.get(HOUSE_TROUBLE).attributes["zones"] == ["Kitchen Window"]
    assert state_of(hass, HOUSE_TROUBLE) == STATE_ON


async def test_area_trouble_names_the_zones(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The demo's garage motion sensor has a low battery: the Garage says which, the panel's sensor says where.

    Troubles are recorded by kind (the frontend names them in the user's language) and zones by
    the panel's names: nothing recorded changes with the language.
    """
    assert state_of(hass, GARAGE_TROUBLE) == STATE_ON
    garage = hass.states.get(GARAGE_TROUBLE).attributes
    assert (garage["troubles"], garage["zones"]) == (["zone_low_battery"], ["Motion"])
    general = hass.states.get(TROUBLE).attributes
    assert (general["troubles"], general["areas"], general["zones"]) == (
        ["zone_low_battery"],
        ["Garage"],
        ["Garage Motion"],
    )
    panel.set_zone_trouble(3)
    panel.set_zone_trouble(4)
    panel.set_trouble("Siren Fault", area_id=1)
    await wait_for(hass, lambda: len(hass.states.get(HOUSE_TROUBLE).attributes["troubles"]) == 2)
    house = hass.states.get(HOUSE_TROUBLE).attributes
    assert house["troubles"] == ["Siren Fault", "zone_trouble"]  # one not recognised: as the panel wrote it
    assert house["zones"] == ["Living Room Window", "Kitchen Window"]
    general = hass.states.get(TROUBLE).attributes
    assert general["troubles"] == ["Siren Fault", "zone_trouble", "zone_low_battery"]
    assert general["areas"] == ["House", "Garage"]
    assert general["zones"] == ["House Living Room Window", "House Kitchen Window", "Garage Motion"]


async def test_power_supervision_and_doorbell_zones(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(MAINS).attributes["device_class"] == "power"
    assert state_of(hass, MAINS) == STATE_ON  # power present
    panel.open_zone(16)  # the supervised supply fails
    await wait_for(hass, lambda: state_of(hass, MAINS) == STATE_OFF)
    doorbell = hass.states.get(DOORBELL)
    assert doorbell.attributes["friendly_name"] == "House Doorbell"
    assert "device_class" not in doorbell.attributes


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
    ("trouble", "ac_power", "battery", "kind"),
    [
        ("AC Fail", STATE_OFF, STATE_OFF, "ac_power_lost"),
        ("Low Battery", STATE_ON, STATE_ON, "battery_low"),
        ("Backup Battery Low", STATE_ON, STATE_ON, "battery_low"),  # "Backup" holds the letters "ac"
        ("Phone Line", STATE_ON, STATE_OFF, "phone_line"),
        ("Communication Failure", STATE_ON, STATE_OFF, "communication"),
        ("Clock Not Set", STATE_ON, STATE_OFF, "clock_not_set"),
        ("Siren Supervision", STATE_ON, STATE_OFF, "Siren Supervision"),  # not recognised: the panel's words
    ],
)
async def test_system_troubles(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    trouble: str,
    ac_power: str,
    battery: str,
    kind: str,
) -> None:
    panel.set_low_battery(18, False)  # start without any trouble
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_OFF)
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (STATE_ON, STATE_OFF)

    panel.set_trouble(trouble)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_ON)
    assert hass.states.get(TROUBLE).attributes["troubles"] == [kind]
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (ac_power, battery)

    panel.set_trouble(trouble, False)
    await wait_for(hass, lambda: state_of(hass, TROUBLE) == STATE_OFF)
    assert (state_of(hass, AC_POWER), state_of(hass, BATTERY)) == (STATE_ON, STATE_OFF)
