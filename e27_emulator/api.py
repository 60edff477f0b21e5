"""The panel's JSON API: a RequestHandler that answers E27 requests from a PanelState.

Replies always carry `error_code`; refusals are payload-level (`{"zone":{"set_status":
{"zone_id":17,"error_code":11008,…}}}`), domain-level for the flat commands, and root-level
11001 for commands the emulator does not know. Authentication (root `authenticate` and
`control.authenticate`) gives the session a user and a sliding privilege window.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Final

from custom_components.elke27.e27.const import ErrorCode

from .commands import COMMANDS, DISARMED, Context
from .encode import CSM_KEYS, JsonObject
from .handler import PanelSession, reply, request_route, root_error
from .model import ERROR_MESSAGES, Refused, User
from .state import PanelState

_LOGGER = logging.getLogger(__name__)

UNRECOGNIZED: Final = ERROR_MESSAGES[ErrorCode.UNRECOGNIZED_CMD]


def _random_session_id() -> int:
    return secrets.randbits(32) or 1


class PanelApi:
    """Answers online requests (everything but keepalive) from a PanelState."""

    def __init__(self, state: PanelState, *, new_session_id: Callable[[], int] | None = None) -> None:
        self.state = state
        self.new_session_id = new_session_id or _random_session_id
        self.ignored: set[str] = set()
        """Routes ("domain.command") that get no reply at all (a fault knob)."""
        self._privilege: dict[PanelSession, tuple[int, float]] = {}

    def __call__(self, session: PanelSession, request: JsonObject, /) -> list[JsonObject] | None:
        """The reply to one request (or None for an ignored route)."""
        domain, command = request_route(request)
        if domain is None or command is None:
            return [root_error(request, ErrorCode.UNRECOGNIZED_CMD, UNRECOGNIZED)]
        if f"{domain}.{command}" in self.ignored:
            return None
        raw = request[domain][command]
        params: JsonObject = raw if isinstance(raw, dict) else {}
        if domain == "authenticate" or (domain, command) == ("control", "authenticate"):
            if domain == "authenticate":
                return [self.authenticate(session, request)]
            body = self._authenticate(session, params, request.get("seq", 0))
            return [reply(session, request, {"control": {"authenticate": body}})]
        entry = COMMANDS.get((domain, command))
        if entry is None:
            return [root_error(request, ErrorCode.UNRECOGNIZED_CMD, UNRECOGNIZED)]
        name = entry.reply_as or command
        if (domain, command) == ("system", "get_trouble") and self.state.options.trouble_reply_plural:
            name = "get_troubles"
        try:
            self._refuse_if_busy(command)
            user = self._check_level(session, entry.level)
            payload = entry.run(Context(self.state, session, user), params)
        except Refused as err:
            error: JsonObject = {"error_code": err.code, "error_message": err.message}
            if entry.flat:
                return [reply(session, request, {domain: error})]
            echo = {key: value for key, value in params.items() if key.endswith("_id") and isinstance(value, int)}
            return [reply(session, request, {domain: {name: {**echo, **error}}})]
        if entry.flat:
            return [reply(session, request, {domain: {**payload, "error_code": 0}})]
        return [reply(session, request, {domain: {name: {**payload, "error_code": 0}}})]

    def _refuse_if_busy(self, command: str) -> None:
        """Fault knob options.busy_reads: a status read refused with 11015, as by a panel still starting."""
        if self.state.options.busy_reads > 0 and command.startswith(("get_status", "get_all_")):
            self.state.options.busy_reads -= 1
            raise Refused(ErrorCode.NOT_READY, "busy")

    # Privilege -----------------------------------------------------------------------

    def privileged_user(self, session: PanelSession) -> User | None:
        """The user whose privilege this session holds now (None if never, expired or removed)."""
        held = self._privilege.get(session)
        if held is None:
            return None
        user_id, until = held
        if self.state.now() >= until:
            return None
        return self.state.users.get(user_id)

    def _check_level(self, session: PanelSession, level: int) -> User | None:
        base = (level - 1) % DISARMED + 1
        user = self.privileged_user(session)
        if base > 1:
            if user is None or user.level < base:
                raise Refused(ErrorCode.NOAUTH)
            self._grant(session, user)  # sliding: each privileged command restarts the window
        if level > DISARMED and any(area.armed for area in self.state.areas.values()):
            raise Refused(ErrorCode.NOT_ALLOWED_WHEN_ARMED, "all areas must be disarmed")
        return user

    def _grant(self, session: PanelSession, user: User) -> None:
        self._privilege[session] = (user.id, self.state.now() + self.state.options.privilege_seconds)

    def forget(self, session: PanelSession) -> None:
        """Drop a closed session's privilege."""
        self._privilege.pop(session, None)

    # Authenticate ----------------------------------------------------------------------

    def authenticate(self, session: PanelSession, request: JsonObject) -> JsonObject:
        """The reply to root-level `authenticate` (seq and session_id nested, docs/api.md §3.3)."""
        body = request.get("authenticate")
        params: JsonObject = body if isinstance(body, dict) else {}
        seq = request["seq"] if "seq" in request else params.get("seq", 0)
        return {"authenticate": self._authenticate(session, params, seq)}

    def _authenticate(self, session: PanelSession, params: JsonObject, seq: object) -> JsonObject:
        try:
            user = self.state.user_for_pin(params.get("pin"))
        except Refused as err:
            # Wrong-PIN code is [UNK]: 11037 INVALID_PIN; a non-integer PIN gets 11008.
            code = err.code if err.code == ErrorCode.NOAUTH else int(ErrorCode.INVALID_PIN)
            message = ERROR_MESSAGES.get(code, "invalid pin")
            return {"seq": seq, "session_id": session.session_id, "error_code": code, "error_message": message}
        session.session_id = self.new_session_id()
        session.user_id = user.id
        session.group_id = user.group
        self._grant(session, user)
        _LOGGER.debug("session %s authenticated as user %s", session.session_id, user.id)
        csms = {key: self.state.csm(domain) for key, domain in CSM_KEYS}
        return {
            "seq": seq,
            "session_id": session.session_id,
            "installer": user.installer,
            "user_id": user.id,
            "group_id": user.group,
            **csms,
            "error_code": 0,
        }
