"""The owner's command line (`python -m e27_cli`): discover, link, monitor — secrets never on argv, bad input in one line."""

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
from e27_cli.cli import async_main, parser, save_private
from e27_emulator import EmulatorPanel, PanelConfig, PanelState

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


@pytest.mark.parametrize(("serial", "shown"), [("00000001", "serial ?"), ("E27A1", "serial E27A1")])
async def test_discover_shows_no_placeholder_serial(serial: str, shown: str) -> None:
    async with EmulatorPanel(PanelConfig(serial=serial)) as panel:
        task, out = run(
            ["discover", "--target", "127.0.0.1", "--discovery-port", str(panel.discovery_port), "--timeout", "2"]
        )
        assert await task == 0
    assert out.getvalue().rstrip().endswith(shown)


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


def test_monitor_without_credentials_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("E27_HOST", raising=False)
    assert asyncio.run(async_main(["monitor", "--credentials", str(tmp_path / "missing.json")])) == 2
    assert "run `link` first" in capsys.readouterr().err


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
        [sys.executable, "-m", "e27_cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert "discover" in result.stdout
    assert "monitor" in result.stdout


def test_the_cli_is_not_shipped_with_the_integration() -> None:
    """HACS installs custom_components/elke27 only; a tool that writes credential files stays out of it."""
    integration = Path(__file__).parents[3] / "custom_components" / "elke27"
    assert not list(integration.rglob("__main__.py"))


BAD_HOSTS = {
    "300 characters": "a" * 300,
    "a 64-character label": "b" * 64 + ".example",
    "a NUL": "pa\x00nel",
    "a right-to-left override": "panel\u202e.lan",
    "an empty label": "a..b",
    "a space": "my panel",
}


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].isascii(), "control and direction characters are shown escaped"
    assert "\x00" not in lines[0]
    assert "\u202e" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("value", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
@pytest.mark.parametrize("command", ["link", "discover"])
def test_a_bad_host_is_one_clear_line(value: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["link", value] if command == "link" else ["discover", "--target", value]
    with pytest.raises(SystemExit) as exited:
        asyncio.run(async_main(argv))
    assert exited.value.code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "is not a host name or an IP address" in line
    assert len(line) < 200


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["link", "192.0.2.1", "--port", "65536"], "65536 is not a port number (1-65535)"),
        (["link", "192.0.2.1", "--port", "0"], "0 is not a port number (1-65535)"),
        (["link", "192.0.2.1", "--port", "http"], "'http' is not a port number (1-65535)"),
        (["link", "192.0.2.1", "--sn", "0011-2233"], "'0011-2233' is not a client serial"),
        (["discover", "--discovery-port", "-1"], "-1 is not a port number (1-65535)"),
        (["discover", "--timeout", "nan"], "'nan' is not a positive number of seconds"),
        (["monitor", "--duration", "-5"], "'-5' is not a positive number of seconds"),
    ],
)
def test_bad_numbers_are_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        asyncio.run(async_main(argv))
    assert exited.value.code == 2
    assert message in _one_error_line(capsys.readouterr().err)


def test_good_addresses_pass(capsys: pytest.CaptureFixture[str]) -> None:
    cli = parser()
    for value in ("192.0.2.1", "fe80::1", "panel", "e27-panel.home.arpa", "e27-panel.home.arpa.", "c" * 63 + ".lan"):
        assert cli.parse_args(["link", value]).host == value


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("E27_HOST", "a" * 300, "is not a host name or an IP address"),
        ("E27_PORT", "65536", "65536 is not a port number"),
        ("E27_SN", "sn\u202e", "is not a client serial"),
    ],
)
def test_bad_environment_is_one_clear_line(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"E27_HOST": "192.0.2.1", "E27_PORT": "2101", "E27_SN": "0011aa", "E27_LINKKEY": "00", "E27_LINKHMAC": "0"}
    for key, setting in (good | {variable: value}).items():
        monkeypatch.setenv(key, setting)
    assert asyncio.run(async_main(["monitor", "--duration", "1"])) == 2
    assert message in _one_error_line(capsys.readouterr().err)


def test_a_tampered_credentials_file_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("E27_HOST", raising=False)
    saved = tmp_path / "link.json"
    saved.write_text(json.dumps({"host": "a..b", "port": 2101, "sn": "0011aa", "linkkey": "00", "linkhmac": "0"}))
    assert asyncio.run(async_main(["monitor", "--credentials", str(saved)])) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(saved) in line
    assert "'a..b' is not a host name" in line
    saved.write_text(json.dumps(["not", "a", "dict"]))
    assert asyncio.run(async_main(["monitor", "--credentials", str(saved)])) == 2
    assert "is not a credentials file written by `link`" in _one_error_line(capsys.readouterr().err)


def test_entry_point_prints_one_line_for_a_bad_port() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "e27_cli", "link", "192.0.2.1", "--port", "65536"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert _one_error_line(result.stderr) == (
        "python -m e27_cli link: error: argument --port: 65536 is not a port number (1-65535)"
    )
