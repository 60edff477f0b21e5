"""Fail unless every module of the integration (its protocol backend included) is covered to the minimum.

Run after the tests wrote coverage data (scripts/test does both):

    .venv/bin/python scripts/check_coverage.py [--data-file .coverage] [--minimum 95] [--package DIR] [--warn-only]

It prints one line per module (statements, missed, percentage) and ends with exit status 1 and
the list of modules under the minimum, if any (with --warn-only: the list, and status 0). Modules
no test imported count as 0 %.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "elke27"
MINIMUM = 95.0


@dataclass(frozen=True)
class ModuleCoverage:
    """How much of one module the tests ran."""

    path: str
    statements: int
    missed: int

    @property
    def percent(self) -> float:
        """Covered statements in percent (a module without statements is fully covered)."""
        if not self.statements:
            return 100.0
        return 100.0 * (self.statements - self.missed) / self.statements


def measure(data_file: Path, package: Path = PACKAGE) -> list[ModuleCoverage]:
    """Per-module coverage of every Python file under package, from the coverage data in data_file."""
    if not data_file.exists():
        raise NoDataError(f"no coverage data at {data_file}: run the tests with coverage first")
    cov = coverage.Coverage(data_file=str(data_file))
    cov.load()
    modules = []
    for path in sorted(package.rglob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        modules.append(ModuleCoverage(str(path.relative_to(package.parent.parent)), len(statements), len(missing)))
    return modules


def below(modules: list[ModuleCoverage], minimum: float) -> list[ModuleCoverage]:
    """The modules under the minimum (rounded down to one decimal, as printed, so 94.96 % does not pass)."""
    return [module for module in modules if int(module.percent * 10) / 10 < minimum]


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit status 1 when a module is under the minimum, 2 without data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-file", type=Path, default=ROOT / ".coverage", help="coverage data (default .coverage)")
    parser.add_argument("--minimum", type=float, default=MINIMUM, help=f"percent per module (default {MINIMUM:g})")
    parser.add_argument(
        "--package", type=Path, default=PACKAGE, help="the package held to it (default the integration)"
    )
    parser.add_argument("--warn-only", action="store_true", help="name the modules under the minimum, but pass")
    args = parser.parse_args(argv)
    try:
        modules = measure(args.data_file, args.package)
    except NoDataError as err:
        print(f"check_coverage: {err}", file=sys.stderr)
        return 2
    width = max(len(module.path) for module in modules)
    for module in modules:
        print(f"{module.path:<{width}}  {module.statements:5d}  {module.missed:4d}  {module.percent:6.1f} %")
    failing = below(modules, args.minimum)
    if failing:
        names = ", ".join(f"{module.path} ({module.percent:.1f} %)" for module in failing)
        print(f"check_coverage: {len(failing)} modules under {args.minimum:g} %: {names}", file=sys.stderr)
        return 0 if args.warn_only else 1
    print(f"check_coverage: all {len(modules)} modules at {args.minimum:g} % or more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
