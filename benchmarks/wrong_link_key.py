"""How long one E27Client.async_connect takes to conclude "link again" when the panel holds another link key.

Run from anywhere: ``python benchmarks/wrong_link_key.py``. The emulated panel holds a link for
the client's identity under a different key, so hello succeeds and nothing after it does; the
client runs with its default timings. Printed: the seconds until E27ProvisioningRequired (the
target is under 45 s) and how many hellos it took.
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
    E27Client,
    E27ProvisioningRequired,
    LinkCredentials,
)
from e27_emulator import EmulatorPanel, ManualClock, PanelConfig, PanelState  # noqa: E402

TARGET_SECONDS = 45.0
IDENTITY = ClientIdentity(mn="222", sn="0a1b2c3d4e5f")
WRONG = LinkCredentials("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "a0" * 20)


async def measure() -> tuple[float, int]:
    """Seconds until E27ProvisioningRequired, and the number of hellos the panel saw."""
    state = PanelState.load("default", clock=ManualClock())
    async with EmulatorPanel(PanelConfig(discovery_port=None), state=state) as panel:
        panel.add_link(IDENTITY.sn)
        client = E27Client("127.0.0.1", panel.port, IDENTITY, WRONG, name="benchmark")
        started = time.monotonic()
        try:
            await client.async_connect()
        except E27ProvisioningRequired:
            elapsed = time.monotonic() - started
        else:
            await client.async_close()
            raise SystemExit("the client connected with a wrong link key")
        hellos = len([request for request in panel.received if "hello" in request])
    return elapsed, hellos


def main() -> None:
    """Measure once and print."""
    logging.disable(logging.CRITICAL)
    elapsed, hellos = asyncio.run(measure())
    verdict = "ok" if elapsed < TARGET_SECONDS else "TOO SLOW"
    print(
        f"wrong link key -> E27ProvisioningRequired after {elapsed:.1f} s ({hellos} hellos); target < {TARGET_SECONDS:g} s: {verdict}"
    )


if __name__ == "__main__":
    main()
