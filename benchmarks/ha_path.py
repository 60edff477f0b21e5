"""Home Assistant path figures: zone change → entity state, CPU per change, setup to all entities.

Run from the repository root with the test venv: ``.venv/bin/python benchmarks/ha_path.py``
[--panel large] [--events N] [--reply-delay S]. Home Assistant (the test harness's instance,
with its real state machine, registries and storage in a temporary directory) runs this
integration against the emulator in one process and one event loop, as in production where
the panel is the only other party.

Figures:
- setup to all entities, cold (no cached configuration) and warm (the cache the cold run
  saved): seconds from starting the config entry's setup until the last entity wrote its
  first state (wireless zones' entities come after the post-ready radio sweep), and until
  the setup call returned;
- zone change → HA state: from the emulator's state change to the state_changed event of
  the zone's binary sensor, at 10 and 100 changes per second (p50/p99/max in ms), and how
  far behind the last change was when the burst ended (backlog);
- CPU per change: the integration's own (thread CPU time spent in the coordinator's handling
  of the client's events: the new snapshot, area events, the entities' state writes into
  Home Assistant), and the whole process's (emulator encoding and encrypting included); the
  client-only lines run the same bursts without Home Assistant.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigEntryState  # noqa: E402
from homeassistant.const import CONF_HOST, CONF_PORT, EVENT_STATE_CHANGED, STATE_UNAVAILABLE  # noqa: E402
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.elke27.const import (  # noqa: E402
    CONF_CLIENT,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    DOMAIN,
)
from custom_components.elke27.coordinator import Elke27Coordinator  # noqa: E402
from custom_components.elke27.e27 import E27Client, LinkCredentials, PanelEvent  # noqa: E402
from custom_components.elke27.entry_data import client_identity, new_client_data  # noqa: E402
from e27_emulator import EmulatorPanel, PanelConfig, PanelState  # noqa: E402

MAC = "02:00:00:e2:70:99"
NAME = "Benchmark"
RATES = (10.0, 100.0)
TARGET_P99_MS = 20.0  # zone change → HA state at 100 changes/s on the large panel
# Zones whose changes while disarmed touch nothing but the zone (once each area has one open).
TOGGLED_DEFINITIONS = ("BURG INTERIOR",)
HELD_OPEN_DEFINITION = "BURG PERIM INST"
SETTLE = 1.0  # seconds without a new entity before "all entities" is taken as reached
SWEEP_TIMEOUT = 120.0


@contextmanager
def integration_cpu() -> Iterator[list[float]]:
    """Add up the thread CPU seconds spent in the coordinator's event handling (the list's one item)."""
    spent = [0.0]

    def timed(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - start

        return wrapper

    # Where the coordinator takes the client's events, and where it writes the entities after a
    # burst (scheduled for the end of the loop tick), when it has such a step.
    names = [name for name in ("_async_on_event", "_async_flush") if hasattr(Elke27Coordinator, name)]
    patches = [patch.object(Elke27Coordinator, name, timed(getattr(Elke27Coordinator, name))) for name in names]
    for active in patches:
        active.start()
    try:
        yield spent
    finally:
        for active in patches:
            active.stop()


def percentile(samples: list[float], fraction: float) -> float:
    """The fraction-th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def entry_for(panel: EmulatorPanel) -> MockConfigEntry:
    """A config entry linked to the emulator, as the config flow creates it."""
    client = new_client_data()
    link = panel.add_link(client["sn"])
    return MockConfigEntry(
        domain=DOMAIN,
        title=NAME,
        unique_id=MAC,
        version=1,
        minor_version=3,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: panel.port,
            CONF_MAC: MAC,
            CONF_CLIENT: client,
            CONF_LINKKEY: link.linkkey_hex,
            CONF_LINKHMAC: link.linkhmac_hex,
        },
    )


async def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Poll condition until it holds (the figures come from timestamps taken elsewhere)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - nothing to wait on for these
            await asyncio.sleep(0.01)


