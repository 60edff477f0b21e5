"""E27 protocol backend: an asyncio client for the Elk E27 alarm panel.

It never imports Home Assistant and uses relative imports only, so it can be
loaded and tested on its own.
"""

from __future__ import annotations

from .discovery import DiscoveredPanel, async_discover, async_probe
from .errors import (
    E27CommandError,
    E27ConnectionError,
    E27Error,
    E27LinkError,
    E27LinkTableFullError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27TimeoutError,
)
from .linking import LinkCredentials
from .messages import ClientIdentity, Message
from .provisioning import async_provision
from .session import Session, SessionState

__all__ = [
    "ClientIdentity",
    "DiscoveredPanel",
    "E27CommandError",
    "E27ConnectionError",
    "E27Error",
    "E27LinkError",
    "E27LinkTableFullError",
    "E27ProtocolError",
    "E27ProvisioningRequired",
    "E27TimeoutError",
    "LinkCredentials",
    "Message",
    "Session",
    "SessionState",
    "async_discover",
    "async_probe",
    "async_provision",
]
