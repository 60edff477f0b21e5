"""The radio sweep after ready against the emulated panel: it yields to commands, and cold equals warm."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from custom_components.elke27.e27 import ClientIdentity, E27Client, LinkCredentials, Panel, PanelEvent
from e27_emulator import EmulatorPanel

from ..emulated import make_client, make_state, mismatches, radio_sweep_done, running, wait_until


def zone_reads(requests: list[dict[str, Any]]) -> list[int]:
    """The zone ids of the zone.get_status requests among requests, in order."""
    return [request["zone"]["get_status"]["zone_id"] for request in requests if "get_status" in request.get("zone", {})]


def position(requests: list[dict[str, Any]], domain: str, command: str) -> int:
    """Index of the first request domain.command in requests."""
    return next(index for index, request in enumerate(requests) if command in request.get(domain, {}))


def credentials_for(panel: EmulatorPanel, identity: ClientIdentity) -> LinkCredentials:
    link = panel.add_link(identity.sn)
    return LinkCredentials(link.linkkey_hex, link.linkhmac_hex)


@pytest.mark.parametrize("pace", [None, 0.0], ids=["paced", "back-to-back"])
async def test_a_command_during_the_radio_sweep_goes_ahead_of_the_rest(
    identity: ClientIdentity, pace: float | None
) -> None:
    state = make_state()
    async with running(state) as panel:
        options = {} if pace is None else {"radio_sweep_pace": pace}
        client = make_client(panel, identity, credentials_for(panel, identity), **options)
        marks: list[int] = []
        commands: list[asyncio.Task[None]] = []

        def on_event(event: object) -> None:
            # The first zone the sweep reveals as wireless: a command is issued right then.
            if isinstance(event, PanelEvent) and not commands and any(kind == "zone" for kind, _ in event.changed):
                marks.append(len(panel.received))
                commands.append(asyncio.get_running_loop().create_task(client.async_set_output(1, True)))

        try:
            await client.async_connect()
            ready_at = len(panel.received)
            assert "get_status" not in panel.received[-1].get("zone", {})  # no sweep before ready
            client.subscribe(on_event)
            await wait_until(lambda: bool(commands))
            await commands[0]
            assert client.panel.outputs[1].on
            await radio_sweep_done(client)
            assert client.export_cache()["domains"]["zone"]["wireless"] == [11, 12, 18]
            assert not mismatches(client.panel, state)
        finally:
            await client.async_close()
        after = panel.received[marks[0] :]
        command = position(after, "output", "set_status")
        assert len(zone_reads(after[:command])) <= 1  # at most the read in flight was ahead of it
        assert zone_reads(after[command:])  # the sweep went on afterwards and finished later
        swept = zone_reads(panel.received[ready_at:])
        assert sorted(swept) == sorted(set(swept))  # every zone once
        assert set(swept) | {17, 18} == set(range(1, 19))  # 17 and 18 were read before ready


async def test_cold_and_warm_bootstraps_build_the_same_model(identity: ClientIdentity) -> None:
    state = make_state("large")
    state.open_zone(3)
    state.set_zone_trouble(27)
    state.set_low_battery(45)  # area 2 reports the low battery; the bulk digit stays normal
    state.set_output(5, "ON")
    async with running(state) as panel:
        credentials = credentials_for(panel, identity)

        async def connect(cache: dict[str, Any] | None) -> tuple[E27Client, Panel]:
            client = make_client(panel, identity, credentials, cache=cache, radio_sweep_pace=0.0)
            await client.async_connect()
            return client, client.panel

        cold, cold_ready = await connect(None)
        try:
            assert cold_ready.zones[45].low_battery is True  # known at ready, before the sweep
            await radio_sweep_done(cold)
            assert not mismatches(cold.panel, state)
            cold_swept = cold.panel
            cache = json.loads(json.dumps(cold.export_cache()))
        finally:
            await cold.async_close()
        assert len(cache["domains"]["zone"]["wireless"]) == sum(zone.wireless for zone in state.zones.values())
        await wait_until(lambda: panel.session_count == 0)
        warm, warm_ready = await connect(cache)
        try:
            assert warm.last_bootstrap is not None
            assert len(warm.last_bootstrap.cached_domains) == 7
            assert warm_ready == cold_ready
            wireless = set(cache["domains"]["zone"]["wireless"])
            await wait_until(lambda: {z.id for z in warm.panel.zones.values() if z.rssi is not None} == wireless)
            assert warm.panel == cold_swept
        finally:
            await warm.async_close()
