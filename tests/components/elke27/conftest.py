"""Fixtures for the Home Assistant side: the real emulator over loopback, entries, patches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from functools import partial
from ipaddress import IPv4Address
from typing import Any
from unittest.mock import AsyncMock, PropertyMock, patch

import pytest
from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.elke27 import PLATFORMS, const
from custom_components.elke27.const import (
    CONF_CLIENT,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    DOMAIN,
)
from custom_components.elke27.e27 import E27Client
from custom_components.elke27.e27 import discovery as e27_discovery
from custom_components.elke27.entry_data import new_client_data
from e27_emulator import EmulatorPanel, ManualClock, PanelConfig, PanelState
from tests.deprecations import assert_no_deprecations
from tests.secrets_guard import assert_no_secrets

ACCESS_CODE = "73519046"  # long enough never to turn up by chance in a logged timestamp or id
MASTER_PIN = "1234"  # the default demo panel's master user, areas 1 and 2
FAMILY_PIN = "2580"  # area 1 only
# Quick reconnects, but timeouts that a loaded machine never reaches by accident: tests that are
# about a timeout set a short one themselves, where nothing can answer in time anyway.
FAST_CLIENT = {
    "request_timeout": 10.0,
    "keepalive_interval": 60.0,
    "keepalive_timeout": 10.0,
    "connect_timeout": 10.0,
    "hello_timeout": 10.0,
    "link_check_timeout": 10.0,
    "reconnect_initial": 0.01,
    "reconnect_max": 0.1,
    "relink_retry_interval": 0.1,
}
# A safety net for waits on conditions: they hold long before it unless something is broken.
WAIT_TIMEOUT = 30.0
PASSPHRASE = "correct horse battery"
PANEL_MAC = "02:00:00:e2:70:01"
PANEL_NAME = "Test House"


@pytest.fixture(autouse=True)
def _enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's custom_components."""


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """The emulator listens on 127.0.0.1; sockets are otherwise blocked in HA tests."""


@pytest.fixture(autouse=True)
def _fast_timeouts() -> Iterator[None]:
    """Short timeouts; discovery broadcasts go to loopback; no frontend waits for progress events.

    Short enough for the tests that wait them out (a wrong passphrase gets no answer), long
    enough that a loaded machine never runs them out on a panel that does answer.
    """
    with (
        patch.object(const, "LINK_TIMEOUT", 2.0),
        patch.object(const, "FLOW_DISCOVERY_TIMEOUT", 1.0),
        patch.object(const, "FLOW_PROBE_TIMEOUT", 2.0),
        patch.object(const, "PROGRESS_WATCHER_WAIT", 0),
        # Longer than LINK_TIMEOUT: a link answers (or times out) within the submit itself, unless a
        # test sets it to 0 to see the progress step.
        patch.object(const, "LINK_QUICK_WAIT", 5.0),
        patch(
            "custom_components.elke27.flow_helpers.async_get_ipv4_broadcast_addresses",
            AsyncMock(return_value={IPv4Address("127.0.0.1")}),
        ),
    ):
        yield


@pytest.fixture(autouse=True)
def _no_background_discovery() -> Iterator[None]:
    """The background scan would find the test's panel and start flows of its own; its tests enable it."""
    with patch("custom_components.elke27.async_setup_discovery"):
        yield


def panel_config(**overrides: Any) -> PanelConfig:
    options: dict[str, Any] = {
        "name": PANEL_NAME,
        "mac": PANEL_MAC,
        "access_code": ACCESS_CODE,
        "passphrase": PASSPHRASE,
    }
    return PanelConfig(**(options | overrides))


@contextmanager
def discovery_port(port: int) -> Iterator[None]:
    """Point the integration's UDP requests (scans, identity probes) at port instead of the panel's 2362."""
    with ExitStack() as stack:
        for name in ("flow_helpers", "config_flow", "migration"):
            stack.enter_context(
                patch(f"custom_components.elke27.{name}.async_probe", partial(e27_discovery.async_probe, port=port))
            )
        stack.enter_context(
            patch(
                "custom_components.elke27.flow_helpers.async_discover", partial(e27_discovery.async_discover, port=port)
            )
        )
        yield


def client_options(**options: Any) -> AbstractContextManager[Any]:
    """Set up entries with a client built with these timings (the product uses the backend's defaults)."""
    return patch("custom_components.elke27.coordinator.E27Client", partial(E27Client, **options))


@pytest.fixture(autouse=True)
def _fast_client() -> Iterator[None]:
    with client_options(**FAST_CLIENT):
        yield


@pytest.fixture
def panel_state() -> PanelState:
    """The default demo house; its delays end when a test advances panel time (panel_state.advance)."""
    return PanelState.load("default", clock=ManualClock())


@pytest.fixture
async def panel(panel_state: PanelState) -> AsyncIterator[EmulatorPanel]:
    """An emulated panel; discovery in the integration is pointed at its UDP port."""
    async with EmulatorPanel(panel_config(), state=panel_state) as emulator:
        with discovery_port(emulator.discovery_port):
            yield emulator


