"""Diagnostics: the entry and the live panel model, with nothing that identifies or unlocks the panel."""

from __future__ import annotations

import json

import pytest
from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.discovery_flow import DiscoveryKey
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.elke27.const import CONF_CLIENT, CONF_LINKHMAC, CONF_LINKKEY, DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, PANEL_MAC, PASSPHRASE


@pytest.fixture
def platforms() -> list[Platform]:
    return []  # diagnostics need the coordinator only


@pytest.mark.usefixtures("radio_details_before_platforms")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    # The port is the emulator's ephemeral one.
    assert diagnostics == snapshot(exclude=props("created_at", "modified_at", "entry_id", "port"))


async def test_no_secrets_or_identifiers(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
) -> None:
    # Home Assistant's DHCP watcher saw the panel: the entry's discovery keys now hold its MAC.
    mac = PANEL_MAC.replace(":", "")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP, "discovery_key": DiscoveryKey(domain="dhcp", key=mac, version=1)},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="e27", macaddress=mac),
    )
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    assert init_integration.discovery_keys["dhcp"][0].key == mac

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["connected"] is True
    assert diagnostics["panel"]["zones"]  # the model is there
    text = json.dumps(diagnostics).lower()
    data = init_integration.data
    secrets = {
        "linkkey": data[CONF_LINKKEY],
        "linkhmac": data[CONF_LINKHMAC],
        "client sn": data[CONF_CLIENT]["sn"],
        "host": "127.0.0.1",
        "mac": PANEL_MAC,
        "bare mac": mac,
        "serial": panel.state.info.serial,
        "discovery serial": panel.config.serial,
        "access code": ACCESS_CODE,
        "passphrase": PASSPHRASE,
    }
    assert [name for name, secret in secrets.items() if secret.lower() in text] == []
