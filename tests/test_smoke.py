"""scripts/smoke: what fails the smoke run and what does not; the README names the release it runs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
HA = "2026-12-07 15:04:27.467+00:00"
"""A Home Assistant log record's time."""


@pytest.fixture(scope="module")
def smoke() -> ModuleType:
    """scripts/smoke.py as a module (it imports demo_hass from its own directory)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("smoke", SCRIPTS / "smoke.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPTS))
    return module


def test_any_error_fails_with_its_traceback(smoke: ModuleType) -> None:
    """An ERROR record from anyone fails the run; its traceback is reported with it."""
    log = (
        f"{HA} WARNING (MainThread) [homeassistant.bootstrap] Skipping pip installation\n"
        f"{HA} ERROR (MainThread) [homeassistant.setup] Setup failed for 'tts'\n"
        "Traceback (most recent call last):\n"
        "ModuleNotFoundError: No module named 'mutagen'\n"
        f"{HA} INFO (MainThread) [custom_components.elke27] Connected\n"
    )
    assert smoke.findings(log) == [
        f"{HA} ERROR (MainThread) [homeassistant.setup] Setup failed for 'tts'\n"
        "Traceback (most recent call last):\n"
        "ModuleNotFoundError: No module named 'mutagen'"
    ]


def test_the_emulators_errors_and_bare_tracebacks_fail(smoke: ModuleType) -> None:
    """The emulated panel's own format, and a traceback printed outside logging."""
    log = (
        "2026-12-07 15:04:27,316 ERROR e27_emulator.connection: failed to answer\nTraceback (most recent call last):\n"
    )
    assert smoke.findings(log) == [log.rstrip("\n")]
    assert smoke.findings("Traceback (most recent call last):\n  File 'x'\nValueError\n") == [
        "Traceback (most recent call last):\n  File 'x'\nValueError"
    ]


def test_deprecations_fail_only_when_about_this_integration(smoke: ModuleType) -> None:
    """Home Assistant's reports and Python's warnings about us fail; other libraries' do not."""
    ours = [
        f"{HA} WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom integration 'elke27' "
        "calls x. This will stop working in Home Assistant 2027.5",
        f"{HA} WARNING (MainThread) [py.warnings] /c/custom_components/elke27/light.py:3: DeprecationWarning: old",
        "/c/custom_components/elke27/e27/session.py:9: DeprecationWarning: old\n  call()",
    ]
    theirs = [
        # A warning right after a record that names us is still another library's.
        f"{HA} WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration elke27",
        "/v/site-packages/backoff/_async.py:11: DeprecationWarning: 'asyncio.iscoroutinefunction' is deprecated\n"
        "  if asyncio.iscoroutinefunction(coro_or_func):",
        # Directories called elke27: a clone of this repository, the Python scripts/provide-python caches.
        "/home/me/elke27/.venv-smoke/lib/python3.14/site-packages/backoff/_async.py:11: DeprecationWarning: x",
        "/root/.cache/elke27/python/debian-python-3.14.10/usr/lib/python3.14/asyncio/events.py:9: DeprecationWarning: x",
    ]
    assert smoke.findings("\n".join(ours)) == ours
    assert smoke.findings("\n".join(theirs)) == []


def test_a_missing_system_program_is_excused_only_when_really_missing(
    smoke: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ffmpeg's and libturbojpeg's ERRORs pass on a machine without them, and fail where they exist."""
    log = (
        f"{HA} ERROR (MainThread) [haffmpeg.core] FFmpeg fails [Errno 2] No such file or directory: 'ffmpeg'\n"
        "Traceback (most recent call last):\n"
        f"{HA} ERROR (ImportExecutor_0) [homeassistant.components.camera.img_util] Error loading libturbojpeg; x\n"
    )
    monkeypatch.setattr(smoke.shutil, "which", lambda name: None)
    monkeypatch.setattr(smoke.ctypes.util, "find_library", lambda name: None)
    assert smoke.findings(log) == []
    monkeypatch.setattr(smoke.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(smoke.ctypes.util, "find_library", lambda name: f"lib{name}.so.0")
    assert len(smoke.findings(log)) == 2


def test_the_readme_names_the_release_the_smoke_lane_runs() -> None:
    """The release pinned in requirements_smoke.txt is the one the README says was smoke-tested."""
    pinned = re.search(r"^homeassistant==(\S+)$", (SCRIPTS.parent / "requirements_smoke.txt").read_text(), re.M)
    assert pinned is not None
    readme = " ".join((SCRIPTS.parent / "README.md").read_text().split())
    assert f"smoke-tested on {pinned[1]})" in readme
    assert f"holds the newest release on PyPI ({pinned[1]})" in readme
