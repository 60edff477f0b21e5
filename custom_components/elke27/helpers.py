"""Turning backend failures of user actions into translated Home Assistant errors.

A refusal caused by what the user asked (wrong code, no rights, area not ready, …) is a
ServiceValidationError: Home Assistant shows the message and logs no traceback. A problem
with the panel or the connection stays a HomeAssistantError.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, cast

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .e27 import (
    E27CommandError,
    E27ConnectionError,
    E27Error,
    E27NotSentError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27TimeoutError,
    Panel,
)
from .e27.const import ErrorCode
from .e27.errors import E27InvalidPinError
from .texts import zone_label

# Panel error codes that mean the user asked for something the panel does not allow.
_USER_ERRORS: dict[int, str] = {
    ErrorCode.INVALID_PIN: "wrong_code",
    ErrorCode.NOAUTH: "not_authorized",
    ErrorCode.NOT_READY: "not_ready",
    ErrorCode.NOT_BYPASSABLE: "not_bypassable",
    ErrorCode.IN_ALARM: "in_alarm",
    ErrorCode.NOT_ALLOWED_WHEN_ARMED: "not_allowed_when_armed",
    ErrorCode.DURESS_USER_NOT_ALLOWED: "duress_not_allowed",
}
# Any other panel error code is "command_refused".
_COMMAND_ERRORS: dict[int, str] = _USER_ERRORS | {ErrorCode.INVALID_PARAM: "wrong_code"}


def translated_error(err: Exception, *, code_sent: bool = True) -> HomeAssistantError:
    """The user-facing error for a failed panel action; code_sent: the action carried a user code.

    The panel answers a wrong user code with 11004 (invalid parameter, docs/api.md §8.2), so
    11004 means "wrong code" only for an action that sent one.
    """
    if isinstance(err, E27CommandError):
        key = (_COMMAND_ERRORS if code_sent else _USER_ERRORS).get(err.code)
        placeholders = {"reason": err.reason, "code": str(err.code)}
        if key is None:
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="command_refused", translation_placeholders=placeholders
            )
        return ServiceValidationError(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        )
    if isinstance(err, E27NotSentError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="busy_not_sent")
    if isinstance(err, E27TimeoutError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="no_reply")
    if isinstance(err, E27ConnectionError | E27ProtocolError):  # the session ended; the client reconnects
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="not_connected")
    if isinstance(err, E27ProvisioningRequired):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="link_again")
    if isinstance(err, E27Error):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="panel_error")
    if isinstance(err, E27InvalidPinError):
        return ServiceValidationError(translation_domain=DOMAIN, translation_key="invalid_code")
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key="invalid_value", translation_placeholders={"error": str(err)}
    )


def not_ready_error(panel: Panel, area_id: int) -> ServiceValidationError:
    """Area not ready to arm: name the zones that are open or in trouble and not bypassed."""
    area = panel.areas.get(area_id)
    zones = [
        zone_label(panel, zone)
        for zone in panel.zones.values()
        if zone.area_id == area_id and not zone.bypassed and (zone.violated or zone.trouble or zone.tamper)
    ]
    name = area.name if area is not None else str(area_id)
    if not zones:
        return ServiceValidationError(translation_domain=DOMAIN, translation_key="not_ready")
    if len(zones) == 1:
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_ready_zone",
            translation_placeholders={"area": name, "zone": zones[0]},
        )
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_ready_zones",
        translation_placeholders={"area": name, "zones": ", ".join(zones)},
    )


def panel_action[F: Callable[..., Awaitable[Any]]](func: F) -> F:
    """Decorate an entity action so panel failures surface as translated errors (none escapes untranslated)."""
    code_sent = "code" in inspect.signature(func).parameters

    @wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await func(*args, **kwargs)
        except (E27Error, ValueError) as err:
            raise translated_error(err, code_sent=code_sent) from err

    return cast(F, wrapper)
