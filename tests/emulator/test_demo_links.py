"""The demo panel keeps its link table in a file only its owner can read, whatever was at that path."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
from pathlib import Path
from types import ModuleType

import pytest

from e27_emulator import PanelConfig

ROOT = Path(__file__).resolve().parents[2]


def _demo_panel() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_panel", ROOT / "scripts" / "demo_panel.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _run_and_stop(links_file: Path) -> dict[str, dict[str, str]]:
    module = _demo_panel()
    panel_class = type("Panel", (module.LinksKeptPanel,), {"links_file": links_file})
    panel = panel_class(PanelConfig(discovery_port=None))
    await panel.start()
    link = panel.add_link("0a1b2c3d4e5f")
    await panel.stop()
    return {"0a1b2c3d4e5f": {"linkkey": link.linkkey_hex, "linkhmac": link.linkhmac_hex}}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> object:
    """As a user's shell often has it: files would come out world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_a_new_links_file_is_private(tmp_path: Path) -> None:
    links_file = tmp_path / "links.json"
    expected = await _run_and_stop(links_file)
    assert _mode(links_file) == 0o600
    assert json.loads(links_file.read_text()) == expected


async def test_an_existing_readable_links_file_becomes_private(tmp_path: Path) -> None:
    links_file = tmp_path / "links.json"
    links_file.write_text("{}")
    links_file.chmod(0o644)
    expected = await _run_and_stop(links_file)
    assert _mode(links_file) == 0o600
    assert json.loads(links_file.read_text()) == expected


async def test_a_symlink_at_the_links_file_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours")
    elsewhere.chmod(0o644)
    links_file = tmp_path / "links.json"
    links_file.symlink_to(elsewhere)
    await _run_and_stop(links_file)
    assert elsewhere.read_text() == "not yours"
    assert not links_file.is_symlink()
    assert _mode(links_file) == 0o600
    assert not _leftovers(tmp_path)


def _leftovers(directory: Path) -> list[str]:
    return [path.name for path in directory.iterdir() if path.name.startswith(".links.json.")]
