"""A bounded soak: thousands of random panel changes and commands with random faults.

It ends with the client's model equal to the emulator's state and nothing logged at ERROR
(no unhandled exception anywhere: listeners, background tasks, the reader).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

import pytest

from custom_components.elke27.e27 import (
    ArmState,
    ClientIdentity,
    E27CommandError,
    E27ConnectionError,
    FanMode,
    LinkCredentials,
    ThermostatMode,
)
from e27_emulator import PanelState

from ..conftest import PIN
from ..emulated import Recorder, assert_in_sync, make_client, make_state, running

OPERATIONS = 3000
SEED = 20240527
# Zones whose opening only makes areas not ready or starts delays (no 24-hour alarms every few steps).
BURGLARY_ZONES = (1, 2, 3, 4, 5, 6, 17, 18)
OTHER_ZONES = (7, 8, 9, 11, 14, 15)


def panel_change(rng: random.Random, state: PanelState) -> None:
    """One random thing happening at the panel."""
    roll = rng.random()
    if roll < 0.55:
        zone = rng.choice(BURGLARY_ZONES)
        (state.close_zone if state.zones[zone].open else state.open_zone)(zone)
    elif roll < 0.6:
        zone = rng.choice(OTHER_ZONES)
        (state.close_zone if state.zones[zone].open else state.open_zone)(zone)
    elif roll < 0.7:
        zone = rng.choice(BURGLARY_ZONES + OTHER_ZONES)
        if rng.random() < 0.5:
            state.set_zone_trouble(zone, not state.zones[zone].trouble)
        else:
            state.set_zone_tamper(zone, not state.zones[zone].tamper)
    elif roll < 0.75:
        zone = rng.choice((11, 12, 18))
        state.set_low_battery(zone, not state.zones[zone].low_batt)
    elif roll < 0.85:
        name = rng.choice(("AC Fail", "Low Battery", "Phone Line"))
        state.set_trouble(name, name not in state.troubles)
    elif roll < 0.93:
        state.advance(rng.choice((1, 1, 5, 15, 30, 60)))  # exit and entry delays, doors travelling
    else:
        state.set_temperature(1, rng.randint(60, 80), humidity=rng.randint(0, 60))


def client_command(rng: random.Random, client: object) -> Callable[[], Awaitable[object]]:
    """One random command (the panel may refuse it)."""
    from custom_components.elke27.e27 import E27Client

    assert isinstance(client, E27Client)
    area = rng.choice((1, 2))
    choices: list[Callable[[], Awaitable[object]]] = [
        lambda: client.async_set_output(rng.randint(1, 4), rng.random() < 0.5),
        lambda: client.async_set_light(rng.randint(1, 2), rng.random() < 0.5, rng.choice((None, 10, 99))),
        lambda: client.async_set_lock(1, rng.random() < 0.5),
        lambda: client.async_set_chime(area, rng.random() < 0.5),
        lambda: client.async_bypass_zone(rng.choice(BURGLARY_ZONES), PIN, rng.random() < 0.7),
        lambda: client.async_arm(
            area,
            rng.choice((ArmState.ARMED_AWAY, ArmState.ARMED_STAY)),
            PIN,
            exit_delay_cancel=rng.random() < 0.3,
            auto_stay_cancel=rng.random() < 0.5,
        ),
        lambda: client.async_arm_with_bypass(area, ArmState.ARMED_STAY, PIN, exit_delay_cancel=True),
        lambda: client.async_disarm(area, PIN),
        lambda: client.async_disarm(area, PIN),
        lambda: client.async_barrier(1, rng.choice(("open", "close", "stop"))),
        lambda: client.async_set_thermostat(
            1,
            mode=rng.choice(list(ThermostatMode)[:4]),
            fan_mode=rng.choice((FanMode.AUTO, FanMode.ON)),
            heat_setpoint=rng.randint(50, 70),
            cool_setpoint=rng.randint(71, 90),
        ),
    ]
    return rng.choice(choices)


@pytest.mark.timeout(90)
async def test_soak(identity: ClientIdentity, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # DEBUG logging of every frame would dominate the run time
    rng = random.Random(SEED)
    state = make_state()
    async with running(state) as panel:
        link = panel.add_link(identity.sn)
        client = make_client(panel, identity, LinkCredentials(link.linkkey_hex, link.linkhmac_hex))
        recorder = Recorder(client)
        await client.async_connect()
        counts = {"changes": 0, "accepted": 0, "refused": 0, "offline": 0, "faults": 0}
        try:
            for step in range(OPERATIONS):
                roll = rng.random()
                if roll < 0.5:
                    panel_change(rng, state)
                    counts["changes"] += 1
                elif roll < 0.99:
                    try:
                        await client_command(rng, client)()
                        counts["accepted"] += 1
                    except E27CommandError:
                        counts["refused"] += 1
                    except E27ConnectionError:
                        counts["offline"] += 1
                        # Wait for the reconnect: how many operations an outage would otherwise take
                        # (and so how many commands are accepted) depends on the machine's speed.
                        await recorder.wait_for(lambda: client.connected)
                else:
                    counts["faults"] += 1
                    fault = rng.choice(("drop", "corrupt", "garbage", "reboot"))
                    if fault == "drop":
                        await panel.drop_connections(reset=rng.random() < 0.5)
                    elif fault == "corrupt":
                        await panel.send_corrupt_frame()
                    elif fault == "garbage":
                        await panel.send_garbage()
                    else:
                        await panel.reboot(downtime=0.01)
                if step % 50 == 0:
                    await asyncio.sleep(0)  # let pushed broadcasts through now and then
            await assert_in_sync(client, state)
        finally:
            await client.async_close()
    assert counts["accepted"] > OPERATIONS / 5
    assert counts["faults"] > 10
    assert recorder.connection[-1].connected
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors[:5]]
