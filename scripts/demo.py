"""The Elk E27 demo: an emulated panel with its console in the foreground, Home Assistant in the background.

Run through `scripts/demo`, which prepares .venv first. This supervisor starts the emulated panel
(`python -m e27_emulator` by way of scripts/demo_panel.py, which keeps its links between runs; its
console reads this terminal) and `python -m homeassistant` (its log goes to a file), completes Home
Assistant's onboarding with the demo login, and prints what to type to add the panel. `quit` in
the console, Ctrl-C or SIGTERM stop Home Assistant first, then the panel (the panel's quit asks
this supervisor to stop), so Home Assistant never reports its panel lost at a normal stop. One demo per config dir; a port in use is reported before anything starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, Final, TextIO

import aiohttp
from demo_hass import (
    CONSOLE_LOG_FILE,
    LOCK_FILE,
    LOG_FILE,
    PANEL_LINKS_FILE,
    PASSWORD,
    USERNAME,
    DemoError,
    HomeAssistantApi,
    prepare_config,
)

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.elke27.e27.const import DEFAULT_PORT, DISCOVERY_PORT  # noqa: E402
from e27_emulator.__main__ import (  # noqa: E402
    ACCESS_CODE_VARIABLE,
    PASSPHRASE_VARIABLE,
    SecretsFileError,
    linking_secrets,
)
from e27_emulator.panelfile import PanelFileError  # noqa: E402
from e27_emulator.server import PanelConfig  # noqa: E402
from e27_emulator.state import PanelState  # noqa: E402

DEFAULT_CONFIG_DIR: Final = ROOT / "config" / "demo"
DEFAULT_HA_PORT: Final = 8123
READY_TIMEOUT: Final = 300.0
"""Home Assistant's first start on a cold machine compiles and writes a lot."""
POLL_INTERVAL: Final = 0.25
BANNER_GRACE: Final = 1.0
"""How long the rest of the panel's banner may take after its "listening on" line."""
HA_STOP_TIMEOUT: Final = 30.0
PANEL_STOP_TIMEOUT: Final = 5.0
RESTART_EXIT_CODE: Final = 100
"""What Home Assistant exits with when Restart is chosen in its UI."""
PR_SET_PDEATHSIG: Final = 1
AGAIN: Final = "Is the demo already running? Stop it first (quit or Ctrl-C in its terminal)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo", description="Run Home Assistant with the Elk E27 integration against an emulated panel."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address for Home Assistant and the panel (127.0.0.1)")
    parser.add_argument("--ha-port", type=int, default=DEFAULT_HA_PORT, help="Home Assistant's port (8123)")
    parser.add_argument("--panel-port", type=int, default=DEFAULT_PORT, help=f"the panel's TCP port ({DEFAULT_PORT})")
    parser.add_argument("--panel", default="default", help="built-in panel (default, large) or a panel TOML file")
    parser.add_argument("--time-scale", type=float, default=1.0, help="real seconds per panel second (0.1: 10x)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR, help="Home Assistant's config (config/demo)")
    parser.add_argument("--fresh", action="store_true", help="start over: forget the login and the added panel")
    parser.add_argument("--no-console", action="store_true", help="no panel console; run until Ctrl-C or SIGTERM")
    parser.add_argument(
        "--secrets-file",
        type=Path,
        help="the panel's linking secrets as JSON {access_code, passphrase} (or E27_ACCESS_CODE, E27_PASSPHRASE)",
    )
    return parser.parse_args(argv)


def _display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return str(path)


def ports_in_use(host: str, ha_port: int, panel_port: int) -> str | None:
    """What to tell the user if a port the demo needs is taken; None if all are free."""
    wanted = [
        (socket.SOCK_STREAM, ha_port, "Home Assistant; choose another with --ha-port"),
        (socket.SOCK_STREAM, panel_port, "the panel; choose another with --panel-port"),
        (socket.SOCK_DGRAM, DISCOVERY_PORT, "the panel's identity; the integration asks on this one only"),
    ]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    busy = []
    for kind, port, use in wanted:
        with socket.socket(family, kind) as sock:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers themselves bind
            try:
                sock.bind((host, port))
            except OSError:
                busy.append(f"  {'TCP' if kind == socket.SOCK_STREAM else 'UDP'} {host}:{port} ({use})")
    if not busy:
        return None
    return "\n".join(["error: something else already holds the ports the demo needs:", *busy, f"{AGAIN}."])


def lock_config_dir(config: Path) -> int:
    """Hold an exclusive lock on the config dir for the demo's lifetime (one demo per config dir)."""
    path = config / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        pid = path.read_text().strip() or "?"
        raise DemoError(
            f"error: the demo is already running from {_display(config)} (pid {pid}). {AGAIN} first."
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the demo itself dies, so nothing is left running."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def _terminate(process: asyncio.subprocess.Process, timeout: float) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        async with asyncio.timeout(timeout):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def _first(*waits: Any) -> int:
    """Index of the first awaitable to finish; the others are cancelled."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    return next(index for index, task in enumerate(tasks) if task in done)


class PanelStopped(Exception):
    """The panel's process ended (quit in its console) while Home Assistant was starting."""


class Demo:
    """The two processes: started in order, watched, and stopped Home Assistant first."""

    def __init__(self, args: argparse.Namespace, out: TextIO = sys.stdout) -> None:
        self.args = args
        self.out = out
        self.config: Path = args.config.resolve()
        self.base = f"http://{args.host}:{args.ha_port}"
        self.log = _display(self.config / LOG_FILE)
        self.panel_state = PanelState.load(args.panel, time_scale=args.time_scale)
        access_code, passphrase = linking_secrets(None, None, args.secrets_file)
        self.panel_config = PanelConfig(access_code=access_code, passphrase=passphrase)
        self.panel: asyncio.subprocess.Process | None = None
        self.hass: asyncio.subprocess.Process | None = None
        self._forward: asyncio.Task[None] | None = None

    def say(self, text: str) -> None:
        """One message of the demo's own."""
        print(text, file=self.out, flush=True)

    async def run(self) -> int:
        """Start both, then wait for either to end; the exit code (cancel it to stop the demo)."""
        args = self.args
        if busy := ports_in_use(args.host, args.ha_port, args.panel_port):
            raise DemoError(busy)
        prepare_config(self.config, ROOT / "custom_components" / "elke27", args.host, args.ha_port, fresh=args.fresh)
        self.say(f"Config dir {_display(self.config)} (kept between runs; --fresh starts over).")
        await self._start_panel()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            api = HomeAssistantApi(session, self.base)
            self.say(f"Starting Home Assistant on {self.base} (its log: {self.log}) ...")
            try:
                await self._start_hass(api)
                self.say(self.banner())
                return await self._watch(api)
            except PanelStopped:
                assert self.panel is not None
                return self.panel.returncode or 0

    async def _watch(self, api: HomeAssistantApi) -> int:
        """Until one of them ends; Home Assistant is started again when it asks for a restart."""
        while True:
            assert self.panel is not None
            assert self.hass is not None
            if await _first(self.panel.wait(), self.hass.wait()) == 0:
                raise PanelStopped
            if self.hass.returncode != RESTART_EXIT_CODE:
                self.say(f"Home Assistant stopped (exit code {self.hass.returncode}); its log: {self.log}")
                return 1 if self.hass.returncode else 0
            self.say("Home Assistant is restarting ...")
            await self._start_hass(api)

    async def shutdown(self) -> None:
        """Home Assistant first (it closes its session to the panel), then the panel."""
        if self.hass is not None and self.hass.returncode is None:
            self.say("Stopping Home Assistant ...")
            await _terminate(self.hass, HA_STOP_TIMEOUT)
        if self.panel is not None:
            await _terminate(self.panel, PANEL_STOP_TIMEOUT)
        if self._forward is not None:
            await self._forward
        if self.panel is not None:
            self.say("Demo stopped.")

    async def _start_panel(self) -> None:
        """Start the emulated panel; return once it listens (its output goes on being shown)."""
        args, config = self.args, self.panel_config
        links = self.config / PANEL_LINKS_FILE
        command = [sys.executable, str(ROOT / "scripts" / "demo_panel.py"), str(links)]
        command += ["--panel", args.panel, "--host", args.host]
        command += ["--port", str(args.panel_port), "--time-scale", f"{args.time_scale:g}"]
        # The secrets go by the environment, which only this user can read, not by argv.
        secrets = {ACCESS_CODE_VARIABLE: config.access_code, PASSPHRASE_VARIABLE: config.passphrase}
        if args.no_console:
            command.append("--no-console")
        self.say(f"Starting the emulated panel on {args.host}:{args.panel_port} ...")
        # A session of its own: Ctrl-C reaches only this supervisor, which stops Home Assistant before the
        # panel. Having no controlling terminal, the panel can still read this one for its console.
        self.panel = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env={**os.environ, **secrets},
            stdin=asyncio.subprocess.DEVNULL if args.no_console else None,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        assert self.panel.stdout is not None
        listening = asyncio.get_running_loop().create_future()
        self._forward = asyncio.create_task(self._forward_panel_output(self.panel.stdout, listening))
        if await _first(listening, self.panel.wait()) != 0:
            raise DemoError("error: the emulated panel did not start (see above).")

    async def _forward_panel_output(self, stream: asyncio.StreamReader, listening: asyncio.Future[None]) -> None:
        def ready() -> None:
            if not listening.done():
                listening.set_result(None)

        while line := await stream.readline():
            self.out.write(line.decode(errors="replace"))
            self.out.flush()
            if line.startswith(b"Time scale:"):  # the last line of the panel's banner
                ready()
            elif b" listening on " in line:
                asyncio.get_running_loop().call_later(BANNER_GRACE, ready)

    async def _start_hass(self, api: HomeAssistantApi) -> None:
        """Start Home Assistant in the background and wait until it is onboarded and running."""
        with (self.config / CONSOLE_LOG_FILE).open("ab") as console_log:
            self.hass = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "homeassistant", "--config", str(self.config), "--skip-pip", "--log-no-color"],
                cwd=ROOT,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=console_log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        started = time.monotonic()
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await api.wait_until_running(self._poll_hass)
        except TimeoutError:
            raise DemoError(
                f"error: Home Assistant did not start within {READY_TIMEOUT:.0f} s; see {self.log}"
            ) from None
        self.say(f"Home Assistant is up ({time.monotonic() - started:.0f} s).")

    async def _poll_hass(self) -> None:
        assert self.hass is not None
        if self.panel is not None and self.panel.returncode is not None:
            raise PanelStopped
        if self.hass.returncode is not None:
            raise DemoError(f"error: Home Assistant exited with code {self.hass.returncode}; see {self.log}")
        await asyncio.sleep(POLL_INTERVAL)

    def banner(self) -> str:
        """What a person needs: where to go, how to log in, what to type into the Elk E27 flow."""
        args, state, config = self.args, self.panel_state, self.panel_config
        users = list(state.users.values())
        master = next((user for user in users if user.master), users[0])
        delays = ", ".join(f"{area.name} {area.exit_time * args.time_scale:g} s" for area in state.areas.values())
        zone, area = state.zones[min(state.zones)], state.areas[min(state.areas)]
        console = "is off (--no-console)" if args.no_console else "is below"
        stop = "Ctrl-C stops" if args.no_console else '"quit" or Ctrl-C stops'
        rule = "=" * 78
        return f"""
{rule}
 The Elk E27 demo is running.

 Open          {self.base}
 Log in        {USERNAME} / {PASSWORD}

 Add the panel: Settings > Devices & services > Add integration > "Elk E27".
 No panel is found on the network, so the form asks for its address:
   Host          {args.host}
   Port          {args.panel_port}
 then:
   Access code   {config.access_code}
   Passphrase    {config.passphrase}
 Arm and disarm with the PIN {master.pin} ({master.name}). Arming waits out the exit delay
 ({delays}). A panel added in an earlier run reconnects by itself.

 The panel's console {console}: "open {zone.id}" opens the {zone.name}, "close {zone.id}" closes it,
 "alarm {area.id}" sets off an alarm in the {area.name}, "help" lists the rest.
 {stop} the demo. Home Assistant's log: {self.log}
{rule}"""


async def main_async(args: argparse.Namespace) -> int:
    """Run the demo until it ends or is stopped; a signal during start-up stops it too."""
    demo = Demo(args)
    args.config.mkdir(parents=True, exist_ok=True)
    lock = lock_config_dir(args.config)
    loop = asyncio.get_running_loop()
    run = asyncio.create_task(demo.run())
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for signum in signals:
        loop.add_signal_handler(signum, run.cancel)
    try:
        return await run
    except asyncio.CancelledError:
        return 0
    except DemoError as err:
        print(err, file=sys.stderr, flush=True)
        return 1
    finally:
        for signum in signals:  # a second Ctrl-C must not cut the shutdown short
            loop.add_signal_handler(signum, lambda: None)
        await demo.shutdown()
        os.close(lock)


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit code 1 with a message when the demo cannot start."""
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except DemoError as err:
        print(err, file=sys.stderr, flush=True)
        return 1
    except (PanelFileError, SecretsFileError) as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
