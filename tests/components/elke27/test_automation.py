"""The integration's triggers and conditions, through real automations against the emulated panel."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.elke27.const import DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import MASTER_PIN, panel_requests, state_of, wait_for

HOUSE = "alarm_control_panel.house"
GARAGE = "alarm_control_panel.garage"
HOUSE_EVENTS = "event.house_events"
GARAGE_EVENTS = "event.garage_events"
FRONT_DOOR = "binary_sensor.house_front_door"
WINDOW = "binary_sensor.house_living_room_window"
PANEL_TROUBLE = "binary_sensor.test_house_trouble"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.BINARY_SENSOR, Platform.EVENT]


async def _automations(hass: HomeAssistant, *automations: dict[str, Any]) -> list[ServiceCall]:
    """Set up automations whose action calls test.ran with their id; returns the calls."""
    calls = async_mock_service(hass, "test", "ran")
    config = [
        automation
        | {"alias": automation["id"]}
        | {"actions": [{"action": "test.ran", "data": {"id": automation["id"], "entity": "{{ trigger.entity_id }}"}}]}
        for automation in automations
    ]
    assert await async_setup_component(hass, "automation", {"automation": config})
    await hass.async_block_till_done()
    for automation in automations:
        assert state_of(hass, f"automation.{automation['id']}") == "on", automation["id"]
    return calls


def _ran(calls: list[ServiceCall]) -> list[str]:
    return [call.data["id"] for call in calls]


async def test_arming_triggers(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    calls = await _automations(
        hass,
        {
            "id": "exit_delay",
            "triggers": [{"trigger": "elke27.exit_delay_started", "target": {"entity_id": GARAGE_EVENTS}}],
        },
        {
            "id": "armed_stay_by_paul",
            "triggers": [
                {
                    "trigger": "elke27.armed",
                    "target": {"entity_id": GARAGE_EVENTS},
                    "options": {"mode": ["stay"], "user": ["paul"]},
                }
            ],
        },
        {
            "id": "armed_away",
            "triggers": [
                {"trigger": "elke27.armed", "target": {"entity_id": GARAGE_EVENTS}, "options": {"mode": "away"}}
            ],
        },
        {"id": "auto_stay", "triggers": [{"trigger": "elke27.auto_stay", "target": {"entity_id": GARAGE_EVENTS}}]},
        {
            "id": "disarmed_by_anna",
            "triggers": [
                {"trigger": "elke27.disarmed", "target": {"entity_id": GARAGE_EVENTS}, "options": {"user": "Anna"}}
            ],
        },
        {"id": "disarmed", "triggers": [{"trigger": "elke27.disarmed", "target": {"entity_id": GARAGE_EVENTS}}]},
    )
    # The panel's log is first read at the start (what it holds then is its past, never told).
    await wait_for(hass, lambda: len(panel_requests(panel, "log", "get_list")) > 0)
    await hass.async_block_till_done(wait_background_tasks=True)
    panel.state.arm(2, "ARMED_AWAY", user="Paul", keypad=1)  # nobody leaves: auto-stay
    await wait_for(hass, lambda: "exit_delay" in _ran(calls))
    panel.state.advance(30)
    await wait_for(hass, lambda: "armed_stay_by_paul" in _ran(calls))
    await hass.async_block_till_done()
    assert sorted(_ran(calls)) == ["armed_stay_by_paul", "auto_stay", "exit_delay"]
    assert {call.data["entity"] for call in calls} == {GARAGE_EVENTS}
    panel.state.arm(2, "DISARMED", user="Paul", keypad=1)
    await wait_for(hass, lambda: "disarmed" in _ran(calls))
    await hass.async_block_till_done()
    assert "disarmed_by_anna" not in _ran(calls)
    assert "armed_away" not in _ran(calls)


async def test_alarm_started_by_kind(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    calls = await _automations(
        hass,
        {
            "id": "fire",
            "triggers": [
                {
                    "trigger": "elke27.alarm_started",
                    "target": {"entity_id": HOUSE_EVENTS},
                    "options": {"alarm_type": ["fire"]},
                }
            ],
        },
        {"id": "any_alarm", "triggers": [{"trigger": "elke27.alarm_started", "target": {"entity_id": HOUSE_EVENTS}}]},
    )
    panel.trip_alarm(1, "BURGLARY", zone_id=3)
    await wait_for(hass, lambda: _ran(calls) == ["any_alarm"])
    panel.open_zone(7)  # smoke in the kitchen
    await wait_for(hass, lambda: sorted(_ran(calls)) == ["any_alarm", "any_alarm", "fire"])


async def test_zone_opened_while_armed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    calls = await _automations(
        hass,
        {
            "id": "opened",
            "triggers": [{"trigger": "elke27.zone_opened_while_armed", "target": {"entity_id": FRONT_DOOR}}],
        },
    )
    panel.open_zone(1)  # disarmed: nothing
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == "on")
    panel.close_zone(1)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == "off")
    panel.state.arm(1, "ARMED_AWAY", exit_delay_cancel=True, auto_stay_cancel=True)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY)
    assert _ran(calls) == []
    panel.open_zone(1)
    await wait_for(hass, lambda: _ran(calls) == ["opened"])
    assert calls[0].data["entity"] == FRONT_DOOR


async def test_conditions_area_ready_and_zone_bypassed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    calls = await _automations(
        hass,
        {
            "id": "ready",
            "triggers": [{"trigger": "event", "event_type": "check"}],
            "conditions": [{"condition": "elke27.area_ready", "target": {"entity_id": HOUSE}}],
        },
        {
            "id": "bypassed",
            "triggers": [{"trigger": "event", "event_type": "check"}],
            "conditions": [{"condition": "elke27.zone_bypassed", "target": {"entity_id": WINDOW}}],
        },
    )
    hass.bus.async_fire("check")
    await hass.async_block_till_done()
    assert _ran(calls) == ["ready"]
    panel.open_zone(3)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is False)
    hass.bus.async_fire("check")
    await hass.async_block_till_done()
    assert _ran(calls) == ["ready"]
    await hass.services.async_call(
        "elke27", "bypass_zone", {"entity_id": WINDOW, "code": MASTER_PIN, "bypass": True}, blocking=True
    )
    await wait_for(hass, lambda: hass.states.get(WINDOW).attributes["bypassed"] is True)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is True)
    hass.bus.async_fire("check")
    await hass.async_block_till_done()
    assert sorted(_ran(calls)) == ["bypassed", "ready", "ready"]


async def test_the_editor_gets_the_descriptions(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Home Assistant reads triggers.yaml and conditions.yaml: what the automation editor offers."""
    from homeassistant.helpers import condition, trigger

    assert await async_setup_component(hass, "automation", {})
    triggers = await trigger.async_get_all_descriptions(hass)
    assert {key for key in triggers if key.startswith("elke27.")} == {
        "elke27.alarm_started",
        "elke27.armed",
        "elke27.disarmed",
        "elke27.auto_stay",
        "elke27.exit_delay_started",
        "elke27.zone_opened_while_armed",
    }
    armed = triggers["elke27.armed"]
    assert armed is not None
    assert set(armed["fields"]) == {"mode", "user"}
    conditions = await condition.async_get_all_descriptions(hass)
    assert {key for key in conditions if key.startswith("elke27.")} == {"elke27.area_ready", "elke27.zone_bypassed"}


