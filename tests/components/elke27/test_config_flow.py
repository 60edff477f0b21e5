"""Adding a panel against the emulated panel: scan, pick or type the address, link, errors that recover."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
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

from .conftest import ACCESS_CODE, PANEL_MAC, PANEL_NAME, PASSPHRASE, WAIT_TIMEOUT, discovery_port, panel_config
from .flows import GOOD, WRONG, finish_progress, link_form, start_user_flow, suggested

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


def _closed_port(panel: EmulatorPanel) -> int:
    return panel.port + 1 if panel.port < 65535 else panel.port - 1


async def test_discovered_panel_is_linked_without_a_progress_step(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await link_form(hass)
    assert result["description_placeholders"] == {"name": PANEL_NAME, "host": "127.0.0.1"}
    assert suggested(result, CONF_ACCESS_CODE) is None

    # The panel answers at once: the entry is created by the submit itself, nothing waits on an event.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == PANEL_NAME
    assert result["result"].unique_id == PANEL_MAC
    assert (result["result"].version, result["result"].minor_version) == (1, 3)
    data = result["data"]
    assert set(data) == {"host", "port", "mac", "client", "linkkey", "linkhmac"}
    assert set(data[CONF_CLIENT]) == {"mn", "sn", "fwver", "hwver", "osver"}
    assert data[CONF_PORT] == panel.port
    assert data[CONF_LINKKEY] == panel.links[data[CONF_CLIENT]["sn"]].linkkey_hex
    assert result["options"] == {}
    stored = repr(result["result"].as_dict())
    assert ACCESS_CODE not in stored
    assert PASSPHRASE not in stored


async def test_each_entry_gets_its_own_client_identity(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await link_form(hass)
    first = (await hass.config_entries.flow.async_configure(result["flow_id"], GOOD))["data"][CONF_CLIENT]["sn"]
    assert len(first) == 12
    assert first in panel.links
    assert not hass.config_entries.flow.async_progress()

    other_mac = "02:00:00:00:00:99"
    async with EmulatorPanel(panel_config(mac=other_mac)) as other:
        with discovery_port(other.discovery_port):
            result = await start_user_flow(hass)
            result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: other_mac})
            second = (await hass.config_entries.flow.async_configure(result["flow_id"], GOOD))["data"][CONF_CLIENT]
    assert second["sn"] != first
    assert second["sn"] in other.links


async def test_wrong_passphrase_keeps_the_access_code_and_the_step(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await link_form(hass)

    # The panel stays silent; LINK_TIMEOUT (2 s here) is shorter than the quick wait: no progress step.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "link"
    assert result["errors"] == {"base": "no_answer"}
    assert suggested(result, CONF_ACCESS_CODE) == ACCESS_CODE
    assert suggested(result, CONF_PASSPHRASE) is None

    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ACCESS_CODE not in repr(result["result"].as_dict())


async def test_slow_panel_shows_progress_then_the_result(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await link_form(hass)
    with patch.object(const, "LINK_QUICK_WAIT", 0):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        assert result["step_id"] == "provision"
        assert result["progress_action"] == "linking"
        assert result["description_placeholders"] == {
            "name": PANEL_NAME,
            "host": "127.0.0.1",
            "seconds": f"{const.LINK_TIMEOUT:g}",
        }
        result = await finish_progress(hass, result)
        assert (result["step_id"], result["errors"]) == ("link", {"base": "no_answer"})
        assert suggested(result, CONF_ACCESS_CODE) == ACCESS_CODE

        result = await finish_progress(hass, await hass.config_entries.flow.async_configure(result["flow_id"], GOOD))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_full_link_table_and_recovery(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    for index in range(panel.config.max_links):
        panel.add_link(f"other{index:07d}")
    result = await link_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["errors"] == {"base": "link_table_full"}

    panel.revoke_link("other0000000")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("error", "key"),
    [(RuntimeError("bug"), "unknown"), (None, "cannot_connect")],
    ids=["unexpected", "panel-gone"],
)
async def test_link_errors_recover(
    hass: HomeAssistant, panel: EmulatorPanel, error: Exception | None, key: str
) -> None:
    result = await link_form(hass)
    if error is None:
        await panel.stop()
        result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
        await panel.start()
    else:
        with patch("custom_components.elke27.config_flow.async_provision", AsyncMock(side_effect=error)):
            result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["errors"] == {"base": key}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_entry_errors_recover(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await start_user_flow(hass)
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
    with discovery_port(_closed_port(panel)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "no_discovery_reply"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " 127.0.0.1 ", CONF_PORT: panel.port}
    )
    assert result["step_id"] == "link"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"


async def test_no_panel_found_goes_to_manual_entry(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    with discovery_port(_closed_port(panel)):
        result = await start_user_flow(hass)
    assert result["step_id"] == "manual"


async def test_no_network_for_the_scan_goes_to_manual_entry(hass: HomeAssistant) -> None:
    with patch("custom_components.elke27.flow_helpers.async_discover", AsyncMock(side_effect=OSError("no route"))):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["step_id"] == "manual"


async def test_asking_for_the_flow_while_scanning_keeps_showing_progress(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    again = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert again["type"] is FlowResultType.SHOW_PROGRESS
    assert (await finish_progress(hass, again))["step_id"] == "pick"


async def test_already_configured_panel(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await start_user_flow(hass)
    # The configured panel is not offered again.
    assert result["step_id"] == "manual"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: linked_entry.data[CONF_PORT]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovered_panel_configured_meanwhile(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    result = await start_user_flow(hass)
    linked_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_closing_the_dialog_stops_scanning_and_linking(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    hass.config_entries.flow.async_abort(result["flow_id"])  # while scanning
    await hass.async_block_till_done()

    result = await link_form(hass)
    with patch.object(const, "LINK_TIMEOUT", 30), patch.object(const, "LINK_QUICK_WAIT", 0):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await panel.wait_for_connections(1, WAIT_TIMEOUT)
    hass.config_entries.flow.async_abort(result["flow_id"])
    await panel.wait_until(lambda: panel.connection_count == 0, WAIT_TIMEOUT)


async def test_asking_for_the_flow_while_linking_keeps_showing_progress(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    """The frontend re-fetches a progress step; that must not consume the unfinished link task."""
    result = await link_form(hass)
    flow_id = result["flow_id"]
    panel.reply_delay = 60  # the link reply (and so the task) is held until released below
    with patch.object(const, "LINK_TIMEOUT", 60), patch.object(const, "LINK_QUICK_WAIT", 0):
        result = await hass.config_entries.flow.async_configure(flow_id, GOOD)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    again = await hass.config_entries.flow.async_configure(flow_id)
    assert again["type"] is FlowResultType.SHOW_PROGRESS
    panel.reply_delay = 0
    assert (await finish_progress(hass, again))["type"] is FlowResultType.CREATE_ENTRY


async def test_options(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(linked_entry.entry_id)
    assert result["step_id"] == "init"
    schema: Any = result["data_schema"]
    assert schema({}) == {CONF_KEEP_AWAY: False}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_KEEP_AWAY: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert linked_entry.options == {CONF_KEEP_AWAY: True}
