"""A command waiting behind a slow one fails unsent at its deadline, time in the platform's queue included."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from e27_emulator import EmulatorPanel

from .conftest import FAST_CLIENT, WAIT_TIMEOUT, client_options, panel_requests

PORCH = "light.porch_light"
DIMMER = "light.living_room_dimmer"
DEADLINE = 0.5


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.LIGHT]


@pytest.fixture(autouse=True)
def _short_deadline() -> Iterator[None]:
    with client_options(**FAST_CLIENT, command_deadline=DEADLINE):
        yield


def _writes(panel: EmulatorPanel) -> list[dict[str, Any]]:
    return panel_requests(panel, "light", "set_status")


async def test_an_action_queued_behind_a_slow_one_fails_unsent(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    loop = asyncio.get_running_loop()
    panel.reply_delay = 3600
    first = hass.async_create_task(hass.services.async_call("light", "turn_on", {"entity_id": PORCH}, blocking=True))
    async with asyncio.timeout(WAIT_TIMEOUT):  # not wait_for: it waits for the pending action too
        while not _writes(panel):
            await asyncio.sleep(0.01)
    # The lights platform runs one action at a time: the second waits in Home Assistant's queue.
    asked = loop.time()
    second = hass.async_create_task(hass.services.async_call("light", "turn_on", {"entity_id": DIMMER}, blocking=True))
    while loop.time() < asked + DEADLINE * 1.5:
        await asyncio.sleep(0.05)
    assert not first.done()
    assert not second.done()
    panel.reply_delay = 0
    await first
    with pytest.raises(HomeAssistantError) as err:
        await second
    assert err.value.translation_key == "busy_not_sent"
    await hass.async_block_till_done()
    assert len(_writes(panel)) == 1  # the dimmer's command never reached the panel
    assert panel.state.lights[1].level > 0
