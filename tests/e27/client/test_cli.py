"""The owner's CLI (`python -m custom_components.elke27.e27`): discover, link, monitor — secrets never on argv."""

from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.elke27.e27 import ClientIdentity, LinkCredentials
from custom_components.elke27.e27.__main__ import async_main, parser, save_private
from e27_emulator import EmulatorPanel, PanelState

from ..conftest import ACCESS_CODE, PASSPHRASE
from ..emulated import wait_until


def run(argv: list[str]) -> tuple[asyncio.Task[int], io.StringIO]:
    out = io.StringIO()
    return asyncio.create_task(async_main(argv, out)), out


async def test_discover(panel: EmulatorPanel) -> None:
    task, out = run(
        ["discover", "--target", "127.0.0.1", "--discovery-port", str(panel.discovery_port), "--timeout", "2"]
    )
    assert await task == 0
    assert "E27 Emulator" in out.getvalue()
    assert f"127.0.0.1:{panel.port}" in out.getvalue()


async def test_link_then_monitor(
    panel: EmulatorPanel, state: PanelState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E27_ACCESS_CODE", ACCESS_CODE)
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSPHRASE

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    saved = tmp_path / "link.json"
    task, out = run(["link", "127.0.0.1", "--port", str(panel.port), "--save", str(saved)])
    assert await task == 0, out.getvalue()
    assert prompts == ["Passphrase: "]  # the access code came from the environment
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    data = json.loads(saved.read_text())
    assert data["linkkey"] == panel.links[data["sn"]].linkkey_hex
    for secret in (ACCESS_CODE, PASSPHRASE, data["linkkey"], data["linkhmac"]):
        assert secret not in out.getvalue()

    cache = tmp_path / "cache.json"
    task, out = run(["monitor", "--credentials", str(saved), "--cache", str(cache), "--duration", "600"])
    await wait_until(lambda: "zone 18" in out.getvalue(), timeout=30)
    assert "panel 'Demo House'" in out.getvalue()
    assert "area 1 'House': DISARMED, ready" in out.getvalue()
    state.open_zone(3)
    await wait_until(lambda: "zone 3 'Living Room Window' (WINDOW): violated" in out.getvalue(), timeout=30)
    task.cancel()  # as Ctrl-C would: the cache is still written on the way out
    with pytest.raises(asyncio.CancelledError):
        await task
    assert json.loads(cache.read_text())["domains"]["zone"]["attribs"]["3"]["name"] == "Living Room Window"
    assert data["linkkey"] not in out.getvalue()


@pytest.mark.parametrize("before", ["a loose file", "a symlink"])
def test_saved_credentials_are_private_whatever_was_there(tmp_path: Path, before: str) -> None:
    saved = tmp_path / "link.json"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours to overwrite")
    if before == "a loose file":
        saved.write_text("old")
        saved.chmod(0o644)
    else:
        saved.symlink_to(elsewhere)
    save_private(saved, {"linkkey": "00" * 16})
    assert not saved.is_symlink()
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert json.loads(saved.read_text()) == {"linkkey": "00" * 16}
    assert elsewhere.read_text() == "not yours to overwrite"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["elsewhere.txt", "link.json"]  # no leftovers


async def test_monitor_from_environment(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "E27_HOST": "127.0.0.1",
        "E27_PORT": str(panel.port),
        "E27_SN": identity.sn,
        "E27_LINKKEY": credentials.linkkey,
        "E27_LINKHMAC": credentials.linkhmac,
    }.items():
        monkeypatch.setenv(key, value)
    task, out = run(["monitor", "--duration", "0.1"])
    assert await task == 0
    assert "ready in" in out.getvalue()


async def test_monitor_reports_connection_errors(
    panel: EmulatorPanel, identity: ClientIdentity, tmp_path: Path
) -> None:
    saved = tmp_path / "link.json"
    saved.write_text(
        json.dumps({"host": "127.0.0.1", "port": panel.port, "sn": identity.sn, "linkkey": "00" * 16, "linkhmac": "0"})
    )
    task, out = run(["monitor", "--credentials", str(saved), "--duration", "0.1"])
    assert await task == 2
    assert "link it again" in out.getvalue()


def test_monitor_without_credentials_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("E27_HOST", raising=False)
    with pytest.raises(SystemExit, match="run `link` first"):
        asyncio.run(async_main(["monitor", "--credentials", str(tmp_path / "missing.json")]))


def test_secrets_cannot_be_given_on_the_command_line() -> None:
    cli = parser()
    for argv in (
        ["link", "host", "--access-code", "1234"],
        ["link", "host", "--passphrase", "x"],
        ["monitor", "--linkkey", "00"],
    ):
        with pytest.raises(SystemExit):
            cli.parse_args(argv)


def test_module_entry_point_prints_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "custom_components.elke27.e27", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert "discover" in result.stdout
    assert "monitor" in result.stdout
