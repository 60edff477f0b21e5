"""The panel's own event log in the logbook: new entries once, at the panel's time; who armed at the keypad."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27.e27.const import ErrorCode
from custom_components.elke27.logbook import async_describe_events
from custom_components.elke27.panel_log import EVENT_PANEL_LOG, LOG_READ_MAX
from e27_emulator import EmulatorPanel
from e27_emulator.model import Refused

from .conftest import PANEL_NAME, panel_requests, state_of, wait_for

GARAGE = "alarm_control_panel.garage"
GARAGE_EVENTS = "event.garage_events"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.EVENT]


class Told:
    """The panel log entries fired for the logbook, in order."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.events: list[Event] = []
        hass.bus.async_listen(EVENT_PANEL_LOG, self._on)

    @callback
    def _on(self, event: Event) -> None:
        self.events.append(event)

    @property
    def texts(self) -> list[str]:
        return [event.data["message"] for event in self.events]


async def _log_read(hass: HomeAssistant, panel: EmulatorPanel, reads: int = 1) -> None:
    """Wait until the integration has read the panel's log index reads times since the start, and is done.

    Moving Home Assistant's time runs the timers due by then, a read's timeout too: a test
    moves it only when no read is under way.
    """
    await wait_for(hass, lambda: len(panel_requests(panel, "log", "get_index")) >= reads)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_keypad_arm_names_the_user(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    told = Told(hass)
    await _log_read(hass, panel)
    assert told.texts == []  # the log's past is not told at the first start
    panel.state.arm(2, "ARMED_STAY", user="Paul", keypad=2)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMING)
    await wait_for(hass, lambda: "Garage arming Stay by Paul (keypad 2)" in told.texts)
    exit_delay = hass.states.get(GARAGE_EVENTS)
    assert exit_delay.attributes["event_type"] == "exit_delay"
    assert (exit_delay.attributes["source"], exit_delay.attributes["user"]) == ("panel", "Paul")
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == AlarmControlPanelState.ARMED_HOME)
    await wait_for(hass, lambda: hass.states.get(GARAGE_EVENTS).attributes["event_type"] == "armed")
    assert hass.states.get(GARAGE_EVENTS).attributes["user"] == "Paul"
    assert hass.states.get(GARAGE).attributes["changed_by"] == "Paul"

    (event,) = [event for event in told.events if event.data["message"].startswith("Garage arming")]
    assert event.data["entity_id"] == GARAGE
    assert (event.data["user"], event.data["keypad"]) == ("Paul", 2)
    entry = panel.state.log[-2]
    assert entry.text == "Garage arming Stay by Paul (keypad 2)"
    assert event.time_fired_timestamp == entry.time  # the panel's time

    panel.state.arm(2, "DISARMED", user="Anna", keypad=1)
    await wait_for(hass, lambda: hass.states.get(GARAGE_EVENTS).attributes["event_type"] == "disarmed")
    assert hass.states.get(GARAGE_EVENTS).attributes["user"] == "Anna"
    assert hass.states.get(GARAGE).attributes["changed_by"] == "Anna"


