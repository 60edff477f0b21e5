"""Commands have a deadline from when they are asked for; a busy panel (11039) is asked again, any other code fails at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from custom_components.elke27.e27 import (
    ClientIdentity,
    E27CommandError,
    E27NotSentError,
    LinkCredentials,
    action_asked_at,
)
from custom_components.elke27.e27.const import BUSY_RETRIES, ErrorCode
from e27_emulator import EmulatorPanel, PanelState
from e27_emulator.handler import JsonObject, PanelSession, reply, request_route

from ..emulated import WAIT_TIMEOUT, assert_in_sync, make_client


def output_writes(panel: EmulatorPanel, output_id: int) -> list[JsonObject]:
    return [
        request
        for request in panel.received
        if request_route(request) == ("output", "set_status")
        and request["output"]["set_status"]["output_id"] == output_id
    ]


@contextmanager
def answering_writes_with(panel: EmulatorPanel, codes: list[Any], *, forever: bool = False) -> Iterator[None]:
    """Answer the next output writes with these error codes (with forever, the last one for ever), then as the panel would."""
    original = panel.handler

    def handler(session: PanelSession, request: JsonObject) -> Any:
        if request_route(request) == ("output", "set_status") and codes:
            code = codes[0] if forever and len(codes) == 1 else codes.pop(0)
            return [reply(session, request, {"output": {"set_status": {"error_code": code}}})]
        return original(session, request)

    panel.handler = handler
    try:
        yield
    finally:
        panel.handler = original


async def test_a_command_queued_past_its_deadline_fails_unsent_and_is_never_sent(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials, command_deadline=0.5)
    await client.async_connect()
    try:
        panel.reply_delay = 3600  # the panel takes its time with the first write
        first = asyncio.create_task(client.async_set_output(3, True))
        await panel.wait_until(lambda: bool(output_writes(panel, 3)), timeout=WAIT_TIMEOUT)
        async with asyncio.timeout(WAIT_TIMEOUT):
            with pytest.raises(E27NotSentError, match="not sent"):
                await client.async_set_output(4, True)
        assert not first.done()
        panel.reply_delay = 0
        async with asyncio.timeout(WAIT_TIMEOUT):
            await first
            await client.async_refresh()  # anything queued before would be on the wire by now
        assert not output_writes(panel, 4)
        assert not client.panel.outputs[4].on
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_time_spent_queueing_before_the_client_counts(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials, command_deadline=5.0)
    await client.async_connect()
    try:
        with action_asked_at(asyncio.get_running_loop().time() - 6.0), pytest.raises(E27NotSentError):
            await client.async_set_output(3, True)
        assert not output_writes(panel, 3)
        await client.async_set_output(3, True)  # outside, the deadline counts from now
        assert client.panel.outputs[3].on
    finally:
        await client.async_close()


async def test_a_busy_panel_is_asked_again(panel: EmulatorPanel, client: Any, state: PanelState) -> None:
    with answering_writes_with(panel, [ErrorCode.ZWAVE_BUSY, ErrorCode.ZWAVE_BUSY]):
        await client.async_set_output(3, True)
    assert len(output_writes(panel, 3)) == 3
    assert client.panel.outputs[3].on


async def test_a_panel_that_stays_busy_fails_the_command_after_a_few_tries(panel: EmulatorPanel, client: Any) -> None:
    with answering_writes_with(panel, [ErrorCode.ZWAVE_BUSY], forever=True), pytest.raises(E27CommandError) as err:
        await client.async_set_output(3, True)
    assert err.value.code == ErrorCode.ZWAVE_BUSY
    assert len(output_writes(panel, 3)) == BUSY_RETRIES + 1


async def test_busy_retries_never_go_past_the_deadline(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials, command_deadline=0.2)
    await client.async_connect()
    try:
        with answering_writes_with(panel, [ErrorCode.ZWAVE_BUSY], forever=True), pytest.raises(E27CommandError) as err:
            await client.async_set_output(3, True)
        assert err.value.code == ErrorCode.ZWAVE_BUSY
        # The first retry would start 0.25 s after a reply: past a 0.2 s deadline, so none is sent.
        assert len(output_writes(panel, 3)) == 1
    finally:
        await client.async_close()


@pytest.mark.parametrize(
    ("code", "expected"),
    [(-1, -1), ("-5", -5), (99999, 99999), ("11004", 11004), ("bogus", ErrorCode.UNKNOWN), (2**40, 2**40)],
    ids=repr,
)
async def test_any_other_error_code_fails_the_command_at_once(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials, code: Any, expected: int
) -> None:
    # A timeout short of the suite's patience: dropping the reply would end in E27TimeoutError instead.
    client = make_client(panel, identity, credentials, request_timeout=3.0)
    await client.async_connect()
    try:
        with answering_writes_with(panel, [code]), pytest.raises(E27CommandError) as err:
            await client.async_set_output(3, True)
        assert err.value.code == expected
        assert len(output_writes(panel, 3)) == 1
        assert client.connected
    finally:
        await client.async_close()
