"""Shapes real panels send at bootstrap: busy reads, unpaged bitmask lists, odd table sizes (docs/api.md §2.5, §7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.elke27.e27 import (
    AreaState,
    ArmState,
    BarrierState,
    ClientIdentity,
    E27Client,
    LinkCredentials,
    Panel,
)
from custom_components.elke27.e27 import bootstrap as bootstrap_module
from custom_components.elke27.e27.bootstrap import MAX_TABLE_ELEMENTS, table_elements
from custom_components.elke27.e27.live import DOMAINS as LIVE_DOMAINS
from custom_components.elke27.e27.reconnect import ClientTiming
from e27_emulator import EmulatorPanel, PanelState

from ..emulated import assert_in_sync, make_client, radio_sweep_done, wait_until
from .test_client import routes

DOMAINS = [info.domain for info in LIVE_DOMAINS]


async def test_status_reads_refused_as_busy_are_asked_again(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """A panel still starting refuses reads with 11015: the client asks again until it answers."""
    state.open_zone(5)
    state.set_output(4, "ON")
    state.options.busy_reads = 3  # asked again after 0.25, 0.5 and 1 s
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert state.options.busy_reads == 0
        area = client.panel.areas[1]
        assert area.ready is (state.ready_status(1) != "RDY_NOT")  # told by the panel, not assumed
        assert area.chime is not None
        assert client.panel.zones[5].violated
        assert client.panel.outputs[4].on
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


@pytest.mark.parametrize("shape", ["mask_int", "mask_hex"])
async def test_configured_lists_as_an_unpaged_bitmask(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials, shape: str
) -> None:
    state.options.configured_as = shape
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert sorted(client.panel.zones) == sorted(
            zone_id for zone_id, zone in state.zones.items() if zone.definition != "UNDEFINED"
        )
        assert sorted(client.panel.areas) == sorted(state.areas)
        assert sorted(client.panel.outputs) == sorted(state.outputs)
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


@pytest.mark.parametrize("reported", [0, -1, "lots", None, 10**12])
async def test_a_bad_table_size_keeps_the_id_limit(
    panel: EmulatorPanel,
    state: PanelState,
    identity: ClientIdentity,
    credentials: LinkCredentials,
    reported: Any,
) -> None:
    """table_elements 0, negative or text must not lift the id limit nor let the panel make us ask for thousands of ids."""
    state.options.table_elements = reported if reported is not None else "n/a"
    state.options.configured_as = "mask_int"
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert sorted(client.panel.outputs) == sorted(state.outputs)
        assert client.last_bootstrap is not None
        assert client.last_bootstrap.requests < 200
    finally:
        await client.async_close()


@pytest.mark.parametrize(
    ("value", "elements"),
    [
        (64, 64),
        ("32", 32),
        (0, MAX_TABLE_ELEMENTS),
        (-5, MAX_TABLE_ELEMENTS),
        ("x", MAX_TABLE_ELEMENTS),
        (None, MAX_TABLE_ELEMENTS),
        (10**9, MAX_TABLE_ELEMENTS),
    ],
)
def test_table_elements_is_validated(value: Any, elements: int) -> None:
    assert table_elements(value) == elements


def test_unpaged_bitmasks_give_their_ids() -> None:
    assert bootstrap_module._bitmask(0b1011) == [1, 2, 4]
    assert bootstrap_module._bitmask("0x0b") == [1, 2, 4]
    assert bootstrap_module._bitmask("B") == [1, 2, 4]
    assert bootstrap_module._bitmask("zz") is None
    assert bootstrap_module._bitmask("f" * 1000) is None  # longer than any table
    assert bootstrap_module._bitmask(True) is None


async def test_the_configuration_check_reads_only_the_checksums(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """Every minute by default; each check is one get_table_info per domain, nothing more while nothing changed."""
    assert ClientTiming().config_check_interval == 60.0
    client = make_client(panel, identity, credentials, config_check_interval=0.02)
    try:
        await client.async_connect()
        await radio_sweep_done(client)
        start = len(panel.received)
        await wait_until(lambda: len(routes(panel, start)) >= 21)
        sent = routes(panel, start)[:21]
        assert set(sent) == {f"{domain}.get_table_info" for domain in DOMAINS}
        assert len(sent) == 3 * len(DOMAINS) == 21
    finally:
        await client.async_close()


# -- scripted shapes over the wire (e27_emulator.shapes) -------------------------------------------


# Sent after a shape: once the client shows it, it has read every message of the shape before it.
_SENTINEL = {"seq": 0, "output": {"get_status": {"output_id": 2, "status": "ON", "error_code": 0}}}


async def _played(client: E27Client, panel: EmulatorPanel, name: str, done: Callable[[Panel], bool]) -> Panel:
    assert not client.panel.outputs[2].on
    await panel.play_shape(name)
    await panel.inject(_SENTINEL)
    await wait_until(lambda: client.panel.outputs[2].on)
    assert done(client.panel)
    return client.panel


async def test_shape_bypass_by_secure_state(client: E27Client, panel: EmulatorPanel) -> None:
    await _played(client, panel, "bypass-by-secure-state", lambda p: p.zones[1].bypassed is True)


async def test_shape_lock_by_boolean(client: E27Client, panel: EmulatorPanel) -> None:
    await _played(client, panel, "lock-by-boolean", lambda p: p.locks[1].locked is False)


async def test_shape_battery_spellings(client: E27Client, panel: EmulatorPanel) -> None:
    await _played(client, panel, "battery-spellings", lambda p: p.thermostats[1].battery_level == 20)


async def test_shape_partial_troubles(client: E27Client, panel: EmulatorPanel) -> None:
    before = client.panel.version
    assert before is not None
    panel_now = await _played(
        client, panel, "partial-troubles", lambda p: p.version is not None and p.version.ssp == "2.6.1"
    )
    assert panel_now.trouble_modules == ("system",)
    assert panel_now.version is not None
    assert (panel_now.version.firmware, panel_now.version.build) == (before.firmware, before.build)


async def test_shape_bulk_digits(client: E27Client, panel: EmulatorPanel) -> None:
    panel_now = await _played(client, panel, "bulk-digits", lambda p: p.zones[3].bypassed is True)
    assert (panel_now.zones[3].violated, panel_now.zones[4].tamper, panel_now.zones[4].bypassed) == (
        False,
        False,
        False,
    )


async def test_shape_exit_delay_extended(client: E27Client, panel: EmulatorPanel) -> None:
    panel_now = await _played(client, panel, "exit-delay-extended", lambda p: p.areas[2].exit_delay == 60)
    assert (panel_now.areas[2].state, panel_now.areas[2].arming_to) == (AreaState.ARMING, ArmState.ARMED_AWAY)


async def test_shape_small_readings(client: E27Client, panel: EmulatorPanel) -> None:
    panel_now = await _played(
        client, panel, "small-readings", lambda p: p.version is not None and p.version.serial is None
    )
    assert (panel_now.areas[2].troubles, panel_now.areas[2].ready) == (("AC Fail",), True)
    assert panel_now.thermostats[1].reported_mode == "EMERGENCY_HEAT"


async def test_shape_barrier_stopped(client: E27Client, panel: EmulatorPanel) -> None:
    await _played(client, panel, "barrier-stopped", lambda p: p.barriers[1].state is BarrierState.STOPPED)
