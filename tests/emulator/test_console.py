"""The standalone panel: its console commands, and `python -m e27_emulator` end to end."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from custom_components.elke27.e27 import ClientIdentity, Session, async_provision
from e27_emulator import EmulatorPanel, PanelState
from e27_emulator.__main__ import SecretsFileError, banner, linking_secrets, parse_args
from e27_emulator.console import QUIT, Console

from .apiclient import running_panel

ROOT = Path(__file__).parents[2]


@pytest.fixture
async def house() -> AsyncIterator[EmulatorPanel]:
    async with running_panel("default") as panel:
        yield panel


@pytest.fixture
def console(house: EmulatorPanel) -> Console:
    return Console(house)


def state_of(panel: EmulatorPanel) -> PanelState:
    assert panel.state is not None
    return panel.state


async def test_zone_and_area_commands(house: EmulatorPanel, console: Console) -> None:
    state = state_of(house)
    assert "Living Room Window" in await console.execute("open 3")
    assert state.zones[3].open
    assert "refused: 11015" in await console.execute("arm 1 away")
    await console.execute("close 3")
    assert "ARMED_AWAY" in await console.execute("arm 1 away now")
    output = await console.execute("open 5")
    assert "ALARM BURGLARY zone 5" in output
    assert "DISARMED" in await console.execute("disarm 1")
    await console.execute("close 5")
    assert "bypassed=1" in await console.execute("bypass 4 on")
    assert "TROUBLE" in await console.execute("zonetrouble 6 on")
    assert "TAMPER" in await console.execute("tamper 2 on")
    assert "LOW-BATT" in await console.execute("battery 11 on")
    assert "ALARM FIRE" in await console.execute("alarm 2 fire")
    assert "ALARM FIRE,PANIC zone 11" in await console.execute("alarm 2 panic 11")
    assert "chime=on" in await console.execute("chime 1 on")
    assert "refused: 11027" in await console.execute("arm 2 stay")
    await console.execute("disarm 2")
    assert "exit delay 30s (arming ARMED_STAY)" in await console.execute("arm 2 stay")


async def test_trouble_and_device_commands(house: EmulatorPanel, console: Console) -> None:
    state = state_of(house)
    assert "AC Fail" in await console.execute("trouble ac on")
    await console.execute('trouble "Phone Line" on')
    assert state.troubles == ["AC Fail", "Phone Line"]
    await console.execute("trouble ac off")
    assert "Siren Fault" in await console.execute("trouble Siren Fault on area 1")
    assert state.areas[1].troubles == ["Siren Fault"]
    assert await console.execute("output 2 on") == "output 2: ON"
    assert await console.execute("light 2 100") == "light 2: level 99"
    assert await console.execute("light 2 off") == "light 2: level 0"
    assert await console.execute("lock 1 off") == "lock 1: OFF"
    assert await console.execute("door 1 open") == "door 1: OPENING"
    assert await console.execute("temp 1 66") == "tstat 1: 66F"
    before = state.csm("zone")
    assert "zone CSM" in await console.execute('rename zone 3 "Bay Window"')
    assert state.zones[3].name == "Bay Window"
    assert state.csm("zone") != before


async def test_views_and_panel_knobs(house: EmulatorPanel, console: Console) -> None:
    text = await console.execute("show")
    for fragment in ("area 1 House", "zone  18", "Garage Door", "system troubles", "sessions: 0"):
        assert fragment in text
    assert "Panel started" in await console.execute("show log")
    assert "light 2" in await console.execute("show devices")
    assert await console.execute("silent on") == "silent: on"
    assert house.faults.silent
    await console.execute("silent off")
    assert await console.execute("delay 0.5") == "reply delay: 0.5 s"
    assert house.reply_delay == 0.5
    await console.execute("delay 0")
    assert await console.execute("drop") == "dropped 0 connection(s)"
    assert "rebooted" in await console.execute("reboot")
    assert "open Z" in await console.execute("help")
    assert await console.execute("quit") == QUIT
    assert await console.execute("   ") == ""


async def test_fault_commands_take_raw_json(house: EmulatorPanel, console: Console) -> None:
    assert (
        await console.execute('inject {"seq":0,"area":{"get_status":{"area_id":"²"}}}') == "injected into 0 session(s)"
    )
    assert await console.execute("inject") == "usage: inject JSON"
    assert await console.execute('hello {"hello": {"error_code": "x"}}') == "the next hello gets that reply"
    assert house.faults.hello_replies == [b'{"hello": {"error_code": "x"}}']  # as typed, quotes and spaces kept
    assert await console.execute("quirk on") == "length-quirk frames: on"
    assert house.faults.length_quirk
    await console.execute("quirk off")
    assert "inject JSON" in await console.execute("help")


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("fly 3", "unknown command 'fly'"),
        ("open", "error: zone missing"),
        ("open three", "error: zone must be a number"),
        ("open 99", "error: no such id 99"),
        ("bypass 3 maybe", "error: expected on or off"),
        ("bypass 7 on", "refused: 11023"),
        ("arm 1 night", "error: usage: arm A away|stay"),
        ("alarm 1 zombies", "error: unknown alarm type"),
        ("alarm 1 fire 99", "error: no such id 99"),
        ("alarm 1 fire kitchen", "error: zone must be a number"),
        ("battery 3 on", "error: zone 3 is not wireless"),
        ("trouble on", "error: usage: trouble"),
        ("rename zone 3", "error: usage: rename"),
        ("rename zone 99 x", "error: zone[99].id: outside the table"),
        ("add zone 19", "error: usage: add"),
        ("add zone 19 Shed area", "error: expected FIELD=VALUE"),
        ("remove zone", "error: usage: remove"),
        ("remove light 9", "error: no such id"),
        ("configured bits", "error: usage: configured"),
        ("elements", "error: usage: elements"),
        ("busy", "error: count missing"),
        ("shape nonsense", "error: unknown shape"),
        ("door 1 up", "refused: 11004"),
        ("delay soon", "error: usage: delay"),
        ('open "3', "error: No closing quotation"),
        ("show nothing", "error: show what?"),
    ],
)
async def test_console_errors(console: Console, line: str, reply: str) -> None:
    assert (await console.execute(line)).startswith(reply)


async def test_config_and_shape_commands(house: EmulatorPanel, console: Console) -> None:
    state = state_of(house)
    before = state.csm("zone")
    assert "zone 19 configured" in await console.execute('add zone 19 "Shed Door" area=2 definition="BURG PERIM INST"')
    assert (state.zones[19].name, state.zones[19].area, state.csm("zone") != before) == ("Shed Door", 2, True)
    assert "light 2 removed" in await console.execute("remove light 2")
    assert 2 not in state.lights
    assert await console.execute("configured mask_hex") == "get_configured answers as mask_hex"
    assert state.options.configured_as == "mask_hex"
    assert await console.execute("elements 0") == "get_table_info reports table_elements 0"
    assert await console.execute("elements off") == "get_table_info reports table_elements None"
    assert await console.execute("busy 3") == "the next 3 status reads are refused as busy"
    assert state.options.busy_reads == 3
    listing = await console.execute("shape list")
    assert "bypass-by-secure-state" in listing
    assert "barrier-stopped" in listing
    assert (await console.execute("shape barrier-stopped")).startswith("shape barrier-stopped sent to 0 session(s)")


def test_parse_args_defaults() -> None:
    args = parse_args([])
    assert (args.panel, args.host, args.port, args.discovery_port, args.no_console) == (
        "default",
        "127.0.0.1",
        2101,
        2362,
        False,
    )
    args = parse_args(
        ["--panel", "large", "--port", "0", "--no-discovery", "--access-code", "9", "--time-scale", "0.1"]
    )
    assert (args.panel, args.port, args.no_discovery, args.access_code, args.time_scale) == ("large", 0, True, "9", 0.1)


def test_linking_secrets_from_flags_file_environment_or_defaults(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text('{"access_code": "246810", "passphrase": "from the file"}')
    environ = {"E27_ACCESS_CODE": "135790", "E27_PASSPHRASE": "from the environment"}
    assert linking_secrets(None, None, None, {}) == ("123456", "emulator-passphrase")
    assert linking_secrets(None, None, None, environ) == ("135790", "from the environment")
    assert linking_secrets(None, None, secrets, environ) == ("246810", "from the file")
    assert linking_secrets("1", None, secrets, environ) == ("1", "from the file")
    secrets.write_text('{"passphrase": "only this"}')
    assert linking_secrets(None, None, secrets, environ) == ("135790", "only this")
    for bad in ("[1, 2]", '{"access_code": 123456}', "not json"):
        secrets.write_text(bad)
        with pytest.raises(SecretsFileError, match=r"secrets\.json"):
            linking_secrets(None, None, secrets, {})
    with pytest.raises(SecretsFileError, match="cannot read"):
        linking_secrets(None, None, tmp_path / "missing.json", {})
    assert parse_args(["--secrets-file", str(secrets)]).secrets_file == secrets


def _environment(**secrets: str) -> dict[str, str]:
    """This process's environment without inherited linking secrets, plus the given ones."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("E27_")}
    return {**env, "PYTHONPATH": str(ROOT), **secrets}


