"""Entries of the community integration (same domain, version 1.1) are taken over with their link and entities."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import CONF_CLIENT, CONF_LINKHMAC, CONF_LINKKEY, CONF_MAC, DOMAIN
from custom_components.elke27.discovery import async_trigger_discovery
from custom_components.elke27.e27 import async_probe
from e27_emulator import EmulatorPanel

from .conftest import PANEL_MAC, PANEL_NAME, discovery_port, state_of
from .flows import GOOD

SERIAL = "b827eb12cd34"  # the community integration's integration_serial: the sn it linked with
TEMPKEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
# (domain, its unique id kind and element, the entity id the user has, our unique id key)
COMMUNITY_ENTITIES = [
    ("alarm_control_panel", "area:1", "alarm_control_panel.home_alarm", "area_1"),
    ("binary_sensor", "zone:1", "binary_sensor.front_door_contact", "zone_1"),
    ("switch", "output:3", "switch.porch_relay", "output_3"),
    ("light", "light:1", "light.porch", "light_1"),
    ("lock", "lock:1", "lock.front", "lock_1"),
    ("climate", "tstat:1", "climate.hallway", "thermostat_1"),
]
PANEL_SENSORS = [("sensor", "panel:1", "sensor.e27_panel_name"), ("sensor", "panel:2", "sensor.e27_panel_ready")]


def community_data(panel: EmulatorPanel, *, with_panel: bool = True, **link_keys: Any) -> dict[str, Any]:
    """The entry data the community integration stores, with a link it really made on the panel."""
    link = panel.add_link(SERIAL)
    keys = {"tempkey_hex": TEMPKEY, "linkkey_hex": link.linkkey_hex, "linkhmac_hex": link.linkhmac_hex} | link_keys
    data: dict[str, Any] = {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: panel.port,
        "link_keys_json": keys,
        "integration_serial": SERIAL,
    }
    if with_panel:  # it was picked from discovery: its library's record, normalised
        data["panel"] = {
            "panel_mac": PANEL_MAC,
            "panel_host": "127.0.0.1",
            "panel_name": PANEL_NAME,
            "panel_serial": "E27EMU000001",
            "port": panel.port,
            "tls_port": 0,
            "host": "127.0.0.1",
            "name": PANEL_NAME,
            "mac": PANEL_MAC,
        }
    return data


def community_entry(hass: HomeAssistant, data: dict[str, Any], title: str = PANEL_NAME) -> MockConfigEntry:
    """The entry, its device and its entities as the community integration leaves them."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=SERIAL,
        version=1,
        minor_version=1,
        data=data,
        options={"panel_info": {"name": PANEL_NAME, "model": "E27"}, "table_info": {"zone": 32, "area": 8}},
    )
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"222-{SERIAL}")}, name=PANEL_NAME
    )
    dr.async_get(hass).async_update_device(device.id, name_by_user="Alarm panel")
    registry = er.async_get(hass)
    for domain, kind, entity_id, *_ in [*COMMUNITY_ENTITIES, *PANEL_SENSORS]:
        registry.async_get_or_create(
            domain,
            DOMAIN,
            f"{SERIAL}:{kind}",
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=entity_id.split(".", 1)[1],
        )
    registry.async_update_entity("binary_sensor.front_door_contact", name="Front door (mine)")
    return entry


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_community_entry_loads_with_its_entity_ids(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    entry = community_entry(hass, community_data(panel))
    await _set_up(hass, entry)

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version, entry.unique_id) == (1, 3, PANEL_MAC)
    assert list(panel.links) == [SERIAL]  # its link is reused: no second slot in the panel's table
    assert entry.data[CONF_CLIENT] == {"mn": "222", "sn": SERIAL, "fwver": "0.1", "hwver": "0.1", "osver": "0.1"}
    assert entry.data[CONF_LINKKEY] == panel.links[SERIAL].linkkey_hex
    assert entry.data[CONF_MAC] == PANEL_MAC
    assert entry.options == {}
    assert TEMPKEY not in json.dumps(entry.as_dict())
    assert set(entry.data) == {"host", "port", "mac", "client", "linkkey", "linkhmac"}

    registry = er.async_get(hass)
    for domain, _, entity_id, key in COMMUNITY_ENTITIES:
        assert registry.async_get_entity_id(domain, DOMAIN, f"{PANEL_MAC}_{key}") == entity_id
        assert state_of(hass, entity_id) is not None, entity_id
    assert registry.async_get("binary_sensor.front_door_contact").name == "Front door (mine)"
    assert state_of(hass, "binary_sensor.front_door_contact") == STATE_OFF
    assert state_of(hass, "alarm_control_panel.home_alarm") == "disarmed"
    for _, _, entity_id in PANEL_SENSORS:  # no counterpart here
        assert registry.async_get(entity_id) is None
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, PANEL_MAC), entry.entry_id)
    assert device is not None
    assert device.name_by_user == "Alarm panel"
    assert not ir.async_get(hass).issues


