"""Repair issues for panel troubles that need someone to act: mains power lost for over an hour, low battery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27.const import DOMAIN
from custom_components.elke27.troubles import AC_POWER_REPAIR_DELAY
from e27_emulator import EmulatorPanel

from .conftest import state_of, wait_for

AC_POWER = "binary_sensor.test_house_ac_power"
BATTERY = "binary_sensor.test_house_battery"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BINARY_SENSOR]


def _issue(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{kind}")


async def test_ac_power_lost_for_more_than_an_hour(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
) -> None:
    panel.set_trouble("AC Fail")
    await wait_for(hass, lambda: state_of(hass, AC_POWER) == "off")
    async_fire_time_changed(hass, dt_util.utcnow() + AC_POWER_REPAIR_DELAY - timedelta(minutes=1))
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is None  # a short cut needs nobody

    async_fire_time_changed(hass, dt_util.utcnow() + AC_POWER_REPAIR_DELAY + timedelta(minutes=1))
    await hass.async_block_till_done()
    issue = _issue(hass, init_integration, "ac_power_lost")
    assert issue is not None
    assert (issue.translation_key, issue.severity, issue.is_fixable) == (
        "ac_power_lost",
        ir.IssueSeverity.WARNING,
        False,
    )
    assert issue.translation_placeholders == {"name": "Test House", "hours": "1"}

    panel.set_trouble("AC Fail", False)  # power is back
    await wait_for(hass, lambda: _issue(hass, init_integration, "ac_power_lost") is None)


async def test_ac_power_back_within_the_hour(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
) -> None:
    panel.set_trouble("AC Fail")
    await wait_for(hass, lambda: state_of(hass, AC_POWER) == "off")
    panel.set_trouble("AC Fail", False)
    await wait_for(hass, lambda: state_of(hass, AC_POWER) == "on")
    async_fire_time_changed(hass, dt_util.utcnow() + AC_POWER_REPAIR_DELAY * 2)
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is None


async def test_panel_battery_low(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    panel.set_trouble("Low Battery")
    await wait_for(hass, lambda: _issue(hass, init_integration, "battery_low") is not None)
    assert state_of(hass, BATTERY) == "on"
    panel.set_trouble("Low Battery", False)
    await wait_for(hass, lambda: _issue(hass, init_integration, "battery_low") is None)


async def test_issues_go_with_the_entry(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.set_trouble("Low Battery")
    await wait_for(hass, lambda: _issue(hass, init_integration, "battery_low") is not None)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    # Unloading (a reload, a restart) does not fix the battery: the notice stays ...
    assert _issue(hass, init_integration, "battery_low") is not None
    # ... until the entry itself goes.
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert _issue(hass, init_integration, "battery_low") is None
