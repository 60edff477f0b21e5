"""A panel that stays away gets a repair issue after a few minutes; it goes by itself when the panel is back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27.const import DOMAIN
from custom_components.elke27.coordinator import UNREACHABLE_REPAIR_DELAY, unreachable_issue_id
from custom_components.elke27.e27.reconnect import ClientTiming
from e27_emulator import EmulatorPanel

from .conftest import state_of, wait_for

FRONT_DOOR = "binary_sensor.house_front_door"
SECOND = timedelta(seconds=1)


class Clock:
    """The integration's wall clock, moved by the test (Home Assistant's own timers are fired explicitly)."""

    def __init__(self) -> None:
        self.now = dt_util.utcnow()
        self.as_local = dt_util.as_local

    def utcnow(self) -> datetime:
        return self.now

    def tick(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Iterator[Clock]:
    manual = Clock()
    with patch("custom_components.elke27.coordinator.dt_util", manual):
        yield manual


def _later(clock: Clock, delta: timedelta) -> datetime:
    """Move the integration's clock and return the moment to fire Home Assistant's timers at."""
    clock.tick(delta)
    return dt_util.utcnow() + delta + timedelta(minutes=10)


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, unreachable_issue_id(entry.entry_id))


async def test_a_panel_away_for_minutes_gets_a_repair_that_goes_when_it_is_back(
    hass: HomeAssistant, panel: EmulatorPanel, clock: Clock, init_integration: MockConfigEntry
) -> None:
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE)
    clock.tick(UNREACHABLE_REPAIR_DELAY - SECOND)
    async_fire_time_changed(hass, dt_util.utcnow() + UNREACHABLE_REPAIR_DELAY - SECOND)
    await hass.async_block_till_done()
    assert _issue(hass, init_integration) is None  # a short outage is only unavailable entities
    async_fire_time_changed(hass, _later(clock, 2 * SECOND))
    await wait_for(hass, lambda: _issue(hass, init_integration) is not None)
    issue = _issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_key == "panel_unreachable"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert set(issue.translation_placeholders) == {"name", "since"}
    await panel.start()
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_OFF)
    assert _issue(hass, init_integration) is None


async def test_a_panel_away_at_setup_gets_the_repair_too(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, clock: Clock
) -> None:
    linked_entry.add_to_hass(hass)
    await panel.stop()
    await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_RETRY
    assert _issue(hass, linked_entry) is None
    async_fire_time_changed(hass, _later(clock, UNREACHABLE_REPAIR_DELAY + SECOND))  # setup is retried: fails again
    await wait_for(hass, lambda: _issue(hass, linked_entry) is not None)
    await panel.start()
    async_fire_time_changed(hass, _later(clock, timedelta(minutes=10)))
    await wait_for(hass, lambda: linked_entry.state is ConfigEntryState.LOADED)
    assert _issue(hass, linked_entry) is None


def test_reconnect_delays_stay_short_for_a_local_panel() -> None:
    """Back within about a second and a half of the panel's port opening, however long it was away."""
    backoff = ClientTiming().backoff()
    delays = [backoff.next_delay() for _ in range(50)]
    assert delays[0] <= 0.5
    assert max(delays) <= 1.5 * 1.1
