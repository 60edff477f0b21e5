"""An emulated Elk E27 panel speaking the E27 protocol on TCP and UDP, for tests and the demo."""

from __future__ import annotations

from .api import PanelApi
from .clock import LoopClock, ManualClock, PanelClock
from .connection import Phase
from .faults import DEFAULT_GARBAGE, Faults, corrupt_frame
from .handler import (
    JsonObject,
    PanelSession,
    RequestHandler,
    authenticate_reply,
    keepalive_reply,
    reply,
    request_route,
    request_seq,
    root_error,
    unrecognized_command,
)
from .links import Link, new_link
from .model import ALARM_TYPES, DEFINITIONS, ZONE_TYPES, ArmState, PanelOptions, PanelSpec, Refused
from .panelfile import PanelFileError, load_panel
from .server import DuplicateSnPolicy, EmulatorPanel, PanelConfig
from .state import PanelState

__all__ = [
    "ALARM_TYPES",
    "DEFAULT_GARBAGE",
    "DEFINITIONS",
    "ZONE_TYPES",
    "ArmState",
    "DuplicateSnPolicy",
    "EmulatorPanel",
    "Faults",
    "JsonObject",
    "Link",
    "LoopClock",
    "ManualClock",
    "PanelApi",
    "PanelClock",
    "PanelConfig",
    "PanelFileError",
    "PanelOptions",
    "PanelSession",
    "PanelSpec",
    "PanelState",
    "Phase",
    "Refused",
    "RequestHandler",
    "authenticate_reply",
    "corrupt_frame",
    "keepalive_reply",
    "load_panel",
    "new_link",
    "reply",
    "request_route",
    "request_seq",
    "root_error",
    "unrecognized_command",
]
