"""Arming and alarm memory told plainly: when the delay ends, the mode while arming, the last alarm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_restore_cache

from e27_emulator import EmulatorPanel

from .conftest import MASTER_PIN, state_of, wait_for

GARAGE = "alarm_control_panel.garage"
HOUSE = "alarm_control_panel.house"
GARAGE_DELAY = "sensor.garage_delay_ends"
HOUSE_DELAY = "sensor.house_delay_ends"
GARAGE_LAST = "sensor.garage_last_alarm"
HOUSE_LAST = "sensor.house_last_alarm"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.SENSOR]


async def _arm(hass: HomeAssistant, entity_id: str, service: str = "alarm_arm_away") -> None:
    await hass.services.async_call(
        "alarm_control_panel", service, {"entity_id": entity_id, "code": MASTER_PIN}, blocking=True
    )


async def test_exit_delay_end_and_arm_mode_while_arming(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, GARAGE_DELAY) == STATE_UNKNOWN  # no delay
    before = dt_util.utcnow().replace(microsecond=0)  # a timestamp sensor shows whole seconds
    await _arm(hass, GARAGE)  # 30 panel seconds of exit delay
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMING)
    after = dt_util.utcnow()
    state = hass.states.get(GARAGE_DELAY)
    assert state.attributes["device_class"] == "timestamp"
    ends = dt_util.parse_datetime(state.state)
    assert before + timedelta(seconds=30) <= ends <= after + timedelta(seconds=30)
    assert hass.states.get(GARAGE).attributes["arm_mode"] == "away"  # not unknown while arming

    panel.state.advance(10)  # the panel ticks: the end does not move
    await wait_for(hass, lambda: panel.state.areas[2].arm_cmd_state is not None)
    await hass.async_block_till_done()
    assert dt_util.parse_datetime(state_of(hass, GARAGE_DELAY)) == ends

    panel.state.advance(20)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)  # auto-stay
    assert state_of(hass, GARAGE_DELAY) == STATE_UNKNOWN
    assert hass.states.get(GARAGE).attributes["arm_mode"] == "stay"
    assert state_of(hass, HOUSE_DELAY) == STATE_UNKNOWN


async def test_arm_mode_stay_while_arming_stay(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _arm(hass, HOUSE, "alarm_arm_home")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMING)
    assert hass.states.get(HOUSE).attributes["arm_mode"] == "stay"
    assert state_of(hass, HOUSE_DELAY) not in (STATE_UNKNOWN, None)


async def test_entry_delay_end(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await hass.services.async_call(
        "elke27",
        "arm",
        {"entity_id": GARAGE, "mode": "away", "code": MASTER_PIN, "exit_delay_cancel": True, "auto_stay_cancel": True},
        blocking=True,
    )
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_AWAY)
    before = dt_util.utcnow().replace(microsecond=0)
    panel.open_zone(17)  # the garage side door: 15 s of entry delay
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.PENDING)
    ends = dt_util.parse_datetime(state_of(hass, GARAGE_DELAY))
    assert before + timedelta(seconds=15) <= ends <= dt_util.utcnow() + timedelta(seconds=15)
    await _arm(hass, GARAGE, "alarm_disarm")
    await wait_for(hass, lambda: state_of(hass, GARAGE_DELAY) == STATE_UNKNOWN)


async def test_last_alarm_is_none_before_any_and_outlives_the_memory(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """A new owner sees "No alarm yet" (the state none), never unknown."""
    state = hass.states.get(GARAGE_LAST)
    assert state.state == "none"
    assert state.attributes["options"][0] == "none"
    assert (state.attributes["started"], state.attributes["zone"]) == (None, None)

    before = dt_util.utcnow()
    panel.trip_alarm(2, "BURGLARY", zone_id=17)
    await wait_for(hass, lambda: state_of(hass, GARAGE_LAST) == "burglary")
    attributes = hass.states.get(GARAGE_LAST).attributes
    assert before <= dt_util.parse_datetime(attributes["started"]) <= dt_util.utcnow()
    assert (attributes["zone"], attributes["zone_id"]) == ("Garage Side Door", 17)
    assert state_of(hass, HOUSE_LAST) == "none"

    panel.state.arm(2, "DISARMED")
    panel.state.arm(2, "ARMED_STAY", exit_delay_cancel=True)  # the panel clears its alarm memory
    await wait_for(hass, lambda: state_of(hass, "sensor.garage_alarm_cause") == STATE_UNKNOWN)
    assert state_of(hass, GARAGE_LAST) == "burglary"
    assert hass.states.get(GARAGE_LAST).attributes["started"] == attributes["started"]


async def test_last_alarm_survives_a_restart(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, platforms: list[Platform]
) -> None:
    started = "2026-11-30T21:14:05+00:00"
    mock_restore_cache(hass, [State(GARAGE_LAST, "fire", {"started": started, "zone": "Garage Smoke", "zone_id": 30})])
    linked_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(GARAGE_LAST)
    assert (state.state, state.attributes["started"], state.attributes["zone"]) == ("fire", started, "Garage Smoke")
    assert state_of(hass, HOUSE_LAST) == "none"


async def test_an_alarm_in_the_panel_memory_at_startup_counts(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """An alarm while Home Assistant was down: its kind is known, its start is not."""
    panel.trip_alarm(2, "FIRE", zone_id=None)
    panel.state.arm(2, "DISARMED")  # silenced at the keypad; the panel keeps it in memory
    linked_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(GARAGE_LAST)
    assert (state.state, state.attributes["started"]) == ("fire", None)
