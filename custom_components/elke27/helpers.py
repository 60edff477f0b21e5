"""Turning backend failures of user actions into translated Home Assistant errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, cast

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .e27 import E27CommandError, E27ConnectionError, E27ProtocolError, E27TimeoutError
from .e27.const import ErrorCode

# Panel error codes with a message of their own; anything else is "command_refused".
_COMMAND_ERRORS: dict[int, str] = {
    ErrorCode.INVALID_PARAM: "wrong_code",
    ErrorCode.INVALID_PIN: "wrong_code",
    ErrorCode.NOAUTH: "not_authorized",
    ErrorCode.NOT_READY: "not_ready",
    ErrorCode.NOT_BYPASSABLE: "not_bypassable",
    ErrorCode.IN_ALARM: "in_alarm",
    ErrorCode.NOT_ALLOWED_WHEN_ARMED: "not_allowed_when_armed",
}


def translated_error(err: Exception) -> HomeAssistantError:
    """The user-facing error for a failed panel action."""
    if isinstance(err, E27CommandError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=_COMMAND_ERRORS.get(err.code, "command_refused"),
            translation_placeholders={"reason": err.reason, "code": str(err.code)},
        )
    if isinstance(err, E27TimeoutError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="no_reply")
    if isinstance(err, E27ConnectionError | E27ProtocolError):  # the session ended; the client reconnects
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="not_connected")
    if isinstance(err, ValueError):
        return ServiceValidationError(translation_domain=DOMAIN, translation_key="invalid_code")
    raise err


def panel_action[F: Callable[..., Awaitable[Any]]](func: F) -> F:
    """Decorate an entity action so panel refusals surface as translated errors."""

    @wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await func(*args, **kwargs)
        except (E27CommandError, E27ConnectionError, E27ProtocolError, ValueError) as err:
            raise translated_error(err) from err

    return cast(F, wrapper)
