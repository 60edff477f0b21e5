"""Thermostat humidity and battery, wireless zone signal, alarm type and alarm cause sensors, against the emulated panel."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import state_of, wait_for

HUMIDITY = "sensor.hallway_thermostat_humidity"
HOUSE_CAUSE = "sensor.house_alarm_cause"
GARAGE_CAUSE = "sensor.garage_alarm_cause"
HOUSE_TYPE = "sensor.house_alarm_type"
GARAGE_TYPE = "sensor.garage_alarm_type"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "radio_details_before_platforms")
async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_signal_strength_is_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    entry = entity_registry.async_get("sensor.garage_motion_signal_strength")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert state_of(hass, "sensor.garage_motion_signal_strength") is None


async def test_humidity_pushed_by_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, HUMIDITY) == "42"
    panel.set_temperature(1, 70, humidity=57)
    await wait_for(hass, lambda: state_of(hass, HUMIDITY) == "57")


@pytest.mark.parametrize(
    ("alarm_type", "zone_id", "state", "cause"),
    [
        ("BURGLARY", 17, "burglary", "Garage Side Door"),
        ("FIRE", 7, "fire", "Kitchen Smoke"),
        ("CO", 8, "co", "Hallway CO"),
        ("WATER", 9, "water", "Basement Water"),
        ("PANIC", 11, "panic", "Bedroom Panic Button"),
        ("MEDICAL", 12, "medical", "Medical Pendant"),
        ("TAMPER", 13, "tamper", "Panel Box Tamper"),
        ("TEMPERATURE", 10, "temperature", "Attic Temperature"),
        ("FIRE", None, "fire", STATE_UNKNOWN),  # an alarm without a zone (a keypad's fire key)
    ],
)
async def test_alarm_type_and_cause(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    alarm_type: str,
    zone_id: int | None,
    state: str,
    cause: str,
) -> None:
    assert (state_of(hass, GARAGE_TYPE), state_of(hass, GARAGE_CAUSE)) == ("none", STATE_UNKNOWN)
    panel.trip_alarm(2, alarm_type, zone_id=zone_id)
    await wait_for(hass, lambda: state_of(hass, GARAGE_TYPE) == state)
    assert state_of(hass, GARAGE_CAUSE) == cause
    assert hass.states.get(GARAGE_CAUSE).attributes["active"] is True
    assert hass.states.get(GARAGE_TYPE).attributes["alarms"] == [state]
    assert (state_of(hass, HOUSE_TYPE), state_of(hass, HOUSE_CAUSE)) == ("none", STATE_UNKNOWN)


async def test_alarm_cause_is_the_same_in_every_language(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The recorded state is the panel's own name of the zone: nothing in it is put in the user's language."""
    hass.config.language = "fr"
    french = {"component.elke27.entity.sensor.alarm_type.state.burglary": "Cambriolage"}
    with patch("custom_components.elke27.texts.async_get_cached_translations", return_value=french):
        panel.trip_alarm(2, "BURGLARY", zone_id=17)
        await wait_for(hass, lambda: state_of(hass, GARAGE_TYPE) == "burglary")
        assert state_of(hass, GARAGE_CAUSE) == "Garage Side Door"
        assert hass.states.get(GARAGE_CAUSE).attributes["alarm_type"] == "burglary"


async def test_alarm_memory_outlives_the_disarm(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The panel keeps an alarm in memory after the disarm, until the next arming: so does the cause."""
    panel.trip_alarm(2, "BURGLARY", zone_id=17)
    await wait_for(hass, lambda: state_of(hass, GARAGE_CAUSE) == "Garage Side Door")

    panel.state.arm(2, "DISARMED")  # at the keypad
    await wait_for(hass, lambda: state_of(hass, GARAGE_TYPE) == "none")
    assert state_of(hass, GARAGE_CAUSE) == "Garage Side Door"
    attributes = hass.states.get(GARAGE_CAUSE).attributes
    assert (attributes["active"], attributes["alarm_type"], attributes["zone_id"]) == (False, "burglary", 17)
    type_attributes = hass.states.get(GARAGE_TYPE).attributes
    assert (type_attributes["alarms"], type_attributes["memory"]) == ([], ["burglary"])

    panel.state.arm(2, "ARMED_STAY", exit_delay_cancel=True)  # the panel clears its memory
    await wait_for(hass, lambda: state_of(hass, GARAGE_CAUSE) == STATE_UNKNOWN)
    assert hass.states.get(GARAGE_TYPE).attributes["memory"] == []


async def test_unavailable_while_the_link_is_down(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, HUMIDITY) == STATE_UNAVAILABLE)
    assert state_of(hass, HOUSE_CAUSE) == STATE_UNAVAILABLE


async def test_alarm_memory_keeps_its_zone_across_a_reload(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """After a reload the remembered alarm still names its zone (the panel's memory holds only the kind)."""
    panel.trip_alarm(1, "FIRE", zone_id=7)
    await wait_for(hass, lambda: state_of(hass, HOUSE_CAUSE) == "Kitchen Smoke")
    panel.state.arm(1, "DISARMED")
    await wait_for(hass, lambda: state_of(hass, HOUSE_TYPE) == "none")
    assert state_of(hass, HOUSE_CAUSE) == "Kitchen Smoke"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, HOUSE_CAUSE) == "Kitchen Smoke"
    assert hass.states.get(HOUSE_CAUSE).attributes["zone_id"] == 7

    panel.state.arm(1, "ARMED_STAY", exit_delay_cancel=True)  # the panel clears its memory
    await wait_for(hass, lambda: state_of(hass, HOUSE_CAUSE) == STATE_UNKNOWN)
