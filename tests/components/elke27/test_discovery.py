"""Discovery as core integrations do it: a background UDP scan and DHCP, each creating discovered flows."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.elke27 import const
from custom_components.elke27.const import CONF_PANEL, DOMAIN
from custom_components.elke27.discovery import async_setup_discovery, panel_from_discovery
from custom_components.elke27.e27 import DiscoveredPanel
from custom_components.elke27.e27.discovery import MAX_PANELS, SENDS_PER_TARGET
from custom_components.elke27.flow_helpers import async_scan
from e27_emulator import EmulatorPanel, PanelState
from e27_emulator.discovery import fake_panel_replies, start_neighbour

from .conftest import PANEL_MAC, PANEL_NAME, discovery_port, panel_config, wait_for
from .flows import GOOD, start_user_flow

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


@pytest.fixture(autouse=True)
def _no_background_discovery() -> None:
    """Here the background scan runs (the package-wide fixture turns it off)."""


def _discovered(hass: HomeAssistant) -> list[dict]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def test_background_scan_offers_an_unknown_panel_and_links_it(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    await wait_for(hass, lambda: len(_discovered(hass)) == 1)
    (flow,) = _discovered(hass)
    assert flow["context"]["title_placeholders"] == {"name": PANEL_NAME}  # "Discovered: Elk E27 Test House"
    assert flow["context"]["unique_id"] == PANEL_MAC
    assert flow["step_id"] == "discovery_confirm"

    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"name": PANEL_NAME, "host": "127.0.0.1"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "link"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (result["data"][CONF_HOST], result["data"][CONF_PORT]) == ("127.0.0.1", panel.port)


@pytest.mark.parametrize(
    ("serial", "expected"), [("00000001", None), ("FFFFFFFF", None), ("E27A00012345", "E27A00012345")]
)
async def test_a_discovered_panel_carries_no_placeholder_serial(
    hass: HomeAssistant, panel_state: PanelState, serial: str, expected: str | None
) -> None:
    """The factory placeholder serial is no serial: the discovered flow never holds it as the panel's."""
    async with EmulatorPanel(panel_config(serial=serial), state=panel_state) as emulator:
        with (
            discovery_port(emulator.discovery_port),
            patch("custom_components.elke27.discovery.discovery_flow.async_create_flow") as create_flow,
        ):
            assert await async_setup_component(hass, DOMAIN, {})
            await wait_for(hass, lambda: create_flow.called)
    (data,) = [call.kwargs["data"] for call in create_flow.call_args_list]
    assert data["mac"] == PANEL_MAC
    assert data["serial"] == expected
    assert panel_from_discovery(data).serial == expected


