"""Panel lights (level 0–99) as dimmable lights, against the emulated panel."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.light import ATTR_BRIGHTNESS
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from e27_emulator import EmulatorPanel

from .conftest import link_drops_during, state_of, wait_for

PORCH = "light.porch_light"
DIMMER = "light.living_room_dimmer"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.LIGHT]


async def _light(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call("light", service, {"entity_id": entity_id, **data}, blocking=True)


def _brightness(hass: HomeAssistant, entity_id: str) -> int | None:
    return hass.states.get(entity_id).attributes.get(ATTR_BRIGHTNESS)


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.parametrize(
    ("brightness", "level", "reported"),
    [(255, 99, 255), (128, 50, 129), (1, 1, 3)],
    ids=["full", "half", "lowest"],
)
async def test_turn_on_with_brightness(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    brightness: int,
    level: int,
    reported: int,
) -> None:
    await _light(hass, "turn_on", PORCH, brightness=brightness)
    assert panel.state.lights[1].level == level
    assert state_of(hass, PORCH) == STATE_ON
    assert _brightness(hass, PORCH) == reported  # the panel's level, converted back


async def test_turn_off_and_on_again_at_the_last_level(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    assert _brightness(hass, DIMMER) == 155  # level 60
    await _light(hass, "turn_on", DIMMER, brightness=128)
    await _light(hass, "turn_off", DIMMER)
    assert panel.state.lights[2].level == 0
    assert state_of(hass, DIMMER) == STATE_OFF

    await _light(hass, "turn_on", DIMMER)  # without a brightness the panel restores the last level
    assert panel.state.lights[2].level == 50
    assert state_of(hass, DIMMER) == STATE_ON
    assert _brightness(hass, DIMMER) == 129


async def test_slow_dimmer_reports_later(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.options.light_delay = 20  # panel seconds before the dimmer reports its new level
    await _light(hass, "turn_on", PORCH, brightness=255)
    assert state_of(hass, PORCH) == STATE_OFF  # the panel has not reported the new level yet
    panel.state.advance(20)
    await wait_for(hass, lambda: state_of(hass, PORCH) == STATE_ON)
    assert _brightness(hass, PORCH) == 255


async def test_level_changed_at_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_light(2, level=30)
    await wait_for(hass, lambda: _brightness(hass, DIMMER) == 77)
    panel.state.set_light(2, status="OFF")
    await wait_for(hass, lambda: state_of(hass, DIMMER) == STATE_OFF)


async def test_refused_command_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.change_config("light", 1, remove=True)
    with pytest.raises(HomeAssistantError) as err:
        await _light(hass, "turn_on", PORCH, brightness=100)
    assert err.value.translation_key == "command_refused"
    assert state_of(hass, PORCH) == STATE_OFF


async def test_link_lost_during_a_command(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    error = await link_drops_during(hass, panel, "light.set_status", "light", "turn_off", {"entity_id": DIMMER})
    assert error.translation_key == "not_connected"
    await wait_for(hass, lambda: state_of(hass, DIMMER) == STATE_UNAVAILABLE)
