"""Activity (the logbook, read through its own websocket API) tells each thing once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from e27_emulator import EmulatorPanel

from .conftest import MASTER_PIN, panel_requests, state_of, wait_for

HOUSE = "alarm_control_panel.house"
HOUSE_EVENTS = "event.house_events"


@pytest.fixture(autouse=True)
def _enable_custom_integrations(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """The recorder starts before Home Assistant (the logbook reads what it recorded)."""


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.EVENT, Platform.SENSOR, Platform.BINARY_SENSOR]


async def _setup_logbook(hass: HomeAssistant) -> None:
    """The logbook without the frontend's panel (the oldest supported release is tested without the frontend files)."""
    hass.config.components.add("frontend")
    with patch("homeassistant.components.logbook.frontend.async_register_built_in_panel"):
        assert await async_setup_component(hass, "logbook", {})


async def _activity(hass: HomeAssistant, hass_ws_client: WebSocketGenerator, start: str) -> list[dict[str, Any]]:
    """Every line the logbook shows since start (the frontend's Activity page asks the same)."""
    await async_wait_recording_done(hass)
    client = await hass_ws_client()
    await client.send_json_auto_id({"type": "logbook/get_events", "start_time": start})
    reply = await client.receive_json()
    assert reply["success"], reply
    return list(reply["result"])


async def _call(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call(
        "alarm_control_panel", service, {"entity_id": HOUSE, "code": MASTER_PIN}, blocking=True
    )


async def test_arm_alarm_and_disarm_are_each_told_once(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
) -> None:
    await _setup_logbook(hass)
    await wait_for(hass, lambda: len(panel_requests(panel, "log", "get_index")) > 0)  # the log's past is skipped
    await hass.async_block_till_done(wait_background_tasks=True)
    panel.state.options.broadcast_log_index = True
    first_new = panel.state.log_newest + 1
    start = dt_util.utcnow().isoformat()
    await _call(hass, "alarm_arm_home")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMING)
    panel.state.advance(60)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME)
    panel.state.trip_alarm(1, "BURGLARY", 1)
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.TRIGGERED)
    await _call(hass, "alarm_disarm")
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.DISARMED)

    await hass.async_block_till_done(wait_background_tasks=True)
    lines = await _activity(hass, hass_ws_client, start)
    told = Counter(line["attributes"]["event_type"] for line in lines if line.get("entity_id") == HOUSE_EVENTS)
    assert told == {"exit_delay": 1, "armed": 1, "alarm": 1, "alarm_cleared": 1, "disarmed": 1}
    # The area's state is told once per change; besides, the panel's own log, each entry once and verbatim.
    assert [line["state"] for line in lines if line.get("entity_id") == HOUSE and "state" in line] == [
        "arming",
        "armed_home",
        "triggered",
        "disarmed",
    ]
    # The panel's entries carry its time, in whole seconds: they may come before start.
    earlier = (dt_util.parse_datetime(start) - timedelta(seconds=2)).isoformat()  # type: ignore[operator]
    lines = await _activity(hass, hass_ws_client, earlier)
    panel_log = [entry.text for entry in panel.state.log if entry.id >= first_new]
    assert panel_log[:2] == ["House arming Stay by Master (app)", "House armed Stay"]
    assert [line["message"] for line in lines if line.get("domain") == "elke27"] == panel_log
