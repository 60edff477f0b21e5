"""An entry follows its panel to a new address only where its link works and while it has no session.

Anything on the network can answer discovery or send DHCP with the panel's MAC: a report alone
moves no entry. The other addresses here are loopback addresses too.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_socket
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import DOMAIN
from custom_components.elke27.discovery import async_setup_discovery
from e27_emulator import EmulatorPanel, PanelState

from .conftest import PANEL_MAC, PANEL_NAME, WAIT_TIMEOUT, panel_config, panel_moved_to, wait_for

ELSEWHERE = "127.0.0.3"


@pytest.fixture(autouse=True)
def _other_loopback_address() -> None:
    """Connections to the panel's other (loopback) address are allowed too."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", ELSEWHERE], allow_unix_socket=True)


def _report(port: int) -> dict[str, Any]:
    """A discovery reply naming the panel's MAC at another address, as the background scan hands it on."""
    return {
        "name": PANEL_NAME,
        "mac": PANEL_MAC,
        "host": ELSEWHERE,
        "port": port,
        "encrypted_port": None,
        "serial": None,
    }


async def _discovered(hass: HomeAssistant, source: str, port: int) -> str:
    data: object = (
        DhcpServiceInfo(ip=ELSEWHERE, hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
        if source == SOURCE_DHCP
        else _report(port)
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": source}, data=data)
    return str(result["reason"])


async def _panel_gone(hass: HomeAssistant, panel: EmulatorPanel, entry: MockConfigEntry) -> None:
    """The panel left its address: the entry's session is down."""
    client = entry.runtime_data.client
    assert client is not None
    await panel.stop()
    await wait_for(hass, lambda: not client.connected)


@pytest.mark.parametrize("source", [SOURCE_INTEGRATION_DISCOVERY, SOURCE_DHCP])
async def test_the_entry_follows_its_panel_to_a_new_address(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, source: str
) -> None:
    """Its address changed (a new DHCP lease): the entry moves there, its link works there, it connects."""
    port = init_integration.data[CONF_PORT]
    await _panel_gone(hass, panel, init_integration)
    async with panel_moved_to(ELSEWHERE, init_integration, port=port) as moved:
        assert await _discovered(hass, source, moved.port) == "already_configured"
        assert (init_integration.data[CONF_HOST], init_integration.data[CONF_PORT]) == (ELSEWHERE, port)
        await hass.async_block_till_done()
        await moved.wait_until(lambda: moved.session_count == 1, timeout=WAIT_TIMEOUT)


async def test_background_scan_follows_a_known_panel_to_its_new_port(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """The entry's port is wrong (no session): the scan finds the panel, the link works there, it moves."""
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, data={**linked_entry.data, CONF_PORT: panel.port + 1})
    assert await async_setup_component(hass, DOMAIN, {})
    async_setup_discovery(hass)  # the scan (the package's tests leave it off)
    await wait_for(hass, lambda: linked_entry.data[CONF_PORT] == panel.port)
    await panel.wait_until(lambda: panel.session_count == 1, timeout=WAIT_TIMEOUT)


@pytest.mark.parametrize("source", [SOURCE_INTEGRATION_DISCOVERY, SOURCE_DHCP])
async def test_a_connected_panel_is_never_moved(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, source: str
) -> None:
    """Even where the link would work: the running session proves the panel is where the entry says."""
    port = init_integration.data[CONF_PORT]
    async with panel_moved_to(ELSEWHERE, init_integration, port=port) as other:
        assert await _discovered(hass, source, other.port) == "already_configured"
        assert other.connection_count == 0
    assert (init_integration.data[CONF_HOST], init_integration.data[CONF_PORT]) == ("127.0.0.1", port)
    client = init_integration.runtime_data.client
    assert client is not None
    assert client.connected


@pytest.mark.parametrize("source", [SOURCE_INTEGRATION_DISCOVERY, SOURCE_DHCP])
async def test_an_impostor_does_not_get_the_entry(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, source: str
) -> None:
    """The panel is away; something else answers with its MAC but cannot open a session with our link."""
    port = init_integration.data[CONF_PORT]
    await _panel_gone(hass, panel, init_integration)
    impostor_config = panel_config(host=ELSEWHERE, port=port)
    async with EmulatorPanel(impostor_config, state=PanelState.load("default")) as impostor:
        assert await _discovered(hass, source, impostor.port) == "already_configured"
        assert impostor.session_count == 0
    assert (init_integration.data[CONF_HOST], init_integration.data[CONF_PORT]) == ("127.0.0.1", port)
