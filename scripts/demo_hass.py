"""The Home Assistant half of the demo: its config dir, and the HTTP calls that onboard it.

Used by scripts/demo.py; see there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import zoneinfo
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import aiohttp

NAME: Final = "Demo"
USERNAME: Final = "demo"
PASSWORD: Final = "demo-password"  # noqa: S105 - the demo's published login
LOCK_FILE: Final = ".demo.lock"
MARKER: Final = ".elke27-demo"
"""A file that marks a config dir as the demo's own, so --fresh never wipes anything else."""
PANEL_LINKS_FILE: Final = "panel-links.json"
"""The emulated panel's link table, kept between runs (scripts/demo_panel.py)."""
LOG_FILE: Final = "home-assistant.log"
CONSOLE_LOG_FILE: Final = "home-assistant.console.log"
"""Home Assistant's stdout and stderr: its log again, plus anything printed before logging starts."""
DISCOVERY_NOTICE: Final = "config_entry_discovery"
ONBOARDING_STEPS: Final = ("user", "core_config", "analytics", "integration")

CONFIGURATION: Final = """\
# Written by scripts/demo at every start: edits here are lost.
# Home Assistant with only what the Elk E27 demo needs (no default_config, nothing that goes online).
homeassistant:
  name: Elk E27 demo
  country: US
  currency: USD
  language: en
  unit_system: us_customary
  time_zone: {time_zone}
frontend:
config:
history:
logbook:
logger:
  default: warning
  logs:
    custom_components.elke27: info
    # Home Assistant always sets up text-to-speech and camera, which look for the FFmpeg program
    # and the libjpeg-turbo library at start and log an ERROR with a traceback without them. The
    # demo uses neither: their start-up errors are not shown.
    haffmpeg: critical
    homeassistant.components.camera.img_util: critical
"""

# Onboarding's core_config step would also add Met.no, Radio Browser, Google Translate and Shopping
# list, which want the internet and packages the demo does not install; configuration.yaml already
# holds the core settings, so that one step is recorded as done before the first start. The user,
# analytics and integration steps go through Home Assistant's onboarding API, as the frontend's do.
ONBOARDING_SEED: Final = {"version": 4, "minor_version": 1, "key": "onboarding", "data": {"done": ["core_config"]}}


class DemoError(Exception):
    """Something that stops the demo; the message says what to do."""


