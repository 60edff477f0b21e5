"""Smoke run on the newest Home Assistant release: the integration end to end, as a user drives it.

Run through `scripts/smoke`, which prepares .venv-smoke (plain `homeassistant`, no test harness)
first. This starts the emulated panel and Home Assistant (minimal configuration, no
default_config) on a spare loopback address and free ports, creates a Home Assistant user through
onboarding, adds the panel through the config-flow REST API, waits until every platform has
entities and none is unavailable, sets the "keep Away" option through the options-flow API (else
the panel arms Stay when nobody leaves), arms an area away and disarms it through the service API
and waits for the alarm panel entity to follow, reloads the entry and deletes it; then Home
Assistant must stop by itself within STOP_TIMEOUT.

It fails on any ERROR logged by either process (but the two Home Assistant logs when this machine
has no ffmpeg or libturbojpeg, see MISSING_ON_THIS_MACHINE) and on any deprecation Home Assistant
or Python reports about this integration. Everything it starts is stopped before it exits, also on
failure. The config dir and both logs are kept in artifacts/smoke until the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import aiohttp
from demo_hass import http_settings
from homeassistant.const import __version__ as HA_VERSION

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.elke27 import PLATFORMS  # noqa: E402
from custom_components.elke27.const import (  # noqa: E402
    CONF_ACCESS_CODE,
    CONF_KEEP_AWAY,
    CONF_PANEL,
    CONF_PASSPHRASE,
    DOMAIN,
    MANUAL_ENTRY,
)
from custom_components.elke27.e27.const import DISCOVERY_PORT  # noqa: E402
from e27_emulator.server import PanelConfig  # noqa: E402
from e27_emulator.state import PanelState  # noqa: E402

ARTIFACTS: Final = ROOT / "artifacts" / "smoke"
PANEL: Final = "default"
TIME_SCALE: Final = 0.1
"""Real seconds per panel second: the exit delay of 60 panel seconds passes in 6."""
START_TIMEOUT: Final = 300.0
"""Home Assistant's first start on a cold, busy machine compiles and writes a lot."""
STEP_TIMEOUT: Final = 120.0
"""Each later condition (flow finished, entry loaded, state reached) within this."""
STOP_TIMEOUT: Final = 60.0
POLL_INTERVAL: Final = 0.25
HTTP_TIMEOUT: Final = 30.0
PR_SET_PDEATHSIG: Final = 1
LOG_ENTRY: Final = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\S* (?P<level>[A-Z]+) (\(\S+\) \[(?P<logger>[^\]]+)\] )?"
)
"""The start of a log record: Home Assistant's "<time> LEVEL (thread) [logger] ", the emulator's "<time> LEVEL "."""
PYTHON_WARNING: Final = re.compile(r"^\S+:\d+: \w*Warning: ")
"""A warning printed by Python itself (before Home Assistant logs them): "<file>:<line>: <Category>: <message>"."""
# What counts as a deprecation about us (as tests/deprecations.py), plus Python's own warnings
# (Home Assistant logs them as py.warnings; PYTHONWARNINGS below makes them visible).
DEPRECATION_MARKERS: Final = ("will stop working", "deprecated", "deprecationwarning")
OURS: Final = re.compile(r"custom_components[./]elke27\b|(?<![\w/.-])elke27(?![\w/-])", re.IGNORECASE)
"""Our modules (by name or file), or the integration by its domain; not a directory that happens to
be called elke27 (a clone of this repository, the Python that scripts/provide-python caches)."""
MISSING_ON_THIS_MACHINE: Final = {
    # Home Assistant's ffmpeg and camera integrations (set up at every start) log an ERROR when the
    # machine has no ffmpeg program or no libturbojpeg; the smoke lane installs no system packages.
    ("haffmpeg.core", "FFmpeg fails"): lambda: shutil.which("ffmpeg") is None,
    ("homeassistant.components.camera.img_util", "Error loading libturbojpeg"): lambda: (
        ctypes.util.find_library("turbojpeg") is None
    ),
}
"""ERRORs that say only that this machine lacks a system program or library, each with its check."""

