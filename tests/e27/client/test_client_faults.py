"""The fault matrix: drops in every bootstrap phase, during commands and idle; silence; bad frames; reboots; revoked links.

Each case ends with the client's model equal to the emulator's truth, or with E27ProvisioningRequired.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest

from custom_components.elke27.e27 import (
    AreaState,
    ArmState,
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    E27ConnectionError,
    E27ProvisioningRequired,
    LinkCredentials,
    PanelEvent,
)
from custom_components.elke27.e27.crypto import seal
from custom_components.elke27.e27.framing import build_frame
from e27_emulator import EmulatorPanel, PanelState

from ..conftest import PIN
from ..emulated import FAST_CLIENT, WAIT_TIMEOUT, Recorder, assert_in_sync, make_client, wait_until

# Each bootstrap phase, in the order the client reaches them.
PHASES = [
    "control.get_version_info",
    "area.get_table_info",
    "zone.get_table_info",
    "zone.get_configured",
    "zone.get_defs",
    "zone.get_attribs",
    "system.get_attribs",
    "area.get_status",
    "zone.get_all_zones_status",
    "zone.get_status",
    "output.get_all_outputs_status",
    "light.get_status",
    "tstat.get_status",
    "system.get_trouble",
    "control.get_trouble",
]


def received_route(panel: EmulatorPanel, route: str, start: int) -> bool:
    domain, command = route.split(".")
    return any(isinstance(r.get(domain), dict) and command in r[domain] for r in panel.received[start:])


async def drop_when_asked(panel: EmulatorPanel, route: str, start: int) -> None:
    """Hold back the reply to route, drop every connection once it was asked, then answer again."""
    await panel.wait_until(lambda: received_route(panel, route, start), timeout=WAIT_TIMEOUT)
    await panel.drop_connections()
    panel.ignore_requests(route, ignore=False)


@pytest.mark.parametrize("route", PHASES)
async def test_drop_during_each_phase_of_a_reconnect(
    client: E27Client, panel: EmulatorPanel, state: PanelState, route: str
) -> None:
    recorder = Recorder(client)
    # A configuration change makes the reconnect download the zone domain again.
    state.change_config("zone", 2, name="Rear Door")
    state.open_zone(4)
    panel.ignore_requests(route)
    start = len(panel.received)
    dropper = asyncio.create_task(drop_when_asked(panel, route, start))
    await panel.drop_connections()
    await asyncio.wait_for(dropper, WAIT_TIMEOUT)
    await assert_in_sync(client, state)
    assert client.panel.zones[2].name == "Rear Door"
    assert [event.connected for event in recorder.connection] == [False, True]
    assert {("zone", 2), ("zone", 4)} <= recorder.changed


@pytest.mark.parametrize("route", ["area.get_table_info", "zone.get_attribs", "zone.get_all_zones_status"])
async def test_drop_during_the_first_bootstrap_raises(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials, route: str
) -> None:
    client = make_client(panel, identity, credentials)
    panel.ignore_requests(route)
    dropper = asyncio.create_task(drop_when_asked(panel, route, 0))
    with pytest.raises(E27ConnectionError):
        await client.async_connect()
    await dropper
    assert not client.connected
    await client.async_connect()  # a later attempt starts afresh
    try:
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_drop_during_a_command(client: E27Client, panel: EmulatorPanel, state: PanelState) -> None:
    recorder = Recorder(client)
    panel.ignore_requests("area.set_arm_state")  # no ack before the connection is gone
    start = len(panel.received)
    command = asyncio.create_task(client.async_arm(1, ArmState.ARMED_AWAY, PIN))
    await panel.wait_until(lambda: received_route(panel, "area.set_arm_state", start), WAIT_TIMEOUT)
    await panel.drop_connections()
    panel.ignore_requests("area.set_arm_state", ignore=False)
    with pytest.raises(E27ConnectionError):
        await command
    # Whether the panel acted on it is unknown to the client: after the reconnect the model
    # shows what really happened.
    await assert_in_sync(client, state)
    assert recorder.connection[0] == ConnectionEvent(False, recorder.connection[0].error)


async def test_idle_drop_and_changes_during_the_outage(
    client: E27Client, panel: EmulatorPanel, state: PanelState
) -> None:
    recorder = Recorder(client)
    await panel.stop()
    await recorder.wait_for(lambda: not client.connected)
    with pytest.raises(E27ConnectionError):
        await client.async_set_output(1, True)  # fails at once while disconnected
    state.open_zone(3)
    state.set_trouble("AC Fail")
    state.set_output(2, "ON")
    await panel.start()
    await assert_in_sync(client, state)
    assert recorder.connection[-1] == ConnectionEvent(True)
    last = recorder.events[-1]
    assert isinstance(last, PanelEvent)
    assert {("zone", 3), ("panel", 0), ("output", 2), ("area", 1)} <= last.changed


async def test_silent_panel_is_noticed_and_recovered(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    # Short timings: a silent panel is what they are about, and nothing can answer in time anyway: the
    # keepalive, the request in flight (the probe waits for it) and a reconnect attempt's hello.
    silence = {"keepalive_interval": 0.2, "keepalive_timeout": 0.2, "hello_timeout": 0.3, "request_timeout": 0.5}
    client = make_client(panel, identity, credentials)
    recorder = Recorder(client)
    try:
        # The first connect with the usual timings, since it must succeed: its bootstrap is answered, and
        # a loaded machine could run out 0.5 s. A reconnect gives the session the short ones (an attempt
        # that runs one out by accident is just tried again), and once it is online the sessions after
        # it get the usual request timeout back: their bootstraps are answered too.
        await client.async_connect()
        client.timing = replace(client.timing, **silence)
        await panel.drop_connections()
        await recorder.wait_for(lambda: client.connected and len(recorder.connection) >= 3)
        client.timing = replace(client.timing, request_timeout=FAST_CLIENT["request_timeout"])
        panel.go_silent(True)
        await recorder.wait_for(lambda: not client.connected)
        assert recorder.connection[-1].error is not None
        state.open_zone(5)
        panel.go_silent(False)
        await assert_in_sync(client, state)
        assert recorder.connection[-1] == ConnectionEvent(True)
    finally:
        await client.async_close()


async def test_corrupt_frames_and_garbage_are_dropped(
    client: E27Client, panel: EmulatorPanel, state: PanelState
) -> None:
    recorder = Recorder(client)
    await panel.send_corrupt_frame()
    await panel.send_garbage()
    state.open_zone(6)
    await assert_in_sync(client, state)
    assert recorder.connection == []  # the session survived


async def test_unreadable_frame_ends_the_session_and_recovers(
    client: E27Client, panel: EmulatorPanel, state: PanelState
) -> None:
    recorder = Recorder(client)
    protocol, data = seal(bytes(16), b'{"seq":0}', envelope_seq=1, src=0, dest=1)  # the wrong key: bad MAGIC
    await panel.send_garbage(build_frame(protocol, data))
    await recorder.wait_for(lambda: bool(recorder.connection))
    state.open_zone(6)
    await assert_in_sync(client, state)
    assert [event.connected for event in recorder.connection] == [False, True]


async def test_reboot_forgets_the_exit_delay(client: E27Client, panel: EmulatorPanel, state: PanelState) -> None:
    await client.async_arm(1, ArmState.ARMED_AWAY, PIN)
    assert client.panel.areas[1].state is AreaState.ARMING
    await panel.reboot(downtime=0.05)
    await assert_in_sync(client, state)
    assert client.panel.areas[1].state is AreaState.DISARMED


async def test_revoked_link_says_link_again_once_and_keeps_trying(
    client: E27Client, panel: EmulatorPanel, state: PanelState, identity: ClientIdentity
) -> None:
    recorder = Recorder(client)
    link = panel.links[identity.sn]
    panel.revoke_link(identity.sn)
    await panel.drop_connections()
    await recorder.wait_for(lambda: any(isinstance(e.error, E27ProvisioningRequired) for e in recorder.connection))
    refused = len([request for request in panel.received if "hello" in request])
    await wait_until(lambda: len([request for request in panel.received if "hello" in request]) >= refused + 2)
    assert [event.connected for event in recorder.connection] == [False, False]  # said once, however many tries
    assert isinstance(client.last_error, E27ProvisioningRequired)
    supervisor = client._supervisor
    assert supervisor is not None
    assert not supervisor.done()
    # The same link comes back (a restored panel backup): the client is back by itself.
    panel.add_link(identity.sn, linkkey_hex=link.linkkey_hex, linkhmac_hex=link.linkhmac_hex)
    await recorder.wait_for(lambda: recorder.connection[-1].connected)
    await assert_in_sync(client, state)


async def test_outage_logging_is_quiet(
    client: E27Client, panel: EmulatorPanel, state: PanelState, caplog: pytest.LogCaptureFixture
) -> None:
    """First failure at WARNING, repeats at DEBUG, one INFO line when the panel is back."""
    caplog.clear()
    await panel.stop()
    await wait_until(lambda: "reconnect attempt 3 failed" in caplog.text)
    await panel.start()
    await assert_in_sync(client, state)
    mine = [r for r in caplog.records if r.name == "custom_components.elke27.e27"]
    warnings = [r for r in mine if r.levelno == logging.WARNING]
    infos = [r for r in mine if r.levelno == logging.INFO]
    assert len(warnings) == 1
    assert warnings[0].getMessage().startswith("test panel: ")
    assert len(infos) == 1
    assert "restored" in infos[0].getMessage()
    assert not [r for r in mine if r.levelno >= logging.ERROR]


async def test_close_during_reconnect_stops_everything(client: E27Client, panel: EmulatorPanel) -> None:
    await panel.stop()
    await wait_until(lambda: not client.connected)
    await client.async_close()
    supervisor = client._supervisor
    assert supervisor is not None
    assert supervisor.cancelled()  # the reconnect loop is gone: nothing can connect again
    await panel.start()
    assert panel.session_count == 0
    assert not client.connected


async def test_missed_zone_broadcast_is_recovered_from_an_area_broadcast(
    client: E27Client, panel: EmulatorPanel, state: PanelState
) -> None:
    """docs/api.md §6: an area broadcast that changes nothing, or an area trouble, triggers a bulk zone re-read."""
    state.zones[3].open = True  # changed behind the client's back: its broadcast was "lost"
    start = len(panel.received)
    await panel.broadcast({"area": {"get_status": {"area_id": 2, "Chime": False, "error_code": 0}}})
    await wait_until(lambda: client.panel.zones[3].violated)
    assert received_route(panel, "zone.get_all_zones_status", start)
    state.zones[4].open = True
    await panel.broadcast({"area": {"get_trouble": {"area_id": 1, "troubles": [], "error_code": 0}}})
    await wait_until(lambda: client.panel.zones[4].violated)


async def test_configuration_changes_are_noticed_while_connected(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials, config_check_interval=0.05)
    recorder = Recorder(client)
    try:
        await client.async_connect()
        state.change_config("light", 2, name="Den Dimmer")
        state.change_config("output", 5, name="Gate Relay")
        state.change_config("zone", 16, remove=True)
        await recorder.wait_for(lambda: {("light", 2), ("output", 5), ("zone", 16)} <= recorder.changed)
        assert client.panel.lights[2].name == "Den Dimmer"
        assert 16 not in client.panel.zones
        await assert_in_sync(client, state)
    finally:
        await client.async_close()