async def test_community_entry_without_panel_data_asks_the_panel(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    data = community_data(panel, with_panel=False)
    data["link_keys_json"] = json.dumps(data["link_keys_json"])  # as JSON text: read the same
    entry = community_entry(hass, data, title="127.0.0.1")
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == PANEL_MAC
    assert er.async_get(hass).async_get_entity_id("light", DOMAIN, f"{PANEL_MAC}_light_1") == "light.porch"


async def test_community_panel_silent_on_udp_retries_and_says_what_to_do(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    entry = community_entry(hass, community_data(panel, with_panel=False))
    with discovery_port(panel.port + 1 if panel.port < 65535 else panel.port - 1):
        await _set_up(hass, entry)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert entry.minor_version == 3
        assert CONF_MAC not in entry.data
        assert "integration_serial" not in entry.data  # already ours, minus the identity
        (issue,) = ir.async_get(hass).issues.values()
        assert issue.translation_key == "community_identity_unknown"
        assert issue.translation_placeholders == {"name": PANEL_NAME, "host": "127.0.0.1"}
    assert entry.reason is not None

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == PANEL_MAC
    assert er.async_get(hass).async_get_entity_id("switch", DOMAIN, f"{PANEL_MAC}_output_3") == "switch.porch_relay"
    assert not ir.async_get(hass).issues


@pytest.mark.parametrize(
    "link_keys",
    [{"linkkey_hex": None}, "{not json", 42],
    ids=["key missing", "unreadable text", "not a dict"],
)
async def test_community_entry_without_a_usable_link_relinks_the_same_identity(
    hass: HomeAssistant, panel: EmulatorPanel, link_keys: Any
) -> None:
    data = community_data(panel)
    data["link_keys_json"] = data["link_keys_json"] | link_keys if isinstance(link_keys, dict) else link_keys
    entry = community_entry(hass, data)
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], GOOD)
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert list(panel.links) == [SERIAL]  # the same slot, linked again
    assert entry.data[CONF_LINKHMAC] == panel.links[SERIAL].linkhmac_hex