def local_time_zone() -> str:
    """This machine's IANA time zone, so the UI shows the times its user expects (UTC if unknown)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        with contextlib.suppress(OSError):
            name = os.readlink("/etc/localtime").partition("zoneinfo/")[2]
    try:
        zoneinfo.ZoneInfo(name)
    except ValueError, zoneinfo.ZoneInfoNotFoundError:
        return "UTC"
    return name


def prepare_config(config: Path, integration: Path, host: str, port: int, *, fresh: bool) -> None:
    """Write configuration.yaml and the custom_components link; seed onboarding in a new dir."""
    if fresh and (config / MARKER).exists():
        for child in config.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    (config / MARKER).touch()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(time_zone=local_time_zone()))
    link = config / "custom_components"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(integration.parent, config), target_is_directory=True)
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(json.dumps(ONBOARDING_SEED, indent=2))
    (storage / "http").write_text(json.dumps(http_settings(host, port), indent=2))


def http_settings(host: str, port: int) -> dict[str, Any]:
    """Home Assistant's stored HTTP settings, confirmed: where it listens.

    Home Assistant keeps these in storage (HTTP settings in configuration.yaml are deprecated and,
    once migrated, must be confirmed in the UI within minutes or are reverted), so the demo writes
    them there at every start, completed with Home Assistant's own defaults.
    """
    from homeassistant.components.http.config import HTTP_STORAGE_SCHEMA  # noqa: PLC0415 - heavy

    stable = HTTP_STORAGE_SCHEMA({"server_host": [host], "server_port": port})
    stable |= {"created_at": datetime.now(UTC).isoformat(), "error": None, "error_message": None}
    return {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }


class HomeAssistantApi:
    """The few HTTP calls the demo makes: onboarding, a login, the core's state, one notice."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base
        self.client_id = f"{base}/"
        self.redirect_uri = f"{base}/?auth_callback=1"

    async def wait_until_running(self, poll: Callable[[], Awaitable[None]]) -> None:
        """Onboard (or log in), wait for the core to be RUNNING, tidy up; poll() between tries."""
        while (steps := await self._onboarding_steps()) is None:
            await poll()
        code = await self._onboard_user() if not steps.get("user") else await self._login()
        access, refresh = await self._token(code)
        headers = {"Authorization": f"Bearer {access}"}
        if not steps.get("analytics"):
            await self._post("/api/onboarding/analytics", {}, headers)
        if not steps.get("integration"):
            body = {"client_id": self.client_id, "redirect_uri": self.redirect_uri}
            await self._post("/api/onboarding/integration", body, headers)
        if not steps.get("core_config"):
            raise DemoError("error: this config dir was not set up by the demo; start over with scripts/demo --fresh")
        while await self._state(headers) != "RUNNING":
            await poll()
        # A fresh Home Assistant 2025.4 announces its own Backup integration as "New devices discovered".
        await self._post(
            "/api/services/persistent_notification/dismiss", {"notification_id": DISCOVERY_NOTICE}, headers
        )
        # The demo's own login is not needed any more; the profile page then lists only the browser's.
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self.session.post(f"{self.base}/auth/revoke", data={"token": refresh}):
                pass

    async def _onboarding_steps(self) -> dict[str, bool] | None:
        """Which onboarding steps are done; None while the HTTP server is not up yet."""
        try:
            async with self.session.get(f"{self.base}/api/onboarding") as response:
                if response.status == 404:  # once onboarded, Home Assistant no longer serves these views
                    return dict.fromkeys(ONBOARDING_STEPS, True)
                if response.status != 200:
                    return None
                return {step["step"]: step["done"] for step in await response.json()}
        except aiohttp.ClientError, TimeoutError:
            return None

    async def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        async with self.session.post(f"{self.base}{path}", json=body, headers=headers) as response:
            data = await response.json(content_type=None)
            if response.status != 200:
                raise DemoError(f"error: Home Assistant refused {path}: {response.status} {data}")
            return data

    async def _onboard_user(self) -> str:
        """Create the demo owner; an authorization code for it."""
        body = {"client_id": self.client_id, "name": NAME, "username": USERNAME, "password": PASSWORD, "language": "en"}
        return str((await self._post("/api/onboarding/users", body))["auth_code"])

    async def _login(self) -> str:
        """Log in as the demo owner, as the login page does; an authorization code."""
        flow = await self._post(
            "/auth/login_flow",
            {"client_id": self.client_id, "handler": ["homeassistant", None], "redirect_uri": self.redirect_uri},
        )
        result = await self._post(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": USERNAME, "password": PASSWORD},
        )
        if result.get("type") != "create_entry":
            raise DemoError(f"error: {USERNAME} / {PASSWORD} no longer logs in; start over with scripts/demo --fresh")
        return str(result["result"])

    async def _token(self, code: str) -> tuple[str, str]:
        """Access and refresh token for an authorization code."""
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.base}/auth/token", data=form) as response:
            data = await response.json(content_type=None)
            if response.status != 200:
                raise DemoError(f"error: Home Assistant refused the demo login: {response.status} {data}")
            return str(data["access_token"]), str(data["refresh_token"])

    async def _state(self, headers: dict[str, str]) -> str | None:
        """The core's state (RUNNING once started); None while it does not answer."""
        try:
            async with self.session.get(f"{self.base}/api/config", headers=headers) as response:
                return str((await response.json()).get("state")) if response.status == 200 else None
        except aiohttp.ClientError, TimeoutError:
            return None
