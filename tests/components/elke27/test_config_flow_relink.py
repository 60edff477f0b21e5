"""Reauth and reconfigure against the emulated panel, on stored and on loaded entries; one reload per change."""

from __future__ import annotations

from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27 import const
from custom_components.elke27.const import CONF_ACCESS_CODE, CONF_CLIENT, CONF_KEEP_AWAY, CONF_LINKKEY, DOMAIN
from custom_components.elke27.e27 import E27TimeoutError, Session
from custom_components.elke27.entry_data import client_identity
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, WAIT_TIMEOUT, discovery_port, panel_config, panel_requests, wait_for
from .flows import GOOD, WRONG, finish_progress, suggested

stored_only = pytest.mark.usefixtures("mock_setup_entry")


def _closed_port(panel: EmulatorPanel) -> int:
    return panel.port + 1 if panel.port < 65535 else panel.port - 1


@stored_only
async def test_reauth_relinks_the_same_identity(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    sn = linked_entry.data[CONF_CLIENT]["sn"]
    old_key = linked_entry.data[CONF_LINKKEY]
    panel.revoke_link(sn)

    result = await linked_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": linked_entry.title, "host": "127.0.0.1"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
    assert (result["step_id"], result["errors"]) == ("reauth_confirm", {"base": "no_answer"})
    assert suggested(result, CONF_ACCESS_CODE) == ACCESS_CODE

    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert linked_entry.data[CONF_CLIENT]["sn"] == sn
    assert linked_entry.data[CONF_LINKKEY] == panel.links[sn].linkkey_hex != old_key
    assert ACCESS_CODE not in repr(linked_entry.as_dict())


@stored_only
async def test_slow_reauth_goes_back_to_its_own_form(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reauth_flow(hass)
    with patch.object(const, "LINK_QUICK_WAIT", 0):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], WRONG)
        assert result["step_id"] == "reauth_provision"
        result = await finish_progress(hass, result)
    assert (result["step_id"], result["errors"]) == ("reauth_confirm", {"base": "no_answer"})


@stored_only
async def test_reauth_panel_unreachable_then_back(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reauth_flow(hass)
    await panel.stop()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested(result, CONF_ACCESS_CODE) == ACCESS_CODE
    await panel.start()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["reason"] == "reauth_successful"


@stored_only
async def test_reauth_refuses_a_different_panel(hass: HomeAssistant, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    async with EmulatorPanel(panel_config(mac="02:00:00:00:00:99")) as other:
        hass.config_entries.async_update_entry(linked_entry, data={**linked_entry.data, CONF_PORT: other.port})
        with discovery_port(other.discovery_port):
            result = await linked_entry.start_reauth_flow(hass)
            result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_panel"


@stored_only
async def test_reconfigure_moves_to_a_new_address(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    sn = linked_entry.data[CONF_CLIENT]["sn"]
    async with EmulatorPanel(panel_config()) as moved:
        moved.add_link(sn, linkkey_hex=panel.links[sn].linkkey_hex, linkhmac_hex=panel.links[sn].linkhmac_hex)
        with discovery_port(moved.discovery_port):
            result = await linked_entry.start_reconfigure_flow(hass)
            assert result["step_id"] == "reconfigure"
            # The panel refuses sessions for a moment: the form says so, distinctly.
            moved.refuse_hello(True)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port}
            )
            assert result["errors"] == {"base": "session_refused"}
            moved.refuse_hello(False)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port}
            )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert linked_entry.data[CONF_PORT] == moved.port


@stored_only
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


@stored_only
async def test_reconfigure_errors(hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry) -> None:
    linked_entry.add_to_hass(hass)
    result = await linked_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: _closed_port(panel)}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    with discovery_port(_closed_port(panel)):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "no_discovery_reply"}
    with patch.object(Session, "connect", AsyncMock(side_effect=E27TimeoutError("no hello reply"))):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    assert result["errors"] == {"base": "cannot_connect"}
    async with EmulatorPanel(panel_config(mac="02:00:00:00:00:99")) as other:
        with discovery_port(other.discovery_port):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port}
            )
    assert result["reason"] == "wrong_panel"


@stored_only
async def test_reconfigure_while_the_identity_is_online_elsewhere(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """Another Home Assistant with a copy of this entry holds the panel's one session for this identity."""
    linked_entry.add_to_hass(hass)
    elsewhere = Session("127.0.0.1", panel.port, client_identity(linked_entry.data), linked_entry.data[CONF_LINKKEY])
    await elsewhere.connect()
    try:
        result = await linked_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
        )
    finally:
        await elsewhere.close()
    assert result["errors"] == {"base": "session_refused"}


async def test_reconfigure_a_loaded_entry_with_its_working_address(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The running session proves the link: no second session, one reload."""
    sessions = len(panel.session_keys)
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: panel.port}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    await panel.wait_until(lambda: panel.session_count == 1, timeout=WAIT_TIMEOUT)  # the old session is closing
    assert len(panel.session_keys) == sessions + 1  # the reload's session, and no other


async def test_reauth_of_a_loaded_entry_reloads_once(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.revoke_link(init_integration.data[CONF_CLIENT]["sn"])
    await panel.drop_connections()
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    sessions = len(panel.session_keys)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], GOOD)
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert len(panel.session_keys) == sessions + 1


async def test_options_apply_without_a_reload(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    sessions = len(panel.session_keys)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], {CONF_KEEP_AWAY: True})
    await hass.async_block_till_done()
    assert len(panel.session_keys) == sessions
    # Read when used: arming Away now asks the panel to stay in Away.
    await hass.services.async_call(
        "alarm_control_panel",
        "alarm_arm_away",
        {"entity_id": "alarm_control_panel.house", "code": "1234"},
        blocking=True,
    )
    (arm,) = panel_requests(panel, "area", "set_arm_state")
    assert arm["auto_stay_cancel"] is True