async def setup_to_all_entities(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[float, float, int]:
    """Set the entry up; seconds until setup returned, until the last entity's first state, entity count."""
    first_state: dict[str, float] = {}

    @callback
    def on_state(event: Event[EventStateChangedData]) -> None:
        # After an unload the entities' states are kept as "unavailable" (restored): the first
        # state that is not is the entity's first.
        new, entity_id = event.data["new_state"], event.data["entity_id"]
        if new is not None and new.state != STATE_UNAVAILABLE and entity_id not in first_state:
            first_state[entity_id] = time.perf_counter()

    stop = hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    start = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    returned = time.perf_counter() - start
    assert entry.state is ConfigEntryState.LOADED
    client = entry.runtime_data.client
    assert client is not None
    # Wireless zones' entities follow the radio sweep; then nothing new must come for SETTLE s.
    await wait_for(lambda: "wireless" in client.export_cache()["domains"]["zone"], SWEEP_TIMEOUT)
    while True:
        count = len(first_state)
        await asyncio.sleep(SETTLE)
        if len(first_state) == count:
            break
    stop()
    ours = {item.entity_id for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}
    times = [at for entity_id, at in first_state.items() if entity_id in ours]
    return returned, max(times) - start, len(times)


def chosen_zones(state: PanelState) -> tuple[list[int], list[int]]:
    """One zone per area to hold open, and the zones to toggle."""
    held: dict[int, int] = {}
    for zone in state.zones.values():
        if zone.definition == HELD_OPEN_DEFINITION:
            held.setdefault(zone.area, zone.id)
    toggled = [zone.id for zone in state.zones.values() if zone.definition in TOGGLED_DEFINITIONS]
    return sorted(held.values()), toggled


async def burst(
    state: PanelState,
    zones: list[int],
    events: int,
    rate: float,
    listen: Callable[[Callable[[int], None]], Callable[[], None]],
) -> tuple[list[float], float, float]:
    """Toggle zones at rate changes/s; latencies (ms), CPU seconds per change, lag at the end (ms).

    listen(on_arrival) makes on_arrival(zone_id) called when a change of the zone arrives, and
    returns the function that stops it.
    """
    started: dict[int, deque[float]] = {zone_id: deque() for zone_id in zones}
    samples: list[float] = []
    done = asyncio.Event()

    def on_arrival(zone_id: int) -> None:
        pending = started.get(zone_id)
        if pending:
            samples.append((time.perf_counter() - pending.popleft()) * 1000)
            if len(samples) >= events:
                done.set()

    stop = listen(on_arrival)
    period = 1 / rate
    cpu = time.process_time()
    next_at = time.perf_counter()
    for index in range(events):
        zone_id = zones[index % len(zones)]
        started[zone_id].append(time.perf_counter())
        if state.zones[zone_id].open:
            state.close_zone(zone_id)
        else:
            state.open_zone(zone_id)
        next_at += period
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    sent_all = time.perf_counter()
    async with asyncio.timeout(60):
        await done.wait()
    lag = (time.perf_counter() - sent_all) * 1000
    stop()
    return samples, (time.process_time() - cpu) / events, lag


def report(
    label: str, samples: list[float], cpu: float, lag: float, target: float | None, own: float | None = None
) -> None:
    """One latency line; with a target, whether it is met (p99 under it, and no backlog: the last change
    arrived within the target after the burst ended)."""
    note = ""
    if target:
        met = percentile(samples, 0.99) < target and lag < target
        note = f"  (target p99 < {target:g} ms, no backlog: {'met' if met else 'MISSED'})"
    integration = f"integration CPU {own * 1000:6.3f} ms/change, " if own is not None else ""
    print(
        f"{label:<34} p50 {statistics.median(samples):7.2f} ms  p99 {percentile(samples, 0.99):7.2f} ms  "
        f"max {max(samples):7.2f} ms  backlog at end {lag:7.1f} ms  {integration}"
        f"process CPU {cpu * 1000:6.2f} ms/change{note}"
    )


async def ha_figures(panel_name: str, reply_delay: float, events: int) -> None:
    """Setup and latency figures through Home Assistant."""
    state = PanelState.load(panel_name)
    held, toggled = chosen_zones(state)
    # Patched before setup: the client keeps the coordinator's bound method from then on.
    with integration_cpu() as spent, tempfile.TemporaryDirectory() as config_dir:
        async with EmulatorPanel(PanelConfig(), state=state) as panel:
            panel.reply_delay = reply_delay
            async with async_test_home_assistant(config_dir=config_dir) as test_hass:
                hass: HomeAssistant = test_hass
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                entry = entry_for(panel)
                entry.add_to_hass(hass)
                returned, all_at, count = await setup_to_all_entities(hass, entry)
                print(
                    f"{panel_name}: cold setup returned in {returned:5.2f} s, all {count} entities in {all_at:5.2f} s"
                )
                assert await hass.config_entries.async_unload(entry.entry_id)
                await panel.wait_until(lambda: panel.session_count == 0)
                returned, all_at, count = await setup_to_all_entities(hass, entry)
                print(
                    f"{panel_name}: warm setup returned in {returned:5.2f} s, all {count} entities in {all_at:5.2f} s"
                )

                panel.reply_delay = 0.0
                for zone_id in held:
                    state.open_zone(zone_id)
                registry = er.async_get(hass)
                zone_of: dict[str, int] = {}
                for zone_id in toggled:
                    entity_id = registry.async_get_entity_id("binary_sensor", DOMAIN, f"{MAC}_zone_{zone_id}")
                    assert entity_id is not None
                    zone_of[entity_id] = zone_id
                await asyncio.sleep(0.5)  # let the held-open zones' changes pass

                def listen(on_arrival: Callable[[int], None]) -> Callable[[], None]:
                    @callback
                    def on_state(event: Event[EventStateChangedData]) -> None:
                        if (zone_id := zone_of.get(event.data["entity_id"])) is not None:
                            on_arrival(zone_id)

                    return hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)

                for rate in RATES:
                    spent[0] = 0.0
                    samples, cpu, lag = await burst(state, toggled, events, rate, listen)
                    report(
                        f"{panel_name}: HA state at {rate:g}/s",
                        samples,
                        cpu,
                        lag,
                        TARGET_P99_MS if panel_name == "large" and rate == max(RATES) else None,
                        spent[0] / events,
                    )
                assert await hass.config_entries.async_unload(entry.entry_id)


