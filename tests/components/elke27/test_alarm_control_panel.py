"""Areas as alarm control panels: arming paths, entry delay, alarms, and the panel's refusals."""

from __future__ import annotations

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import CONF_KEEP_AWAY
from e27_emulator import EmulatorPanel

from .conftest import FAMILY_PIN, MASTER_PIN, state_of, wait_for

HOUSE = "alarm_control_panel.house"
GARAGE = "alarm_control_panel.garage"


async def _call(hass: HomeAssistant, service: str, entity_id: str = HOUSE, code: str | None = MASTER_PIN) -> None:
    data = {"entity_id": entity_id} | ({"code": code} if code is not None else {})
    await hass.services.async_call("alarm_control_panel", service, data, blocking=True)


def _arm_requests(panel: EmulatorPanel) -> list[dict]:
    return [r for r in panel.received if "set_arm_state" in r.get("area", {})]


async def test_arm_away_goes_through_arming_and_auto_stay(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _call(hass, "alarm_arm_away")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMING)
    assert hass.states.get(HOUSE).attributes["exit_delay"] == 60
    panel.state.advance(1)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["exit_delay"] == 59)
    # Nobody opened an entry door during the exit delay: the panel arms Stay (auto-stay).
    panel.state.advance(59)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)
    request = _arm_requests(panel)[-1]["area"]["set_arm_state"]
    assert request["pin"] == int(MASTER_PIN)  # an integer on the wire
    assert request["auto_stay_cancel"] is False


async def test_keep_away_option_cancels_auto_stay(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, options={CONF_KEEP_AWAY: True})
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    await _call(hass, "alarm_arm_away")
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY)
    assert _arm_requests(panel)[-1]["area"]["set_arm_state"]["auto_stay_cancel"] is True


async def test_arm_home_and_disarm(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _call(hass, "alarm_arm_home", GARAGE)
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)
    await _call(hass, "alarm_disarm", GARAGE)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.DISARMED)


async def test_arming_an_armed_area_again_never_disarms_it(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _call(hass, "alarm_arm_home")
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)
    sent = len(_arm_requests(panel))
    await _call(hass, "alarm_arm_home")
    await hass.async_block_till_done()
    assert len(_arm_requests(panel)) == sent
    assert state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME


@pytest.mark.parametrize(
    ("entity_id", "code", "key"),
    [(HOUSE, "9999", "wrong_code"), (GARAGE, FAMILY_PIN, "not_authorized")],
    ids=["wrong-code", "no-rights-in-area"],
)
async def test_refused_codes_are_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_id: str, code: str, key: str
) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "alarm_arm_away", entity_id, code)
    assert err.value.translation_key == key
    assert code not in str(err.value)
    assert state_of(hass, entity_id) == AlarmControlPanelState.DISARMED


async def test_not_ready_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.house_living_room_window") == "on")
    assert hass.states.get(HOUSE).attributes["ready"] is False
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "alarm_arm_away")
    assert err.value.translation_key == "not_ready"


async def test_arm_custom_bypass_bypasses_open_zones(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.house_living_room_window") == "on")
    await _call(hass, "alarm_arm_custom_bypass")
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) in (AlarmControlPanelState.ARMED_HOME, "armed_away"))
    await wait_for(hass, lambda: hass.states.get("binary_sensor.house_living_room_window").attributes["bypassed"])
    assert hass.states.get(HOUSE).attributes["bypassed_zones"] == 1


async def test_entry_delay_is_pending_then_alarm(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "elke27",
        "arm",
        {"entity_id": HOUSE, "mode": "away", "code": MASTER_PIN, "exit_delay_cancel": True, "auto_stay_cancel": True},
        blocking=True,
    )
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY)
    panel.open_zone(1)  # the front door is an entry/exit zone
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.PENDING)
    assert hass.states.get(HOUSE).attributes["alarm_zone"] == "Front Door"
    # Nobody disarmed within the entry delay.
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.TRIGGERED)
    assert state_of(hass, "sensor.house_alarm_cause") == "Front Door"
    await _call(hass, "alarm_disarm")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.DISARMED)


async def test_fire_alarms_while_disarmed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(7)  # Kitchen Smoke
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.TRIGGERED)
    assert state_of(hass, "binary_sensor.house_kitchen_smoke") == "on"


async def test_disarm_needs_a_code(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_disarm", code=None)
    assert err.value.translation_key == "invalid_code"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_disarm", code="12ab")
    assert err.value.translation_key == "invalid_code"
