"""What a failed panel action tells the user: every backend failure has its translated error, of the right kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.elke27.e27 import (
    Area,
    ArmState,
    E27CommandError,
    E27ConnectionError,
    E27LinkError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27TimeoutError,
    Panel,
    ReadyStatus,
    Zone,
    ZoneKind,
)
from custom_components.elke27.e27.errors import E27InvalidPinError
from custom_components.elke27.helpers import not_ready_error, translated_error

STRINGS: dict[str, Any] = json.loads(
    (Path(__file__).parents[3] / "custom_components" / "elke27" / "strings.json").read_text()
)

# (error, code_sent, the user is told, is it the user's to fix)
CASES = [
    (E27CommandError(11004, "invalid parameter"), True, "wrong_code", True),
    (E27CommandError(11004, "invalid parameter"), False, "command_refused", False),
    (E27CommandError(11037, "invalid pin"), False, "wrong_code", True),
    (E27CommandError(11008, "no authorization"), True, "not_authorized", True),
    (E27CommandError(11015, "not ready"), True, "not_ready", True),
    (E27CommandError(11023, "not bypassable"), True, "not_bypassable", True),
    (E27CommandError(11027, "in alarm"), True, "in_alarm", True),
    (E27CommandError(11028, "armed"), True, "not_allowed_when_armed", True),
    (E27CommandError(11038, "duress"), True, "duress_not_allowed", True),
    (E27CommandError(11011, "no response"), True, "command_refused", False),
    (E27TimeoutError("no answer"), True, "no_reply", False),
    (E27ConnectionError("closed"), True, "not_connected", False),
    (E27ProtocolError("bad frame"), False, "not_connected", False),
    (E27ProvisioningRequired("link again"), True, "link_again", False),
    (E27LinkError("odd answer"), False, "panel_error", False),
    (E27InvalidPinError("a PIN must be 1 to 6 digits"), True, "invalid_code", True),
    (ValueError("light level must be 1 to 99 to turn a light on"), False, "invalid_value", True),
    (ValueError("heat_setpoint must not be above cool_setpoint"), True, "invalid_value", True),
]


@pytest.mark.parametrize(
    ("error", "code_sent", "key", "users_to_fix"), CASES, ids=[f"{type(c[0]).__name__}-{c[2]}" for c in CASES]
)
def test_each_failure_is_told_in_words(error: Exception, code_sent: bool, key: str, users_to_fix: bool) -> None:
    told = translated_error(error, code_sent=code_sent)
    assert told.translation_key == key
    assert key in STRINGS["exceptions"]
    # The user's own mistakes are validation errors (no traceback logged); the panel's or the link's are not.
    assert isinstance(told, ServiceValidationError) == users_to_fix
    assert isinstance(told, HomeAssistantError)
    if isinstance(error, E27CommandError) and key == "command_refused":
        assert told.translation_placeholders == {"reason": error.reason, "code": str(error.code)}


def _zone(zone_id: int, name: str, area_id: int, **state: bool) -> Zone:
    flags = {"violated": False, "bypassed": False, "trouble": False, "tamper": False} | state
    return Zone(zone_id, name, area_id, "BURG PERIM INST", ZoneKind.WINDOW, low_battery=None, rssi=None, **flags)


def _panel(*zones: Zone) -> Panel:
    areas = {
        area_id: Area(area_id, name, ArmState.DISARMED, None, None, None, None, (), ReadyStatus.RDY_NOT, 0, False, ())
        for area_id, name in ((1, "House"), (2, "Garage"))
    }
    zone_map = {zone.id: zone for zone in zones}
    return Panel("Test House", None, areas, zone_map, {}, {}, {}, {}, {}, (), ())


def test_not_ready_names_the_zones_that_keep_the_area_from_arming() -> None:
    panel = _panel(
        _zone(1, "House Front Door", 1, violated=True),
        _zone(2, "Kitchen Window", 1, trouble=True),
        _zone(3, "Back Door", 1, violated=True, bypassed=True),  # bypassed: does not stop arming
        _zone(4, "Hall Motion", 1),  # closed
        _zone(5, "Garage Side Door", 2, violated=True),  # another area
        _zone(6, "Safe", 1, tamper=True),
    )
    error = not_ready_error(panel, 1)
    assert error.translation_key == "not_ready_zones"
    assert error.translation_placeholders == {"area": "House", "zones": "Front Door, Kitchen Window, Safe"}


def test_not_ready_without_a_known_open_zone_still_says_why() -> None:
    """The panel may know of a fault the model does not show: the message then asks to close or bypass zones."""
    error = not_ready_error(_panel(_zone(4, "Hall Motion", 1)), 1)
    assert error.translation_key == "not_ready"
    assert error.translation_placeholders is None
