"""Fixtures for the Home Assistant side: the real emulator over loopback, entries, patches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from ipaddress import IPv4Address
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.const import CONF_HOST, CONF_PORT
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27 import const
from custom_components.elke27.const import (
    CONF_CLIENT,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    CONF_PANEL_NAME,
    DOMAIN,
)
from custom_components.elke27.entry_data import new_client_data
from e27_emulator import EmulatorPanel, PanelConfig

ACCESS_CODE = "735190"
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
    with (
        patch.object(const, "LINK_TIMEOUT", 0.5),
        patch.object(const, "FLOW_DISCOVERY_TIMEOUT", 0.3),
        patch.object(const, "FLOW_PROBE_TIMEOUT", 0.5),
        patch(
            "custom_components.elke27.config_flow.async_get_ipv4_broadcast_addresses",
            AsyncMock(return_value={IPv4Address("127.0.0.1")}),
        ),
    ):
        yield


def panel_config(**overrides: Any) -> PanelConfig:
    options: dict[str, Any] = {
        "name": PANEL_NAME,
        "mac": PANEL_MAC,
        "access_code": ACCESS_CODE,
        "passphrase": PASSPHRASE,
    }
    return PanelConfig(**(options | overrides))


@pytest.fixture
async def panel() -> AsyncIterator[EmulatorPanel]:
    """An emulated panel; discovery in the integration is pointed at its UDP port."""
    async with EmulatorPanel(panel_config()) as emulator:
        with patch.object(const, "DISCOVERY_PORT", emulator.discovery_port):
            yield emulator


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
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: panel.port,
            CONF_MAC: PANEL_MAC,
            CONF_PANEL_NAME: PANEL_NAME,
            CONF_CLIENT: client,
            CONF_LINKKEY: link.linkkey_hex,
            CONF_LINKHMAC: link.linkhmac_hex,
        },
    )
