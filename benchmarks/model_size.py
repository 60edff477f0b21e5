"""Memory of the client's panel model for a built-in emulator panel, against its target.

Run from anywhere: ``python benchmarks/model_size.py [--panel NAME] [--breakdown]``. The
client bootstraps against the emulator (no reply delay), waits for the post-ready zone
sweep, then the live state and the snapshot are measured together, each object once.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import ClientIdentity, E27Client, LinkCredentials  # noqa: E402
from e27_emulator import EmulatorPanel, PanelConfig, PanelState  # noqa: E402

IDENTITY = ClientIdentity(mn="222", sn="0b0e0n0c0h01")
TARGET_KIB = {"large": 300.0}
SWEEP_TIMEOUT = 30.0
POLL_INTERVAL = 0.02


def _children(obj: object) -> Iterable[object]:
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, list | tuple | set | frozenset):
        return obj
    if is_dataclass(obj):
        return [getattr(obj, item.name) for item in fields(obj)]
    if hasattr(obj, "__dict__"):
        return list(vars(obj).values())
    if type(obj).__name__ == "mappingproxy":
        return [*obj.keys(), *obj.values()]  # type: ignore[attr-defined]
    slots = [name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ())]
    return [getattr(obj, name) for name in slots if hasattr(obj, name)]


def deep_size(root: object, seen: set[int] | None = None) -> int:
    """Bytes held by an object graph (containers, dataclasses, plain and slotted objects), each object once.

    Objects whose ids are in seen are skipped (and every object reached is added to it),
    so consecutive calls with one set split a graph without counting shared objects twice.
    """
    seen = set() if seen is None else seen
    stack: list[object] = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, type):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(_children(obj))
    return total


def model_bytes(client: E27Client) -> int:
    """Bytes of the client's panel model: its live state and the snapshot it hands out, each object once."""
    seen: set[int] = set()
    return deep_size(client._live, seen) + deep_size(client.panel, seen)


async def measure(panel_name: str, breakdown: bool) -> tuple[int, int]:
    """(bytes of live state + snapshot, configured zones) after a full bootstrap of panel_name."""
    state = PanelState.load(panel_name)
    async with EmulatorPanel(PanelConfig(), state=state) as panel:
        link = panel.add_link(IDENTITY.sn)
        credentials = LinkCredentials(link.linkkey_hex, link.linkhmac_hex)
        client = E27Client("127.0.0.1", panel.port, IDENTITY, credentials, name=panel_name, config_check_interval=None)
        await client.async_connect()
        try:
            async with asyncio.timeout(SWEEP_TIMEOUT):  # the post-ready zone sweep
                while "wireless" not in client.export_cache()["domains"]["zone"]:  # noqa: ASYNC110 - no event for it
                    await asyncio.sleep(POLL_INTERVAL)
            gc.collect()
            live, snapshot = client._live, client.panel
            total = model_bytes(client)
            if breakdown:
                seen: set[int] = set()
                parts = {"snapshot (entities)": snapshot}
                parts |= {f"live.{name}": getattr(live, name) for name in _attribute_names(live)}
                for label, part in parts.items():
                    print(f"  {label:<28} {deep_size(part, seen) / 1024:8.1f} KiB")
            return total, len(snapshot.zones)
        finally:
            await client.async_close()


def _attribute_names(obj: object) -> list[str]:
    if hasattr(obj, "__dict__"):
        return list(vars(obj))
    return [name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ()) if hasattr(obj, name)]


def main() -> None:
    """Print the figure (and optionally where the bytes are) with its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--panel", default="large", help="built-in emulator panel (default: large)")
    parser.add_argument("--breakdown", action="store_true", help="also print the size of each part")
    args = parser.parse_args()
    total, zones = asyncio.run(measure(args.panel, args.breakdown))
    target = TARGET_KIB.get(args.panel)
    note = f"  (target ≤ {target:g} KiB: {'met' if total / 1024 <= target else 'MISSED'})" if target else ""
    print(f"{args.panel:<8} model memory {total / 1024:8.1f} KiB for {zones} zones{note}")


if __name__ == "__main__":
    main()
