"""The coverage gate: per module, unimported modules count as uncovered, and a module just under the minimum fails."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import coverage
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_coverage  # noqa: E402

MODULES = {
    "__init__.py": "",
    # 10 statements, all run.
    "whole.py": "".join(f"A{index} = {index}\n" for index in range(10)),
    # 4 statements at import (the def lines and the call); each body line is one more; half never run.
    "half.py": "def used():\n    return 1\n\n\ndef unused():\n    return 2\n\n\nused()\n",
    # never imported
    "orphan.py": "X = 1\nY = 2\n",
}


@pytest.fixture
def measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A package of four modules, imported under coverage; returns (package, data file)."""
    package = tmp_path / "src" / "gatepkg"
    package.mkdir(parents=True)
    for name, text in MODULES.items():
        (package / name).write_text(text)
    monkeypatch.syspath_prepend(str(package.parent))
    data = tmp_path / "coverage.data"
    cov = coverage.Coverage(data_file=str(data), source=[str(package)])
    cov.start()
    try:
        importlib.import_module("gatepkg.whole")
        importlib.import_module("gatepkg.half")
    finally:
        cov.stop()
        for name in ("gatepkg", "gatepkg.whole", "gatepkg.half"):
            sys.modules.pop(name, None)
    cov.save()
    return package, data


def test_every_module_is_measured_even_unimported(measured: tuple[Path, Path]) -> None:
    package, data = measured
    result = {Path(module.path).name: module for module in check_coverage.measure(data, package)}
    assert set(result) == {"__init__.py", "whole.py", "half.py", "orphan.py"}
    assert result["whole.py"].percent == 100.0
    assert (result["half.py"].statements, result["half.py"].missed) == (5, 1)
    assert result["orphan.py"].percent == 0.0
    assert result["__init__.py"].percent == 100.0  # nothing to run
    failing = {Path(module.path).name for module in check_coverage.below(list(result.values()), 95.0)}
    assert failing == {"half.py", "orphan.py"}


def test_just_under_the_minimum_fails() -> None:
    # 95 of 100 passes; 1899 of 2000 (94.95 %) would print as 95.0 if rounded, but does not pass.
    passing = check_coverage.ModuleCoverage("a.py", 100, 5)
    failing = check_coverage.ModuleCoverage("b.py", 2000, 101)
    assert check_coverage.below([passing, failing], 95.0) == [failing]


def test_the_script_names_the_modules_under_the_minimum(measured: tuple[Path, Path], tmp_path: Path) -> None:
    package, data = measured
    script = str(ROOT / "scripts" / "check_coverage.py")
    argv = [sys.executable, script, "--package", str(package), "--data-file", str(data)]
    failed = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    assert failed.returncode == 1
    assert "2 modules under 95 %" in failed.stderr
    assert "half.py (80.0 %)" in failed.stderr
    assert "orphan.py (0.0 %)" in failed.stderr
    lenient = subprocess.run([*argv, "--minimum", "0"], capture_output=True, text=True, check=False, timeout=60)
    assert lenient.returncode == 0, lenient.stderr
    warned = subprocess.run([*argv, "--warn-only"], capture_output=True, text=True, check=False, timeout=60)
    assert warned.returncode == 0
    assert "2 modules under 95 %" in warned.stderr
    missing = subprocess.run(
        [*argv[:-1], str(tmp_path / "nothing")], capture_output=True, text=True, check=False, timeout=60
    )
    assert missing.returncode == 2
    assert "no coverage data" in missing.stderr
