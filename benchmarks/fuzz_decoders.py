"""Fuzz every decoder of the backend with the decoding-contract inputs and report counts and time per input.

Run from anywhere: ``python benchmarks/fuzz_decoders.py [--examples N] [--only NAME]``. Each
target (tests/e27/contract.py: the message parser, decode, wire builders, the live model,
bootstrap, discovery, link and hello replies, a session's receive path) gets N generated
inputs (default 10 000, so 130 000 in all); any exception other than an E27Error stops the run with the input.
Printed per target: inputs run, inputs that raised an E27Error, and the mean, 99th
percentile and worst time per input.
"""

from __future__ import annotations

import argparse
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


def fuzz(target: Target, examples: int) -> tuple[int, int, list[float]]:
    """Run target on `examples` generated inputs; return (inputs, E27Errors, seconds per input)."""
    times: list[float] = []
    refused = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def run(value: Any) -> None:
        nonlocal refused
        started = time.perf_counter()
        try:
            target.call(value)
        except E27Error:
            refused += 1
        finally:
            times.append(time.perf_counter() - started)

    run()
    return len(times), refused, times


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
        count, refused, times = fuzz(target, args.examples)
        total += count
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{target.name:<24} {count:>8} {refused:>9} {statistics.fmean(times) * 1e6:>9.0f} "
            f"{p99 * 1e6:>9.0f} {ordered[-1] * 1e3:>9.1f}",
            flush=True,
        )
    print(f"total inputs: {total}, none raised anything but an E27Error")


if __name__ == "__main__":
    main()
