"""Client figures against the emulator: bootstrap time and requests (cold, warm), listener latency, model memory.

Run from anywhere: ``python benchmarks/bootstrap.py [--reply-delay S] [--events N] [--rounds N]``.
The emulator adds --reply-delay seconds (default 0.02) to every reply, like a real panel's
turnaround; broadcasts go out at 100 events per second. Each bootstrap line gives the time to
ready, the requests sent before it, their floor (requests x reply delay: one request is in
flight at a time) and when the paced radio sweep after ready was done (from the start of the
connect; cold: every zone read once, warm: the cached wireless zones read).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from benchmarks.model_size import model_bytes  # noqa: E402
from custom_components.elke27.e27 import (  # noqa: E402
    ClientIdentity,
    E27Client,
    LinkCredentials,
    PanelEvent,
)
from e27_emulator import EmulatorPanel, PanelConfig, PanelState  # noqa: E402

IDENTITY = ClientIdentity(mn="222", sn="0b0e0n0c0h01")
# Ready target, for every panel and start: the panel answers one request at a time and the API
# reads names and most states one element at a time, so the floor is requests x reply time; time
# to ready may exceed that floor by at most this fraction (our own work between replies).
READY_OVER_FLOOR = 0.10
LATENCY_TARGET_P99_MS = 5.0
MODEL_TARGET_KIB = {"large": 300.0}
ZONES = (3, 4)  # windows: toggling them while disarmed changes nothing but the zone and readiness
SWEEP_TIMEOUT = 120.0  # seconds; far beyond any sweep, only against a hang


async def _wait(predicate: Callable[[], bool]) -> None:
    """Poll predicate (the client has no event for a finished radio sweep)."""
    async with asyncio.timeout(SWEEP_TIMEOUT):
        while not predicate():  # noqa: ASYNC110 - no event for it
            await asyncio.sleep(0.005)


async def bootstrap(panel_name: str, reply_delay: float) -> dict[str, Any]:
    """Cold and warm figures for one built-in panel: ready (seconds, requests) and radio sweep done (seconds)."""
    state = PanelState.load(panel_name)
    async with EmulatorPanel(PanelConfig(), state=state) as panel:
        link = panel.add_link(IDENTITY.sn)
        credentials = LinkCredentials(link.linkkey_hex, link.linkhmac_hex)
        panel.reply_delay = reply_delay
        started = time.monotonic()
        cold = E27Client("127.0.0.1", panel.port, IDENTITY, credentials, name=panel_name, config_check_interval=None)
        await cold.async_connect()
        assert cold.last_bootstrap is not None
        cold_stats = cold.last_bootstrap
        zones = len(cold.panel.zones)
        await _wait(lambda: "wireless" in cold.export_cache()["domains"]["zone"])
        cold_sweep = time.monotonic() - started
        cache = cold.export_cache()
        gc.collect()
        # The snapshot plus the live state behind it (raw attributes and statuses).
        memory = model_bytes(cold)
        await cold.async_close()
        await panel.wait_until(lambda: panel.session_count == 0)
        wireless = cache["domains"]["zone"]["wireless"]
        started = time.monotonic()
        warm = E27Client(
            "127.0.0.1", panel.port, IDENTITY, credentials, name=panel_name, cache=cache, config_check_interval=None
        )
        await warm.async_connect()
        assert warm.last_bootstrap is not None
        warm_stats = warm.last_bootstrap
        await _wait(lambda: all(warm.panel.zones[zone_id].rssi is not None for zone_id in wireless))
        warm_sweep = time.monotonic() - started
        await warm.async_close()
    return {
        "cold": (cold_stats.seconds, cold_stats.requests, cold_sweep),
        "warm": (warm_stats.seconds, warm_stats.requests, warm_sweep),
        "memory": memory,
        "zones": zones,
    }


async def latency(events: int, rate: float) -> list[float]:
    """Milliseconds from a panel state change to the client's listener, at rate changes per second."""
    state = PanelState.load("default")
    async with EmulatorPanel(PanelConfig(), state=state) as panel:
        link = panel.add_link(IDENTITY.sn)
        client = E27Client(
            "127.0.0.1",
            panel.port,
            IDENTITY,
            LinkCredentials(link.linkkey_hex, link.linkhmac_hex),
            config_check_interval=None,
        )
        await client.async_connect()
        started: dict[int, deque[float]] = {zone_id: deque() for zone_id in ZONES}
        samples: list[float] = []
        done = asyncio.Event()

        def on_event(event: object) -> None:
            now = time.perf_counter()
            if isinstance(event, PanelEvent):
                for kind, zone_id in event.changed:
                    if kind == "zone" and started.get(zone_id):
                        samples.append((now - started[zone_id].popleft()) * 1000)
                        if len(samples) >= events:
                            done.set()

        client.subscribe(on_event)
        period = 1 / rate
        next_at = time.perf_counter()
        for index in range(events):
            zone_id = ZONES[index % len(ZONES)]
            started[zone_id].append(time.perf_counter())
            if state.zones[zone_id].open:
                state.close_zone(zone_id)
            else:
                state.open_zone(zone_id)
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        async with asyncio.timeout(5):
            await done.wait()
        await client.async_close()
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    """The fraction-th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _target(seconds: float, floor: float) -> str:
    """The ready target (within READY_OVER_FLOOR of the request floor) and whether it is met."""
    limit = floor * (1 + READY_OVER_FLOOR)
    return f"  (target ≤ floor + {READY_OVER_FLOOR:.0%} = {limit:.2f} s: {_verdict(seconds <= limit)})"


async def run(reply_delay: float, events: int, rounds: int) -> None:
    """Measure and print every figure (bootstrap figures: medians of rounds)."""
    print(f"emulator reply delay {reply_delay * 1000:.0f} ms; bootstrap figures are medians of {rounds} rounds")
    for name in ("default", "large"):
        results = [await bootstrap(name, reply_delay) for _ in range(rounds)]
        for kind in ("cold", "warm"):
            seconds = statistics.median(result[kind][0] for result in results)
            requests = round(statistics.median(result[kind][1] for result in results))
            sweep = statistics.median(result[kind][2] for result in results)
            floor = requests * reply_delay
            print(
                f"{name:<8} {kind:<5} ready in {seconds:6.2f} s, {requests:4d} requests "
                f"(floor {floor:5.2f} s){_target(seconds, floor)}; "
                f"radio sweep done at {sweep:6.2f} s"
            )
        memory = statistics.median(result["memory"] for result in results)
        kib = memory / 1024
        target = MODEL_TARGET_KIB.get(name)
        note = f"  (target ≤ {target:g} KiB: {_verdict(kib <= target)})" if target else ""
        print(f"{name:<8} model memory {kib:8.1f} KiB for {results[0]['zones']} zones{note}")
    samples = await latency(events, 100.0)
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(
        f"broadcast → listener at 100 events/s: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"over {len(samples)} events (target p99 < {LATENCY_TARGET_P99_MS:g} ms: {_verdict(p99 < LATENCY_TARGET_P99_MS)})"
    )


def main() -> None:
    """Parse arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reply-delay", type=float, default=0.02, help="seconds the emulator waits before a reply")
    parser.add_argument("--events", type=int, default=1000, help="broadcasts for the latency figure")
    parser.add_argument("--rounds", type=int, default=5, help="bootstrap rounds per panel (medians are printed)")
    args = parser.parse_args()
    asyncio.run(run(args.reply_delay, args.events, max(1, args.rounds)))


if __name__ == "__main__":
    main()
