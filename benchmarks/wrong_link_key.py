"""How long the client takes to say "link again" when the panel has come to hold another link key for it.

Run from anywhere: ``python benchmarks/wrong_link_key.py`` (it takes two to three minutes). The client
is connected; then the panel is linked again elsewhere for the client's identity (it now holds a
different key), so hello still succeeds and nothing after it does. The client runs with its
default timings: it keeps reconnecting and judges the link over time (LinkTrouble: several failed
checks over at least LINK_TROUBLE_WINDOW seconds), so a panel that is merely busy for a while is
never taken for a lost link. Printed: the seconds from the loss until the E27ProvisioningRequired
event (target: at least the window, and under TARGET_SECONDS) and how many hellos it took.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import (  # noqa: E402
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    E27ProvisioningRequired,
    LinkCredentials,
    PanelEvent,
)
from custom_components.elke27.e27.const import LINK_TROUBLE_WINDOW  # noqa: E402
from e27_emulator import EmulatorPanel, ManualClock, PanelConfig, PanelState  # noqa: E402

TARGET_SECONDS = 180.0
IDENTITY = ClientIdentity(mn="222", sn="0a1b2c3d4e5f")


async def measure() -> tuple[float, int]:
    """Seconds from the loss until the client asks to link again, and the hellos the panel saw meanwhile."""
    state = PanelState.load("default", clock=ManualClock())
    async with EmulatorPanel(PanelConfig(discovery_port=None), state=state) as panel:
        link = panel.add_link(IDENTITY.sn)
        client = E27Client(
            "127.0.0.1", panel.port, IDENTITY, LinkCredentials(link.linkkey_hex, link.linkhmac_hex), name="benchmark"
        )
        relink = asyncio.get_running_loop().create_future()

        def listen(event: PanelEvent | ConnectionEvent) -> None:
            relinking = isinstance(event, ConnectionEvent) and isinstance(event.error, E27ProvisioningRequired)
            if relinking and not relink.done():
                relink.set_result(time.monotonic())

        client.subscribe(listen)
        await client.async_connect()
        try:
            panel.add_link(IDENTITY.sn)  # linked again elsewhere: the panel now holds another key for us
            before = len([request for request in panel.received if "hello" in request])
            started = time.monotonic()
            await panel.drop_connections()
            asked = await asyncio.wait_for(relink, TARGET_SECONDS * 2)
        finally:
            await client.async_close()
        hellos = len([request for request in panel.received if "hello" in request]) - before
    return asked - started, hellos


def main() -> None:
    """Measure once and print."""
    logging.disable(logging.CRITICAL)
    elapsed, hellos = asyncio.run(measure())
    verdict = "ok" if LINK_TROUBLE_WINDOW <= elapsed < TARGET_SECONDS else "OUT OF RANGE"
    print(
        f"wrong link key -> 'link again' after {elapsed:.1f} s ({hellos} hellos, still retrying); "
        f"target {LINK_TROUBLE_WINDOW:g} s <= t < {TARGET_SECONDS:g} s: {verdict}"
    )


if __name__ == "__main__":
    main()
