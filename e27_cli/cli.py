"""A small command line for owners of a real panel: discover, link, monitor.

    python -m e27_cli discover [--target HOST]
    python -m e27_cli link HOST [--port N] [--save FILE]
    python -m e27_cli monitor [--credentials FILE] [--cache FILE]

Secrets never come from the command line (it is visible to other users and kept in shell
history): the access code and passphrase come from E27_ACCESS_CODE / E27_PASSPHRASE or a
prompt; `link` writes the link credentials to a file readable by you alone, and `monitor`
reads them from that file (or E27_HOST, E27_SN, E27_LINKKEY, E27_LINKHMAC).

Every value given on the command line, in the environment or in the credentials file is checked
first: a bad one ends the command with one line saying what is wrong, and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import ipaddress
import json
import math
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from custom_components.elke27.e27 import (
    ClientIdentity,
    ConnectionEvent,
    E27Client,
    E27Error,
    LinkCredentials,
    Panel,
    PanelEvent,
    async_discover,
    async_provision,
)
from custom_components.elke27.e27.const import DEFAULT_PORT, DISCOVERY_PORT

PROG = "python -m e27_cli"
DEFAULT_CREDENTIALS = "e27-link.json"
CLI_MODEL = "222"
BAD_INPUT = 2
# A host name: at most 253 characters in dot-separated labels of 1-63 letters, digits and
# inner hyphens (the DNS rules); anything else must be an IPv4 or IPv6 address.
MAX_HOST_NAME = 253
HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# The client serial this tool links as: the panel keeps one link per serial.
CLIENT_SERIAL = re.compile(r"[A-Za-z0-9]{1,32}")
MAX_SHOWN = 40


class BadInput(Exception):
    """A value the command cannot use; the message says which and why, in one line."""


def _shown(value: str) -> str:
    """The value as it may be printed: escaped (no control or direction characters), and shortened."""
    text = ascii(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 4]}...{text[-1]}"


def host(value: str) -> str:
    """A host name or an IP address, as given."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(value)
        return value
    name = value.removesuffix(".")
    if not name or len(name) > MAX_HOST_NAME or not all(HOST_LABEL.fullmatch(label) for label in name.split(".")):
        raise BadInput(f"{_shown(value)} is not a host name or an IP address")
    return value


def port(value: str | int) -> int:
    """A TCP or UDP port number, 1-65535."""
    try:
        number = int(value)
    except TypeError, ValueError:
        raise BadInput(f"{_shown(str(value))} is not a port number (1-65535)") from None
    if not 1 <= number <= 65535:
        raise BadInput(f"{number} is not a port number (1-65535)")
    return number


def seconds(value: str) -> float:
    """A positive, finite number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise BadInput(f"{_shown(value)} is not a number of seconds") from None
    if not math.isfinite(number) or number <= 0:
        raise BadInput(f"{_shown(value)} is not a positive number of seconds")
    return number


def serial(value: str) -> str:
    """A client serial: 1-32 letters and digits."""
    if not CLIENT_SERIAL.fullmatch(value):
        raise BadInput(f"{_shown(value)} is not a client serial (1-32 letters and digits)")
    return value


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """check as an argparse type: its message becomes argparse's (one line)."""

    def convert(value: str) -> Any:
        try:
            return check(value)
        except BadInput as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = check.__name__
    return convert


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) and exit status BAD_INPUT."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: error: {message}\n")


def _secret(env: str, prompt: str) -> str:
    value = os.environ.get(env) or getpass.getpass(prompt)
    if not value:
        raise BadInput(f"{prompt.rstrip(': ')} is required")
    return value