CONFIGURATION: Final = """\
# Written by scripts/smoke: Home Assistant with as little as the integration needs.
homeassistant:
  name: Elk E27 smoke
  country: US
  currency: USD
  language: en
  unit_system: metric
  time_zone: UTC
api:
config:
logger:
  default: warning
  logs:
    custom_components.elke27: info
"""


class SmokeError(Exception):
    """The smoke run failed; the message says where."""


def spare_loopback_host() -> str:
    """A loopback address whose UDP discovery port is free (the integration always asks on that port)."""
    for last in range(2, 255):
        host = f"127.1.{os.getpid() % 250}.{last}"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((host, DISCOVERY_PORT))
            except OSError:
                continue
            return host
    raise SmokeError(f"no loopback address with UDP port {DISCOVERY_PORT} free")


def free_tcp_port(host: str) -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when this script dies, so nothing is left running."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def _stop(process: asyncio.subprocess.Process | None) -> bool:
    """Terminate process, killing it after STOP_TIMEOUT; False if it had to be killed."""
    if process is None or process.returncode is not None:
        return True
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        async with asyncio.timeout(STOP_TIMEOUT):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return False
    return True


def log_entries(text: str) -> list[tuple[str, str]]:
    """(first line, whole entry) per log record, Python warning or bare traceback, with its continuation lines.

    The first line is "" but for a log record. A traceback right after a log record is that record's.
    """
    entries: list[tuple[str, str]] = []
    for line in text.splitlines():
        record = LOG_ENTRY.match(line) is not None
        own_traceback = line.startswith("Traceback") and bool(entries) and entries[-1][0] == entries[-1][1]
        if record or PYTHON_WARNING.match(line) or (line.startswith("Traceback") and not own_traceback) or not entries:
            entries.append((line if record else "", line))
        else:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]}\n{line}")
    return entries


def _fails(first_line: str) -> bool:
    """True for an ERROR (or worse) record, unless it only says that this machine lacks ffmpeg or libturbojpeg."""
    match = LOG_ENTRY.match(first_line)
    if match is None or match["level"] not in {"ERROR", "CRITICAL"}:
        return False
    message = first_line[match.end() :]
    return not any(
        match["logger"] == logger and message.startswith(start) and missing()
        for (logger, start), missing in MISSING_ON_THIS_MACHINE.items()
    )


def findings(text: str) -> list[str]:
    """Every ERROR (or worse) entry, and every deprecation mentioning this integration."""
    found = []
    for first_line, entry in log_entries(text):
        lowered = entry.lower()
        deprecation = any(marker in lowered for marker in DEPRECATION_MARKERS)
        if _fails(first_line) or lowered.startswith("traceback") or (deprecation and OURS.search(entry)):
            found.append(entry)
    return found


