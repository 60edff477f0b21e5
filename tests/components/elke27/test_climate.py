"""The thermostat as a climate entity (whole °F on the panel), against the emulated panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_system import METRIC_SYSTEM, US_CUSTOMARY_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import link_drops_during, state_of, wait_for

TSTAT = "climate.hallway_thermostat"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.CLIMATE]


@pytest.fixture(autouse=True)
def _fahrenheit(hass: HomeAssistant) -> Iterator[None]:
    """Show the panel's own unit, so the numbers in these tests are the panel's."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    yield
    hass.config.units = METRIC_SYSTEM


async def _climate(hass: HomeAssistant, service: str, **data: Any) -> None:
    await hass.services.async_call("climate", service, {"entity_id": TSTAT, **data}, blocking=True)


def _attr(hass: HomeAssistant, name: str) -> Any:
    return hass.states.get(TSTAT).attributes.get(name)


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_set_hvac_mode(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    tstat = panel.state.tstats[1]
    assert state_of(hass, TSTAT) == HVACMode.HEAT
    assert _attr(hass, ATTR_TEMPERATURE) == 68

    await _climate(hass, "set_hvac_mode", hvac_mode=HVACMode.COOL)
    assert tstat.mode == "COOL"
    assert state_of(hass, TSTAT) == HVACMode.COOL
    assert _attr(hass, ATTR_TEMPERATURE) == 76  # the cool setpoint now

    await _climate(hass, "set_hvac_mode", hvac_mode=HVACMode.HEAT_COOL)
    assert tstat.mode == "AUTO"
    assert state_of(hass, TSTAT) == HVACMode.HEAT_COOL
    assert _attr(hass, ATTR_TEMPERATURE) is None
    assert (_attr(hass, ATTR_TARGET_TEMP_LOW), _attr(hass, ATTR_TARGET_TEMP_HIGH)) == (68, 76)


async def test_turn_off_and_on(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _climate(hass, "turn_off")
    assert panel.state.tstats[1].mode == "OFF"
    assert state_of(hass, TSTAT) == HVACMode.OFF
    await _climate(hass, "turn_on")
    assert panel.state.tstats[1].mode == "AUTO"
    assert state_of(hass, TSTAT) == HVACMode.HEAT_COOL


async def test_set_fan_mode(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert _attr(hass, ATTR_FAN_MODE) == "auto"
    await _climate(hass, "set_fan_mode", fan_mode="on")
    assert panel.state.tstats[1].fan_mode == "ON"
    assert _attr(hass, ATTR_FAN_MODE) == "on"
    await _climate(hass, "set_fan_mode", fan_mode="auto")
    assert panel.state.tstats[1].fan_mode == "AUTO"
    assert _attr(hass, ATTR_FAN_MODE) == "auto"


async def test_set_temperature_sets_the_setpoint_of_the_mode(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    tstat = panel.state.tstats[1]
    await _climate(hass, "set_temperature", temperature=70)
    assert (tstat.heat_setpoint, tstat.cool_setpoint) == (70, 76)
    assert _attr(hass, ATTR_TEMPERATURE) == 70

    await _climate(hass, "set_hvac_mode", hvac_mode=HVACMode.COOL)
    await _climate(hass, "set_temperature", temperature=74.4)  # the panel works in whole degrees
    assert (tstat.heat_setpoint, tstat.cool_setpoint) == (70, 74)
    assert _attr(hass, ATTR_TEMPERATURE) == 74


async def test_set_temperature_range_in_heat_cool(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    tstat = panel.state.tstats[1]
    await _climate(hass, "set_hvac_mode", hvac_mode=HVACMode.HEAT_COOL)
    await _climate(hass, "set_temperature", target_temp_low=65, target_temp_high=79)
    assert (tstat.mode, tstat.heat_setpoint, tstat.cool_setpoint) == ("AUTO", 65, 79)
    assert (_attr(hass, ATTR_TARGET_TEMP_LOW), _attr(hass, ATTR_TARGET_TEMP_HIGH)) == (65, 79)


async def test_set_temperature_with_a_mode(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    tstat = panel.state.tstats[1]
    await _climate(hass, "set_temperature", hvac_mode=HVACMode.COOL, temperature=75)
    assert (tstat.mode, tstat.heat_setpoint, tstat.cool_setpoint) == ("COOL", 68, 75)
    assert state_of(hass, TSTAT) == HVACMode.COOL
    assert _attr(hass, ATTR_TEMPERATURE) == 75

    await _climate(hass, "set_temperature", hvac_mode=HVACMode.HEAT_COOL, target_temp_low=66, target_temp_high=77)
    assert (tstat.mode, tstat.heat_setpoint, tstat.cool_setpoint) == ("AUTO", 66, 77)
    assert state_of(hass, TSTAT) == HVACMode.HEAT_COOL


async def test_celsius_is_converted_to_whole_fahrenheit(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    hass.config.units = METRIC_SYSTEM
    await _climate(hass, "set_temperature", temperature=21)  # 69.8 °F
    assert panel.state.tstats[1].heat_setpoint == 70
    assert _attr(hass, ATTR_TEMPERATURE) == 21.1  # 70 °F
    assert _attr(hass, ATTR_CURRENT_TEMPERATURE) == 21.7  # 71 °F


async def test_measurements_pushed_by_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert (_attr(hass, ATTR_CURRENT_TEMPERATURE), _attr(hass, ATTR_CURRENT_HUMIDITY)) == (71, 42)
    panel.set_temperature(1, 64, humidity=55)
    await wait_for(hass, lambda: _attr(hass, ATTR_CURRENT_TEMPERATURE) == 64)
    assert _attr(hass, ATTR_CURRENT_HUMIDITY) == 55


async def test_changed_at_the_thermostat(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_tstat(1, {"mode": "COOL", "cool_setpoint": 72})
    await wait_for(hass, lambda: state_of(hass, TSTAT) == HVACMode.COOL)
    assert _attr(hass, ATTR_TEMPERATURE) == 72


async def test_refused_command_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.change_config("tstat", 1, remove=True)
    with pytest.raises(HomeAssistantError) as err:
        await _climate(hass, "set_hvac_mode", hvac_mode=HVACMode.COOL)
    assert err.value.translation_key == "command_refused"
    assert state_of(hass, TSTAT) == HVACMode.HEAT


async def test_link_lost_during_a_command(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    error = await link_drops_during(
        hass, panel, "tstat.set_status", "climate", "set_fan_mode", {"entity_id": TSTAT, "fan_mode": "on"}
    )
    assert error.translation_key == "not_connected"
    await wait_for(hass, lambda: state_of(hass, TSTAT) == STATE_UNAVAILABLE)


async def test_a_mode_home_assistant_has_no_name_for_is_shown(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """An unknown mode or fan token is kept and shown as the panel words it, never silently dropped."""
    assert "panel_mode" not in hass.states.get(TSTAT).attributes
    await panel.inject(
        {
            "seq": 0,
            "tstat": {
                "get_status": {"tstat_id": 1, "mode": "EMERGENCY_HEAT", "fan_mode": "CIRCULATE", "error_code": 0}
            },
        }
    )
    await wait_for(hass, lambda: hass.states.get(TSTAT).attributes.get("panel_mode") == "EMERGENCY_HEAT")
    assert hass.states.get(TSTAT).attributes["panel_fan_mode"] == "CIRCULATE"
    await panel.inject({"seq": 0, "tstat": {"get_status": {"tstat_id": 1, "mode": "HEAT", "error_code": 0}}})
    await wait_for(hass, lambda: state_of(hass, TSTAT) == "heat")
    assert "panel_mode" not in hass.states.get(TSTAT).attributes
