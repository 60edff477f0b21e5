"""The client facing a hostile panel: malformed content at connect and at runtime, and unexpected errors in
any of its tasks. It ends connected, a command works, and asyncio's exception handler hears nothing."""

from __future__ import annotations

import gc
import logging
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.elke27.e27 import (
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    E27ProtocolError,
    LinkCredentials,
)
from custom_components.elke27.e27 import client as client_module
from custom_components.elke27.e27.bootstrap import Bootstrap
from custom_components.elke27.e27.live import LiveModel
from e27_emulator import EmulatorPanel, PanelState

from ..emulated import Recorder, assert_in_sync, make_client, wait_until

LOGGER = "custom_components.elke27.e27"
# A dozen broadcasts no panel should send, each in a correctly encrypted frame.
HOSTILE_BROADCASTS = (
    '{"seq":"²","zone":{"get_status":{"zone_id":1,"secure_state":"VIOLATED"}}}',
    '{"seq":0,"session_id":"١٢٣","area":{"get_status":{"area_id":1}}}',
    '{"seq":0,"error_code":"²"}',
    '{"seq":0,"a":' + "[" * 990 + "]" * 990 + "}",
    '{"seq":0,"tstat":{"get_status":{"tstat_id":1,"temperature":' + "9" * 401 + ',"humidity":"٥٠"}}}',
    '{"seq":0,"area":{"get_status":{"area_id":1,"ee_timer":"³⁰","alarm_zone":[3],"arm_state":{"x":1},'
    '"alarms":[[[["FIRE"]]]],"zones_bypassed":1e400,"troubles":"AC"}}}',
    '{"seq":0,"zone":{"get_all_zones_status":{"status":"٣٣٣٣"}}}',
    '{"seq":0,"zone":{"get_status":{"zone_id":"2²","rssi":1e999,"low_batt":[]}}}',
    '{"seq":0,"lock":{"get_status":{"lock_id":1,"status":["ON"],"locked":{"a":1}}}}',
    '{"seq":0,"control":{"get_version_info":{"app":-1,"hw":"9999999999999999999999","sn":5}}}',
    '{"seq":0,"system":{"get_trouble":{"troubles":[[],{},1.5,null]}}}',
    '{"seq":0,"zone":{"get_status":{"zone_id":3,"secure_state":NaN}}}',
)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


async def test_hostile_panel(
    panel: EmulatorPanel,
    state: PanelState,
    identity: ClientIdentity,
    credentials: LinkCredentials,
    caplog: pytest.LogCaptureFixture,
    loop_errors: list[Any],
) -> None:
    client = make_client(panel, identity, credentials)
    recorder = Recorder(client)
    try:
        # A malformed hello reply at connect: a protocol error (retry later), not a bare ValueError.
        panel.script_hello_replies({"hello": {"seq": 110, "session_id": "²", "sk": "00", "shm": "00"}})
        with pytest.raises(E27ProtocolError, match="malformed hello reply"):
            await client.async_connect()
        await client.async_connect()
        await assert_in_sync(client, state)
        # A dozen malformed broadcasts at runtime: dropped, the session lives.
        for text in HOSTILE_BROADCASTS:
            assert await panel.inject(text) == 1
        state.open_zone(5)
        await wait_until(lambda: client.panel.zones[5].violated)  # the broadcast behind them all
        assert recorder.connection == [ConnectionEvent(True)]
        # What could not be read is unknown now (lock state, temperature, …), not made up.
        assert (client.panel.locks[1].locked, client.panel.thermostats[1].temperature) == (None, None)
        # A malformed hello reply while reconnecting: that attempt fails, the next one works.
        panel.script_hello_replies('{"hello":{"session_id":"²","sk":[],"shm":{}}}')
        await panel.drop_connections()
        await wait_until(lambda: len(recorder.connection) >= 3)
        assert [event.connected for event in recorder.connection] == [True, False, True]
        # A command works afterwards.
        await client.async_set_output(2, True)
        assert client.panel.outputs[2].on
        await assert_in_sync(client, state)
    finally:
        await client.async_close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = warnings_of(caplog)
    assert any("ignoring a malformed message" in text for text in warnings)
    assert any("reconnect attempt 1 failed: malformed hello reply" in text for text in warnings)
    gc.collect()
    assert loop_errors == []