async def test_keypad_arm_without_a_name_is_the_panels(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _log_read(hass, panel)
    panel.state.arm(2, "ARMED_STAY", exit_delay_cancel=True, keypad=1)
    await wait_for(hass, lambda: hass.states.get(GARAGE_EVENTS).attributes.get("event_type") == "armed")
    assert hass.states.get(GARAGE_EVENTS).attributes["user"] is None
    assert hass.states.get(GARAGE).attributes.get("changed_by") is None


async def test_new_entries_once_across_a_reload(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    told = Told(hass)
    await _log_read(hass, panel)
    panel.state.set_trouble("AC Fail", True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))  # the index is polled once a minute
    await wait_for(hass, lambda: told.texts == ["Trouble: AC Fail"])
    assert told.events[0].data["device_id"] is not None  # under the panel's device
    assert told.events[0].data["name"] == PANEL_NAME

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await _log_read(hass, panel, reads=3)  # at the start, the poll, after the reload
    panel.state.set_trouble("AC Fail", False)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
    await wait_for(hass, lambda: len(told.texts) == 2)
    await hass.async_block_till_done()
    assert told.texts == ["Trouble: AC Fail", "Trouble restored: AC Fail"]


async def test_a_pushed_index_is_followed_and_reads_are_bounded(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    told = Told(hass)
    await _log_read(hass, panel)
    for number in range(LOG_READ_MAX + 20):
        panel.state.add_log(f"event {number}")
    panel.state.options.broadcast_log_index = True
    panel.state.add_log("last")
    await wait_for(hass, lambda: told.texts[-1:] == ["last"])
    assert len(told.texts) == LOG_READ_MAX  # only the newest of a long backlog
    assert told.texts[0] == "event 21"


async def test_a_panel_without_a_log(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, platforms: Any
) -> None:
    """A panel that refuses the log commands: nothing is read any more, arming is told as before."""

    def refuse(*args: Any) -> Any:
        raise Refused(ErrorCode.INVALID_ID)

    panel.state.log_index = refuse  # type: ignore[method-assign]
    linked_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await wait_for(hass, lambda: len(panel_requests(panel, "log", "get_index")) == 1)
    panel.state.arm(2, "ARMED_STAY", exit_delay_cancel=True, user="Paul")
    await wait_for(hass, lambda: hass.states.get(GARAGE_EVENTS).attributes.get("event_type") == "armed")
    assert hass.states.get(GARAGE_EVENTS).attributes["user"] is None
    assert len(panel_requests(panel, "log", "get_index")) == 1


async def test_logbook_describes_the_entries(hass: HomeAssistant) -> None:
    described: dict[tuple[str, str], Any] = {}
    async_describe_events(hass, lambda domain, name, describe: described.setdefault((domain, name), describe))
    describe = described[("elke27", EVENT_PANEL_LOG)]
    event = Event(EVENT_PANEL_LOG, {"name": "Home", "message": "Trouble: AC Fail", "entity_id": None})
    assert describe(event) == {"name": "Home", "message": "Trouble: AC Fail", "entity_id": None}


async def test_a_flood_of_pushed_indexes_reads_the_log_a_bounded_number_of_times(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    told = Told(hass)
    await _log_read(hass, panel)
    before = len(panel_requests(panel, "log", "get_list"))
    for number in range(200):  # each pushed with its own index broadcast
        panel.state.options.broadcast_log_index = True
        panel.state.add_log(f"event {number}")
    await wait_for(hass, lambda: told.texts[-1:] == ["event 199"])
    await hass.async_block_till_done(wait_background_tasks=True)
    assert told.texts == [f"event {number}" for number in range(150, 200)]  # the newest LOG_READ_MAX
    # A read under way absorbs every push that arrives meanwhile: a few reads, not one per push.
    assert len(panel_requests(panel, "log", "get_list")) - before <= 10


async def test_an_unreadable_mark_tells_only_what_comes_after(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A mark Home Assistant cannot read (a newer format, after a downgrade) is dropped: no crash, the past untold."""
    panel.state.set_trouble("AC Fail", True)  # in the log before setup: its past
    hass_storage[f"elke27.{linked_entry.entry_id}.panel_log"] = {
        "version": 99,
        "minor_version": 1,
        "key": f"elke27.{linked_entry.entry_id}.panel_log",
        "data": {"id": 1, "newest": 1},
    }
    told = Told(hass)
    linked_entry.add_to_hass(hass)
    with patch("custom_components.elke27.PLATFORMS", [Platform.ALARM_CONTROL_PANEL, Platform.EVENT]):
        assert await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.LOADED
    await _log_read(hass, panel)
    panel.state.set_trouble("AC Fail", False)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await wait_for(hass, lambda: len(told.texts) == 1)
    await hass.async_block_till_done()
    assert told.texts == ["Trouble restored: AC Fail"]
