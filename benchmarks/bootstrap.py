"""Client figures against the emulator: bootstrap time and requests (cold, warm), listener latency, model memory.

Run from anywhere: ``python benchmarks/bootstrap.py [--reply-delay S] [--events N]``. The
emulator adds --reply-delay seconds (default 0.02) to every reply, like a real panel's
turnaround; broadcasts go out at 100 events per second.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import (  # noqa: E402
    ClientIdentity,
    E27Client,
    LinkCredentials,
    PanelEvent,
)
from e27_emulator import EmulatorPanel, PanelConfig, PanelState  # noqa: E402

IDENTITY = ClientIdentity(mn="222", sn="0b0e0n0c0h01")
TARGETS = {"large cold": 10.0, "large warm": 1.5}
LATENCY_TARGET_P99_MS = 5.0
ZONES = (3, 4)  # windows: toggling them while disarmed changes nothing but the zone and readiness


def deep_size(root: object) -> int:
    """Bytes held by an object graph (dicts, lists, tuples, sets, slotted dataclasses), each object once."""
    seen: set[int] = set()
    stack: list[object] = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, type):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        children: Iterable[object] = ()
        if isinstance(obj, dict):
            children = [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            children = obj
        elif is_dataclass(obj):
            children = [getattr(obj, item.name) for item in fields(obj)]
        elif hasattr(obj, "__dict__"):
            children = list(vars(obj).values())
        elif type(obj).__name__ == "mappingproxy":
            children = [*obj.keys(), *obj.values()]  # type: ignore[attr-defined]
        stack.extend(children)
    return total


async def bootstrap(panel_name: str, reply_delay: float) -> dict[str, Any]:
    """Cold and warm bootstrap figures for one built-in panel."""
    state = PanelState.load(panel_name)
    async with EmulatorPanel(PanelConfig(), state=state) as panel:
        link = panel.add_link(IDENTITY.sn)
        credentials = LinkCredentials(link.linkkey_hex, link.linkhmac_hex)
        panel.reply_delay = reply_delay
        cold = E27Client("127.0.0.1", panel.port, IDENTITY, credentials, name=panel_name, config_check_interval=None)
        await cold.async_connect()
        assert cold.last_bootstrap is not None
        cold_stats = cold.last_bootstrap
        zones = len(cold.panel.zones)
        async with asyncio.timeout(zones * (reply_delay + 0.01) + 10):  # the post-ready zone sweep
            while "wireless" not in cold.export_cache()["domains"]["zone"]:  # noqa: ASYNC110 - no event for it
                await asyncio.sleep(0.05)
        cache = cold.export_cache()
        gc.collect()
        # The snapshot plus the live state behind it (raw attributes and statuses).
        memory = deep_size(cold._live) + deep_size(cold.panel)
        await cold.async_close()
        await panel.wait_until(lambda: panel.session_count == 0)
        warm = E27Client(
            "127.0.0.1", panel.port, IDENTITY, credentials, name=panel_name, cache=cache, config_check_interval=None
        )
        await warm.async_connect()
        assert warm.last_bootstrap is not None
        warm_stats = warm.last_bootstrap
        await warm.async_close()
    return {
        "cold": (cold_stats.seconds, cold_stats.requests),
        "warm": (warm_stats.seconds, warm_stats.requests),
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


async def run(reply_delay: float, events: int) -> None:
    """Measure and print every figure."""
    print(f"emulator reply delay {reply_delay * 1000:.0f} ms")
    for name in ("default", "large"):
        figures = await bootstrap(name, reply_delay)
        for kind in ("cold", "warm"):
            seconds, requests = figures[kind]
            target = TARGETS.get(f"{name} {kind}")
            note = f"  (target < {target:g} s)" if target else ""
            print(f"{name:<8} {kind:<5} ready in {seconds:6.2f} s, {requests:4d} requests{note}")
        print(f"{name:<8} model memory {figures['memory'] / 1024:8.1f} KiB for {figures['zones']} zones")
    samples = await latency(events, 100.0)
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(
        f"broadcast → listener at 100 events/s: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"over {len(samples)} events (target p99 < {LATENCY_TARGET_P99_MS:g} ms)"
    )


def main() -> None:
    """Parse arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reply-delay", type=float, default=0.02, help="seconds the emulator waits before a reply")
    parser.add_argument("--events", type=int, default=1000, help="broadcasts for the latency figure")
    args = parser.parse_args()
    asyncio.run(run(args.reply_delay, args.events))


if __name__ == "__main__":
    main()
