"""What a config entry stores, and turning it back into backend objects."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from .const import CLIENT_FWVER, CLIENT_HWVER, CLIENT_MN, CLIENT_OSVER, CONF_CLIENT, CONF_LINKHMAC, CONF_LINKKEY
from .e27 import ClientIdentity, LinkCredentials


def new_client_data() -> dict[str, str]:
    """A fresh client identity for one config entry; the panel keeps one link per `sn`."""
    return {
        "mn": CLIENT_MN,
        "sn": secrets.token_hex(6),
        "fwver": CLIENT_FWVER,
        "hwver": CLIENT_HWVER,
        "osver": CLIENT_OSVER,
    }


def client_identity(data: Mapping[str, Any]) -> ClientIdentity:
    """The identity stored in an entry's data."""
    client = data[CONF_CLIENT]
    return ClientIdentity(
        mn=client["mn"], sn=client["sn"], fwver=client["fwver"], hwver=client["hwver"], osver=client["osver"]
    )


def link_credentials(data: Mapping[str, Any]) -> LinkCredentials | None:
    """The stored link credentials, or None if the entry has none."""
    if not data.get(CONF_LINKKEY) or not data.get(CONF_LINKHMAC):
        return None
    return LinkCredentials(data[CONF_LINKKEY], data[CONF_LINKHMAC])


def entity_unique_id(mac: str, key: str, element_id: int) -> str:
    """The unique id of the entity of one kind (its description key) for one element of the panel."""
    return f"{mac}_{key}_{element_id}"
