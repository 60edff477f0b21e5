"""Scripted message shapes real panels send that a client must read the way the panel means them.

Each shape is a short sequence of broadcasts (seq 0) for the default panel's elements. Played
in order (EmulatorPanel.play_shape, console `shape NAME`), they end in a state the client's
model must show: `expect` says which, in words. They do not change the emulator's own state,
so the next status the panel sends on its own replaces what they said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .handler import JsonObject


@dataclass(frozen=True, slots=True)
class Shape:
    """A scripted sequence of broadcasts and what a client must make of it."""

    messages: tuple[JsonObject, ...]
    expect: str


def _push(domain: str, command: str, payload: JsonObject) -> JsonObject:
    return {"seq": 0, domain: {command: {**payload, "error_code": 0}}}


SHAPES: Final[dict[str, Shape]] = {
    "bypass-by-secure-state": Shape(
        (
            _push("zone", "get_status", {"zone_id": 1, "secure_state": "NORMAL", "BYPASSED": False}),
            _push("zone", "get_status", {"zone_id": 1, "secure_state": "BYPASSED"}),
        ),
        "zone 1 bypassed: the newer key states the fact",
    ),
    "lock-by-boolean": Shape(
        (
            _push("lock", "get_status", {"lock_id": 1, "status": "ON"}),
            _push("lock", "get_status", {"lock_id": 1, "locked": False}),
        ),
        "lock 1 unlocked: the boolean came last",
    ),
    "battery-spellings": Shape(
        (
            _push("tstat", "get_status", {"tstat_id": 1, "battery level": 95}),
            _push("tstat", "get_status", {"tstat_id": 1, "battery_level": 20}),
        ),
        "thermostat 1 battery 20 %",
    ),
    "partial-troubles": Shape(
        (
            _push("control", "get_trouble", {"modtbl": ["system"]}),
            _push("control", "get_trouble", {}),
            _push("control", "get_version_info", {"SSP": "2.6.1"}),
        ),
        "trouble modules still ['system']; the version keeps every field it had",
    ),
    "bulk-digits": Shape(
        (
            _push("zone", "get_status", {"zone_id": 3, "secure_state": "VIOLATED", "contact_state": "OPEN"}),
            _push("zone", "get_status", {"zone_id": 4, "secure_state": "TAMPER", "BYPASSED": True}),
            _push("zone", "get_all_zones_status", {"status": "22E8"}),
        ),
        "zone 3 bypassed and closed (not violated); zone 4 every flag clear",
    ),
    "exit-delay-extended": Shape(
        (
            _push(
                "area",
                "get_status",
                {
                    "area_id": 2,
                    "arm_state": "DISARMED",
                    "arm_cmd_state": "ARMED_AWAY",
                    "ee_timer": 30,
                    "alarm_zone": "",
                },
            ),
            _push("area", "get_status", {"area_id": 2, "ee_timer": 10}),
            _push("area", "get_status", {"area_id": 2, "ee_timer": 60}),
        ),
        "area 2 arming away, 60 s left",
    ),
    "small-readings": Shape(
        (
            _push("area", "get_trouble", {"area_id": 2, "troubles": "AC Fail"}),
            _push("area", "get_status", {"area_id": 2, "ready_status": "ready"}),
            _push("tstat", "get_status", {"tstat_id": 1, "mode": "EMERGENCY_HEAT", "fan_mode": "CIRCULATE"}),
            _push("control", "get_version_info", {"sn": "00000001"}),
        ),
        "area 2 troubles ['AC Fail'] and ready; thermostat 1 mode shown as EMERGENCY_HEAT; no serial",
    ),
    "barrier-stopped": Shape(
        (_push("barrier", "get_status", {"barrier_id": 1, "status": "STOPPED"}),),
        "garage door 1 open (stopped part-way), not closed and not unknown",
    ),
}
