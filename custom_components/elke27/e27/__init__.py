"""E27 protocol backend: an asyncio client for the Elk E27 alarm panel.

It never imports Home Assistant and uses relative imports only, so it can be
loaded and tested on its own.
"""

from __future__ import annotations

from .actions import action_asked_at
from .bootstrap import BootstrapStats
from .client import E27Client
from .discovery import DiscoveredPanel, async_discover, async_probe
from .errors import (
    E27CommandError,
    E27ConnectionError,
    E27Error,
    E27LinkError,
    E27LinkKeyDoubtError,
    E27LinkTableFullError,
    E27NotSentError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27SessionRefusedError,
    E27TimeoutError,
)
from .eventlog import LogAction, LogArming, LogEntry, parse_arming
from .linking import LinkCredentials
from .messages import ClientIdentity, Message
from .model import (
    AlarmType,
    Area,
    AreaState,
    ArmState,
    Barrier,
    BarrierState,
    BypassResult,
    ConnectionEvent,
    FanMode,
    Light,
    Lock,
    Output,
    Panel,
    PanelEvent,
    ReadyStatus,
    Thermostat,
    ThermostatMode,
    VersionInfo,
    Zone,
    ZoneKind,
)
from .provisioning import async_provision
from .reconnect import ClientTiming, LinkTrouble
from .session import Session, SessionState

__all__ = [
    "AlarmType",
    "Area",
    "AreaState",
    "ArmState",
    "Barrier",
    "BarrierState",
    "BootstrapStats",
    "BypassResult",
    "ClientIdentity",
    "ClientTiming",
    "ConnectionEvent",
    "DiscoveredPanel",
    "E27Client",
    "E27CommandError",
    "E27ConnectionError",
    "E27Error",
    "E27LinkError",
    "E27LinkKeyDoubtError",
    "E27LinkTableFullError",
    "E27NotSentError",
    "E27ProtocolError",
    "E27ProvisioningRequired",
    "E27SessionRefusedError",
    "E27TimeoutError",
    "FanMode",
    "Light",
    "LinkCredentials",
    "LinkTrouble",
    "Lock",
    "LogAction",
    "LogArming",
    "LogEntry",
    "Message",
    "Output",
    "Panel",
    "PanelEvent",
    "ReadyStatus",
    "Session",
    "SessionState",
    "Thermostat",
    "ThermostatMode",
    "VersionInfo",
    "Zone",
    "ZoneKind",
    "action_asked_at",
    "async_discover",
    "async_probe",
    "async_provision",
    "parse_arming",
]
