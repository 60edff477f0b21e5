"""The client against the emulated panel: bootstrap, cache, commands and their failures, broadcasts."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.elke27.e27 import (
    AreaState,
    ArmState,
    BarrierState,
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    E27CommandError,
    E27ConnectionError,
    E27ProvisioningRequired,
    E27TimeoutError,
    FanMode,
    LinkCredentials,
    PanelEvent,
    ThermostatMode,
    ZoneKind,
)
from e27_emulator import EmulatorPanel, PanelState

from ..conftest import PIN
from ..emulated import (
    Recorder,
    assert_in_sync,
    make_client,
    make_state,
    mismatches,
    radio_sweep_done,
    running,
    wait_until,
)


def routes(panel: EmulatorPanel, start: int = 0) -> list[str]:
    """domain.command of every request the panel received since index start."""
    found = []
    for request in panel.received[start:]:
        if "hello" in request:
            continue
        domain = next((key for key in request if key not in ("seq", "session_id")), "?")
        inner = request.get(domain)
        found.append(
            f"{domain}.{next(iter(inner))}" if isinstance(inner, dict) and domain != "authenticate" else domain
        )
    return found


# -- bootstrap -----------------------------------------------------------------------------------


async def test_bootstrap_default_panel_to_ready(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials)
    recorder = Recorder(client)
    try:
        await client.async_connect()
        assert client.connected
        assert recorder.connection == [ConnectionEvent(True)]
        model = client.panel
        assert model.name == "Demo House"
        assert (len(model.areas), len(model.zones), len(model.outputs), len(model.lights)) == (2, 18, 4, 2)
        assert (len(model.locks), len(model.barriers), len(model.thermostats)) == (1, 1, 1)
        assert model.zones[18].low_battery is True  # found at ready, though the bulk digit says normal
        assert model.zones[7].kind is ZoneKind.SMOKE
        assert all(area.state is AreaState.DISARMED for area in model.areas.values())
        sent = routes(panel)
        assert "zone.get_all_zones_status" in sent
        assert "output.get_all_outputs_status" in sent
        assert client.last_bootstrap is not None
        assert client.last_bootstrap.requests == len(sent)
        assert panel.max_in_flight == 1
        # The background sweep reads each remaining zone once and learns its radio fields.
        await assert_in_sync(client, state)
        assert client.panel.zones[11].rssi == -58
        await radio_sweep_done(client)
        assert client.export_cache()["domains"]["zone"]["wireless"] == [11, 12, 18]
    finally:
        await client.async_close()


async def test_bootstrap_large_panel(identity: ClientIdentity) -> None:
    state = make_state("large")
    async with running(state) as panel:
        link = panel.add_link(identity.sn)
        # The radio sweep back to back: 192 paced reads would only make the test slower.
        credentials = LinkCredentials(link.linkkey_hex, link.linkhmac_hex)
        client = make_client(panel, identity, credentials, radio_sweep_pace=0.0)
        try:
            await client.async_connect()
            model = client.panel
            assert (len(model.areas), len(model.zones), len(model.outputs), len(model.lights)) == (8, 192, 64, 16)
            assert (len(model.locks), len(model.barriers), len(model.thermostats)) == (8, 4, 8)
            sent = routes(panel)
            assert sent.count("zone.get_configured") == -(-state.tables["zone"] // state.options.block_size)
            assert sent.count("zone.get_status") < 64  # the bulk status did most of the work
            await assert_in_sync(client, state)
        finally:
            await client.async_close()


@pytest.mark.parametrize(
    "option",
    [
        {"block_fields_as_strings": True},  # old firmware (docs/api.md §2.5)
        {"block_size": 4},  # many small blocks
        {"outputs_block_size": 3},  # a paged bulk output status
        {"trouble_reply_plural": True},  # system.get_trouble answered as get_troubles
    ],
)
async def test_bootstrap_tolerates_firmware_variants(
    panel: EmulatorPanel,
    state: PanelState,
    identity: ClientIdentity,
    credentials: LinkCredentials,
    option: dict[str, Any],
) -> None:
    for key, value in option.items():
        setattr(state.options, key, value)
    state.set_output(4, "ON")
    state.set_trouble("AC Fail")
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert client.panel.outputs[4].on
        assert client.panel.troubles == ("AC Fail",)
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_missing_tables_are_empty_domains(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    state.tables["lock"] = 0  # 11003: this panel has no lock table
    state.tables["barrier"] = 0
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert (dict(client.panel.locks), dict(client.panel.barriers)) == ({}, {})
        assert len(client.panel.zones) == 18
    finally:
        await client.async_close()


async def test_undefined_zones_are_left_out(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    state.change_config("zone", 30, name="Spare", definition="UNDEFINED")
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        assert 30 not in client.panel.zones
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_warm_cache_skips_the_configuration_download(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    first = make_client(panel, identity, credentials)
    await first.async_connect()
    await assert_in_sync(first, state)
    await radio_sweep_done(first)
    cache = json.loads(json.dumps(first.export_cache()))  # what a config entry would store
    cold = first.last_bootstrap
    await first.async_close()
    await wait_until(lambda: panel.session_count == 0)
    start = len(panel.received)
    second = make_client(panel, identity, credentials, cache=cache)
    try:
        await second.async_connect()
        sent = routes(panel, start)
        downloads = [route for route in sent if route.endswith(("get_attribs", "get_configured", "get_defs"))]
        assert downloads == ["system.get_attribs"]  # only the panel name is read every time
        assert second.last_bootstrap is not None
        assert cold is not None
        assert second.last_bootstrap.requests < cold.requests / 2
        assert set(second.last_bootstrap.cached_domains) == {
            "area",
            "zone",
            "output",
            "light",
            "lock",
            "barrier",
            "tstat",
        }
        # Only the wireless zones known from the cache are read after ready, not every zone.
        await assert_in_sync(second, state)
        assert second.panel.zones[11].rssi == -58
        read = [r["zone"]["get_status"]["zone_id"] for r in panel.received[start:] if "get_status" in r.get("zone", {})]
        # Area 2's trouble: of its zones only 18 is wireless, so only 18 is read before ready
        # (its low battery); then the radios.
        assert sorted(read) == [11, 12, 18]
    finally:
        await second.async_close()


async def test_changed_csm_downloads_only_that_domain(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    first = make_client(panel, identity, credentials)
    await first.async_connect()
    await radio_sweep_done(first)
    cache = first.export_cache()
    await first.async_close()
    await wait_until(lambda: panel.session_count == 0)
    state.change_config("light", 2, name="Den Dimmer")
    start = len(panel.received)
    second = make_client(panel, identity, credentials, cache=cache)
    try:
        await second.async_connect()
        downloads = {route for route in routes(panel, start) if route.endswith(("get_attribs", "get_configured"))}
        assert downloads == {"light.get_configured", "light.get_attribs", "system.get_attribs"}
        assert second.panel.lights[2].name == "Den Dimmer"
        await assert_in_sync(second, state)
    finally:
        await second.async_close()


@pytest.mark.parametrize(
    "cache",
    [
        {"format": 1, "domains": {"zone": {"csm": 1, "elements": "lots", "attribs": {}}}},
        {"format": 0, "domains": {}},
        {"nonsense": True},
    ],
)
async def test_malformed_cache_is_ignored(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials, cache: Any
) -> None:
    client = make_client(panel, identity, credentials, cache=cache)
    try:
        await client.async_connect()
        assert client.last_bootstrap is not None
        assert client.last_bootstrap.cached_domains == ()
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


async def test_connect_without_credentials_requires_provisioning(
    panel: EmulatorPanel, identity: ClientIdentity
) -> None:
    client = make_client(panel, identity, None)
    with pytest.raises(E27ProvisioningRequired):
        await client.async_connect()
    assert not client.connected


async def test_connect_to_nothing_is_a_connection_error(identity: ClientIdentity) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    client = E27Client("127.0.0.1", port, identity, LinkCredentials("00" * 16, "00" * 20))
    with pytest.raises(E27ConnectionError):
        await client.async_connect()


async def test_unknown_timing_option_is_refused(identity: ClientIdentity) -> None:
    with pytest.raises(TypeError, match="keepalive"):
        E27Client("127.0.0.1", 1, identity, None, keepalive=3)


# -- commands ------------------------------------------------------------------------------------


async def test_arm_away_runs_the_exit_delay_then_auto_stays(client: E27Client, state: PanelState) -> None:
    recorder = Recorder(client)
    await client.async_arm(1, ArmState.ARMED_AWAY, PIN)
    area = client.panel.areas[1]
    assert (area.state, area.arming_to, area.exit_delay) == (AreaState.ARMING, ArmState.ARMED_AWAY, 60)
    for remaining in range(59, 0, -1):
        state.advance(1)
        await recorder.wait_for(lambda left=remaining: client.panel.areas[1].exit_delay == left)
    state.advance(1)
    await recorder.wait_for(lambda: client.panel.areas[1].state is AreaState.ARMED_STAY)  # nobody left: auto-stay
    delays = [event for event in recorder.events if isinstance(event, PanelEvent) and ("area", 1) in event.changed]
    assert len(delays) > 3  # countdown ticks reached the listener
    await assert_in_sync(client, state)


async def test_arm_away_with_auto_stay_cancel_and_no_exit_delay(client: E27Client, state: PanelState) -> None:
    await client.async_arm(2, ArmState.ARMED_AWAY, str(PIN), auto_stay_cancel=True, exit_delay_cancel=True)
    assert client.panel.areas[2].state is AreaState.ARMED_AWAY  # the re-read after the ack already shows it
    await client.async_disarm(2, PIN)
    assert client.panel.areas[2].state is AreaState.DISARMED
    await assert_in_sync(client, state)


async def test_entry_delay_then_alarm_then_disarm(client: E27Client, state: PanelState) -> None:
    recorder = Recorder(client)
    await client.async_arm(1, ArmState.ARMED_STAY, PIN, exit_delay_cancel=True)
    state.open_zone(1)  # front door: entry delay
    await recorder.wait_for(lambda: client.panel.areas[1].state is AreaState.PENDING)
    area = client.panel.areas[1]
    assert (area.alarm_zone, area.in_alarm) == (1, False)
    state.advance(30)
    await recorder.wait_for(lambda: client.panel.areas[1].state is AreaState.TRIGGERED)
    assert client.panel.areas[1].alarms == ("BURGLARY",)
    await client.async_disarm(1, PIN)
    assert client.panel.areas[1].state is AreaState.DISARMED
    state.close_zone(1)
    await assert_in_sync(client, state)


async def test_instant_alarm_and_24_hour_zones(client: E27Client, state: PanelState) -> None:
    recorder = Recorder(client)
    state.open_zone(7)  # smoke: alarms while disarmed
    await recorder.wait_for(lambda: client.panel.areas[1].in_alarm)
    assert client.panel.areas[1].alarms == ("FIRE",)
    assert client.panel.areas[1].alarm_zone == 7
    with pytest.raises(E27CommandError) as err:
        await client.async_arm(1, ArmState.ARMED_STAY, PIN)
    assert err.value.code == 11027
    state.trip_alarm(2, "PANIC")
    await recorder.wait_for(lambda: client.panel.areas[2].state is AreaState.TRIGGERED)
    await assert_in_sync(client, state)


@pytest.mark.parametrize(
    ("setup", "area_id", "pin", "code"),
    [
        (None, 1, PIN + 1, 11004),  # wrong code
        ("open", 1, PIN, 11015),  # not ready
        ("armed", 1, PIN, 11028),  # already armed
        (None, 1, 3690, 11008),  # the garage user has no rights in the house
        (None, 9, PIN, 11006),  # no such area
    ],
)
async def test_arm_failures_raise_the_panel_code(
    client: E27Client, state: PanelState, setup: str | None, area_id: int, pin: int, code: int
) -> None:
    if setup == "open":
        state.open_zone(3)
    elif setup == "armed":
        await client.async_arm(1, ArmState.ARMED_STAY, PIN, exit_delay_cancel=True)
    with pytest.raises(E27CommandError) as err:
        await client.async_arm(area_id, ArmState.ARMED_AWAY, pin)
    assert err.value.code == code
    assert str(pin) not in str(err.value)
    assert client.connected
    await assert_in_sync(client, state)


async def test_pins_are_validated_before_anything_is_sent(client: E27Client, panel: EmulatorPanel) -> None:
    before = len(panel.received)
    for pin in ("12ab", "", 0, "1234567", 1_000_000):
        with pytest.raises(ValueError, match="PIN"):
            await client.async_arm(1, ArmState.ARMED_AWAY, pin)
    with pytest.raises(ValueError, match="ARMED_AWAY or ARMED_STAY"):
        await client.async_arm(1, ArmState.UNKNOWN, PIN)
    with pytest.raises(ValueError, match="PIN"):
        await client.async_bypass_zone(3, "x")
    assert len(panel.received) == before


async def test_pin_goes_out_as_a_json_integer(client: E27Client, panel: EmulatorPanel) -> None:
    await client.async_arm(2, ArmState.ARMED_STAY, f"{PIN}", exit_delay_cancel=True)
    sent = [r for r in panel.received if "area" in r and "set_arm_state" in r["area"]]
    assert sent[-1]["area"]["set_arm_state"]["pin"] == PIN


async def test_bypass_and_unbypass(client: E27Client, state: PanelState) -> None:
    state.open_zone(4)
    await wait_until(lambda: client.panel.zones[4].violated)
    assert not client.panel.areas[1].ready
    await client.async_bypass_zone(4, PIN)
    assert client.panel.zones[4].bypassed
    assert client.panel.areas[1].bypassed_count == 1
    await wait_until(lambda: client.panel.areas[1].ready)
    await client.async_bypass_zone(4, PIN, bypass=False)
    assert not client.panel.zones[4].bypassed
    with pytest.raises(E27CommandError) as err:
        await client.async_bypass_zone(7, PIN)  # a fire zone cannot be bypassed
    assert err.value.code == 11023
    await assert_in_sync(client, state)


async def test_arm_with_bypass(client: E27Client, state: PanelState) -> None:
    state.open_zone(3)
    state.open_zone(5)
    await wait_until(lambda: client.panel.zones[3].violated and client.panel.zones[5].violated)
    with pytest.raises(TypeError):
        await client.async_arm_with_bypass(1, ArmState.ARMED_AWAY, PIN, instant=True)
    assert not client.panel.zones[3].bypassed  # nothing was bypassed for a call that could not arm
    result = await client.async_arm_with_bypass(1, ArmState.ARMED_AWAY, PIN, auto_stay_cancel=True)
    assert (result.bypassed, dict(result.failed), result.armed) == ((3, 5), {}, True)
    assert client.panel.areas[1].state is AreaState.ARMING
    state.advance(60)
    await wait_until(lambda: client.panel.areas[1].state is AreaState.ARMED_AWAY)
    await client.async_disarm(1, PIN)  # disarming an armed area clears its bypasses
    await wait_until(lambda: not client.panel.zones[3].bypassed)
    await assert_in_sync(client, state)


async def test_arm_with_bypass_reports_refused_zones_and_does_not_arm(client: E27Client, state: PanelState) -> None:
    state.change_config("zone", 3, bypassable=False)
    state.open_zone(3)
    state.open_zone(4)
    await wait_until(lambda: client.panel.zones[3].violated and client.panel.zones[4].violated)
    result = await client.async_arm_with_bypass(1, ArmState.ARMED_STAY, PIN)
    assert result.bypassed == (4,)
    assert list(result.failed) == [3]
    assert result.failed[3].code == 11023
    assert not result.armed
    assert client.panel.areas[1].state is AreaState.DISARMED
    await assert_in_sync(client, state)


async def test_chime_output_light_lock(client: E27Client, state: PanelState) -> None:
    await client.async_set_chime(1, True)
    assert client.panel.areas[1].chime
    await client.async_set_output(3, True)
    assert client.panel.outputs[3].on
    await client.async_set_output(3, False)
    assert not client.panel.outputs[3].on
    await client.async_set_light(1, True, 40)
    assert client.panel.lights[1].level == 40
    await client.async_set_light(1, False)
    assert not client.panel.lights[1].on
    await client.async_set_light(1, True)  # no level: the panel restores the last one
    assert client.panel.lights[1].level == 40
    await client.async_set_lock(1, False)
    assert client.panel.locks[1].locked is False
    await client.async_set_lock(1, True)
    assert client.panel.locks[1].locked is True
    with pytest.raises(ValueError, match="light level"):
        await client.async_set_light(1, True, 100)
    with pytest.raises(E27CommandError) as err:
        await client.async_set_output(16, True)  # inside the table but not configured
    assert err.value.code == 11006
    await assert_in_sync(client, state)


async def test_barrier_travels(client: E27Client, state: PanelState) -> None:
    recorder = Recorder(client)
    await client.async_barrier(1, "open")
    assert client.panel.barriers[1].state is BarrierState.OPENING
    state.advance(state.barriers[1].travel_time)
    await recorder.wait_for(lambda: client.panel.barriers[1].state is BarrierState.OPEN)
    await client.async_barrier(1, "close")
    assert client.panel.barriers[1].state is BarrierState.CLOSING
    state.advance(state.barriers[1].travel_time / 2)  # half way: still travelling, whatever the machine's speed
    await client.async_barrier(1, "stop")
    assert client.panel.barriers[1].state is BarrierState.STOPPED
    with pytest.raises(ValueError, match="barrier action"):
        await client.async_barrier(1, "toggle")  # type: ignore[arg-type]
    await assert_in_sync(client, state)


async def test_thermostat(client: E27Client, state: PanelState) -> None:
    await client.async_set_thermostat(1, mode=ThermostatMode.COOL, fan_mode=FanMode.ON, cool_setpoint=74)
    tstat = client.panel.thermostats[1]
    assert (tstat.mode, tstat.fan_mode, tstat.cool_setpoint) == (ThermostatMode.COOL, FanMode.ON, 74.0)
    await client.async_set_thermostat(1, heat_setpoint=66)
    assert client.panel.thermostats[1].heat_setpoint == 66.0
    for bad in ({"heat_setpoint": 30}, {"cool_setpoint": 101}, {"heat_setpoint": 80, "cool_setpoint": 70}, {}):
        with pytest.raises(ValueError):
            await client.async_set_thermostat(1, **bad)
    state.set_temperature(1, 64, humidity=50)
    await wait_until(lambda: client.panel.thermostats[1].temperature == 64.0)
    assert client.panel.thermostats[1].humidity == 50
    await assert_in_sync(client, state)


async def test_commands_while_disconnected_fail_at_once(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials)
    with pytest.raises(E27ConnectionError):
        await client.async_set_output(1, True)
    await client.async_connect()
    await client.async_close()
    with pytest.raises(E27ConnectionError):
        await client.async_disarm(1, PIN)
    with pytest.raises(E27ConnectionError):
        await client.async_connect()


async def test_write_timeout_raises_and_rereads_the_state(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials)
    try:
        await client.async_connect()
        panel.ignore_requests("output.set_status")
        start = len(panel.received)
        # A short timeout for the unanswered write only: for the whole client it would also bind the
        # bootstrap's requests, which the panel answers, and a loaded machine could run one out.
        with patch.object(client._session, "_request_timeout", 1.0), pytest.raises(E27TimeoutError):
            await client.async_set_output(2, True)
        assert routes(panel, start).count("output.set_status") == 1  # never re-sent
        await wait_until(lambda: "output.get_status" in routes(panel, start))
        panel.ignore_requests("output.set_status", ignore=False)
        assert client.connected
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


# -- broadcasts ----------------------------------------------------------------------------------


async def test_every_broadcast_type_updates_the_model(client: E27Client, state: PanelState) -> None:
    await assert_in_sync(client, state)
    recorder = Recorder(client)
    state.open_zone(2)
    state.set_zone_trouble(3)
    state.set_zone_tamper(4)
    state.set_low_battery(11)
    state.set_trouble("AC Fail")
    state.set_trouble("Siren Fault", area_id=2)
    state.set_temperature(1, 75)
    await recorder.wait_for(lambda: not mismatches(client.panel, state))
    zones = client.panel.zones
    assert (zones[2].violated, zones[3].trouble, zones[4].tamper, zones[11].low_battery) == (True, True, True, True)
    assert client.panel.troubles == ("AC Fail",)
    assert "Siren Fault" in client.panel.areas[2].troubles
    assert {("zone", 2), ("zone", 3), ("zone", 4), ("zone", 11), ("area", 1), ("panel", 0)} <= recorder.changed
    for change in (
        lambda: state.close_zone(2),
        lambda: state.set_zone_trouble(3, False),
        lambda: state.set_zone_tamper(4, False),
        lambda: state.set_low_battery(11, False),
        lambda: state.set_trouble("AC Fail", False),
    ):
        change()
    await assert_in_sync(client, state)


async def test_listeners_unsubscribe_and_a_failing_listener_is_contained(
    client: E27Client, state: PanelState, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    client.subscribe(broken)
    recorder = Recorder(client)
    state.open_zone(3)
    await recorder.wait_for(lambda: ("zone", 3) in recorder.changed)
    assert "event listener failed" in caplog.text
    recorder.unsubscribe()
    recorder.unsubscribe()  # idempotent
    count = len(recorder.events)
    state.close_zone(3)
    await wait_until(lambda: not client.panel.zones[3].violated)
    assert len(recorder.events) == count
