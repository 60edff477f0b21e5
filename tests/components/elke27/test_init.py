"""Setup, unload, availability, recovery, reauth at runtime, stale devices, migration, the config cache."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import CONF_CLIENT, DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, PASSPHRASE, WAIT_TIMEOUT, radio_sweep_done, state_of, wait_for

FRONT_DOOR = "binary_sensor.house_front_door"
CONNECTION = "binary_sensor.test_house_connection"


async def test_setup_and_unload(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    assert state_of(hass, "alarm_control_panel.house") == "disarmed"
    assert state_of(hass, CONNECTION) == STATE_ON
    assert panel.session_count == 1

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    await panel.wait_until(lambda: panel.session_count == 0, WAIT_TIMEOUT)


async def test_reload_reconnects(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    await panel.wait_until(lambda: panel.session_count == 1, WAIT_TIMEOUT)


async def test_unreachable_panel_retries_setup(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    await panel.stop()
    linked_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_link_starts_reauth_once(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    panel.revoke_link(linked_entry.data[CONF_CLIENT]["sn"])
    linked_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_push_updates_reach_entities(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert state_of(hass, FRONT_DOOR) == STATE_OFF
    panel.open_zone(1)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_ON)
    panel.close_zone(1)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_OFF)


async def test_entities_unavailable_while_the_link_is_down_and_back_by_themselves(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE)
    assert state_of(hass, CONNECTION) == STATE_OFF  # the connection sensor itself stays available
    assert state_of(hass, "alarm_control_panel.house") == STATE_UNAVAILABLE
    ours = [r for r in caplog.records if r.name.startswith("custom_components.elke27")]
    assert [r.levelname for r in ours if r.levelno >= logging.WARNING] == ["WARNING"]  # once, not per retry

    panel.open_zone(1)  # changed while we were away
    await panel.start()
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_ON)
    assert state_of(hass, CONNECTION) == STATE_ON
    assert any("restored" in r.getMessage() and r.levelname == "INFO" for r in caplog.records)


async def test_link_revoked_at_runtime_starts_reauth(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.revoke_link(init_integration.data[CONF_CLIENT]["sn"])
    await panel.drop_connections()
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE


async def test_console_forget_makes_home_assistant_link_again(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The demo's way to try linking again: `forget` in the panel's console."""
    from e27_emulator.console import Console

    reply = await Console(panel).execute("forget")
    assert reply.startswith(f"forgot 1 link(s): {init_integration.data[CONF_CLIENT]['sn']}")
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_stale_devices_are_removed(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    linked_entry.add_to_hass(hass)
    stale = device_registry.async_get_or_create(
        config_entry_id=linked_entry.entry_id, identifiers={(DOMAIN, f"{linked_entry.unique_id}_light_99")}
    )
    assert await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert device_registry.async_get(stale.id) is None
    kept = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{linked_entry.unique_id}_light_1"), linked_entry.entry_id
    )
    assert kept is not None


async def test_removed_zone_disappears_after_the_panel_changes(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    entity_id = "binary_sensor.garage_motion"
    assert state_of(hass, entity_id) is not None
    panel.change_config("zone", 18, remove=True)
    await panel.drop_connections()  # the client re-reads the configuration checksums on reconnect
    await wait_for(hass, lambda: entity_registry.async_get(entity_id) is None and state_of(hass, FRONT_DOOR) == "off")
    assert init_integration.state is ConfigEntryState.LOADED


async def test_entry_from_a_newer_version_is_not_loaded(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    future = MockConfigEntry(
        domain=DOMAIN, unique_id=linked_entry.unique_id, data=dict(linked_entry.data), version=2, title="x"
    )
    future.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(future.entry_id)
    assert future.state is ConfigEntryState.MIGRATION_ERROR


async def test_configuration_cache_is_stored(
    hass: HomeAssistant, hass_storage: dict[str, Any], panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    stored = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.panel_config"]
    assert stored["data"]
    text = repr(stored)
    assert ACCESS_CODE not in text
    assert PASSPHRASE not in text
    # A second start uses the cache and still comes up complete.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, FRONT_DOOR) == STATE_OFF


async def test_reload_keeps_the_settings_of_wireless_zone_entities(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Without a cache the client learns which zones are wireless only after setup; cleanup must keep them."""
    entity_id = "sensor.house_bedroom_panic_button_signal_strength"
    await wait_for(hass, lambda: entity_registry.async_get(entity_id) is not None)
    entity_registry.async_update_entity(entity_id, disabled_by=None, name="Panic button signal")
    with patch("custom_components.elke27.coordinator.Store.async_load", AsyncMock(return_value=None)):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
    entry = entity_registry.async_get(entity_id)
    assert entry is not None
    assert (entry.disabled_by, entry.name) == (None, "Panic button signal")


async def test_update_entity_rereads_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    await radio_sweep_done(panel)
    with patch.object(panel, "_push_now", lambda body: None):  # this change is never pushed
        panel.open_zone(1)
        await asyncio.sleep(0)
    await hass.async_block_till_done()
    assert state_of(hass, FRONT_DOOR) == STATE_OFF

    await hass.services.async_call("homeassistant", "update_entity", {"entity_id": FRONT_DOOR}, blocking=True)
    assert state_of(hass, FRONT_DOOR) == STATE_ON
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_update_entity_while_the_panel_is_away(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE)
    await hass.services.async_call("homeassistant", "update_entity", {"entity_id": FRONT_DOOR}, blocking=True)
    assert state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_update_entity_that_the_panel_does_not_answer(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    panel.ignore_requests("control.get_version_info")
    await hass.services.async_call("homeassistant", "update_entity", {"entity_id": FRONT_DOOR}, blocking=True)
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Could not re-read the state of the panel" in error.getMessage()
    assert state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE
    panel.ignore_requests("control.get_version_info", ignore=False)
    panel.open_zone(1)  # the next push brings it back
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_ON)
