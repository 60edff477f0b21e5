"""Command bodies and local validation (docs/api.md §4.5–§4.9, §8): pure, checked before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from .errors import E27InvalidPinError
from .model import ArmState, FanMode, ThermostatMode

type Body = dict[str, dict[str, dict[str, Any]]]
type Reread = tuple[tuple[str, str, Mapping[str, Any]], ...]
type BarrierAction = Literal["open", "close", "stop"]

PIN_MIN: Final = 1
PIN_MAX: Final = 999_999
PIN_DIGITS: Final = 6
LIGHT_LEVEL_MAX: Final = 99
# Whole °F; the usable setpoint range of the panel's thermostats (docs/api.md §5.7).
SETPOINT_MIN: Final = 40
SETPOINT_MAX: Final = 99
BARRIER_ACTIONS: Final = ("open", "close", "stop")
ARM_MODES: Final = (ArmState.ARMED_AWAY, ArmState.ARMED_STAY)


def status_read(domain: str, item_id: int) -> Reread:
    """The get_status request that re-reads one object after a write."""
    id_key = "tstat_id" if domain == "tstat" else f"{domain}_id"
    return ((domain, "get_status", {id_key: item_id}),)


def validate_pin(pin: int | str) -> int:
    """The PIN as the JSON integer the panel needs (docs/api.md §3.2); E27InvalidPinError never quotes it."""
    if isinstance(pin, str):
        text = pin.strip()
        if not text.isascii() or not text.isdigit() or len(text) > PIN_DIGITS:
            raise E27InvalidPinError(f"a PIN must be 1 to {PIN_DIGITS} digits")
        value = int(text)
    elif isinstance(pin, int) and not isinstance(pin, bool):
        value = pin
    else:
        raise E27InvalidPinError(f"a PIN must be 1 to {PIN_DIGITS} digits")
    if not PIN_MIN <= value <= PIN_MAX:
        raise E27InvalidPinError(f"a PIN must be a number from {PIN_MIN} to {PIN_MAX} (not all zeros)")
    return value


def _check_id(kind: str, item_id: int) -> int:
    if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id < 1:
        raise ValueError(f"{kind} id must be a positive integer")
    return item_id


def arm_body(area_id: int, mode: ArmState, pin: int, *, exit_delay_cancel: bool, auto_stay_cancel: bool) -> Body:
    """area.set_arm_state for Away or Stay."""
    if mode not in ARM_MODES:
        raise ValueError(f"arm mode must be ARMED_AWAY or ARMED_STAY, not {mode}")
    return {
        "area": {
            "set_arm_state": {
                "area_id": _check_id("area", area_id),
                "arm_state": str(mode),
                "pin": pin,
                "auto_stay_cancel": bool(auto_stay_cancel),
                "exit_delay_cancel": bool(exit_delay_cancel),
            }
        }
    }


def disarm_body(area_id: int, pin: int) -> Body:
    """area.set_arm_state DISARMED."""
    return {"area": {"set_arm_state": {"area_id": _check_id("area", area_id), "arm_state": "DISARMED", "pin": pin}}}


def bypass_body(zone_id: int, pin: int, bypass: bool) -> Body:
    """zone.set_status with BYPASSED (upper case, docs/api.md §8.4)."""
    return {"zone": {"set_status": {"zone_id": _check_id("zone", zone_id), "pin": pin, "BYPASSED": bool(bypass)}}}


def chime_body(area_id: int, on: bool) -> Body:
    """area.set_status with Chime (capital C)."""
    return {"area": {"set_status": {"area_id": _check_id("area", area_id), "Chime": bool(on)}}}


def output_body(output_id: int, on: bool) -> Body:
    """output.set_status ON/OFF."""
    return {"output": {"set_status": {"output_id": _check_id("output", output_id), "status": "ON" if on else "OFF"}}}


def light_body(light_id: int, on: bool, level: int | None) -> Body:
    """light.set_status: on at level 1–99 (without a level the panel picks, e.g. the last one) or off."""
    light = _check_id("light", light_id)
    if not on:
        return {"light": {"set_status": {"light_id": light, "status": "OFF", "level": 0}}}
    if level is None:
        return {"light": {"set_status": {"light_id": light, "status": "ON"}}}
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= LIGHT_LEVEL_MAX:
        raise ValueError(f"light level must be 1 to {LIGHT_LEVEL_MAX} to turn a light on")
    return {"light": {"set_status": {"light_id": light, "status": "ON", "level": level}}}


def lock_body(lock_id: int, locked: bool) -> Body:
    """lock.set_status: ON locks, OFF unlocks (docs/api.md §4.7)."""
    return {"lock": {"set_status": {"lock_id": _check_id("lock", lock_id), "status": "ON" if locked else "OFF"}}}


def barrier_body(barrier_id: int, action: BarrierAction) -> Body:
    """barrier.set_status with a lowercase action (docs/api.md §4.8)."""
    if action not in BARRIER_ACTIONS:
        raise ValueError(f"barrier action must be one of {', '.join(BARRIER_ACTIONS)}")
    return {"barrier": {"set_status": {"barrier_id": _check_id("barrier", barrier_id), "status": action}}}


def _setpoint(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be whole degrees Fahrenheit")  # noqa: TRY004 - one error type for callers
    if not SETPOINT_MIN <= value <= SETPOINT_MAX:
        raise ValueError(f"{name} must be {SETPOINT_MIN} to {SETPOINT_MAX} °F")
    return value


def thermostat_body(
    tstat_id: int,
    *,
    mode: ThermostatMode | None,
    fan_mode: FanMode | None,
    heat_setpoint: int | None,
    cool_setpoint: int | None,
) -> Body:
    """tstat.set_status with the given fields, range-checked (whole °F, 40–99, heat ≤ cool)."""
    fields: dict[str, Any] = {"tstat_id": _check_id("thermostat", tstat_id)}
    if mode is not None:
        if ThermostatMode.parse(mode) is ThermostatMode.UNKNOWN:
            raise ValueError("thermostat mode must be OFF, HEAT, COOL or AUTO")
        fields["mode"] = str(ThermostatMode.parse(mode))
    if fan_mode is not None:
        if FanMode.parse(fan_mode) is FanMode.UNKNOWN:
            raise ValueError("fan mode must be AUTO or ON")
        fields["fan_mode"] = str(FanMode.parse(fan_mode))
    heat, cool = _setpoint("heat_setpoint", heat_setpoint), _setpoint("cool_setpoint", cool_setpoint)
    if heat is not None and cool is not None and heat > cool:
        raise ValueError("heat_setpoint must not be above cool_setpoint")
    if heat is not None:
        fields["heat_setpoint"] = heat
    if cool is not None:
        fields["cool_setpoint"] = cool
    if len(fields) == 1:
        raise ValueError("nothing to set: give a mode, fan mode or setpoint")
    return {"tstat": {"set_status": fields}}
