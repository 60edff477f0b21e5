"""scripts/demo refuses to start twice, before it starts anything, and says why; it starts and stops quietly."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import DEMO, ROOT, DemoProcess, free_tcp_port


def _run_demo(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(DEMO), "--config", str(config), "--no-console", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("option", "what"), [("--ha-port", "Home Assistant"), ("--panel-port", "panel")])
def test_a_port_in_use_stops_the_demo_with_a_clear_message(
    socket_enabled: None, tmp_path: Path, option: str, what: str
) -> None:
    """Whichever port is taken, the demo names it and the option that moves it, and exits 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        other = free_tcp_port("127.0.0.1")
        ports = (
            {"--ha-port": busy, "--panel-port": other}
            if option == "--ha-port"
            else {"--ha-port": other, "--panel-port": busy}
        )
        result = _run_demo(tmp_path, *(f"{name}={port}" for name, port in ports.items()))

    assert result.returncode == 1, what
    assert "error: something else already holds the ports the demo needs:" in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if f"TCP 127.0.0.1:{busy} " in line]
    assert option in line
    assert f"TCP 127.0.0.1:{other} " not in result.stderr
    assert "Is the demo already running?" in result.stderr
    assert not (tmp_path / "home-assistant.log").exists()  # nothing was started


def test_a_second_demo_on_the_same_config_dir_stops_with_a_clear_message(socket_enabled: None, tmp_path: Path) -> None:
    """The config dir's lock is held by the first demo: the second names its pid and exits 1."""
    lock = os.open(tmp_path / ".demo.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(lock, b"4242\n")
        result = _run_demo(tmp_path)
    finally:
        os.close(lock)

    assert result.returncode == 1
    assert f"the demo is already running from {tmp_path} (pid 4242)" in result.stderr
    assert not (tmp_path / "configuration.yaml").exists()


def test_the_demo_starts_without_errors_and_quit_stops_home_assistant_first(demo: DemoProcess) -> None:
    """Nothing unrelated logs an ERROR at start; quit stops Home Assistant before the panel goes away."""
    assert demo.quit() == 0
    output = demo.output[demo.output.index("Console ready") :]
    assert output.index("Stopping Home Assistant first") < output.index("Panel stopped.")
    log = (demo.config / "home-assistant.log").read_text()
    assert " ERROR " not in log, log
    assert "Traceback" not in log, log