class Smoke:
    """The two processes and the REST calls that drive Home Assistant."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.host = spare_loopback_host()
        self.ha_port = free_tcp_port(self.host)
        self.panel_port = free_tcp_port(self.host)
        self.base = f"http://{self.host}:{self.ha_port}"
        self.config = ARTIFACTS / "config"
        self.panel_log = ARTIFACTS / "panel.log"
        self.hass_log = ARTIFACTS / "home-assistant.console.log"
        self.panel: asyncio.subprocess.Process | None = None
        self.hass: asyncio.subprocess.Process | None = None
        self.headers: dict[str, str] = {}
        self.entry_id = ""
        self.entities = ""
        """What the last look at the integration's entities found."""
        state = PanelState.load(PANEL, time_scale=TIME_SCALE)
        users = list(state.users.values())
        self.pin = str(next((user for user in users if user.master), users[0]).pin)
        self.link = PanelConfig()

    def say(self, text: str) -> None:
        """One line of progress."""
        print(f"smoke: {text}", flush=True)

    async def run(self) -> None:
        """Start both, add the panel, arm and disarm; raise SmokeError on the first failure."""
        started = time.monotonic()
        self.prepare()
        await self.start_panel()
        await self.start_hass()
        self.say(f"Home Assistant is running ({time.monotonic() - started:.0f} s since the start)")
        entity_id = await self.add_panel()
        try:
            await self.until("every platform has entities, none unavailable", self._entities_available, STEP_TIMEOUT)
        finally:
            self.say(self.entities)
        await self.wait_for_state(entity_id, "disarmed")
        await self.keep_away()
        await self.call("alarm_arm_away", entity_id)
        seen = await self.wait_for_state(entity_id, "armed_away")
        self.say(f"{entity_id} armed away (states seen: {', '.join(seen)})")
        await self.call("alarm_disarm", entity_id)
        await self.wait_for_state(entity_id, "disarmed")
        self.say(f"{entity_id} disarmed")
        await self.reload_and_remove()

    def prepare(self) -> None:
        """A fresh config dir: configuration.yaml, the integration, where the HTTP server listens."""
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(mode=0o700, parents=True)  # Home Assistant's tokens and the panel's link key
        (self.config / ".storage").mkdir(parents=True)
        (self.config / "configuration.yaml").write_text(CONFIGURATION)
        (self.config / "custom_components").symlink_to(ROOT / "custom_components", target_is_directory=True)
        (self.config / ".storage" / "http").write_text(json.dumps(http_settings(self.host, self.ha_port)))

    async def start_panel(self) -> None:
        """Start the emulated panel and wait until it listens."""
        command = [sys.executable, "-m", "e27_emulator", "--no-console", "--panel", PANEL, "--host", self.host]
        command += ["--port", str(self.panel_port), "--time-scale", f"{TIME_SCALE:g}"]
        self.say(f"starting the emulated panel on {self.host}:{self.panel_port}")
        with self.panel_log.open("wb") as log:
            self.panel = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        await self.until("the emulated panel listens", self._panel_listening, STEP_TIMEOUT)

    async def _panel_listening(self) -> bool:
        self._check_running()
        return b" listening on " in self.panel_log.read_bytes()

    def _check_running(self) -> None:
        for name, process in (("the emulated panel", self.panel), ("Home Assistant", self.hass)):
            if process is not None and process.returncode is not None:
                raise SmokeError(f"{name} exited with code {process.returncode}")

    async def start_hass(self) -> None:
        """Start Home Assistant, create its owner through onboarding, wait until it runs."""
        self.say(f"starting Home Assistant on {self.base}")
        # Python's deprecation warnings are logged by Home Assistant (py.warnings) once made visible.
        env = {**os.environ, "PYTHONWARNINGS": "default::DeprecationWarning"}
        with self.hass_log.open("wb") as log:
            self.hass = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "homeassistant", "--config", str(self.config), "--skip-pip", "--log-no-color"],
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        await self.until("Home Assistant serves onboarding", self._onboarding_open, START_TIMEOUT)
        client_id = f"{self.base}/"
        user = {"client_id": client_id, "name": "Smoke", "username": "smoke", "language": "en"}
        user["password"] = secrets.token_urlsafe(16)
        code = (await self.post("/api/onboarding/users", user))["auth_code"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
        async with self.session.post(f"{self.base}/auth/token", data=form) as response:
            if response.status != 200:
                raise SmokeError(f"Home Assistant refused the token request: {response.status}")
            self.headers = {"Authorization": f"Bearer {(await response.json())['access_token']}"}
        await self.until("Home Assistant is RUNNING", self._running, START_TIMEOUT)

    async def _onboarding_open(self) -> bool:
        self._check_running()
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self.session.get(f"{self.base}/api/onboarding") as response:
                return response.status == 200
        return False

    async def _running(self) -> bool:
        return (await self.get("/api/config")).get("state") == "RUNNING"

    async def add_panel(self) -> str:
        """Add the panel through the config flow as the dialog would; the first area's entity id."""
        result = await self.post("/api/config/config_entries/flow", {"handler": DOMAIN, "show_advanced_options": False})
        answers = {
            "pick": {CONF_PANEL: MANUAL_ENTRY},  # another panel answered the broadcast: type the address
            "manual": {"host": self.host, "port": self.panel_port},
            "link": {CONF_ACCESS_CODE: self.link.access_code, CONF_PASSPHRASE: self.link.passphrase},
        }
        deadline = time.monotonic() + STEP_TIMEOUT
        while result["type"] != "create_entry":
            if time.monotonic() > deadline:
                raise SmokeError(f"the config flow did not finish within {STEP_TIMEOUT:.0f} s: {result}")
            path = f"/api/config/config_entries/flow/{result['flow_id']}"
            if result["type"] == "form" and not result.get("errors") and result["step_id"] in answers:
                self.say(f"config flow: {result['step_id']}")
                result = await self.post(path, answers[result["step_id"]])
            elif result["type"] in {"progress", "progress_done"}:
                if result["type"] == "progress":
                    await self.pause()
                result = await self.get(path)
            else:
                raise SmokeError(f"unexpected config flow step: {result}")
        self.entry_id = entry_id = result["result"]["entry_id"]
        self.say(f"config entry {result['title']!r} created")
        await self.until("the config entry is loaded", lambda: self._entry_loaded(entry_id), STEP_TIMEOUT)
        area_entities: list[str] = []

        async def has_area_entities() -> bool:
            states = await self.get("/api/states")
            area_entities[:] = sorted(
                s["entity_id"] for s in states if s["entity_id"].startswith("alarm_control_panel.")
            )
            return bool(area_entities)

        await self.until("the areas have alarm panel entities", has_area_entities, STEP_TIMEOUT)
        self.say(f"alarm panels: {', '.join(area_entities)}")
        return area_entities[0]

    async def keep_away(self) -> None:
        """Set the keep-Away option through the options flow, as the options dialog would."""
        assert self.entry_id
        result = await self.post("/api/config/config_entries/options/flow", {"handler": self.entry_id})
        if result["type"] != "form" or result["step_id"] != "init":
            raise SmokeError(f"unexpected options flow step: {result}")
        result = await self.post(f"/api/config/config_entries/options/flow/{result['flow_id']}", {CONF_KEEP_AWAY: True})
        if result["type"] != "create_entry":
            raise SmokeError(f"the options flow did not finish: {result}")
        self.say("option keep Away set")

    async def reload_and_remove(self) -> None:
        """Reload the entry (it must come back with its entities), then delete it (no restart needed)."""
        path = f"/api/config/config_entries/entry/{self.entry_id}"
        if (await self.post(f"{path}/reload", {}))["require_restart"]:
            raise SmokeError("reloading the config entry asks for a restart")
        await self.until("the config entry is loaded again", lambda: self._entry_loaded(self.entry_id), STEP_TIMEOUT)
        await self.until("its entities are back", self._entities_available, STEP_TIMEOUT)
        self.say(f"config entry reloaded: {self.entities}")
        async with self.session.delete(f"{self.base}{path}", headers=self.headers) as response:
            if response.status != 200:
                raise SmokeError(f"DELETE {path}: {response.status} {await response.text()}")
            if (await response.json())["require_restart"]:
                raise SmokeError("deleting the config entry asks for a restart")
        entries = await self.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
        if entries:
            raise SmokeError(f"the config entry is still there after its deletion: {entries}")
        self.say("config entry deleted")

    async def _entities_available(self) -> bool:
        """True once the integration has entities on every platform and none is unavailable."""
        async with self.session.post(
            f"{self.base}/api/template",
            json={"template": f"{{{{ integration_entities('{DOMAIN}') | join(' ') }}}}"},
            headers=self.headers,
        ) as response:
            if response.status != 200:
                raise SmokeError(f"POST /api/template: {response.status} {await response.text()}")
            entity_ids = (await response.text()).split()
        states = {state["entity_id"]: state["state"] for state in await self.get("/api/states")}
        platforms = {entity_id.partition(".")[0] for entity_id in entity_ids}
        unavailable = [entity_id for entity_id in entity_ids if states.get(entity_id, "unavailable") == "unavailable"]
        self.entities = f"{len(entity_ids)} entities on {len(platforms)} platforms, {len(unavailable)} unavailable"
        return platforms >= set(PLATFORMS) and not unavailable

    async def _entry_loaded(self, entry_id: str) -> bool:
        entries = await self.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
        state = next((entry["state"] for entry in entries if entry["entry_id"] == entry_id), None)
        if state in {"setup_error", "setup_retry", "migration_error", "failed_unload"}:
            raise SmokeError(f"the config entry's state is {state}")
        return state == "loaded"

    async def call(self, service: str, entity_id: str) -> None:
        """Call an alarm_control_panel service with the master user's PIN."""
        await self.post(f"/api/services/alarm_control_panel/{service}", {"entity_id": entity_id, "code": self.pin})

    async def wait_for_state(self, entity_id: str, wanted: str) -> list[str]:
        """Wait until the entity's state is wanted; the distinct states seen on the way."""
        seen: list[str] = []

        async def reached() -> bool:
            state = (await self.get(f"/api/states/{entity_id}"))["state"]
            if not seen or seen[-1] != state:
                seen.append(state)
            return state == wanted

        try:
            await self.until(f"{entity_id} is {wanted}", reached, STEP_TIMEOUT)
        except SmokeError as err:
            raise SmokeError(f"{err} (states seen: {', '.join(seen)})") from None
        return seen

    async def until(self, what: str, condition: Callable[[], Awaitable[bool]], timeout: float) -> None:
        """Poll condition until it holds; SmokeError after timeout seconds."""
        try:
            async with asyncio.timeout(timeout):
                while not await condition():
                    await self.pause()
        except TimeoutError:
            raise SmokeError(f"timed out after {timeout:.0f} s waiting until {what}") from None

    async def pause(self) -> None:
        """Between two polls; fails at once when a process has died."""
        self._check_running()
        await asyncio.sleep(POLL_INTERVAL)

    async def get(self, path: str) -> Any:
        """GET a JSON answer from Home Assistant's REST API."""
        self._check_running()
        async with self.session.get(f"{self.base}{path}", headers=self.headers) as response:
            if response.status != 200:
                raise SmokeError(f"GET {path}: {response.status} {await response.text()}")
            return await response.json()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST JSON to Home Assistant's REST API; its JSON answer."""
        self._check_running()
        async with self.session.post(f"{self.base}{path}", json=body, headers=self.headers) as response:
            if response.status != 200:
                raise SmokeError(f"POST {path}: {response.status} {await response.text()}")
            return await response.json()

    async def shutdown(self) -> str:
        """Home Assistant first (it closes its session to the panel), then the panel; what went wrong."""
        stopped = await _stop(self.hass)
        await _stop(self.panel)
        return "" if stopped else f"Home Assistant did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM"

    def check_logs(self) -> list[str]:
        """What the logs of both processes report that fails the run."""
        found = []
        for log in (self.hass_log, self.panel_log):
            if log.exists():
                found += [f"{log.name}: {entry}" for entry in findings(log.read_text(errors="replace"))]
        return found


async def main_async() -> int:
    """Run the smoke test; 0 when it passed."""
    started = time.monotonic()
    print(f"smoke: Home Assistant {HA_VERSION}, Python {sys.version.split()[0]}", flush=True)
    run = asyncio.current_task()
    assert run is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, run.cancel)
    failure = ""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as session:
        try:
            smoke = Smoke(session)
        except SmokeError as err:
            print(f"smoke: FAILED: {err}", file=sys.stderr, flush=True)
            return 1
        try:
            await smoke.run()
        except SmokeError as err:
            failure = str(err)
        except (aiohttp.ClientError, TimeoutError) as err:
            failure = f"Home Assistant's API failed: {err!r}"
        except asyncio.CancelledError:
            failure = "stopped by a signal"
        finally:
            not_stopped = await smoke.shutdown()
    failure = failure or not_stopped
    found = smoke.check_logs()
    for entry in found:
        print(f"smoke: logged: {entry}", file=sys.stderr)
    if failure or found:
        reason = failure or f"{len(found)} error or deprecation entries in the logs"
        print(f"smoke: FAILED: {reason} (logs in {ARTIFACTS.relative_to(ROOT)})", file=sys.stderr, flush=True)
        return 1
    print(f"smoke: passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async()))