def describe(panel: Panel, kind: str, item_id: int) -> str:
    """One line for one object of the model."""
    if kind == "panel":
        troubles = ", ".join(panel.troubles) or "none"
        firmware = panel.version.firmware if panel.version else "?"
        return f"panel {panel.name!r}: firmware {firmware}, troubles: {troubles}"
    tables: dict[str, Mapping[int, Any]] = {
        "area": panel.areas,
        "zone": panel.zones,
        "output": panel.outputs,
        "light": panel.lights,
        "lock": panel.locks,
        "barrier": panel.barriers,
        "thermostat": panel.thermostats,
    }
    item = tables[kind].get(item_id)
    if item is None:
        return f"{kind} {item_id}: removed"
    if kind == "area":
        delay = item.exit_delay or item.entry_delay
        parts = [f"{item.state}" + (f" ({delay} s)" if delay else ""), "ready" if item.ready else "not ready"]
        parts += [f"alarm {', '.join(item.alarms)} zone {item.alarm_zone}"] * bool(item.alarms)
        parts += [f"troubles: {', '.join(item.troubles)}"] * bool(item.troubles)
        return f"area {item_id} {item.name!r}: {', '.join(parts)}"
    if kind == "zone":
        flags = [name for name in ("violated", "bypassed", "trouble", "tamper", "low_battery") if getattr(item, name)]
        return f"zone {item_id} {item.name!r} ({item.kind}): {', '.join(flags) or 'normal'}"
    if kind == "light":
        return f"light {item_id} {item.name!r}: level {item.level}"
    if kind == "output":
        return f"output {item_id} {item.name!r}: {'on' if item.on else 'off'}"
    if kind == "lock":
        return (
            f"lock {item_id} {item.name!r}: {'locked' if item.locked else 'unlocked' if item.locked is False else '?'}"
        )
    if kind == "barrier":
        return f"barrier {item_id} {item.name!r}: {item.state}"
    return (
        f"thermostat {item_id} {item.name!r}: {item.mode} {item.temperature}°F "
        f"(heat {item.heat_setpoint}, cool {item.cool_setpoint})"
    )


def print_panel(panel: Panel, out: TextIO) -> None:
    """The whole model, one object per line."""
    print(describe(panel, "panel", 0), file=out)
    for kind, table in (
        ("area", panel.areas),
        ("zone", panel.zones),
        ("output", panel.outputs),
        ("light", panel.lights),
        ("lock", panel.locks),
        ("barrier", panel.barriers),
        ("thermostat", panel.thermostats),
    ):
        for item_id in table:
            print(describe(panel, kind, item_id), file=out)


async def discover(args: argparse.Namespace, out: TextIO) -> int:
    """Broadcast (or ask --target) and list the panels that answer."""
    targets = args.target or ["255.255.255.255"]
    panels = await async_discover(args.timeout, targets=targets, port=args.discovery_port)
    for found in panels:
        print(f"{found.name}  host {found.host}:{found.port}  mac {found.mac}  serial {found.serial or '?'}", file=out)
    if not panels:
        print("no panel answered", file=out)
    return 0 if panels else 1


async def link(args: argparse.Namespace, out: TextIO) -> int:
    """Link a new client identity and save its credentials to a private file."""
    access_code = _secret("E27_ACCESS_CODE", "Access code: ")
    passphrase = _secret("E27_PASSPHRASE", "Passphrase: ")
    identity = ClientIdentity(mn=CLI_MODEL, sn=args.sn or secrets.token_hex(6))
    credentials = await async_provision(args.host, args.port, access_code, passphrase, identity)
    data = {
        "host": args.host,
        "port": args.port,
        "mn": identity.mn,
        "sn": identity.sn,
        "linkkey": credentials.linkkey,
        "linkhmac": credentials.linkhmac,
    }
    path = Path(args.save)
    save_private(path, data)
    print(f"linked as client {identity.sn}; credentials saved to {path} (keep it private)", file=out)
    return 0


