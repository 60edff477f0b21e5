"""Runs scripts/demo for the browser tests, where possible in a network namespace of its own.

In its own namespace the demo, Home Assistant and Chromium see only a loopback interface, so the
integration's discovery broadcast and Home Assistant's mDNS stay on this machine, and the demo's
default ports never clash with a demo someone is running. Without the rights for that (not root),
everything runs on a spare loopback address and free ports instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
DEMO: Final = ROOT / "scripts" / "demo.py"
CHROMIUM: Final = Path("/usr/bin/chromium")
ARTIFACTS: Final = ROOT / "artifacts" / "e2e"
DISCOVERY_PORT: Final = 2362
READY_TIMEOUT: Final = 240.0
STOP_TIMEOUT: Final = 60.0
# Inside the new namespace: loopback up, and multicast on it so Home Assistant's zeroconf can start.
NETNS_SETUP: Final = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$@"'
SHARED_NETWORK_VARIABLE: Final = "ELKE27_E2E_SHARED_NETWORK"
"""Set (to anything) to run on this machine's loopback even where a namespace could be made."""
BANNER: Final = re.compile(
    r"Open\s+(?P<url>\S+)\s+Log in\s+(?P<username>\S+) / (?P<password>\S+)"
    r".*?Host\s+(?P<host>\S+)\s+Port\s+(?P<port>\d+)"
    r".*?Access code\s+(?P<access_code>\S+)\s+Passphrase\s+(?P<passphrase>\S+)"
    r".*?the PIN (?P<pin>\d+)",
    re.DOTALL,
)
"""What the demo tells a person to type, read from its banner."""
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Network:
    """Where the demo and Chromium run: a network namespace of their own, or this machine's loopback.

    The namespace lives as long as its anchor process (a `sleep` started by `unshare`), so the demo
    can be stopped and started again in it while Chromium stays.
    """

    def __init__(self, directory: Path) -> None:
        self.anchor: subprocess.Popen[bytes] | None = None
        self._ports: tuple[int, int] | None = None
        if self._can_isolate():
            self.anchor = subprocess.Popen(
                ["unshare", "--net", "sh", "-c", NETNS_SETUP, "sh", "sh", "-c", "echo ready && exec sleep infinity"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            self.enter = directory / "in-netns"
            self.enter.write_text(
                f"#!{sys.executable}\n"
                "import os, sys\n"
                f"fd = os.open('/proc/{self.anchor.pid}/ns/net', os.O_RDONLY)\n"
                "os.setns(fd, os.CLONE_NEWNET)\n"
                "os.close(fd)\n"
                "os.execvp(sys.argv[1], sys.argv[1:])\n"
            )
            self.enter.chmod(0o755)
            self.chromium = directory / "chromium-in-netns"
            self.chromium.write_text(f'#!/bin/sh\nexec {self.enter} {CHROMIUM} "$@"\n')
            self.chromium.chmod(0o755)
            self.host = "127.0.0.1"
            self.wait_until_isolated()
        else:
            self.chromium = CHROMIUM
            self.host = spare_loopback_host()

    @property
    def isolated(self) -> bool:
        """True inside a namespace of our own."""
        return self.anchor is not None

    @staticmethod
    def _can_isolate() -> bool:
        """True if a network namespace can be made here (root, with unshare and ip) and is wanted."""
        if os.environ.get(SHARED_NETWORK_VARIABLE) or not (shutil.which("unshare") and shutil.which("ip")):
            return False
        probe = subprocess.run(
            ["unshare", "--net", "sh", "-c", NETNS_SETUP, "sh", "true"], capture_output=True, check=False, timeout=30
        )
        return probe.returncode == 0

    def wait_until_isolated(self) -> None:
        """Wait until the anchor says its namespace is set up (loopback up, multicast on it)."""
        assert self.anchor is not None
        assert self.anchor.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.anchor.stdout, selectors.EVENT_READ)
            ready = selector.select(30) and self.anchor.stdout.readline() == b"ready\n"
        if not ready:
            self.close()
            raise RuntimeError("could not set up a network namespace for the demo")

    def ports(self) -> tuple[int, int]:
        """Home Assistant's and the panel's port: the demo's defaults in a namespace, else free ones.

        The same every time, so a restarted demo is where the browser left it.
        """
        if self._ports is None:
            self._ports = (8123, 2101) if self.isolated else (free_tcp_port(self.host), free_tcp_port(self.host))
        return self._ports

    def command(self, command: list[str]) -> list[str]:
        """command, run in this network."""
        return [str(self.enter), *command] if self.isolated else command

    def close(self) -> None:
        """End the namespace (its last process is the anchor once the demo and Chromium are gone)."""
        if self.anchor is not None:
            self.anchor.terminate()
            self.anchor.wait(10)
            if self.anchor.stdout is not None:
                self.anchor.stdout.close()


def free_tcp_port(host: str) -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def spare_loopback_host() -> str:
    """A loopback address whose UDP discovery port is free (the integration always asks on 2362)."""
    for last in range(2, 255):
        host = f"127.0.{os.getpid() % 250}.{last}"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((host, DISCOVERY_PORT))
            except OSError:
                continue
            return host
    raise RuntimeError("no loopback address with UDP port 2362 free")


class DemoProcess:
    """scripts/demo.py with its console on a pipe; its output is read without threads."""

    def __init__(self, network: Network, config: Path, *, time_scale: float, name: str = "demo") -> None:
        self.host = network.host
        ha_port, self.panel_port = network.ports()
        self.url = f"http://{self.host}:{ha_port}"
        self.config = config
        self.name = name
        command = [sys.executable, str(DEMO), "--config", str(config), "--host", self.host]
        command += ["--ha-port", str(ha_port), "--panel-port", str(self.panel_port), "--time-scale", f"{time_scale:g}"]
        self.process = subprocess.Popen(
            network.command(command), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.output = ""
        self.banner: dict[str, str] = {}
        self._seen = 0
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def _read(self, timeout: float) -> bool:
        """Append what the demo printed within timeout; False once its output has ended."""
        assert self.process.stdout is not None
        if not self._selector.select(timeout):
            return True
        data = os.read(self.process.stdout.fileno(), 65536)
        self.output += data.decode(errors="replace")
        return bool(data)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """Wait for the demo to print something matching pattern (after what earlier waits matched)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.DOTALL)
        while (match := regex.search(self.output, self._seen)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the demo did not print {pattern!r} within {timeout:g} s:\n{self.output}")
            if not self._read(remaining):
                raise AssertionError(f"the demo ended before printing {pattern!r}:\n{self.output}")
        self._seen = match.end()
        return match

    def wait_until_running(self) -> dict[str, str]:
        """Wait for the demo's banner; what it says to type (url, username, password, host, port, ...)."""
        self.banner = self.wait_for(BANNER.pattern, READY_TIMEOUT).groupdict()
        return self.banner

    def console(self, line: str, expect: str, timeout: float = 10.0) -> re.Match[str]:
        """Type a line into the panel's console and wait for its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()
        return self.wait_for(expect, timeout)

    def quit(self) -> int:
        """Type quit; the demo's exit code once it has stopped Home Assistant and the panel."""
        if self.process.poll() is None and self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.write(b"quit\n")
                self.process.stdin.flush()
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.5)
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
            raise AssertionError(f"the demo did not stop after quit:\n{self.output}")
        while self._read(0):
            pass
        return self.process.returncode

    def close(self) -> None:
        """Make sure nothing is left running, and keep the output and the log as artifacts."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{self.name}-output.txt").write_text(self.output)
        for log in self.config.glob("home-assistant.log*"):
            shutil.copyfile(log, ARTIFACTS / f"{self.name}-{log.name}")
