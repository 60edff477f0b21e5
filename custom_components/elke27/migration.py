"""Config entry migration, and adopting the entries of the community integration.

The community integration (the same domain `elke27`, entry version 1.1) links with client
identity mn "222", sn = its `integration_serial`, and keeps the link keys in `link_keys_json`.
Its entry, entity and device ids are built on that serial because its library never learns
the panel's MAC. Adopting an entry reuses its link (no second slot in the panel's link table),
keeps nothing secret but the link key and HMAC key, and moves its entities and its device to
ids built on the panel's MAC, so entity ids, user-given names and history stay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import SOURCE_IGNORE, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from . import const
from .const import (
    CLIENT_MN,
    COMMUNITY_CONF_LINK_KEYS,
    COMMUNITY_CONF_PANEL,
    COMMUNITY_CONF_SERIAL,
    CONF_CLIENT,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
)
from .e27 import async_probe
from .e27.discovery import normalize_mac
from .entry_data import entity_unique_id

# 1.2: entries of this integration (1.1 is the community integration's).
# 1.3: the panel's name is no longer kept in the data (the entry's title and the panel's own
#      answer name it; the copy was never read).
CURRENT_MINOR_VERSION: Final = 3
DROPPED_IN_1_3: Final = "panel_name"
# The community integration's entity kinds and where each lives here: (entity domain, key).
# Its "panel" sensors (panel name, connected) have no counterpart and are removed.
COMMUNITY_KINDS: Final = {
    "area": ("alarm_control_panel", "area"),
    "zone": ("binary_sensor", "zone"),
    "output": ("switch", "output"),
    "light": ("light", "light"),
    "lock": ("lock", "lock"),
    "tstat": ("climate", "thermostat"),
}
# The client versions the community integration sends with its identity; the panel keeps links
# per `sn`, and whether it also compares these is not known, so they are kept as they were.
COMMUNITY_CLIENT_VERSION: Final = "0.1"
ISSUE_IDENTITY_UNKNOWN: Final = "community_identity_unknown"
ISSUE_DUPLICATE: Final = "community_duplicate"
ISSUE_UNUSABLE: Final = "community_unusable"


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry to the current version; entries of the community integration are adopted.

    Home Assistant itself refuses entries of a newer major version, so this sees version 1 only.
    """
    if entry.minor_version >= CURRENT_MINOR_VERSION:
        return True  # a newer minor version stays readable
    community = COMMUNITY_CONF_SERIAL in entry.data and CONF_CLIENT not in entry.data
    if community and not await _async_adopt_community_entry(hass, entry):
        return False
    data = {key: value for key, value in entry.data.items() if key != DROPPED_IN_1_3}
    hass.config_entries.async_update_entry(entry, data=data, minor_version=CURRENT_MINOR_VERSION)
    return True


async def _async_adopt_community_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    data = entry.data
    serial, host, port = data.get(COMMUNITY_CONF_SERIAL), data.get(CONF_HOST), data.get(CONF_PORT, DEFAULT_PORT)
    if not (isinstance(serial, str) and serial and isinstance(host, str) and host and _is_port(port)):
        LOGGER.warning("The entry %s of the community integration lacks its address or identity", entry.title)
        _async_issue(hass, entry, ISSUE_UNUSABLE)
        return False
    panel: Mapping[str, Any] = data.get(COMMUNITY_CONF_PANEL) or {}
    panel_info: Mapping[str, Any] = entry.options.get("panel_info") or {}
    adopted: dict[str, Any] = {
        CONF_HOST: host,
        CONF_PORT: int(port),
        CONF_CLIENT: {
            "mn": CLIENT_MN,
            "sn": serial,
            "fwver": COMMUNITY_CLIENT_VERSION,
            "hwver": COMMUNITY_CLIENT_VERSION,
            "osver": COMMUNITY_CLIENT_VERSION,
        },
    }
    if link := _community_link(data.get(COMMUNITY_CONF_LINK_KEYS)):
        adopted[CONF_LINKKEY], adopted[CONF_LINKHMAC] = link
    else:  # setup asks for a new link for the same identity, which replaces the old slot
        LOGGER.warning("The entry %s of the community integration has no usable link; link it again", entry.title)
    mac = normalize_mac(_first_text(panel, panel_info, ("mac", "panel_mac")) or "") or await async_ask_mac(host)
    # Everything else (its temporary key, options, a PIN it once kept) is dropped.
    hass.config_entries.async_update_entry(entry, data=adopted, options={})
    if mac is None:
        LOGGER.warning(
            "The panel of %s did not tell its identity (UDP port 2362); asking again when setting it up", entry.title
        )
        return True
    return async_adopt_identity(hass, entry, mac)


