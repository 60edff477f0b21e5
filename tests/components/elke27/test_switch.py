"""Outputs and area chimes as switches, against the emulated panel."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.elke27.e27.const import ErrorCode
from e27_emulator import EmulatorPanel

from .conftest import link_drops_during, state_of, wait_for

PORCH_RELAY = "switch.test_house_porch_relay"
HOUSE_CHIME = "switch.house_chime"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.SWITCH]


async def _switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call("switch", service, {"entity_id": entity_id}, blocking=True)


async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_output_on_and_off(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _switch(hass, "turn_on", PORCH_RELAY)
    assert panel.state.outputs[3].on
    assert state_of(hass, PORCH_RELAY) == STATE_ON  # the re-read after the command is done when the call returns

    await _switch(hass, "turn_off", PORCH_RELAY)
    assert not panel.state.outputs[3].on
    assert state_of(hass, PORCH_RELAY) == STATE_OFF
    assert not any(output.on for output in panel.state.outputs.values())


async def test_chime_on_and_off(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _switch(hass, "turn_on", HOUSE_CHIME)
    assert panel.state.areas[1].chime
    assert not panel.state.areas[2].chime
    assert state_of(hass, HOUSE_CHIME) == STATE_ON

    await _switch(hass, "turn_off", HOUSE_CHIME)
    assert not panel.state.areas[1].chime
    assert state_of(hass, HOUSE_CHIME) == STATE_OFF


async def test_output_changed_at_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_output(1, "ON")  # a panel rule (or a keypad) turns the siren on
    await wait_for(hass, lambda: state_of(hass, "switch.test_house_siren") == STATE_ON)
    panel.state.set_output(1, "OFF")
    await wait_for(hass, lambda: state_of(hass, "switch.test_house_siren") == STATE_OFF)


async def test_chime_changed_at_the_panel(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_chime(2, True)  # from the garage keypad
    await wait_for(hass, lambda: state_of(hass, "switch.garage_chime") == STATE_ON)
    assert state_of(hass, HOUSE_CHIME) == STATE_OFF


async def test_refused_command_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.change_config("output", 3, remove=True)  # the installer removed it; HA has not reloaded yet
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, "turn_on", PORCH_RELAY)
    assert err.value.translation_key == "command_refused"
    assert err.value.translation_placeholders["code"] == str(ErrorCode.INVALID_ID.value)
    assert state_of(hass, PORCH_RELAY) == STATE_OFF


@pytest.fixture
def short_request_timeout(init_integration: MockConfigEntry) -> Iterator[None]:
    """A short request timeout for the running session only, once setup is done.

    Set for the whole client, it would also bind the bootstrap's requests, which the panel does
    answer: a loaded machine could run one of them out and fail the setup.
    """
    client = init_integration.runtime_data.client
    assert client is not None
    assert client._session is not None
    with patch.object(client._session, "_request_timeout", 0.3):
        yield


@pytest.mark.usefixtures("short_request_timeout")
async def test_unanswered_command_is_no_reply(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.ignore_requests("output.set_status")  # nothing can answer in time
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, "turn_on", PORCH_RELAY)
    assert err.value.translation_key == "no_reply"


@pytest.mark.parametrize(
    ("entity_id", "route"),
    [(PORCH_RELAY, "output.set_status"), (HOUSE_CHIME, "area.set_status")],
    ids=["output", "chime"],
)
async def test_link_lost_during_a_command(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_id: str, route: str
) -> None:
    error = await link_drops_during(hass, panel, route, "switch", "turn_on", {"entity_id": entity_id})
    assert error.translation_key == "not_connected"
    await wait_for(hass, lambda: state_of(hass, entity_id) == STATE_UNAVAILABLE)
