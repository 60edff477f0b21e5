"""Door locks, against the emulated panel."""

from __future__ import annotations

import pytest
from homeassistant.components.lock import LockState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import link_drops_during, state_of, wait_for

LOCK = "lock.front_door_lock"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.LOCK]


async def _lock(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("lock", service, {"entity_id": LOCK}, blocking=True)


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_unlock_and_lock(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert state_of(hass, LOCK) == LockState.LOCKED
    await _lock(hass, "unlock")
    assert not panel.state.locks[1].locked
    assert state_of(hass, LOCK) == LockState.UNLOCKED

    await _lock(hass, "lock")
    assert panel.state.locks[1].locked
    assert state_of(hass, LOCK) == LockState.LOCKED


async def test_lock_changed_at_the_door(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_lock(1, "OFF")  # turned by hand
    await wait_for(hass, lambda: state_of(hass, LOCK) == LockState.UNLOCKED)


async def test_refused_command_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.change_config("lock", 1, remove=True)
    with pytest.raises(HomeAssistantError) as err:
        await _lock(hass, "unlock")
    assert err.value.translation_key == "command_refused"
    assert state_of(hass, LOCK) == LockState.LOCKED


async def test_link_lost_during_a_command(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    error = await link_drops_during(hass, panel, "lock.set_status", "lock", "unlock", {"entity_id": LOCK})
    assert error.translation_key == "not_connected"
    await wait_for(hass, lambda: state_of(hass, LOCK) == STATE_UNAVAILABLE)