@asynccontextmanager
async def panel_moved_to(host: str, entry: MockConfigEntry, *, port: int = 0) -> AsyncIterator[EmulatorPanel]:
    """The entry's panel answering at another address (its link, MAC and name), e.g. after its DHCP lease changed."""
    async with EmulatorPanel(panel_config(host=host, port=port), state=PanelState.load("default")) as moved:
        sn = entry.data[CONF_CLIENT]["sn"]
        moved.add_link(sn, linkkey_hex=entry.data[CONF_LINKKEY], linkhmac_hex=entry.data[CONF_LINKHMAC])
        yield moved


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    with patch("custom_components.elke27.async_setup_entry", return_value=True, create=True) as mock:
        yield mock


@pytest.fixture
def linked_entry(panel: EmulatorPanel) -> MockConfigEntry:
    """A config entry as the flow creates it, already linked to the emulator."""
    client = new_client_data()
    link = panel.add_link(client["sn"])
    return MockConfigEntry(
        domain=DOMAIN,
        title=PANEL_NAME,
        unique_id=PANEL_MAC,
        version=1,
        minor_version=3,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: panel.port,
            CONF_MAC: PANEL_MAC,
            CONF_CLIENT: client,
            CONF_LINKKEY: link.linkkey_hex,
            CONF_LINKHMAC: link.linkhmac_hex,
        },
    )


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms init_integration sets up; a platform's test file overrides this with its own."""
    return list(PLATFORMS)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, linked_entry: MockConfigEntry, platforms: list[Platform]
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against the emulated panel (with just `platforms`)."""
    with patch("custom_components.elke27.PLATFORMS", platforms):
        linked_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(linked_entry.entry_id)
        await hass.async_block_till_done()
        yield linked_entry


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (random ids and timestamps masked).

    The plugin defines the same fixture, but syrupy's own plugin registers after it and wins.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def radio_details_before_platforms(panel: EmulatorPanel) -> Iterator[None]:
    """Let the client report ready only once it knows which zones are wireless.

    The bulk zone status has no radio fields, so the client learns which healthy zones are
    wireless in a refresh right after it is ready, racing the platforms' setup (zone battery
    and signal entities may be missing). Snapshots use this to show the intended entity set.
    """
    wireless = {zone.id for zone in panel.state.zones.values() if zone.wireless}
    original = E27Client.async_connect

    async def async_connect(self: E27Client) -> None:
        await original(self)
        async with asyncio.timeout(WAIT_TIMEOUT):
            while {zone.id for zone in self.panel.zones.values() if zone.wireless} != wireless:
                await asyncio.sleep(0.01)

    with patch.object(E27Client, "async_connect", async_connect):
        yield


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, also those disabled by default (for snapshots)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


async def wait_for(hass: HomeAssistant, predicate: Callable[[], bool], timeout: float = WAIT_TIMEOUT) -> None:
    """Let Home Assistant run until predicate holds (no fixed sleeps)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
            await hass.async_block_till_done()


def state_of(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's state string, or None if it has no state."""
    state = hass.states.get(entity_id)
    return state.state if state else None


def panel_requests(panel: EmulatorPanel, domain: str, command: str) -> list[dict[str, Any]]:
    """The payloads of every domain.command request the panel received, oldest first."""
    return [r[domain][command] for r in panel.received if isinstance(r.get(domain), dict) and command in r[domain]]


async def radio_sweep_done(panel: EmulatorPanel) -> None:
    """Wait until the client's first radio sweep, which follows ready, has asked for every zone's status.

    The sweep re-reads each zone, so until then a change the panel never pushes can still reach
    Home Assistant through it.
    """
    zones = set(panel.state.zones)

    def asked() -> set[Any]:
        return {request.get("zone_id") for request in panel_requests(panel, "zone", "get_status")}

    await panel.wait_until(lambda: zones <= asked(), WAIT_TIMEOUT)


async def link_drops_during(
    hass: HomeAssistant, panel: EmulatorPanel, route: str, domain: str, service: str, data: dict[str, Any]
) -> HomeAssistantError:
    """Call a service whose panel request (route "domain.command") is never answered, drop the link
    while Home Assistant waits for the answer, and return the error the service call raised."""
    panel.ignore_requests(route)
    sent = len(panel_requests(panel, *route.split(".")))
    call = hass.async_create_task(hass.services.async_call(domain, service, data, blocking=True))
    await panel.wait_until(lambda: len(panel_requests(panel, *route.split("."))) > sent, timeout=WAIT_TIMEOUT)
    await panel.drop_connections()
    with pytest.raises(HomeAssistantError) as err:
        await call
    return err.value


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every integration test also checks that no linking secret or key reaches a log, at any level,
    and that Home Assistant reported no deprecation in this integration."""
    emulator: EmulatorPanel | None = request.getfixturevalue("panel") if "panel" in request.fixturenames else None
    yield
    secrets = [ACCESS_CODE, PASSPHRASE]
    if emulator is not None:
        for link in emulator.links.values():
            secrets += [link.linkkey_hex, link.linkhmac_hex]
        secrets += [key.hex() for key in emulator.session_keys]
    records = [record for when in ("setup", "call", "teardown") for record in caplog.get_records(when)]
    assert_no_secrets(records, secrets)
    assert_no_deprecations(records)