async def test_banner_tells_how_to_link(house: EmulatorPanel) -> None:
    text = banner(house, state_of(house), "default")
    assert f"127.0.0.1:{house.port}" in text
    assert "access code 123456" in text
    assert "passphrase emulator-passphrase" in text
    assert "1234 Master (master) areas 1,2" in text


async def _read_until(stream: asyncio.StreamReader, marker: bytes, timeout: float = 20.0) -> bytes:
    data = b""
    async with asyncio.timeout(timeout):
        while marker not in data:
            chunk = await stream.read(4096)
            if not chunk:
                break
            data += chunk
    return data


async def test_python_dash_m_runs_a_linkable_panel() -> None:
    """The secrets come from the environment here: nothing secret on the command line."""
    env = _environment(E27_ACCESS_CODE="864209", E27_PASSPHRASE="env passphrase")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "e27_emulator",
        "--port",
        "0",
        "--no-discovery",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        start = (await _read_until(process.stdout, b"Console ready")).decode()
        assert "access code 864209" in start
        port = int(start.split("listening on 127.0.0.1:")[1].split(",")[0])
        identity = ClientIdentity(mn="222", sn="c0ffee000001")
        credentials = await async_provision("127.0.0.1", port, "864209", "env passphrase", identity)
        session = Session("127.0.0.1", port, identity, credentials.linkkey)
        await session.connect()
        try:
            process.stdin.write(b"open 3\nshow sessions\n")
            await process.stdin.drain()
            seen = (await _read_until(process.stdout, b"sessions: 1")).decode()
            assert "VIOLATED" in seen
            zone = (await session.request("zone", "get_status", {"zone_id": 3})).body
            assert zone["contact_state"] == "OPEN"
        finally:
            await session.close()
        process.stdin.write(b"quit\n")
        await process.stdin.drain()
        assert b"Panel stopped." in await _read_until(process.stdout, b"Panel stopped.")
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_python_dash_m_stops_on_eof_and_rejects_a_bad_panel(tmp_path: Path) -> None:
    env = _environment()
    bad = tmp_path / "bad.toml"
    bad.write_text("areas = [{ id = 1 }]\n")
    bad_secrets = tmp_path / "secrets.json"
    bad_secrets.write_text("[]")
    runs = {
        "eof": ["--port", "0", "--no-discovery"],
        "bad": ["--panel", str(bad), "--port", "0"],
        "bad secrets": ["--secrets-file", str(bad_secrets), "--port", "0"],
    }
    results = {}
    for name, extra in runs.items():
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "e27_emulator",
            *extra,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(b"show areas\n"), 30)
        results[name] = (process.returncode, stdout.decode(), stderr.decode())
    assert results["eof"][0] == 0
    assert "area 1 House: DISARMED" in results["eof"][1]
    assert "Panel stopped." in results["eof"][1]
    assert results["bad"][0] == 2
    assert "areas[0].name: missing" in results["bad"][2]
    assert results["bad secrets"][0] == 2
    assert "secrets.json: expected" in results["bad secrets"][2]


def test_console_needs_a_state() -> None:
    with pytest.raises(ValueError, match="needs a panel with a state"):
        Console(EmulatorPanel())


async def test_keypad_arming_is_logged_with_its_user(console: Console) -> None:
    """The log names who armed at which keypad, as the emulator writes it."""
    await console.execute("arm 2 stay now by Paul keypad 2")
    await console.execute("disarm 2 by Anna")
    texts = [entry.text for entry in console.state.log[-3:]]
    assert texts == ["Garage arming Stay by Paul (keypad 2)", "Garage armed Stay", "Garage disarmed by Anna (keypad 1)"]
    assert "error" in await console.execute("arm 2 stay keypad two")


async def test_forget_unlinks_and_drops_sessions(house: EmulatorPanel, console: Console) -> None:
    house.add_link("client-a")
    house.add_link("client-b")
    assert (await console.execute("forget nobody")).startswith("error: no link for nobody")
    assert (await console.execute("forget client-a")).startswith("forgot 1 link(s): client-a")
    assert set(house.links) == {"client-b"}
    assert (await console.execute("forget")).startswith("forgot 1 link(s): client-b")
    assert house.links == {}
    assert await console.execute("forget") == "no links to forget"
    assert "forget" in await console.execute("help")
