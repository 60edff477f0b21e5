"""Reads a panel refuses at bootstrap: what is absent stays absent, what is busy fails the connect (docs/api.md §2.4, §7)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.elke27.e27 import ClientIdentity, E27Client, E27CommandError, E27ConnectionError, LinkCredentials
from custom_components.elke27.e27.const import ErrorCode
from e27_emulator import EmulatorPanel, PanelState
from e27_emulator.commands import COMMANDS, Context
from e27_emulator.model import Refused

from ..emulated import assert_in_sync, make_client
from .test_client import routes

type Run = Callable[[Context, dict[str, Any]], dict[str, Any]]


@contextmanager
def answering(route: tuple[str, str], run: Callable[[Run, Context, dict[str, Any]], dict[str, Any]]) -> Iterator[None]:
    """The emulated panel answers route with run(original, ctx, params) instead of its own command."""
    original = COMMANDS[route]
    replaced = dataclasses.replace(original, run=lambda ctx, params: run(original.run, ctx, params))
    with patch.dict(COMMANDS, {route: replaced}):
        yield


def refusing(code: ErrorCode, when: Callable[[dict[str, Any]], bool] = lambda params: True) -> Any:
    """A replacement that refuses with code (the requests `when` selects) and otherwise answers as the panel does."""

    def run(original: Run, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        if when(params):
            raise Refused(code)
        return original(ctx, params)

    return run


async def _connected(panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials) -> E27Client:
    client = make_client(panel, identity, credentials)
    await client.async_connect()
    return client


@pytest.mark.parametrize("code", [ErrorCode.INVALID_TABLE, ErrorCode.UNRECOGNIZED_CMD])
async def test_a_list_the_panel_does_not_have_leaves_only_that_domain_empty(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials, code: ErrorCode
) -> None:
    """A panel without locks answers lock.get_configured with an error: no locks, everything else as usual."""
    assert state.locks
    with answering(("lock", "get_configured"), refusing(code)):
        client = await _connected(panel, identity, credentials)
    try:
        assert client.connected
        assert client.panel.locks == {}
        assert sorted(client.panel.zones) == sorted(state.zones)
        assert sorted(client.panel.outputs) == sorted(state.outputs)
        assert "lock.get_attribs" not in routes(panel)
    finally:
        await client.async_close()


@pytest.mark.parametrize("command", ["get_table_info", "get_configured"])
async def test_a_busy_table_fails_the_connect_rather_than_empty_the_domain(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials, command: str
) -> None:
    """11015 means "ask later", not "no locks": reporting the panel without them would delete the owner's entities."""
    client = make_client(panel, identity, credentials)
    with answering(("lock", command), refusing(ErrorCode.NOT_READY)), pytest.raises(E27ConnectionError) as err:
        await client.async_connect()
    assert isinstance(err.value.__cause__, E27CommandError)
    assert err.value.__cause__.code == ErrorCode.NOT_READY
    assert not client.connected
    await client.async_close()


async def test_an_element_that_vanished_between_list_and_read_is_left_out(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """get_attribs answered 11006 (invalid id) for one listed output: that output is skipped, the others kept."""
    gone = max(state.outputs)
    with answering(("output", "get_attribs"), refusing(ErrorCode.INVALID_ID, lambda p: p.get("output_id") == gone)):
        client = await _connected(panel, identity, credentials)
    try:
        assert sorted(client.panel.outputs) == sorted(set(state.outputs) - {gone})
    finally:
        await client.async_close()


async def test_any_other_refusal_of_an_elements_attributes_fails_the_connect(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """Only "no such id" drops an element; a refusal for another reason must not make it disappear."""
    client = make_client(panel, identity, credentials)
    with answering(("output", "get_attribs"), refusing(ErrorCode.NOAUTH)), pytest.raises(E27ConnectionError) as err:
        await client.async_connect()
    assert isinstance(err.value.__cause__, E27CommandError)
    assert not client.connected
    await client.async_close()


async def test_zone_definitions_refused_keeps_every_zone(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """zone.get_defs only names definitions by number: without it, zones (named by their attributes) are all there."""
    with answering(("zone", "get_defs"), refusing(ErrorCode.UNRECOGNIZED_CMD)):
        client = await _connected(panel, identity, credentials)
    try:
        assert sorted(client.panel.zones) == sorted(
            zone_id for zone_id, zone in state.zones.items() if zone.definition != "UNDEFINED"
        )
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_odd_zone_definitions_keep_their_places(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """A zone's definition by number indexes get_defs' list: items that are not names must not shift the others."""
    baseline = await _connected(panel, identity, credentials)
    kinds = {zone_id: zone.kind for zone_id, zone in baseline.panel.zones.items()}
    await baseline.async_close()
    junk: list[Any] = [7, None, {"name": "x"}]
    names: list[str] = []

    def defs(original: Run, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        reply = original(ctx, params)
        if params.get("block_id") == 1:
            reply["definitions"] = junk + reply["definitions"]
        names.extend(item for item in reply["definitions"] if isinstance(item, str))
        return reply

    def by_number(original: Run, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        reply = original(ctx, params)
        reply["definition"] = len(junk) + names.index(reply["definition"]) + 1  # 1-based (docs/api.md §4.4)
        return reply

    with answering(("zone", "get_defs"), defs), answering(("zone", "get_attribs"), by_number):
        client = await _connected(panel, identity, credentials)
    try:
        assert {zone_id: zone.kind for zone_id, zone in client.panel.zones.items()} == kinds
    finally:
        await client.async_close()


async def test_outputs_are_read_one_by_one_when_the_bulk_status_is_refused(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """Without output.get_all_outputs_status the client still learns every output's state, from get_status."""
    state.set_output(4, "ON")
    with answering(("output", "get_all_outputs_status"), refusing(ErrorCode.UNRECOGNIZED_CMD)):
        client = await _connected(panel, identity, credentials)
    try:
        assert client.panel.outputs[4].on
        assert not client.panel.outputs[min(state.outputs)].on
        read = [
            request["output"]["get_status"]["output_id"]
            for request in panel.received
            if "get_status" in request.get("output", {})
        ]
        assert sorted(read) == sorted(state.outputs)
    finally:
        await client.async_close()


async def test_a_refused_optional_read_does_not_stop_the_bootstrap(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """A panel that does not answer system.get_attribs (its display name) is still read in full; the name stays ours."""
    with answering(("system", "get_attribs"), refusing(ErrorCode.UNRECOGNIZED_CMD)):
        client = await _connected(panel, identity, credentials)
    try:
        assert client.connected
        assert client.panel.name != "Demo House"
        assert routes(panel).count("system.get_attribs") == 1  # refused for good: not asked again
        assert sorted(client.panel.areas) == sorted(state.areas)
        assert client.panel.zones[5].violated is False
    finally:
        await client.async_close()
