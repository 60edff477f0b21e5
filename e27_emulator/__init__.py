"""An emulated Elk E27 panel speaking the E27 protocol on TCP and UDP, for tests and the demo."""

from __future__ import annotations

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
from .server import DuplicateSnPolicy, EmulatorPanel, PanelConfig

__all__ = [
    "DEFAULT_GARBAGE",
    "DuplicateSnPolicy",
    "EmulatorPanel",
    "Faults",
    "JsonObject",
    "Link",
    "PanelConfig",
    "PanelSession",
    "Phase",
    "RequestHandler",
    "authenticate_reply",
    "corrupt_frame",
    "keepalive_reply",
    "new_link",
    "reply",
    "request_route",
    "request_seq",
    "root_error",
    "unrecognized_command",
]
