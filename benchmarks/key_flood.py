"""Memory of the live model under a flood of status broadcasts that each carry keys never seen before.

Run from anywhere: ``python benchmarks/key_flood.py [--messages N]``. Every message is a zone
or area status broadcast with its usual keys plus a new, unknown key holding 100 bytes; the
live model must keep only the keys it reads, so what it holds must not grow with the flood.
Prints the model's size before and after, against the target.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from benchmarks.model_size import deep_size  # noqa: E402
from custom_components.elke27.e27.live import LiveModel  # noqa: E402
from custom_components.elke27.e27.messages import parse_message  # noqa: E402

# The model may grow by at most this much however many novel keys arrive.
TARGET_GROWTH_KIB = 16.0


def _model() -> LiveModel:
    live = LiveModel("flood")
    live.set_config("area", {1: {"name": "House"}})
    live.set_config("zone", {zone_id: {"name": f"Zone {zone_id}", "area_id": 1} for zone_id in range(1, 33)})
    return live


def main() -> None:
    """Flood a live model and print its growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    live = _model()
    for zone_id in range(1, 33):  # every zone's ordinary status first
        live.apply(parse_message({"seq": 0, "zone": {"get_status": {"zone_id": zone_id, "secure_state": "NORMAL"}}}))
    gc.collect()
    before = deep_size(live)
    started = time.perf_counter()
    for index in range(args.messages):
        extra = {f"novel_{index}": "x" * 100}
        if index % 2:
            body = {"zone": {"get_status": {"zone_id": index % 32 + 1, "secure_state": "NORMAL", **extra}}}
        else:
            body = {"area": {"get_status": {"area_id": 1, "Chime": bool(index % 4), **extra}}}
        live.apply(parse_message({"seq": 0, **body}))
    seconds = time.perf_counter() - started
    gc.collect()
    growth = (deep_size(live) - before) / 1024
    verdict = "ok" if growth <= TARGET_GROWTH_KIB else "OVER TARGET"
    print(f"{args.messages} messages with novel keys in {seconds:.2f} s")
    print(f"model grew by {growth:.1f} KiB (target <= {TARGET_GROWTH_KIB:.0f} KiB): {verdict}")


if __name__ == "__main__":
    main()