async def test_an_unexpected_error_applying_a_message_ends_the_session_and_recovers(
    client: E27Client, state: PanelState, caplog: pytest.LogCaptureFixture, loop_errors: list[Any]
) -> None:
    recorder = Recorder(client)
    original = LiveModel.apply
    failed: list[bool] = []

    def apply_once_broken(self: LiveModel, message: Any) -> Any:
        if message.domain == "zone" and message.body.get("zone_id") == 4 and not failed:
            failed.append(True)
            raise KeyError("a bug in the model")
        return original(self, message)

    caplog.clear()
    with patch.object(LiveModel, "apply", apply_once_broken):
        state.open_zone(4)
        await recorder.wait_for(lambda: len(recorder.connection) >= 2)
        await assert_in_sync(client, state)
    assert [event.connected for event in recorder.connection] == [False, True]
    error = recorder.connection[0].error
    assert isinstance(error, E27ProtocolError)
    assert "unexpected KeyError in applying a message from the panel" in str(error)
    assert len(warnings_of(caplog)) == 1  # the loss, with its reason; the traceback at DEBUG
    assert any(r.exc_info for r in caplog.records if r.name == LOGGER and r.levelno == logging.DEBUG)
    gc.collect()
    assert loop_errors == []


async def test_an_unexpected_error_in_a_background_task_ends_the_session_and_recovers(
    client: E27Client, panel: EmulatorPanel, state: PanelState, loop_errors: list[Any]
) -> None:
    recorder = Recorder(client)
    original = Bootstrap.zones
    failed: list[bool] = []

    async def zones_once_broken(self: Bootstrap, **kwargs: Any) -> None:
        if not failed:
            failed.append(True)
            raise ZeroDivisionError("a bug in the zone re-read")
        await original(self, **kwargs)

    with patch.object(Bootstrap, "zones", zones_once_broken):
        # An area broadcast that changes nothing makes the client re-read the zones (docs/api.md §6).
        await panel.broadcast({"area": {"get_status": {"area_id": 2, "Chime": False, "error_code": 0}}})
        await recorder.wait_for(lambda: len(recorder.connection) >= 2)
    assert "unexpected ZeroDivisionError in a background task" in str(recorder.connection[0].error)
    assert recorder.connection[-1] == ConnectionEvent(True)
    await assert_in_sync(client, state)
    gc.collect()
    assert loop_errors == []


async def test_unexpected_errors_while_reconnecting_are_retried(
    client: E27Client, panel: EmulatorPanel, state: PanelState, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(client)
    original = client_module.bootstrap
    failures = [ValueError("invalid literal for int() with base 10: '²'"), TypeError("a bug")]

    async def bootstrap_failing_twice(*args: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return await original(*args)

    caplog.clear()
    with patch.object(client_module, "bootstrap", bootstrap_failing_twice):
        await panel.drop_connections()
        await recorder.wait_for(lambda: len(recorder.connection) >= 2)
    assert [event.connected for event in recorder.connection] == [False, True]
    assert client.last_error is None
    warnings = warnings_of(caplog)
    assert len(warnings) == 2  # the loss, then the first protocol failure of the outage (the second at DEBUG)
    assert "unexpected ValueError while connecting" in warnings[1]
    await assert_in_sync(client, state)


async def test_the_reconnect_supervisor_survives_anything(
    client: E27Client, panel: EmulatorPanel, state: PanelState, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(client)
    original = E27Client._drop_session
    failed: list[bool] = []

    async def drop_once_broken(self: E27Client) -> None:
        if not failed:
            failed.append(True)
            raise RuntimeError("a bug in the supervisor")
        await original(self)

    with patch.object(E27Client, "_drop_session", drop_once_broken):
        await panel.drop_connections()
        await recorder.wait_for(lambda: len(recorder.connection) >= 2)
    assert recorder.connection[-1] == ConnectionEvent(True)
    assert any("unexpected RuntimeError while reconnecting" in text for text in warnings_of(caplog))
    await assert_in_sync(client, state)


async def test_an_unexpected_error_at_connect_is_a_protocol_error(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials)
    with (
        patch.object(Bootstrap, "state", side_effect=IndexError("a bug at bootstrap")),
        pytest.raises(E27ProtocolError, match="unexpected IndexError while connecting"),
    ):
        await client.async_connect()
    assert not client.connected
    try:
        await client.async_connect()  # a later attempt starts afresh
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_frames_of_every_length_are_read(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """Our deframer has no reference quirk (docs/protocol.md §4.4): every frame with LENGTH low byte == protocol byte."""
    panel.send_length_quirk_frames()
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        state.open_zone(3)
        await client.async_set_light(2, True, 30)
        await assert_in_sync(client, state)
    finally:
        await client.async_close()
