"""Helpers for client tests against the emulated panel: panels, clients, event recording, the truth check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from custom_components.elke27.e27 import (
    AreaState,
    ArmState,
    BarrierState,
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    LinkCredentials,
    Panel,
    PanelEvent,
)
from e27_emulator import EmulatorPanel, ManualClock, PanelConfig, PanelState

from .conftest import ACCESS_CODE, PASSPHRASE, PIN

TEST_USER = 31
# A safety net for waits on conditions: they hold long before it unless something is broken.
WAIT_TIMEOUT = 30.0

# Quick reconnects, but timeouts that a loaded machine never reaches by accident: a test about
# a timeout sets a short one itself, where nothing can answer in time anyway.
FAST_CLIENT: dict[str, Any] = {
    "request_timeout": 10.0,
    "keepalive_interval": 60.0,
    "keepalive_timeout": 10.0,
    "connect_timeout": 10.0,
    "hello_timeout": 10.0,
    "link_check_timeout": 10.0,
    "reconnect_initial": 0.01,
    "reconnect_max": 0.1,
    "relink_retry_interval": 0.1,
    "config_check_interval": None,
}


def make_state(name: str = "default") -> PanelState:
    """A built-in panel on a ManualClock (tests advance panel time), with an extra master user
    whose PIN is the one the log guard looks for."""
    state = PanelState.load(name, clock=ManualClock())
    user_id = TEST_USER if name == "default" else max(state.users) + 1
    state.change_config("user", user_id, name="Test User", pin=PIN, areas=sorted(state.areas), master=True)
    return state


@asynccontextmanager
async def running(state: PanelState) -> AsyncIterator[EmulatorPanel]:
    """The panel on loopback, with the conftest's linking secrets."""
    config = PanelConfig(access_code=ACCESS_CODE, passphrase=PASSPHRASE)
    async with EmulatorPanel(config, state=state) as emulator:
        yield emulator


def make_client(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials | None, **overrides: Any
) -> E27Client:
    """A client for panel with fast test timings."""
    options = FAST_CLIENT | overrides
    return E27Client("127.0.0.1", panel.port, identity, credentials, name="test panel", **options)


class Recorder:
    """Subscribes to a client and lets a test wait for events."""

    def __init__(self, client: E27Client) -> None:
        self.events: list[PanelEvent | ConnectionEvent] = []
        self._changed = asyncio.Event()
        self.unsubscribe = client.subscribe(self._on_event)

    def _on_event(self, event: PanelEvent | ConnectionEvent) -> None:
        self.events.append(event)
        self._changed.set()

    @property
    def changed(self) -> set[tuple[str, int]]:
        """Every key any PanelEvent so far reported."""
        return {key for event in self.events if isinstance(event, PanelEvent) for key in event.changed}

    @property
    def connection(self) -> list[ConnectionEvent]:
        """The ConnectionEvents so far."""
        return [event for event in self.events if isinstance(event, ConnectionEvent)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT_TIMEOUT) -> None:
        """Wait until predicate() holds, re-checking after each event."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


async def wait_until(predicate: Callable[[], bool], timeout: float = WAIT_TIMEOUT, interval: float = 0.005) -> None:
    """Poll predicate until it holds; TimeoutError after timeout."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(interval)


async def radio_sweep_done(client: E27Client) -> None:
    """Wait until the radio sweep after ready is over: the configuration cache then names the wireless zones."""
    await wait_until(lambda: "wireless" in client.export_cache()["domains"]["zone"])


def _expected_area_state(state: PanelState, area_id: int) -> AreaState:
    area = state.areas[area_id]
    if area.alarms or area.alrm_snd:
        return AreaState.TRIGGERED
    if area.delay == "entry":
        return AreaState.PENDING
    if area.delay == "exit":
        return AreaState.ARMING
    return AreaState(str(area.arm_state))


