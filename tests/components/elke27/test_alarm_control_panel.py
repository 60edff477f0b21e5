"""Areas as alarm control panels: arming paths, entry delay, alarms, custom bypass, who changed it, refusals."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.elke27.const import CONF_KEEP_AWAY
from e27_emulator import EmulatorPanel

from .conftest import FAMILY_PIN, MASTER_PIN, panel_requests, state_of, wait_for

HOUSE = "alarm_control_panel.house"
GARAGE = "alarm_control_panel.garage"
WINDOW = "binary_sensor.house_living_room_window"


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
    ends_at = datetime.fromisoformat(hass.states.get(HOUSE).attributes["delay_ends_at"])
    assert ends_at.tzinfo is not None
    # Nobody opened an entry door during the exit delay: the panel arms Stay (auto-stay).
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)
    attributes = hass.states.get(HOUSE).attributes
    assert (attributes["arm_mode"], attributes["delay_ends_at"]) == ("stay", None)
    request = _arm_requests(panel)[-1]["area"]["set_arm_state"]
    assert request["pin"] == int(MASTER_PIN)  # an integer on the wire
    assert request["auto_stay_cancel"] is False


@pytest.mark.usefixtures("radio_details_before_platforms")  # no late wireless-zone entities in the count
async def test_an_exit_delay_writes_the_state_a_handful_of_times(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The panel ticks every second of the delay; the state changes when the delay starts and ends, not per tick."""
    writes: list[Event] = []

    @callback
    def record(event: Event) -> None:  # a callback: a plain function would run later, in the executor
        writes.append(event)

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    ticks: list[dict] = []
    panel.state.add_listener(lambda body: ticks.append(body) if "ee_timer" in str(body) else None)
    await _call(hass, "alarm_arm_home")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMING)
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)
    assert len(ticks) >= 50  # the House's exit delay is 60 panel seconds
    house = [event for event in writes if event.data["entity_id"] == HOUSE]
    assert [event.data["new_state"].state for event in house] == ["arming", "armed_home"]
    written = sorted(event.data["entity_id"] for event in writes)
    delay = "sensor.house_delay_ends"  # set when the delay starts, cleared when it ends
    assert written == [HOUSE, HOUSE, "event.house_events", "event.house_events", delay, delay]  # nothing per tick


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


