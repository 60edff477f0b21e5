"""Request dispatch: the session context handed to handlers, reply helpers and the default handler.

The protocol layer answers `system.r_u_alive` and root-level `authenticate` itself;
every other online request goes to a pluggable RequestHandler (the panel model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from custom_components.elke27.e27.const import ErrorCode

type JsonObject = dict[str, Any]

UNRECOGNIZED_MESSAGE = "unrecognized command"
DEFAULT_GROUP_ID = 1


@dataclass(eq=False, slots=True)
class PanelSession:
    """One online session (a successful hello on one TCP connection), as handlers see it."""

    sn: str
    identity: JsonObject
    session_id: int
    session_key: bytes = field(repr=False)
    hmac_key: bytes = field(repr=False)
    peer: str = ""
    user_id: int | None = None
    group_id: int | None = None
    ready: bool = False
    """True once the client's first frame arrived; pushes wait for it (docs/protocol.md §7.5)."""
    received: list[JsonObject] = field(default_factory=list, repr=False)
    """Decoded requests received in this session, secrets intact (for tests)."""

    @property
    def authenticated(self) -> bool:
        """True after a successful authenticate in this session."""
        return self.user_id is not None


class RequestHandler(Protocol):
    """Answers an online request; returns complete reply messages (each sent as one frame) or None."""

    def __call__(self, session: PanelSession, request: JsonObject, /) -> Iterable[JsonObject] | None:
        """Replies for request, in order; None or an empty iterable sends nothing."""
        ...


def request_seq(request: JsonObject) -> int:
    """The request's root `seq` (0 if absent or not an integer)."""
    seq = request.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def request_route(request: JsonObject) -> tuple[str | None, str | None]:
    """(domain, command) of a request: its first non-envelope key and that object's first key."""
    domain = next((key for key in request if key not in ("seq", "session_id")), None)
    if domain is None:
        return None, None
    inner = request[domain]
    command = next(iter(inner), None) if isinstance(inner, dict) else None
    return domain, command


def reply(session: PanelSession, request: JsonObject, body: JsonObject) -> JsonObject:
    """A reply echoing the request's seq: {"seq", "session_id", **body}."""
    return {"seq": request_seq(request), "session_id": session.session_id, **body}


def root_error(request: JsonObject, code: int, message: str) -> JsonObject:
    """A root-level error reply: {"seq", "error_code", "error_message"} (docs/protocol.md §8.3)."""
    return {"seq": request_seq(request), "error_code": int(code), "error_message": message}


def unrecognized_command(session: PanelSession, request: JsonObject, /) -> list[JsonObject]:
    """The default handler: every request is an unrecognized command (11001)."""
    return [root_error(request, ErrorCode.UNRECOGNIZED_CMD, UNRECOGNIZED_MESSAGE)]


def keepalive_reply(session: PanelSession, request: JsonObject) -> JsonObject:
    """Answer to `system.r_u_alive`."""
    return reply(session, request, {"system": {"r_u_alive": {"error_code": 0}}})


def authenticate_reply(
    session: PanelSession, request: JsonObject, pins: Mapping[int, int], new_session_id: Callable[[], int]
) -> JsonObject:
    """Answer root-level `authenticate`; on success the session gets a new id and a user (docs/protocol.md §8.5).

    The reply nests `seq` and `session_id` inside `authenticate`. A PIN that is
    not a JSON integer gets 11008, an unknown PIN 11037; both keep the session id.
    """
    body = request.get("authenticate")
    inner: JsonObject = body if isinstance(body, dict) else {}
    seq = request["seq"] if "seq" in request else inner.get("seq", 0)
    pin = inner.get("pin")
    if not isinstance(pin, int) or isinstance(pin, bool):
        code, message = ErrorCode.NOAUTH, "no authorization"
    elif pin not in pins:
        code, message = ErrorCode.INVALID_PIN, "invalid pin"
    else:
        session.session_id = new_session_id()
        session.user_id = pins[pin]
        session.group_id = DEFAULT_GROUP_ID
        return {
            "authenticate": {
                "seq": seq,
                "session_id": session.session_id,
                "error_code": 0,
                "user_id": session.user_id,
                "group_id": session.group_id,
            }
        }
    return {
        "authenticate": {
            "seq": seq,
            "session_id": session.session_id,
            "error_code": int(code),
            "error_message": message,
        }
    }