def mismatches(panel: Panel, state: PanelState) -> list[str]:
    """Every way the client's model differs from the emulator's truth (empty when they agree).

    Only what the wire can carry is compared: a zone in trouble and tamper reports TAMPER,
    and countdown values are compared by presence (they tick).
    """
    found: list[str] = []

    def check(what: str, got: Any, want: Any) -> None:
        if got != want:
            found.append(f"{what}: model {got!r} != panel {want!r}")

    check("panel name", panel.name, state.info.name)
    check("panel troubles", panel.troubles, tuple(state.troubles))
    check("trouble modules", panel.trouble_modules, tuple(state.modtbl()))
    check("version", panel.version.firmware if panel.version else None, "0.0.6.4")
    check("area ids", sorted(panel.areas), sorted(state.areas))
    for area_id, area in panel.areas.items():
        truth = state.areas.get(area_id)
        if truth is None:
            continue
        where = f"area {area_id}"
        check(f"{where} name", area.name, truth.name)
        check(f"{where} state", area.state, _expected_area_state(state, area_id))
        check(f"{where} arm_state", area.arm_state, ArmState(str(truth.arm_state)))
        check(f"{where} ready", area.ready_status.value, state.ready_status(area_id))
        check(f"{where} bypassed", area.bypassed_count, sum(zone.bypassed for zone in state.area_zones(area_id)))
        check(f"{where} chime", area.chime, truth.chime)
        check(f"{where} troubles", area.troubles, tuple(state.area_troubles(area_id)))
        check(f"{where} alarms", area.alarms, tuple(truth.alarms))
        check(f"{where} alarm zone", area.alarm_zone, int(truth.alarm_zone) if truth.alarm_zone else None)
        arming = truth.delay == "exit"
        check(f"{where} arming_to", area.arming_to, ArmState(str(truth.arm_cmd_state)) if arming else None)
        check(f"{where} exit delay running", area.exit_delay is not None, arming)
        entry = truth.delay == "entry" and not truth.alarms
        check(f"{where} entry delay running", area.entry_delay is not None, entry)
    check("zone ids", sorted(panel.zones), sorted(i for i, z in state.zones.items() if z.definition != "UNDEFINED"))
    for zone_id, zone in panel.zones.items():
        z = state.zones.get(zone_id)
        if z is None:
            continue
        where = f"zone {zone_id}"
        check(f"{where} name", (zone.name, zone.area_id, zone.definition), (z.name, z.area, z.definition))
        check(f"{where} violated", zone.violated, z.open)
        check(f"{where} bypassed", zone.bypassed, z.bypassed)
        check(f"{where} trouble", zone.trouble, z.trouble and not z.tamper)
        check(f"{where} tamper", zone.tamper, z.tamper)
        check(f"{where} low battery", zone.low_battery, z.low_batt if z.wireless else None)
        check(f"{where} rssi", zone.rssi, z.rssi if z.wireless else None)
    check("output ids", sorted(panel.outputs), sorted(state.outputs))
    for output_id, output in panel.outputs.items():
        if (o := state.outputs.get(output_id)) is not None:
            check(f"output {output_id}", (output.name, output.on), (o.name, o.on))
    check("light ids", sorted(panel.lights), sorted(state.lights))
    for light_id, light in panel.lights.items():
        if (li := state.lights.get(light_id)) is not None:
            check(f"light {light_id}", (light.name, light.level), (li.name, li.level))
    check("lock ids", sorted(panel.locks), sorted(state.locks))
    for lock_id, lock in panel.locks.items():
        if (lo := state.locks.get(lock_id)) is not None:
            check(f"lock {lock_id}", (lock.name, lock.locked), (lo.name, lo.locked))
    check("barrier ids", sorted(panel.barriers), sorted(state.barriers))
    for barrier_id, barrier in panel.barriers.items():
        if (b := state.barriers.get(barrier_id)) is not None:
            want = (b.name, BarrierState(b.status), b.tamper, b.low_batt)
            check(f"barrier {barrier_id}", (barrier.name, barrier.state, barrier.tamper, barrier.low_battery), want)
    check("thermostat ids", sorted(panel.thermostats), sorted(state.tstats))
    for tstat_id, tstat in panel.thermostats.items():
        if (t := state.tstats.get(tstat_id)) is not None:
            got = (tstat.name, tstat.mode.value, tstat.fan_mode.value, tstat.temperature)
            check(f"thermostat {tstat_id}", got, (t.name, t.mode, t.fan_mode, float(t.temperature)))
            got_more = (tstat.heat_setpoint, tstat.cool_setpoint, tstat.humidity, tstat.battery_level)
            want_more = (float(t.heat_setpoint), float(t.cool_setpoint), t.humidity or None, t.battery)
            check(f"thermostat {tstat_id} setpoints", got_more, want_more)
    return found


async def assert_in_sync(client: E27Client, state: PanelState, timeout: float = WAIT_TIMEOUT) -> None:
    """Wait until the client's model equals the emulator's truth; fail with the differences if it never does."""
    try:
        await wait_until(lambda: client.connected and not mismatches(client.panel, state), timeout)
    except TimeoutError:
        differences = mismatches(client.panel, state)
        raise AssertionError(f"connected={client.connected}; model != panel: {differences}") from None
