"""Nothing the panel sends takes the integration down, and a link key the panel no longer holds leads to reauth."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import CONF_ACCESS_CODE, CONF_CLIENT, CONF_LINKKEY, CONF_PASSPHRASE, DOMAIN
from custom_components.elke27.e27 import E27Client
from custom_components.elke27.e27.crypto import seal
from custom_components.elke27.e27.framing import build_frame
from custom_components.elke27.e27.live import LiveModel
from e27_emulator import EmulatorPanel

from .conftest import (
    ACCESS_CODE,
    FAST_CLIENT,
    PASSPHRASE,
    WAIT_TIMEOUT,
    client_options,
    panel_requests,
    state_of,
    wait_for,
)

FRONT_DOOR = "binary_sensor.house_front_door"
HOUSE = "alarm_control_panel.house"
OUTPUT = "switch.test_house_porch_relay"
# Only these timeouts have to run out before the client concludes "link again": nothing answers.
LINK_CHECK = {"request_timeout": 0.5, "link_check_timeout": 0.5}


def _reauth_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def test_malformed_hello_reply_at_setup_is_retried(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    panel.script_hello_replies({"hello": {"seq": 110, "session_id": 7, "error_code": "²"}})
    linked_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(linked_entry.entry_id)
    await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_RETRY
    assert not _reauth_flows(hass)


async def test_unexpected_failure_at_setup_is_retried(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    closed = AsyncMock()
    with (
        patch.object(E27Client, "async_connect", AsyncMock(side_effect=RuntimeError("a bug"))),
        patch.object(E27Client, "async_close", closed),
    ):
        linked_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_RETRY  # not SETUP_ERROR: Home Assistant tries again
    closed.assert_awaited_once()
    # A defect is worth reporting: its traceback is logged as an error, not hidden at debug level.
    (record,) = [record for record in caplog.records if "unexpected error while connecting" in record.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert repr(record.exc_info[1]) == "RuntimeError('a bug')"


async def test_wrong_link_key_starts_reauth_and_linking_again_brings_the_entities_back(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """The panel holds another link key for our identity: hello works, nothing after it. Link again."""
    data = {**linked_entry.data, CONF_LINKKEY: "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, data=data)
    with client_options(**(FAST_CLIENT | LINK_CHECK)):
        await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = _reauth_flows(hass)

    # A panel that answers links within the submit itself: no progress step.
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: PASSPHRASE}
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reauth_successful")
    sn = linked_entry.data[CONF_CLIENT]["sn"]
    assert linked_entry.data[CONF_LINKKEY] == panel.links[sn].linkkey_hex  # the same identity, a new key
    await wait_for(hass, lambda: linked_entry.state is ConfigEntryState.LOADED)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_OFF)
    assert state_of(hass, HOUSE) == "disarmed"
    panel.open_zone(1)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_ON)


async def test_an_unexpected_error_makes_the_entities_unavailable_until_the_client_recovers(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    @callback
    def record(event: Event) -> None:
        if event.data["entity_id"] == FRONT_DOOR and event.data["new_state"] is not None:
            seen.append(event.data["new_state"].state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    original = LiveModel.apply
    failed: list[bool] = []

    def apply_once_broken(self: LiveModel, message: Any) -> Any:
        if message.domain == "zone" and message.body.get("zone_id") == 1 and not failed:
            failed.append(True)
            raise ValueError("a bug while applying a broadcast")
        return original(self, message)

    caplog.clear()
    with patch.object(LiveModel, "apply", apply_once_broken):
        panel.open_zone(1)
        await wait_for(hass, lambda: STATE_UNAVAILABLE in seen and state_of(hass, FRONT_DOOR) == STATE_ON)
    assert seen[seen.index(STATE_UNAVAILABLE) + 1 :][-1] == STATE_ON  # back, and up to date
    assert init_integration.state is ConfigEntryState.LOADED
    ours = [r for r in caplog.records if r.name.startswith("custom_components.elke27")]
    warnings = [r.getMessage() for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unexpected ValueError in applying a message from the panel" in warnings[0]
    assert not [r for r in ours if r.levelno >= logging.ERROR]


async def test_a_command_cut_short_by_a_protocol_error_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The session ends under a waiting command (here: a frame its key cannot open); the user gets a clear error."""
    panel.ignore_requests("output.set_status")
    call = hass.async_create_task(hass.services.async_call("switch", "turn_on", {"entity_id": OUTPUT}, blocking=True))
    await panel.wait_until(lambda: bool(panel_requests(panel, "output", "set_status")), timeout=WAIT_TIMEOUT)
    protocol, data = seal(bytes(16), b'{"seq":0}', envelope_seq=1, src=0, dest=1)  # not this session's key
    await panel.send_garbage(build_frame(protocol, data))
    with pytest.raises(HomeAssistantError) as err:
        await call
    assert err.value.translation_key == "not_connected"
    panel.ignore_requests("output.set_status", ignore=False)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_OFF)  # reconnected


async def test_an_unreadable_configuration_cache_is_ignored(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """The cache only saves requests: when it cannot be read, setup reads the panel instead."""
    linked_entry.add_to_hass(hass)
    unreadable = AsyncMock()
    unreadable.async_load.side_effect = ValueError("corrupt file")
    with patch("custom_components.elke27.coordinator.cache_store", return_value=unreadable):
        assert await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
    assert linked_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "alarm_control_panel.house") == "disarmed"
