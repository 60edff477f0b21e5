"""The panel's link table entries: one long-lived link key per client `sn` (docs/protocol.md §6)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

LINKKEY_BYTES = 16
LINKHMAC_BYTES = 20


@dataclass(frozen=True, slots=True)
class Link:
    """The keys the panel handed to one client identity in its api_link reply."""

    linkkey_hex: str = field(repr=False)
    linkhmac_hex: str = field(repr=False)


def new_link() -> Link:
    """A fresh random link key (16 bytes) and link HMAC (20 bytes), as lowercase hex."""
    return Link(secrets.token_hex(LINKKEY_BYTES), secrets.token_hex(LINKHMAC_BYTES))
