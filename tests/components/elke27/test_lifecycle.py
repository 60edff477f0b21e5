"""An entry's life: unload closes the session once and only when the platforms are gone; repairs outlive reloads."""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27 import coordinator as coordinator_module
from custom_components.elke27.const import DOMAIN
from custom_components.elke27.e27 import E27Client
from custom_components.elke27.e27.errors import E27InvalidPinError
from custom_components.elke27.helpers import translated_error
from custom_components.elke27.troubles import AC_POWER_REPAIR_DELAY
from e27_emulator import EmulatorPanel

from .conftest import state_of, wait_for

INTEGRATION = Path(__file__).parents[3] / "custom_components" / "elke27"
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text())
AC_POWER = "binary_sensor.test_house_ac_power"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.BINARY_SENSOR, Platform.SWITCH]


def _issue(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{kind}")


async def test_unload_closes_the_session_and_saves_once(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    client = init_integration.runtime_data.client
    assert client is not None
    await hass.async_block_till_done()  # the save after connecting is done
    with (
        patch.object(E27Client, "async_close", autospec=True, side_effect=E27Client.async_close) as closed,
        patch.object(Store, "async_save", autospec=True, side_effect=Store.async_save) as saved,
    ):
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert closed.call_count == 1
    assert [call.args[0].key for call in saved.call_args_list] == [f"{DOMAIN}.{init_integration.entry_id}.panel_config"]
    assert not client.connected


async def test_a_failed_platform_unload_keeps_the_session(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Entities that stay (their platform did not unload) keep a working connection."""
    client = init_integration.runtime_data.client
    assert client is not None
    with (
        patch.object(hass.config_entries, "async_unload_platforms", AsyncMock(return_value=False)),
        patch.object(E27Client, "async_close", autospec=True, side_effect=E27Client.async_close) as closed,
    ):
        assert not await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.FAILED_UNLOAD
    closed.assert_not_called()
    assert client.connected


async def test_a_repair_issue_outlives_a_reload(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.set_trouble("AC Fail")
    await wait_for(hass, lambda: state_of(hass, AC_POWER) == "off")
    async_fire_time_changed(hass, dt_util.utcnow() + AC_POWER_REPAIR_DELAY + timedelta(minutes=1))
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is not None

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is not None  # the panel still has no mains power

    panel.set_trouble("AC Fail", False)
    await wait_for(hass, lambda: _issue(hass, init_integration, "ac_power_lost") is None)


async def test_a_reload_does_not_restart_the_hour_of_a_power_loss(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    lost_at = dt_util.utcnow()
    with patch("custom_components.elke27.troubles.dt_util.utcnow", return_value=lost_at):
        panel.set_trouble("AC Fail")
        await wait_for(hass, lambda: state_of(hass, AC_POWER) == "off")
    async_fire_time_changed(hass, dt_util.utcnow() + AC_POWER_REPAIR_DELAY - timedelta(minutes=5))
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is None

    # 55 minutes later, the entry reloads; 6 minutes after that the power has been off for over an hour.
    with patch("custom_components.elke27.troubles.dt_util.utcnow", return_value=lost_at + timedelta(minutes=55)):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "ac_power_lost") is not None


@pytest.mark.parametrize("how", ["disabled", "removed"])
async def test_repair_issues_go_with_a_disabled_or_removed_entry(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, how: str
) -> None:
    panel.set_trouble("Low Battery")
    await wait_for(hass, lambda: _issue(hass, init_integration, "battery_low") is not None)
    if how == "disabled":
        assert await hass.config_entries.async_set_disabled_by(init_integration.entry_id, ConfigEntryDisabler.USER)
    else:
        assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, init_integration, "battery_low") is None


def test_a_bad_user_code_and_other_bad_values_are_told_apart() -> None:
    """Only a user code the panel cannot take is "a user code is required"; other bad values say what they are."""
    wrong_code = translated_error(E27InvalidPinError("a PIN must be 1 to 6 digits"))
    assert isinstance(wrong_code, ServiceValidationError)
    assert wrong_code.translation_key == "invalid_code"
    other = translated_error(ValueError("heat_setpoint must not be above cool_setpoint"))
    assert isinstance(other, ServiceValidationError)
    assert other.translation_key == "invalid_value"
    assert other.translation_placeholders == {"error": "heat_setpoint must not be above cool_setpoint"}


def test_every_abort_home_assistant_emits_for_our_flows_has_a_string() -> None:
    """already_in_progress (a second flow for the same panel) is shown too; it needs words."""
    emitted = {"already_configured", "already_in_progress", "reauth_successful", "reconfigure_successful"}
    assert emitted <= set(STRINGS["config"]["abort"])


async def test_every_entity_translation_name_is_the_name_shown(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A translated name that an entity overrides with its own is dead text: the translation must not have it."""
    checked = 0
    for entity in er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id):
        if entity.translation_key is None:
            continue
        name = STRINGS["entity"][entity.domain][entity.translation_key].get("name")
        if name is None or "{" in name:
            continue
        checked += 1
        assert entity.original_name == name, f"{entity.entity_id} does not show {name!r}"
    assert checked


def test_runtime_data_is_read_through_the_typed_entry() -> None:
    """Whatever reads an entry's runtime_data declares the entry as Elke27ConfigEntry (typed coordinator)."""
    untyped: list[str] = []
    for path in INTEGRATION.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            readers = {
                inner.value.id
                for inner in ast.walk(node)
                if isinstance(inner, ast.Attribute)
                and inner.attr == "runtime_data"
                and isinstance(inner.value, ast.Name)
            }
            for argument in node.args.args + node.args.kwonlyargs:
                if argument.arg in readers and ast.unparse(argument.annotation or ast.Constant(None)) != (
                    "Elke27ConfigEntry"
                ):
                    untyped.append(f"{path.name}:{node.name}({argument.arg})")
    assert not untyped


async def test_removing_an_entry_leaves_nothing_of_it_behind(
    hass: HomeAssistant, hass_storage: dict[str, Any], panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The stored configuration, the panel log's mark and the per-entry state kept across setups all go."""
    entry_id = init_integration.entry_id
    keys = (f"{DOMAIN}.{entry_id}.panel_config", f"{DOMAIN}.{entry_id}.panel_log")
    await wait_for(hass, lambda: all(key in hass_storage for key in keys))
    # The panel goes away: setup is retried, and what is kept across the retries is there.
    await panel.stop()
    await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.SETUP_RETRY
    assert entry_id in coordinator_module._LINK_TROUBLE
    assert entry_id in coordinator_module._UNREACHABLE_SINCE

    assert await hass.config_entries.async_remove(entry_id)
    await hass.async_block_till_done()
    assert [key for key in keys if key in hass_storage] == []
    assert entry_id not in coordinator_module._LINK_TROUBLE
    assert entry_id not in coordinator_module._UNREACHABLE_SINCE
