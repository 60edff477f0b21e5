"""Fuzz every decoder of the backend with the decoding-contract inputs and report counts and time per input.

Run from anywhere: ``python benchmarks/fuzz_decoders.py [--examples N] [--only NAME]``. Each
target (tests/e27/contract.py: the message parser, decode, wire builders, the live model,
bootstrap, discovery, link and hello replies, a session's receive path) gets N generated
inputs (default 10 000, so 130 000 in all); any exception other than an E27Error stops the
run with the input. Printed per target: inputs run, inputs that raised an E27Error, and the
mean, 99th percentile and worst time per input; the slowest input is run again, since a first
run can meet a GC pause or a busy CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from hypothesis import HealthCheck, given, settings  # noqa: E402

from custom_components.elke27.e27 import E27Error  # noqa: E402
from tests.e27.contract import TARGETS, Target  # noqa: E402

DEFAULT_EXAMPLES = 10_000


def describe(value: Any) -> str:
    """A short description of an input: its type and size."""
    size = len(value) if isinstance(value, bytes | str | list | tuple | dict) else len(repr(value))
    return f"{type(value).__name__} of {size}"


def retime(target: Target, value: Any, runs: int = 5) -> float:
    """The median time of target on one input, run again (a first run may have met a GC pause)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(E27Error):
            target.call(value)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fuzz(target: Target, examples: int) -> tuple[int, int, list[float], str]:
    """Run target on `examples` generated inputs; return (inputs, E27Errors, seconds per input, slowest input)."""
    times: list[float] = []
    refused = 0
    slowest: tuple[float, Any] = (0.0, None)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def run(value: Any) -> None:
        nonlocal refused, slowest
        started = time.perf_counter()
        try:
            target.call(value)
        except E27Error:
            refused += 1
        finally:
            times.append(elapsed := time.perf_counter() - started)
            if elapsed > slowest[0]:
                slowest = (elapsed, value)

    gc.collect()
    run()
    again = retime(target, slowest[1])
    return len(times), refused, times, f"{describe(slowest[1])}, {again * 1e3:.2f} ms when run again"


def main() -> None:
    """Fuzz each target and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, help="inputs per target")
    parser.add_argument("--only", action="append", help="fuzz only this target (repeatable)")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the decoders' DEBUG lines would dominate the run time
    total = 0
    print(f"{'target':<24} {'inputs':>8} {'E27Error':>9} {'mean µs':>9} {'p99 µs':>9} {'worst ms':>9}")
    for target in TARGETS:
        if args.only and target.name not in args.only:
            continue
        count, refused, times, slowest = fuzz(target, args.examples)
        total += count
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{target.name:<24} {count:>8} {refused:>9} {statistics.fmean(times) * 1e6:>9.0f} "
            f"{p99 * 1e6:>9.0f} {ordered[-1] * 1e3:>9.1f}  (slowest: {slowest})",
            flush=True,
        )
    print(f"total inputs: {total}, none raised anything but an E27Error")


if __name__ == "__main__":
    main()