async def async_ask_mac(host: str) -> str | None:
    """The MAC of the panel at host, asked over UDP discovery; None if it does not answer."""
    try:
        panel = await async_probe(host, const.FLOW_PROBE_TIMEOUT)
    except OSError as err:
        LOGGER.debug("Cannot ask %s for its identity: %s", host, err)
        return None
    return panel.mac if panel is not None else None


@callback
def async_adopt_identity(hass: HomeAssistant, entry: ConfigEntry, mac: str) -> bool:
    """Key an adopted entry, its entities and its device on the panel's MAC; False if another entry has it."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_IDENTITY_UNKNOWN, entry))  # the identity is known now
    for other in hass.config_entries.async_entries(DOMAIN):
        if other.entry_id == entry.entry_id or other.unique_id != mac:
            continue
        if other.source != SOURCE_IGNORE:
            LOGGER.warning("%s and %s are the same panel; %s is not taken over", other.title, entry.title, entry.title)
            _async_issue(hass, entry, ISSUE_DUPLICATE, {"other": other.title})
            return False
        hass.async_create_task(hass.config_entries.async_remove(other.entry_id))  # it was ignored as discovered
    serial = entry.data[CONF_CLIENT]["sn"]
    _async_adopt_entities(hass, entry, serial, mac)
    devices = dr.async_get(hass)
    old = devices.async_get_device_by_identifier((DOMAIN, f"{CLIENT_MN}-{serial}"), entry.entry_id)
    if old is not None and devices.async_get_device_by_identifier((DOMAIN, mac), entry.entry_id) is None:
        devices.async_update_device(old.id, new_identifiers={(DOMAIN, mac)})
    hass.config_entries.async_update_entry(entry, unique_id=mac, data={**entry.data, CONF_MAC: mac})
    LOGGER.info("Took over %s from the community integration, with its link and its entities", entry.title)
    return True


def _async_adopt_entities(hass: HomeAssistant, entry: ConfigEntry, serial: str, mac: str) -> None:
    registry = er.async_get(hass)
    prefix = f"{serial}:"
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if not entity.unique_id.startswith(prefix):
            continue
        kind, _, element = entity.unique_id.removeprefix(prefix).partition(":")
        domain, key = COMMUNITY_KINDS.get(kind, ("", ""))
        if entity.domain != domain or not (element.isascii() and element.isdigit()):
            LOGGER.debug("Removing %s: this integration has no counterpart for it", entity.entity_id)
            registry.async_remove(entity.entity_id)
            continue
        new_unique_id = entity_unique_id(mac, key, int(element))
        if registry.async_get_entity_id(domain, DOMAIN, new_unique_id) is None:
            registry.async_update_entity(entity.entity_id, new_unique_id=new_unique_id)


def _community_link(value: Any) -> tuple[str, str] | None:
    """The link key and HMAC key from its `link_keys_json` (a dict, or that dict as JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    keys = value.get("linkkey_hex"), value.get("linkhmac_hex")
    if all(isinstance(key, str) and key and all(ch in "0123456789abcdefABCDEF" for ch in key) for key in keys):
        return str(keys[0]).lower(), str(keys[1]).lower()
    return None


def _first_text(first: Any, second: Any, keys: tuple[str, ...]) -> str | None:
    for source in (first, second):
        if isinstance(source, Mapping):
            for key in keys:
                if isinstance(value := source.get(key), str) and value.strip():
                    return value.strip()
    return None


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536


def issue_id(kind: str, entry: ConfigEntry) -> str:
    """The id of a repair issue about one entry."""
    return f"{kind}_{entry.entry_id}"


@callback
def async_issue_identity_unknown(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Tell the user that the adopted panel must answer on UDP port 2362 once."""
    _async_issue(hass, entry, ISSUE_IDENTITY_UNKNOWN, {"host": entry.data[CONF_HOST]})


def _async_issue(
    hass: HomeAssistant, entry: ConfigEntry, kind: str, placeholders: dict[str, str] | None = None
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=kind,
        translation_placeholders={"name": entry.title, **(placeholders or {})},
    )


@callback
def async_remove_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the repair issues about an entry that is being deleted."""
    for kind in (ISSUE_IDENTITY_UNKNOWN, ISSUE_DUPLICATE, ISSUE_UNUSABLE):
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))
