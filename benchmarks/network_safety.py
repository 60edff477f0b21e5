"""Safe on a real LAN: what one discovery scan sends, and how long garbage from the panel can stall the event loop.

Run from anywhere: ``python benchmarks/network_safety.py``. Printed, each with its target:

* the discovery requests one scan sends to a host that answers every request as 100 different
  panels (a neighbour's device, or a loop), and how many panels the scan keeps;
* the worst event-loop lag while a connected session receives 10 MB of each garbage pattern
  (floods of frame starts, start bytes, stuffed bytes, random bytes), measured by a ticker task
  in the same loop, and the processing rate. A request after the garbage proves it was all read.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import ClientIdentity, Session, async_discover  # noqa: E402
from custom_components.elke27.e27.discovery import MAX_PANELS, SENDS_PER_TARGET  # noqa: E402
from e27_emulator import EmulatorPanel, PanelConfig  # noqa: E402
from e27_emulator.discovery import fake_panel_replies, start_neighbour  # noqa: E402

SCAN_SECONDS = 3.0
FAKE_PANELS = 100
GARBAGE_BYTES = 10 * 1024 * 1024
LAG_TARGET_MS = 100.0
TICK = 0.005
IDENTITY = ClientIdentity(mn="222", sn="0a1b2c3d4e5f")
PATTERNS = {
    "frame starts 7E 85": b"\x7e\x85",
    "starts with LENGTH 7E 85 05 00": b"\x7e\x85\x05\x00",
    "start bytes 7E": b"\x7e",
    "stuffed 7E 00": b"\x7e\x00",
    "five-byte starts 7E 85 05 00 01": b"\x7e\x85\x05\x00\x01",
    "random": b"",
}


class _LagMeter:
    """A task that sleeps TICK at a time and records how late it wakes up."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, loop.time() - before - TICK)

    def __enter__(self) -> _LagMeter:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def scan() -> tuple[int, int, float]:
    transport, fake, port = await start_neighbour(fake_panel_replies(FAKE_PANELS))
    try:
        with _LagMeter() as lag:
            found = await async_discover(SCAN_SECONDS, targets=["127.0.0.1"], port=port)
    finally:
        transport.close()
    return fake.requests, len(found), lag.worst


async def garbage(unit: bytes) -> tuple[float, float]:
    data = (unit * (GARBAGE_BYTES // len(unit) + 1))[:GARBAGE_BYTES] if unit else os.urandom(GARBAGE_BYTES)
    async with EmulatorPanel(PanelConfig(discovery_port=None)) as panel:
        link = panel.add_link(IDENTITY.sn)
        session = Session("127.0.0.1", panel.port, IDENTITY, link.linkkey_hex, request_timeout=120.0)
        await session.connect()
        try:
            await session.request("system", "r_u_alive")  # the panel pushes only after our first frame
            started = time.perf_counter()
            with _LagMeter() as lag:
                await panel.send_garbage(data)
                await session.request("system", "r_u_alive")  # answered behind the garbage
            elapsed = time.perf_counter() - started
        finally:
            await session.close()
    return lag.worst, elapsed


async def run() -> None:
    requests, kept, scan_lag = await scan()
    ok = requests <= SENDS_PER_TARGET and kept <= MAX_PANELS
    print(
        f"discovery scan ({SCAN_SECONDS:g} s, a host answering as {FAKE_PANELS} panels): {requests} requests sent "
        f"(target <= {SENDS_PER_TARGET}), {kept} panels kept (target <= {MAX_PANELS}), "
        f"worst loop lag {scan_lag * 1000:.1f} ms: {'ok' if ok else 'FAIL'}"
    )
    for name, unit in PATTERNS.items():
        worst, elapsed = await garbage(unit)
        verdict = "ok" if worst * 1000 < LAG_TARGET_MS else "TOO SLOW"
        print(
            f"garbage {GARBAGE_BYTES >> 20} MB {name}: worst loop lag {worst * 1000:.1f} ms "
            f"(target < {LAG_TARGET_MS:g} ms), {GARBAGE_BYTES / elapsed / 1e6:.0f} MB/s: {verdict}"
        )


def main() -> None:
    logging.disable(logging.CRITICAL)
    asyncio.run(run())


if __name__ == "__main__":
    main()