async def client_figures(panel_name: str, events: int) -> None:
    """The same bursts to the client alone: what the emulator and the client cost per change."""
    state = PanelState.load(panel_name)
    held, toggled = chosen_zones(state)
    async with EmulatorPanel(PanelConfig(), state=state) as panel:
        identity = client_identity({CONF_CLIENT: new_client_data()})
        link = panel.add_link(identity.sn)
        client = E27Client(
            "127.0.0.1",
            panel.port,
            identity,
            LinkCredentials(link.linkkey_hex, link.linkhmac_hex),
            config_check_interval=None,
        )
        await client.async_connect()
        for zone_id in held:
            state.open_zone(zone_id)
        await asyncio.sleep(0.5)

        def listen(on_arrival: Callable[[int], None]) -> Callable[[], None]:
            def on_event(event: Any) -> None:
                if isinstance(event, PanelEvent):
                    for kind, zone_id in event.changed:
                        if kind == "zone":
                            on_arrival(zone_id)

            return client.subscribe(on_event)

        for rate in RATES:
            samples, cpu, lag = await burst(state, toggled, events, rate, listen)
            report(f"{panel_name}: client only at {rate:g}/s", samples, cpu, lag, None)
        await client.async_close()


def main() -> None:
    """Parse arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--panel", default="large", help="built-in emulator panel (default: large)")
    parser.add_argument("--events", type=int, default=500, help="zone changes per rate")
    parser.add_argument("--reply-delay", type=float, default=0.02, help="seconds the emulator waits before a reply")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    print(
        f"panel {args.panel}, emulator reply delay {args.reply_delay * 1000:.0f} ms during setup, python {sys.version.split()[0]}"
    )
    asyncio.run(ha_figures(args.panel, args.reply_delay, args.events))
    asyncio.run(client_figures(args.panel, args.events))


if __name__ == "__main__":
    main()