async def test_changed_by_names_home_assistant_or_nobody(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The panel never says who armed at a keypad; what Home Assistant did, it knows."""
    assert hass.states.get(GARAGE).attributes["changed_by"] is None
    await _call(hass, "alarm_arm_home", GARAGE)
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)
    assert hass.states.get(GARAGE).attributes["changed_by"] == "Home Assistant"  # no user: an automation
    panel.state.arm(2, "DISARMED")  # at the keypad
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.DISARMED)
    assert hass.states.get(GARAGE).attributes["changed_by"] is None


async def test_changed_by_names_the_user(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: object,
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "alarm_control_panel",
            "service": "alarm_arm_home",
            "service_data": {"code": MASTER_PIN},
            "target": {"entity_id": GARAGE},
        }
    )
    assert (await client.receive_json())["success"]
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)
    assert hass.states.get(GARAGE).attributes["changed_by"] == hass_admin_user.name  # type: ignore[attr-defined]


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
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_arm_away", entity_id, code)
    assert err.value.translation_key == key
    assert code not in str(err.value)
    assert state_of(hass, entity_id) == AlarmControlPanelState.DISARMED


async def test_not_ready_names_the_open_zones(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(3)
    panel.open_zone(4)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.house_kitchen_window") == "on")
    assert hass.states.get(HOUSE).attributes["ready"] is False
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_arm_away")
    assert err.value.translation_key == "not_ready_zones"
    assert err.value.translation_placeholders == {"area": "House", "zones": "Living Room Window, Kitchen Window"}
    assert str(err.value) == (
        "House is not ready to arm: Living Room Window, Kitchen Window are not closed. "
        "Close them, or use Arm custom bypass to bypass them"
    )


async def test_not_ready_names_the_one_open_zone(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(1)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is False)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_arm_away")
    assert err.value.translation_key == "not_ready_zone"
    assert str(err.value) == (
        "House is not ready to arm: Front Door is not closed. Close it, or use Arm custom bypass to bypass it"
    )


async def test_arm_custom_bypass_is_reported_as_custom_bypass(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == "on")
    await _call(hass, "alarm_arm_custom_bypass")
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_CUSTOM_BYPASS)
    attributes = hass.states.get(HOUSE).attributes
    assert (attributes["bypassed_zones"], attributes["arm_mode"]) == (1, "stay")  # auto-stay, window bypassed
    assert hass.states.get(WINDOW).attributes["bypassed"] is True
    # Disarming clears the bypasses (the panel does): the next arming is a plain one.
    await _call(hass, "alarm_disarm")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.DISARMED)
    panel.close_zone(3)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is True)
    await _call(hass, "alarm_arm_home")
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)


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
    attributes = hass.states.get(HOUSE).attributes
    assert attributes["alarm_zone"] == "Front Door"
    assert attributes["delay_ends_at"] is not None
    # Nobody disarmed within the entry delay.
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.TRIGGERED)
    assert state_of(hass, "sensor.house_alarm_cause") == "Front Door"
    assert state_of(hass, "sensor.house_alarm_type") == "burglary"
    await _call(hass, "alarm_disarm")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.DISARMED)


async def test_fire_alarms_while_disarmed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(7)  # Kitchen Smoke
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.TRIGGERED)
    assert state_of(hass, "binary_sensor.house_kitchen_smoke") == "on"
    assert state_of(hass, "sensor.house_alarm_cause") == "Kitchen Smoke"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_arm_home")
    assert err.value.translation_key == "in_alarm"


async def test_disarm_needs_a_code(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_disarm", code=None)
    assert err.value.translation_key == "invalid_code"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_disarm", code="12ab")
    assert err.value.translation_key == "invalid_code"


@pytest.mark.parametrize(
    ("service", "code", "setup", "key"),
    [
        ("alarm_arm_away", "9999", None, "wrong_code"),
        ("alarm_disarm", FAMILY_PIN, None, "not_authorized"),
        ("alarm_arm_away", MASTER_PIN, "open", "not_ready_zone"),
        ("alarm_arm_home", MASTER_PIN, "alarm", "in_alarm"),
        ("alarm_arm_away", MASTER_PIN, "armed", "not_allowed_when_armed"),
        ("alarm_disarm", "12ab", None, "invalid_code"),
    ],
)
async def test_user_mistakes_log_no_traceback(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
    service: str,
    code: str,
    setup: str | None,
    key: str,
) -> None:
    """From the frontend (websocket), a refusal is a translated validation error: no ERROR traceback in the log."""
    if setup == "open":
        panel.open_zone(17)
        await wait_for(hass, lambda: state_of(hass, "binary_sensor.garage_side_door") == "on")
    elif setup == "alarm":
        panel.trip_alarm(2, "PANIC")
        await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.TRIGGERED)
    elif setup == "armed":
        await _call(hass, "alarm_arm_home", GARAGE)
        panel.state.advance(30)
        await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)
    client = await hass_ws_client(hass)
    caplog.clear()
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "alarm_control_panel",
            "service": service,
            "service_data": {"code": code},
            "target": {"entity_id": GARAGE},
        }
    )
    reply = await client.receive_json()
    assert not reply["success"]
    assert reply["error"]["translation_key"] == key
    assert code not in reply["error"]["message"]
    assert not [record for record in caplog.records if record.exc_info and record.levelno >= logging.INFO]
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    # Home Assistant's websocket API may report the refusal in one line; never with a traceback, never ours.
    assert all(record.name.startswith("homeassistant.components.websocket_api") for record in errors)
    assert all("\n" not in record.getMessage() for record in errors)


async def test_arm_custom_bypass_names_the_zones_the_panel_will_not_bypass(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """A zone programmed not bypassable keeps the area from arming: the error names it, and nothing is armed."""
    panel.change_config("zone", 3, bypassable=False)
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == "on")
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "alarm_arm_custom_bypass")
    assert err.value.translation_key == "bypass_failed"
    assert err.value.translation_placeholders == {"zones": "Living Room Window"}
    assert not _arm_requests(panel)
    assert state_of(hass, HOUSE) == AlarmControlPanelState.DISARMED


async def test_arm_custom_bypass_of_an_area_armed_away_sends_nothing(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """Already armed away (custom bypass arms away): a second command would only be refused, so none is sent."""
    panel.state.arm(1, "ARMED_AWAY", exit_delay_cancel=True, auto_stay_cancel=True)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY)
    await _call(hass, "alarm_arm_custom_bypass")
    assert not _arm_requests(panel)
    assert not panel_requests(panel, "zone", "set_status")
    assert state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_AWAY
