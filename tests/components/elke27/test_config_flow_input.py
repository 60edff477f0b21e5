"""Whatever a user types, or a network without UDP, the flow answers with a translated error and stores nothing."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import CONF_ACCESS_CODE, CONF_PANEL, CONF_PASSPHRASE, DOMAIN, MANUAL_ENTRY
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, PANEL_MAC, PASSPHRASE
from .flows import GOOD, link_form, start_user_flow

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

BAD_HOSTS = [
    "a" * 300,
    "a" * 64 + ".example",  # a label longer than 63 characters
    "pan\x00el",
    "\u202epanel",
    "a..b",
    ".",
    "",
    "   ",
    "http://panel",
    "panel:2101",
    "alarmanlage-küche",
    "-panel",
]
NO_UDP = OSError(101, "Network is unreachable")


async def _manual_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: MANUAL_ENTRY})
    assert result["step_id"] == "manual"
    return result


@pytest.mark.parametrize("host", BAD_HOSTS, ids=repr)
async def test_manual_entry_refuses_what_is_not_a_host(hass: HomeAssistant, panel: EmulatorPanel, host: str) -> None:
    result = await _manual_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: host, CONF_PORT: panel.port})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "manual")
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_manual_entry_refuses_a_port_that_is_not_whole(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await _manual_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: 2101.5}
    )
    assert result["errors"] == {CONF_PORT: "invalid_port"}


@pytest.mark.parametrize("host", ["localhost", "alarm.home.arpa.", "e27_panel.lan", "::1"])
async def test_manual_entry_takes_names_and_ipv6(hass: HomeAssistant, panel: EmulatorPanel, host: str) -> None:
    """Valid hosts go on to the network checks (here nothing resolves, so: cannot connect)."""
    result = await _manual_form(hass)
    with patch(
        "custom_components.elke27.config_flow.async_identify", AsyncMock(return_value=(None, "cannot_connect"))
    ) as identify:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: host, CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "cannot_connect"}
    identify.assert_awaited_once_with(host, panel.port)


@pytest.mark.parametrize("host", ["a" * 300, "pan\x00el", "\u202epanel", "a..b"], ids=repr)
async def test_reconfigure_refuses_what_is_not_a_host(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, host: str
) -> None:
    linked_entry.add_to_hass(hass)
    before = dict(linked_entry.data)
    result = await linked_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: host, CONF_PORT: panel.port})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "reconfigure")
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert dict(linked_entry.data) == before


async def test_an_empty_pick_goes_to_manual_entry(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await start_user_flow(hass)
    assert result["step_id"] == "pick"
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    result = await flow.async_step_pick({})  # what a client that skips the form's checks would send
    assert result["step_id"] == "manual"
    result = await flow.async_step_pick({CONF_PANEL: "02:00:00:00:00:99"})  # not one that was found
    assert result["step_id"] == "manual"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (CONF_ACCESS_CODE, "\x00123"),
        (CONF_ACCESS_CODE, "1" * 200),
        (CONF_ACCESS_CODE, "\ud800"),
        (CONF_PASSPHRASE, "\u202ereversed"),
        (CONF_PASSPHRASE, ""),
    ],
    ids=repr,
)
async def test_link_form_refuses_unusable_secrets(
    hass: HomeAssistant, panel: EmulatorPanel, field: str, value: str
) -> None:
    result = await link_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**GOOD, field: value})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "link")
    assert result["errors"] == {field: f"invalid_{field}"}
    assert not [request for request in panel.received if "api_link" in request]  # nothing was sent
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_no_udp_socket_in_manual_entry(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await _manual_form(hass)
    with patch("custom_components.elke27.flow_helpers.async_probe", AsyncMock(side_effect=NO_UDP)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_no_udp_socket_in_reauth(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reauth_flow(hass)
    with patch("custom_components.elke27.flow_helpers.async_probe", AsyncMock(side_effect=NO_UDP)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: PASSPHRASE}
        )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_no_udp_socket_in_reconfigure(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reconfigure_flow(hass)
    with patch("custom_components.elke27.flow_helpers.async_probe", AsyncMock(side_effect=NO_UDP)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_no_udp_socket_for_dhcp(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    info = DhcpServiceInfo(ip="127.0.0.1", hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
    with patch("custom_components.elke27.config_flow.async_probe", AsyncMock(side_effect=NO_UDP)):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "cannot_connect")