async def test_background_scan_ignores_a_known_panel_at_its_address(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    found: list[DiscoveredPanel] = []

    async def scan(hass: HomeAssistant) -> list[DiscoveredPanel]:
        found.extend(await async_scan(hass))
        return found

    with (
        patch("custom_components.elke27.discovery.async_scan", scan),
        patch("custom_components.elke27.discovery.discovery_flow.async_create_flow") as create_flow,
    ):
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done(wait_background_tasks=True)
    assert [panel.mac for panel in found] == [PANEL_MAC]
    create_flow.assert_not_called()


async def test_background_scan_repeats(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    panel.go_silent(True)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not _discovered(hass)
    panel.go_silent(False)
    async_fire_time_changed(hass, dt_util.utcnow() + const.BACKGROUND_DISCOVERY_INTERVAL + timedelta(seconds=1))
    await wait_for(hass, lambda: len(_discovered(hass)) == 1)


async def test_background_scan_waits_for_home_assistant_to_start(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    hass.set_state(CoreState.starting)
    async_setup_discovery(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not _discovered(hass)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await wait_for(hass, lambda: len(_discovered(hass)) == 1)


async def test_adding_by_hand_ends_the_discovered_flow(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    await wait_for(hass, lambda: len(_discovered(hass)) == 1)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_dhcp_offers_an_unknown_e27(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    info = DhcpServiceInfo(ip="127.0.0.1", hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert result["step_id"] == "discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GOOD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == PANEL_MAC


@pytest.mark.parametrize(
    "mac", ["00409d000001", PANEL_MAC.replace(":", "")[:-1] + "9"], ids=["silent, an M1", "another panel answers"]
)
async def test_dhcp_of_something_else_with_elks_prefix(hass: HomeAssistant, panel: EmulatorPanel, mac: str) -> None:
    if mac.startswith("00409d"):
        panel.go_silent(True)
    info = DhcpServiceInfo(ip="127.0.0.1", hostname="m1xep", macaddress=mac)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_e27"


async def test_dhcp_while_the_user_adds_the_same_panel(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    info = DhcpServiceInfo(ip="127.0.0.1", hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
    dhcp = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert dhcp["step_id"] == "discovery_confirm"
    second = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_DHCP}, data=info)
    assert second["reason"] == "already_in_progress"
    hass.config_entries.flow.async_abort(result["flow_id"])


@pytest.mark.parametrize("source", [SOURCE_INTEGRATION_DISCOVERY, SOURCE_DHCP])
async def test_discovery_keeps_a_host_name_the_user_typed(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, source: str
) -> None:
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, data={**linked_entry.data, CONF_HOST: "alarm.home.arpa"})
    if source == SOURCE_DHCP:
        data: object = DhcpServiceInfo(ip="127.0.0.1", hostname="e27", macaddress=PANEL_MAC.replace(":", ""))
    else:
        data = {
            "name": PANEL_NAME,
            "mac": PANEL_MAC,
            "host": "127.0.0.1",
            "port": panel.port + 1,
            "encrypted_port": None,
            "serial": None,
        }
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": source}, data=data)
    assert result["reason"] == "already_configured"
    assert (linked_entry.data[CONF_HOST], linked_entry.data[CONF_PORT]) == ("alarm.home.arpa", panel.port)


async def test_background_scan_leaves_an_entry_with_a_host_name_alone(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(linked_entry, data={**linked_entry.data, CONF_HOST: "alarm.home.arpa"})
    with patch("custom_components.elke27.discovery.discovery_flow.async_create_flow") as create_flow:
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done(wait_background_tasks=True)
    create_flow.assert_not_called()
    assert linked_entry.data[CONF_HOST] == "alarm.home.arpa"


async def test_background_scan_stops_when_the_last_entry_is_removed(
    hass: HomeAssistant, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    scans: list[int] = []
    unload = patch("custom_components.elke27.async_unload_entry", return_value=True)

    async def scan(hass: HomeAssistant) -> list[DiscoveredPanel]:
        scans.append(1)
        return []

    with patch("custom_components.elke27.discovery.async_scan", scan), unload:
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done(wait_background_tasks=True)
        assert len(scans) == 1
        await hass.config_entries.async_remove(linked_entry.entry_id)
        async_fire_time_changed(hass, dt_util.utcnow() + const.BACKGROUND_DISCOVERY_INTERVAL * 3)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert len(scans) == 1
        # A new entry brings the periodic scan back.
        await hass.config_entries.async_add(MockConfigEntry(domain=DOMAIN, unique_id="02:00:00:00:00:09", data={}))
        async_fire_time_changed(hass, dt_util.utcnow() + const.BACKGROUND_DISCOVERY_INTERVAL * 4)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert len(scans) == 2


async def test_a_flood_of_fake_panels_makes_a_bounded_number_of_flows(hass: HomeAssistant) -> None:
    transport, fake, port = await start_neighbour(fake_panel_replies(100))
    try:
        with discovery_port(port):
            assert await async_setup_component(hass, DOMAIN, {})
            await hass.async_block_till_done(wait_background_tasks=True)
    finally:
        transport.close()
    assert len(_discovered(hass)) == MAX_PANELS
    assert fake.requests <= SENDS_PER_TARGET
