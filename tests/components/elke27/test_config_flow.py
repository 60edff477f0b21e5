"""The config flow against the emulated panel: link, errors that recover, reauth, reconfigure, DHCP, options."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27 import const
from custom_components.elke27.const import (
    CONF_ACCESS_CODE,
    CONF_CLIENT,
    CONF_KEEP_AWAY,
    CONF_LINKKEY,
    CONF_PANEL,
    CONF_PASSPHRASE,
    DOMAIN,
    MANUAL_ENTRY,
)
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, PANEL_MAC, PANEL_NAME, PASSPHRASE, panel_config

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

GOOD = {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: PASSPHRASE}
WRONG = {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: "not the passphrase"}


async def _link(hass: HomeAssistant, flow_id: str, secrets: dict[str, str]) -> FlowResult:
    """Submit the link form, let the link task finish, and return what the flow shows next."""
    result = await hass.config_entries.flow.async_configure(flow_id, secrets)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "linking"
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(flow_id)


async def test_discovered_panel_is_linked(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    assert result["step_id"] == "link"
    assert result["description_placeholders"] == {"name": PANEL_NAME, "host": "127.0.0.1"}

    result = await _link(hass, result["flow_id"], GOOD)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == PANEL_NAME
    assert result["result"].unique_id == PANEL_MAC
    data = result["data"]
    assert set(data) == {"host", "port", "mac", "panel_name", "client", "linkkey", "linkhmac"}
    assert set(data[CONF_CLIENT]) == {"mn", "sn", "fwver", "hwver", "osver"}
    assert data[CONF_PORT] == panel.port
    assert data[CONF_LINKKEY] == panel.links[data[CONF_CLIENT]["sn"]].linkkey_hex
    assert result["options"] == {}
    stored = repr(result["result"].as_dict())
    assert ACCESS_CODE not in stored
    assert PASSPHRASE not in stored


async def test_each_entry_gets_its_own_client_identity(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    first = (await _link(hass, result["flow_id"], GOOD))["data"][CONF_CLIENT]["sn"]
    assert len(first) == 12
    assert first in panel.links
    assert not hass.config_entries.flow.async_progress()

    other_mac = "02:00:00:00:00:99"
    async with EmulatorPanel(panel_config(mac=other_mac)) as other:
        with patch.object(const, "DISCOVERY_PORT", other.discovery_port):
            result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
            result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: other_mac})
            second = (await _link(hass, result["flow_id"], GOOD))["data"][CONF_CLIENT]["sn"]
    assert second != first
    assert second in other.links


async def test_wrong_secret_shows_no_answer_and_recovers(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})

    result = await _link(hass, result["flow_id"], WRONG)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "link"
    assert result["errors"] == {"base": "no_answer"}

    result = await _link(hass, result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_full_link_table_and_recovery(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    for index in range(panel.config.max_links):
        panel.add_link(f"other{index:07d}")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    result = await _link(hass, result["flow_id"], GOOD)
    assert result["errors"] == {"base": "link_table_full"}

    panel.revoke_link("other0000000")
    result = await _link(hass, result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("error", "key"),
    [(RuntimeError("bug"), "unknown"), (None, "cannot_connect")],
    ids=["unexpected", "panel-gone"],
)
async def test_link_errors_recover(
    hass: HomeAssistant, panel: EmulatorPanel, error: Exception | None, key: str
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    if error is None:
        await panel.stop()
        result = await _link(hass, result["flow_id"], GOOD)
        await panel.start()
    else:
        with patch("custom_components.elke27.config_flow.async_provision", AsyncMock(side_effect=error)):
            result = await _link(hass, result["flow_id"], GOOD)
    assert result["errors"] == {"base": key}
    result = await _link(hass, result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_entry_errors_recover(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: MANUAL_ENTRY})
    assert result["step_id"] == "manual"

    # Nothing listens on that TCP port (UDP discovery would answer).
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: _closed_port(panel)}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    # Something accepts the connection but never greets like a panel.
    panel.go_silent(True)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    panel.go_silent(False)

    # TCP answers, UDP discovery does not.
    with patch.object(const, "DISCOVERY_PORT", _closed_port(panel)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "no_discovery_reply"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " 127.0.0.1 ", CONF_PORT: panel.port}
    )
    assert result["step_id"] == "link"
    result = await _link(hass, result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"


def _closed_port(panel: EmulatorPanel) -> int:
    return panel.port + 1 if panel.port < 65535 else panel.port - 1


async def test_no_panel_found_goes_to_manual_entry(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    with patch.object(const, "DISCOVERY_PORT", _closed_port(panel)):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "manual"


async def test_already_configured_panel(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    # The configured panel is not offered again.
    assert result["step_id"] == "manual"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: linked_entry.data[CONF_PORT]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovered_panel_configured_meanwhile(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    linked_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_relinks_the_same_identity(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    sn = linked_entry.data[CONF_CLIENT]["sn"]
    old_key = linked_entry.data[CONF_LINKKEY]
    panel.revoke_link(sn)

    result = await linked_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await _link(hass, result["flow_id"], WRONG)
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "no_answer"}

    result = await _link(hass, result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert linked_entry.data[CONF_CLIENT]["sn"] == sn
    assert linked_entry.data[CONF_LINKKEY] == panel.links[sn].linkkey_hex != old_key
    assert ACCESS_CODE not in repr(linked_entry.as_dict())


async def test_reauth_panel_unreachable_then_back(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reauth_flow(hass)
    await panel.stop()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["errors"] == {"base": "cannot_connect"}
    await panel.start()
    result = await _link(hass, result["flow_id"], GOOD)
    assert result["reason"] == "reauth_successful"


async def test_reauth_refuses_a_different_panel(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    async with EmulatorPanel(panel_config(mac="02:00:00:00:00:99")) as other:
        hass.config_entries.async_update_entry(linked_entry, data={**linked_entry.data, CONF_PORT: other.port})
        with patch.object(const, "DISCOVERY_PORT", other.discovery_port):
            result = await linked_entry.start_reauth_flow(hass)
            result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_panel"


async def test_reconfigure_moves_to_a_new_address(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    sn = linked_entry.data[CONF_CLIENT]["sn"]
    async with EmulatorPanel(panel_config()) as moved:
        moved.add_link(sn, linkkey_hex=panel.links[sn].linkkey_hex, linkhmac_hex=panel.links[sn].linkhmac_hex)
        with patch.object(const, "DISCOVERY_PORT", moved.discovery_port):
            result = await linked_entry.start_reconfigure_flow(hass)
            assert result["step_id"] == "reconfigure"
            # The panel refuses sessions for a moment: the form stays with an error.
            moved.refuse_hello(True)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port}
            )
            assert result["errors"] == {"base": "cannot_connect"}
            moved.refuse_hello(False)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port}
            )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert linked_entry.data[CONF_PORT] == moved.port


async def test_reconfigure_with_a_revoked_link_still_moves(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """The address is right (same MAC); the reload will ask for a new link."""
    linked_entry.add_to_hass(hass)
    panel.revoke_link(linked_entry.data[CONF_CLIENT]["sn"])
    result = await linked_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
    )
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_errors(hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: _closed_port(panel)}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    async with EmulatorPanel(panel_config(mac="02:00:00:00:00:99")) as other:
        with patch.object(const, "DISCOVERY_PORT", other.discovery_port):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port}
            )
    assert result["reason"] == "wrong_panel"


async def test_dhcp_updates_the_host_of_a_known_panel(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    info = DhcpServiceInfo(ip="127.0.0.2", hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert result["reason"] == "already_configured"
    assert linked_entry.data[CONF_HOST] == "127.0.0.2"


async def test_dhcp_of_an_unknown_panel_is_not_a_setup_path(hass: HomeAssistant) -> None:
    info = DhcpServiceInfo(ip="127.0.0.2", hostname="e27", macaddress="020000000099")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert result["reason"] == "not_supported"


async def test_options(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(linked_entry.entry_id)
    assert result["step_id"] == "init"
    schema: Any = result["data_schema"]
    assert schema({}) == {CONF_KEEP_AWAY: False}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_KEEP_AWAY: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert linked_entry.options == {CONF_KEEP_AWAY: True}


async def test_closing_the_dialog_stops_the_link_attempt(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    with patch.object(const, "LINK_TIMEOUT", 30):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await panel.wait_for_connections(1)
    hass.config_entries.flow.async_abort(result["flow_id"])
    await panel.wait_until(lambda: panel.connection_count == 0)


async def test_asking_for_the_flow_while_linking_keeps_showing_progress(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    """The frontend re-fetches a progress step; that must not consume the unfinished link task."""
    for source in ("user", "reauth"):
        if source == "user":
            result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
            result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
        else:
            entry = hass.config_entries.async_entries(DOMAIN)[0]
            panel.revoke_link(entry.data[CONF_CLIENT]["sn"])
            entry.async_start_reauth(hass)
            await hass.async_block_till_done()
            result = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
        flow_id = result["flow_id"]
        panel.reply_delay = 60  # the link reply (and so the task) is held until released below
        with patch.object(const, "LINK_TIMEOUT", 60):
            result = await hass.config_entries.flow.async_configure(flow_id, GOOD)
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        again = await hass.config_entries.flow.async_configure(flow_id)
        assert again["type"] is FlowResultType.SHOW_PROGRESS
        panel.reply_delay = 0
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(flow_id)
        assert result["type"] in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT)
        if source == "reauth":
            assert result["reason"] == "reauth_successful"
