"""Thermostat humidity and battery, wireless zone signal and alarm cause sensors, against the emulated panel."""

from __future__ import annotations

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


async def test_alarm_cause_follows_the_alarm(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, GARAGE_CAUSE) == STATE_UNKNOWN
    panel.trip_alarm(2, "BURGLARY", zone_id=17)
    await wait_for(hass, lambda: state_of(hass, GARAGE_CAUSE) == "Garage Side Door")
    assert state_of(hass, HOUSE_CAUSE) == STATE_UNKNOWN

    panel.state.arm(2, "DISARMED")  # at the keypad
    await wait_for(hass, lambda: state_of(hass, GARAGE_CAUSE) == STATE_UNKNOWN)


async def test_unavailable_while_the_link_is_down(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, HUMIDITY) == STATE_UNAVAILABLE)
    assert state_of(hass, HOUSE_CAUSE) == STATE_UNAVAILABLE