async def test_zone_opened_while_armed_counts_only_zones_of_a_loaded_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The panel's trouble sensor or a zone of a panel not set up, turning on while armed, never fires; a zone does."""
    other = MockConfigEntry(domain=DOMAIN, unique_id="02:00:00:e2:70:99", title="Cabin")
    other.add_to_hass(hass)
    cabin_door = entity_registry.async_get_or_create(
        "binary_sensor", DOMAIN, "02:00:00:e2:70:99_zone_1", config_entry=other
    )
    calls = await _automations(
        hass,
        {
            "id": "opened",
            "triggers": [
                {
                    "trigger": "elke27.zone_opened_while_armed",
                    "target": {"entity_id": [FRONT_DOOR, cabin_door.entity_id, PANEL_TROUBLE]},
                }
            ],
        },
    )
    panel.state.arm(1, "ARMED_AWAY", exit_delay_cancel=True, auto_stay_cancel=True)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY)
    panel.set_trouble("Siren Fault")
    await wait_for(hass, lambda: state_of(hass, PANEL_TROUBLE) == STATE_ON)
    hass.states.async_set(cabin_door.entity_id, STATE_OFF)
    hass.states.async_set(cabin_door.entity_id, STATE_ON)
    await hass.async_block_till_done()
    assert _ran(calls) == []
    panel.open_zone(1)
    await wait_for(hass, lambda: _ran(calls) == ["opened"])
    assert calls[0].data["entity"] == FRONT_DOOR
