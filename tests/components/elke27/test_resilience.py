"""Nothing the panel sends takes the integration down, and a link key the panel no longer holds leads to reauth."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27 import coordinator as coordinator_module
from custom_components.elke27.const import CONF_ACCESS_CODE, CONF_CLIENT, CONF_LINKKEY, CONF_PASSPHRASE, DOMAIN
from custom_components.elke27.e27 import E27Client, LinkTrouble
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


class _Clock:
    """The monotonic clock of the link-trouble evidence, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[_Clock]:
    """Link-trouble evidence on a test clock, fresh for every test."""
    manual = _Clock()
    with (
        patch("custom_components.elke27.coordinator.LinkTrouble", partial(LinkTrouble, clock=manual)),
        patch.dict(coordinator_module._LINK_TROUBLE, clear=True),
    ):
        yield manual


def _evidence(entry: MockConfigEntry) -> int:
    trouble = coordinator_module._LINK_TROUBLE.get(entry.entry_id)
    return trouble.count if trouble is not None else 0


async def _retry_setup(hass: HomeAssistant, entry: MockConfigEntry, clock: _Clock, seconds: float) -> None:
    """Let seconds pass (test clock and Home Assistant's) so that setup is retried, and wait for the attempt."""
    before = _evidence(entry)
    clock.now += seconds
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=max(seconds, 600)))
    await wait_for(hass, lambda: _evidence(entry) != before and entry.state is not ConfigEntryState.SETUP_IN_PROGRESS)


async def test_wrong_link_key_offers_reauth_after_minutes_and_linking_again_brings_the_entities_back(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, clock: _Clock
) -> None:
    """The panel holds another link key for our identity: hello works, nothing after it. Link again — once sure."""
    data = {**linked_entry.data, CONF_LINKKEY: "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, data=data)
    with client_options(**(FAST_CLIENT | LINK_CHECK)):
        await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
        assert linked_entry.state is ConfigEntryState.SETUP_RETRY
        assert not _reauth_flows(hass)
        await _retry_setup(hass, linked_entry, clock, 60)
        assert not _reauth_flows(hass)
        await _retry_setup(hass, linked_entry, clock, 60)
    assert linked_entry.state is ConfigEntryState.SETUP_RETRY  # still retrying
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


async def test_a_panel_silent_after_hello_at_setup_is_retried_and_a_working_session_withdraws_reauth(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, clock: _Clock
) -> None:
    linked_entry.add_to_hass(hass)
    panel.go_silent_after_hello()
    with client_options(**(FAST_CLIENT | LINK_CHECK)):
        await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
        assert linked_entry.state is ConfigEntryState.SETUP_RETRY
        await _retry_setup(hass, linked_entry, clock, 60)
        await _retry_setup(hass, linked_entry, clock, 60)
        assert len(_reauth_flows(hass)) == 1  # silent for minutes: offered, still retrying
    panel.go_silent_after_hello(False)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=30))
    await wait_for(hass, lambda: linked_entry.state is ConfigEntryState.LOADED)
    assert not _reauth_flows(hass)  # the panel answers again with the stored link: offer withdrawn
    assert state_of(hass, FRONT_DOOR) == STATE_OFF


async def test_a_panel_silent_after_hello_at_runtime_is_waited_for(
    hass: HomeAssistant, panel: EmulatorPanel, clock: _Clock, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data
    assert coordinator.client is not None
    coordinator.client.timing = replace(coordinator.client.timing, **LINK_CHECK)
    trouble = coordinator.client._link_trouble
    panel.go_silent_after_hello()
    await panel.drop_connections()
    await wait_for(hass, lambda: trouble.count >= trouble.attempts)
    assert state_of(hass, FRONT_DOOR) == STATE_UNAVAILABLE
    assert not _reauth_flows(hass)  # repeated, but within a minute: a busy panel, not a lost link
    clock.now += trouble.window
    await wait_for(hass, lambda: len(_reauth_flows(hass)) == 1)
    coordinator.client.timing = replace(coordinator.client.timing, request_timeout=WAIT_TIMEOUT)
    panel.go_silent_after_hello(False)
    await wait_for(hass, lambda: state_of(hass, FRONT_DOOR) == STATE_OFF)
    assert not _reauth_flows(hass)
    assert init_integration.state is ConfigEntryState.LOADED


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
