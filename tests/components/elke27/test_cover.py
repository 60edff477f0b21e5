"""The garage door (a panel barrier) as a cover, against the emulated panel."""

from __future__ import annotations

import pytest
from homeassistant.components.cover import CoverState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import link_drops_during, panel_requests, state_of, wait_for

DOOR = "cover.garage_door"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.COVER]


async def _cover(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call("cover", service, {"entity_id": DOOR}, blocking=True)


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_open_then_close(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    barrier = panel.state.barriers[1]
    assert state_of(hass, DOOR) == CoverState.CLOSED

    await _cover(hass, "open_cover")
    assert barrier.status == "OPENING"
    assert state_of(hass, DOOR) == CoverState.OPENING
    panel.state.advance(barrier.travel_time)
    await wait_for(hass, lambda: state_of(hass, DOOR) == CoverState.OPEN)
    assert barrier.status == "OPEN"

    await _cover(hass, "close_cover")
    assert barrier.status == "CLOSING"
    assert state_of(hass, DOOR) == CoverState.CLOSING
    panel.state.advance(barrier.travel_time)
    await wait_for(hass, lambda: state_of(hass, DOOR) == CoverState.CLOSED)
    assert barrier.status == "CLOSED"
    # One command each: a repeated command could reverse the door.
    assert [r["status"] for r in panel_requests(panel, "barrier", "set_status")] == ["open", "close"]


async def test_stop_half_way(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _cover(hass, "open_cover")
    assert state_of(hass, DOOR) == CoverState.OPENING
    panel.state.advance(panel.state.barriers[1].travel_time / 2)

    await _cover(hass, "stop_cover")
    assert panel.state.barriers[1].status == "STOPPED"
    assert not panel.state.timer_running("barrier", 1)
    assert state_of(hass, DOOR) == CoverState.OPEN  # stopped part-way: open, not unknown
    client = init_integration.runtime_data.client
    assert client is not None
    before = client.last_bootstrap
    await panel.drop_connections()  # and so again after the client has read it afresh
    await wait_for(hass, lambda: client.connected and client.last_bootstrap is not before)
    await wait_for(hass, lambda: state_of(hass, DOOR) == CoverState.OPEN)


async def test_door_operated_at_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.operate_barrier(1, "open")  # the wall button
    await wait_for(hass, lambda: state_of(hass, DOOR) == CoverState.OPENING)
    panel.state.advance(panel.state.barriers[1].travel_time)
    await wait_for(hass, lambda: state_of(hass, DOOR) == CoverState.OPEN)


async def test_refused_command_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.change_config("barrier", 1, remove=True)
    with pytest.raises(HomeAssistantError) as err:
        await _cover(hass, "open_cover")
    assert err.value.translation_key == "command_refused"
    assert state_of(hass, DOOR) == CoverState.CLOSED


async def test_link_lost_during_a_command(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    error = await link_drops_during(hass, panel, "barrier.set_status", "cover", "open_cover", {"entity_id": DOOR})
    assert error.translation_key == "not_connected"
    await wait_for(hass, lambda: state_of(hass, DOOR) == STATE_UNAVAILABLE)