def save_private(path: Path, data: Mapping[str, Any]) -> None:
    """Write data as JSON to path, readable by its owner only, whatever was there before.

    The file is written under a new name (created 0600) and renamed over path: an existing
    file keeps no looser mode, and a symlink at path is replaced, never followed.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _load_credentials(path: Path) -> dict[str, Any]:
    env = {key: os.environ.get(f"E27_{key.upper()}") for key in ("host", "port", "sn", "linkkey", "linkhmac")}
    if env["host"] and env["sn"] and env["linkkey"] and env["linkhmac"]:
        data: Any = {**env, "port": env["port"] or DEFAULT_PORT, "mn": CLI_MODEL}
        where = "E27_HOST, E27_PORT, E27_SN"
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise BadInput(f"cannot read credentials from {path}: run `link` first ({err})") from err
        keys = ("host", "sn", "linkkey", "linkhmac")
        if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in keys):
            raise BadInput(f"{path} is not a credentials file written by `link`")
        where = str(path)
    try:
        host(data["host"])
        serial(data["sn"])
        data["port"] = port(data.get("port", DEFAULT_PORT))
    except BadInput as err:
        raise BadInput(f"{where}: {err}") from None
    return dict(data)


async def monitor(args: argparse.Namespace, out: TextIO) -> int:
    """Connect, print the model, then print every change until interrupted (or --duration)."""
    data = _load_credentials(Path(args.credentials))
    cache_path = Path(args.cache) if args.cache else None
    cache = None
    if cache_path is not None and cache_path.exists():
        with contextlib.suppress(OSError, ValueError):
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
    client = E27Client(
        str(data["host"]),
        int(data.get("port", DEFAULT_PORT)),
        ClientIdentity(mn=str(data.get("mn", CLI_MODEL)), sn=str(data["sn"])),
        LinkCredentials(str(data["linkkey"]), str(data["linkhmac"])),
        name=str(data["host"]),
        cache=cache,
    )

    def on_event(event: PanelEvent | ConnectionEvent) -> None:
        if isinstance(event, ConnectionEvent):
            print("connected" if event.connected else f"disconnected: {event.error}", file=out, flush=True)
            return
        for kind, item_id in sorted(event.changed):
            print(describe(client.panel, kind, item_id), file=out, flush=True)

    await client.async_connect()
    try:
        stats = client.last_bootstrap
        if stats is not None:
            print(f"ready in {stats.seconds:.2f} s ({stats.requests} requests)", file=out)
        print_panel(client.panel, out)
        client.subscribe(on_event)
        if args.duration is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(args.duration)
    finally:
        if cache_path is not None:
            cache_path.write_text(json.dumps(client.export_cache()), encoding="utf-8")
        await client.async_close()
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    cli = _Parser(prog=PROG, description=__doc__.split("\n")[0] if __doc__ else None)
    commands = cli.add_subparsers(dest="command", required=True, parser_class=_Parser)
    find = commands.add_parser("discover", help="find panels on the local network")
    find.add_argument(
        "--target", action="append", type=_checked(host), help="ask this address instead of broadcasting (repeatable)"
    )
    find.add_argument("--timeout", type=_checked(seconds), default=5.0)
    find.add_argument("--discovery-port", type=_checked(port), default=DISCOVERY_PORT)
    pair = commands.add_parser("link", help="link this tool to a panel (asks for the access code and passphrase)")
    pair.add_argument("host", type=_checked(host))
    pair.add_argument("--port", type=_checked(port), default=DEFAULT_PORT)
    pair.add_argument("--sn", type=_checked(serial), help="client serial to link as (default: a new random one)")
    pair.add_argument("--save", default=DEFAULT_CREDENTIALS, help=f"credentials file (default {DEFAULT_CREDENTIALS})")
    watch = commands.add_parser("monitor", help="print the live panel model and its changes")
    watch.add_argument("--credentials", default=DEFAULT_CREDENTIALS, help="credentials file written by `link`")
    watch.add_argument("--cache", help="configuration cache file (read at start, written at exit)")
    watch.add_argument(
        "--duration", type=_checked(seconds), help="stop after this many seconds (default: until Ctrl-C)"
    )
    return cli


async def async_main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one CLI command; returns the exit status (a usage error exits through argparse)."""
    args = parser().parse_args(argv)
    stream = out or sys.stdout
    command = {"discover": discover, "link": link, "monitor": monitor}[args.command]
    try:
        return await command(args, stream)
    except BadInput as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return BAD_INPUT
    except E27Error as err:
        print(f"error: {err}", file=stream)
        return 2


def main() -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(async_main()))