async def test_community_panel_that_cannot_be_asked(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    entry = community_entry(hass, community_data(panel, with_panel=False))
    with patch("custom_components.elke27.migration.async_probe", AsyncMock(side_effect=OSError("no network"))):
        await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    (issue,) = ir.async_get(hass).issues.values()
    assert issue.translation_key == "community_identity_unknown"


async def test_community_panel_found_to_be_set_up_already_when_it_answers(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    entry = community_entry(hass, community_data(panel, with_panel=False), title="Old house entry")
    with discovery_port(panel.port + 1 if panel.port < 65535 else panel.port - 1):
        await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    linked_entry.add_to_hass(hass)  # meanwhile the panel was added again with this integration
    assert not await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "duplicate_panel"  # a setup error that says why
    (issue,) = ir.async_get(hass).issues.values()  # the identity is known now: only this one is left
    assert issue.translation_key == "community_duplicate"
    assert issue.translation_placeholders == {"name": "Old house entry", "other": PANEL_NAME}


async def test_community_entry_of_a_panel_set_up_again_here(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    linked_entry.add_to_hass(hass)
    entry = community_entry(hass, community_data(panel), title="Old house entry")
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    (issue,) = ir.async_get(hass).issues.values()
    assert issue.translation_key == "community_duplicate"
    assert issue.translation_placeholders == {"name": "Old house entry", "other": PANEL_NAME}
    assert "link_keys_json" not in entry.data  # nothing secret beyond the link is left behind

    assert await hass.config_entries.async_remove(entry.entry_id)
    assert not ir.async_get(hass).issues


async def test_community_entry_without_an_address_cannot_be_taken_over(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    data = community_data(panel)
    del data[CONF_HOST]
    entry = community_entry(hass, data)
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    (issue,) = ir.async_get(hass).issues.values()
    assert issue.translation_key == "community_unusable"


async def test_an_ignored_discovery_of_the_panel_does_not_block_the_take_over(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    ignored = MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=PANEL_MAC, version=1, minor_version=2)
    ignored.add_to_hass(hass)
    entry = community_entry(hass, community_data(panel))
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert [e.entry_id for e in hass.config_entries.async_entries(DOMAIN)] == [entry.entry_id]


async def test_an_entity_already_known_under_the_new_id_stays(hass: HomeAssistant, panel: EmulatorPanel) -> None:
    entry = community_entry(hass, community_data(panel))
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "light", DOMAIN, f"{PANEL_MAC}_light_1", config_entry=entry, suggested_object_id="porch_light_new"
    )
    await _set_up(hass, entry)
    assert registry.async_get_entity_id("light", DOMAIN, f"{PANEL_MAC}_light_1") == "light.porch_light_new"
    assert registry.async_get("light.porch") is None  # left behind, then removed as stale


async def test_our_own_entries_of_version_1_1_keep_their_data(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    old = MockConfigEntry(
        domain=DOMAIN,
        title=linked_entry.title,
        unique_id=linked_entry.unique_id,
        version=1,
        minor_version=1,
        data=dict(linked_entry.data),
    )
    old.add_to_hass(hass)
    await _set_up(hass, old)
    assert old.state is ConfigEntryState.LOADED
    assert old.minor_version == 3
    assert dict(old.data) == dict(linked_entry.data)


async def test_entries_of_version_1_2_drop_the_panel_name_nothing_read(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry
) -> None:
    """1.2 kept a copy of the panel's name that nothing read; 1.3 drops it and keeps everything else."""
    old = MockConfigEntry(
        domain=DOMAIN,
        title=linked_entry.title,
        unique_id=linked_entry.unique_id,
        version=1,
        minor_version=2,
        data={**linked_entry.data, "panel_name": "Name the panel had at setup"},
    )
    old.add_to_hass(hass)
    await _set_up(hass, old)
    assert old.state is ConfigEntryState.LOADED
    assert old.minor_version == 3
    assert dict(old.data) == dict(linked_entry.data)
    assert old.title == linked_entry.title


@pytest.mark.parametrize("minor", [4])
async def test_a_newer_minor_version_stays_readable(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, minor: int
) -> None:
    newer = MockConfigEntry(
        domain=DOMAIN, unique_id=linked_entry.unique_id, data=dict(linked_entry.data), version=1, minor_version=minor
    )
    newer.add_to_hass(hass)
    await _set_up(hass, newer)
    assert newer.state is ConfigEntryState.LOADED
    assert newer.minor_version == minor


async def test_community_panel_found_by_the_background_scan_is_taken_over_at_once(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    entry = community_entry(hass, community_data(panel, with_panel=False))
    with discovery_port(panel.port + 1 if panel.port < 65535 else panel.port - 1):
        await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    async_trigger_discovery(hass, [await async_probe("127.0.0.1", port=panel.discovery_port)])
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == PANEL_MAC
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # no "Discovered" card for it
