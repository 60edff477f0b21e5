"""How fast Home Assistant shows a lost panel, and how fast the entities come back by themselves.

Run from the repository root with the test venv: ``.venv/bin/python benchmarks/recovery.py``
[--outage S] (it takes about a minute). Home Assistant (the test harness's instance, as in
``ha_path.py``) runs the integration with its default timings against the emulated default
panel. Printed, each against its target:

- the panel falls silent (the connection stays open, nothing more arrives, as when a cable or
  a switch in between dies): seconds until the area's alarm panel is unavailable;
- the panel speaks again: seconds until every entity is available again;
- the panel's port closes (the panel restarts, or its network stack does): seconds until the
  area's alarm panel is unavailable;
- the port opens again after OUTAGE seconds: seconds until the first and until the last entity
  is available again (the reconnect backoff is capped, so a long outage costs no more than a
  short one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from homeassistant import loader  # noqa: E402
from homeassistant.const import STATE_UNAVAILABLE  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from benchmarks.ha_path import entry_for, setup_to_all_entities, wait_for  # noqa: E402
from custom_components.elke27.e27.const import (  # noqa: E402
    GREETING_TIMEOUT,
    KEEPALIVE_INTERVAL,
    KEEPALIVE_TIMEOUT,
    REQUEST_TIMEOUT,
)
from custom_components.elke27.e27.reconnect import RECONNECT_MAX  # noqa: E402
from e27_emulator import EmulatorPanel, PanelConfig, PanelState  # noqa: E402

AREA = "alarm_control_panel.house"
# A probe may wait behind one request in flight before its own timeout runs.
TARGET_SILENT_SEEN = KEEPALIVE_INTERVAL + REQUEST_TIMEOUT + KEEPALIVE_TIMEOUT
# A reconnect attempt made while the panel was silent waits for the greeting before the next one.
TARGET_SILENT_BACK = GREETING_TIMEOUT + RECONNECT_MAX + 2.0
TARGET_CLOSED_SEEN = 1.0
TARGET_BACK = 2.0  # from the port opening until every entity is available
WAIT_LIMIT = 120.0


def unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The entry's entities whose state is unavailable (disabled ones have none)."""
    registry = er.async_get(hass)
    states = (hass.states.get(item.entity_id) for item in er.async_entries_for_config_entry(registry, entry.entry_id))
    return [state.entity_id for state in states if state is not None and state.state == STATE_UNAVAILABLE]


async def seconds_until(condition_met: Callable[[], bool], since: float) -> float:
    """Seconds from since until the condition holds."""
    await wait_for(condition_met, WAIT_LIMIT)
    return time.perf_counter() - since


def line(what: str, seconds: float, target: float) -> None:
    """One figure with its target."""
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{what:<58} {seconds:6.2f} s  (target <= {target:g} s: {verdict})")


async def measure(outage: float) -> None:
    """Set up, then take the panel away twice and bring it back."""
    state = PanelState.load("default")
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            EmulatorPanel(PanelConfig(), state=state) as panel,
            async_test_home_assistant(config_dir=config_dir) as test_hass,
        ):
            hass: HomeAssistant = test_hass
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            entry = entry_for(panel)
            entry.add_to_hass(hass)
            _, _, count = await setup_to_all_entities(hass, entry)
            assert not unavailable(hass, entry), unavailable(hass, entry)
            print(f"default panel: {count} entities, all available")

            def area_gone() -> bool:
                return hass.states.get(AREA).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

            def all_back() -> bool:
                return not unavailable(hass, entry)

            panel.go_silent()
            line(
                "silent panel -> alarm panel unavailable",
                await seconds_until(area_gone, time.perf_counter()),
                TARGET_SILENT_SEEN,
            )
            panel.go_silent(False)
            line(
                "panel speaks again -> every entity available",
                await seconds_until(all_back, time.perf_counter()),
                TARGET_SILENT_BACK,
            )

            await panel.stop()
            line(
                "port closed -> alarm panel unavailable",
                await seconds_until(area_gone, time.perf_counter()),
                TARGET_CLOSED_SEEN,
            )
            await asyncio.sleep(outage)
            await panel.start()
            opened = time.perf_counter()
            first = await seconds_until(lambda: not area_gone(), opened)
            last = await seconds_until(all_back, opened)
            line(f"port open again after {outage:g} s -> alarm panel available", first, TARGET_BACK)
            line(f"port open again after {outage:g} s -> every entity available", last, TARGET_BACK)
            assert await hass.config_entries.async_unload(entry.entry_id)


def main() -> None:
    """Parse arguments, measure once and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the panel's port stays closed")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    print(f"python {sys.version.split()[0]}, default client timings (reconnect backoff capped at {RECONNECT_MAX:g} s)")
    asyncio.run(measure(args.outage))


if __name__ == "__main__":
    main()
