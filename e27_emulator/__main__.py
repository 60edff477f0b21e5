"""Run an emulated E27 panel on a real port, with a console: `python -m e27_emulator --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final, TextIO

from custom_components.elke27.e27.const import DEFAULT_PORT, DISCOVERY_PORT

from .console import QUIT, Console
from .panelfile import PanelFileError
from .server import EmulatorPanel, PanelConfig
from .state import PanelState

DEFAULTS: Final = PanelConfig()
READ_SIZE: Final = 4096
# The same variables the backend's command line reads its linking secrets from.
ACCESS_CODE_VARIABLE: Final = "E27_ACCESS_CODE"
PASSPHRASE_VARIABLE: Final = "E27_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


class SecretsFileError(ValueError):
    """A secrets file that cannot be used; the message says why."""


def linking_secrets(
    access_code: str | None,
    passphrase: str | None,
    secrets_file: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[str, str]:
    """The panel's access code and passphrase.

    Each from its flag if given (other users can see command lines), else from the secrets
    file (a JSON object with `access_code` and/or `passphrase`), else from E27_ACCESS_CODE /
    E27_PASSPHRASE in the environment, else the defaults.
    """
    from_file: dict[str, str] = {}
    if secrets_file is not None:
        try:
            data = json.loads(secrets_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise SecretsFileError(f"{secrets_file}: cannot read the secrets file: {err}") from err
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key, ""), str) for key in ("access_code", "passphrase")
        ):
            raise SecretsFileError(f'{secrets_file}: expected {{"access_code": "…", "passphrase": "…"}}')
        from_file = {key: data[key] for key in ("access_code", "passphrase") if data.get(key)}
    code = access_code or from_file.get("access_code") or environ.get(ACCESS_CODE_VARIABLE) or DEFAULTS.access_code
    phrase = passphrase or from_file.get("passphrase") or environ.get(PASSPHRASE_VARIABLE) or DEFAULTS.passphrase
    return code, phrase


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m e27_emulator", description="Run an emulated Elk E27 panel.")
    parser.add_argument("--panel", default="default", help="built-in panel (default, large) or a panel TOML file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}, 0: any)")
    parser.add_argument("--discovery-port", type=int, default=DISCOVERY_PORT, help="UDP discovery port (0: any)")
    parser.add_argument("--no-discovery", action="store_true", help="do not answer UDP discovery")
    parser.add_argument("--access-code", help=f"linking access code (or {ACCESS_CODE_VARIABLE}, or --secrets-file)")
    parser.add_argument("--passphrase", help=f"linking passphrase (or {PASSPHRASE_VARIABLE}, or --secrets-file)")
    parser.add_argument(
        "--secrets-file", type=Path, help='JSON file {"access_code": …, "passphrase": …} (keeps them out of argv)'
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="real seconds per panel second (0.1: 10x)")
    parser.add_argument("--no-console", action="store_true", help="no console; run until Ctrl-C or SIGTERM")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: protocol debug)")
    return parser.parse_args(argv)


def banner(panel: EmulatorPanel, state: PanelState, source: str) -> str:
    """What a person needs to link to the panel and to log in with a PIN."""
    config = panel.config
    discovery = f"UDP {panel.discovery_port}" if config.discovery_port is not None else "off"
    users = " | ".join(
        f"{user.pin} {user.name}"
        + (" (master)" * user.master)
        + (" (installer)" * user.installer)
        + (f" areas {','.join(map(str, user.areas))}" if user.areas else "")
        for user in state.users.values()
    )
    return (
        f'E27 emulator "{state.info.name}" ({source}) listening on {panel.host}:{panel.port}, discovery {discovery}\n'
        f"Link with:  access code {config.access_code}   passphrase {config.passphrase}\n"
        f"User PINs:  {users}\n"
        f"Time scale: {state.time_scale:g} real s per panel s"
    )


async def _stdin_lines(stdin: TextIO, on_line: Callable[[str], None]) -> None:
    """Feed stdin lines to on_line until EOF, without threads and without making stdin non-blocking."""
    loop = asyncio.get_running_loop()
    fd = stdin.fileno()
    done: asyncio.Future[None] = loop.create_future()
    buffer = b""

    def readable() -> None:
        nonlocal buffer
        data = os.read(fd, READ_SIZE)
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            on_line(line.decode(errors="replace"))
        if not data and not done.done():
            if buffer:
                on_line(buffer.decode(errors="replace"))
            done.set_result(None)

    try:
        loop.add_reader(fd, readable)
    except PermissionError, OSError:  # a regular file cannot be polled: it is all there already
        for line in stdin:
            on_line(line.rstrip("\n"))
        return
    try:
        await done
    finally:
        loop.remove_reader(fd)


async def run(args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Run the panel until quit, EOF on the console, Ctrl-C or SIGTERM."""
    state = PanelState.load(args.panel, time_scale=args.time_scale)
    access_code, passphrase = linking_secrets(args.access_code, args.passphrase, args.secrets_file)
    config = PanelConfig(
        name=state.info.name,
        access_code=access_code,
        passphrase=passphrase,
        host=args.host,
        port=args.port,
        discovery_port=None if args.no_discovery else args.discovery_port,
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with EmulatorPanel(config, state=state) as panel:
        print(banner(panel, state, args.panel), file=out, flush=True)
        if args.no_console:
            await stop.wait()
        else:
            await _console(panel, stop, stdin, out)
    print("Panel stopped.", file=out, flush=True)
    return 0


async def _console(panel: EmulatorPanel, stop: asyncio.Event, stdin: TextIO, out: TextIO) -> None:
    """Run console lines from stdin until quit, EOF or stop."""
    console = Console(panel)
    print('Console ready: type "help"; "quit" or Ctrl-D stops the panel.', file=out, flush=True)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    reader = asyncio.create_task(_stdin_lines(stdin, queue.put_nowait))
    reader.add_done_callback(lambda _: queue.put_nowait(None))
    stopper = asyncio.create_task(stop.wait())
    try:
        while True:
            getter = asyncio.create_task(queue.get())
            await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                return
            line = getter.result()
            if line is None:
                return
            text = await console.execute(line)
            if text == QUIT:
                return
            if text:
                print(text, file=out, flush=True)
    finally:
        for task in (reader, stopper):
            task.cancel()
        await asyncio.gather(reader, stopper, return_exceptions=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, run the panel, exit 0 on a clean stop and 2 on a bad panel file."""
    args = parse_args(argv)
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run(args))
    except (PanelFileError, SecretsFileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot listen: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
