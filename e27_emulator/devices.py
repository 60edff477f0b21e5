"""Automation devices: outputs, lights, locks, barriers (garage doors) and thermostats.

Each accepted command changes the device and then broadcasts its get_status shape, even
when nothing changed (the panel reports after every set_status, docs/api.md §6).
"""

from __future__ import annotations

from typing import Any, Final

from custom_components.elke27.e27.const import ErrorCode

from . import encode
from .core import StateCore
from .model import FAN_MODES, LIGHT_MAX, SETPOINT_MAX, SETPOINT_MIN, TSTAT_MODES, Barrier, Refused

_ON_OFF: Final = ("ON", "OFF")
_TSTAT_KEYS: Final = ("mode", "fan_mode", "cool_setpoint", "heat_setpoint")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DeviceOps(StateCore):
    """Commands and reports of the panel's automation devices."""

    def _report(self, domain: str, payload: dict[str, Any]) -> None:
        item_id = payload[f"{domain}_id"]
        self._mark_sent(domain, item_id, payload)
        self._emit(domain, "get_status", payload)
        self._notify()

    def set_output(self, output_id: int, status: object) -> None:
        """output.set_status: "ON" / "OFF"."""
        output = self.outputs[output_id]
        if status not in _ON_OFF:
            raise Refused(ErrorCode.INVALID_PARAM, "status must be ON or OFF")
        output.on = status == "ON"
        self._report("output", encode.output_status(output))

    def set_light(self, light_id: int, *, status: object = None, level: object = None) -> None:
        """light.set_status: level 0–99 (100 means full, 99), or status ON (last level) / OFF."""
        light = self.lights[light_id]
        if level is not None:
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= LIGHT_MAX + 1:
                raise Refused(ErrorCode.INVALID_PARAM, "level must be 0-99")
            new_level = min(level, LIGHT_MAX)
        elif status is not None:
            if status not in _ON_OFF:
                raise Refused(ErrorCode.INVALID_PARAM, "status must be ON or OFF")
            new_level = light.last_level if status == "ON" else 0
        else:
            raise Refused(ErrorCode.MISSING, "status or level required")

        def apply() -> None:
            light.level = new_level
            if new_level:
                light.last_level = new_level
            self._report("light", encode.light_status(light))

        if self.options.light_delay > 0:
            self._later(("light", light_id), self.options.light_delay, apply)
        else:
            apply()

    def set_lock(self, lock_id: int, status: object) -> None:
        """lock.set_status: "ON" locks, "OFF" unlocks."""
        lock = self.locks[lock_id]
        if status not in _ON_OFF:
            raise Refused(ErrorCode.INVALID_PARAM, "status must be ON or OFF")
        lock.locked = status == "ON"
        self._report("lock", encode.lock_status(lock))

    def operate_barrier(self, barrier_id: int, action: object) -> None:
        """barrier.set_status: lowercase "open", "close" or "stop"; travel takes travel_time panel seconds."""
        barrier = self.barriers[barrier_id]
        if action not in ("open", "close", "stop"):
            raise Refused(ErrorCode.INVALID_PARAM, "status must be open, close or stop")
        key = ("barrier", barrier_id)
        if action == "stop":
            if barrier.status in ("OPENING", "CLOSING"):
                self._cancel(key)
                barrier.status = "STOPPED"
        else:
            target = "OPEN" if action == "open" else "CLOSED"
            if barrier.status != target:
                if barrier.travel_time <= 0:
                    barrier.status = target
                else:
                    barrier.status = "OPENING" if action == "open" else "CLOSING"
                    self._later(key, barrier.travel_time, lambda: self._barrier_arrived(barrier, target))
        self._report("barrier", encode.barrier_status(barrier))

    def _barrier_arrived(self, barrier: Barrier, target: str) -> None:
        barrier.status = target
        self._report("barrier", encode.barrier_status(barrier))

    def set_tstat(self, tstat_id: int, changes: dict[str, Any]) -> None:
        """tstat.set_status: any of mode, fan_mode, cool_setpoint, heat_setpoint (whole °F, 40–99)."""
        tstat = self.tstats[tstat_id]
        present = {key: changes[key] for key in _TSTAT_KEYS if key in changes}
        if not present:
            raise Refused(ErrorCode.MISSING, "nothing to set")
        if "mode" in present and present["mode"] not in TSTAT_MODES:
            raise Refused(ErrorCode.INVALID_PARAM, "unknown mode")
        if "fan_mode" in present and present["fan_mode"] not in FAN_MODES:
            raise Refused(ErrorCode.INVALID_PARAM, "unknown fan_mode")
        for key in ("cool_setpoint", "heat_setpoint"):
            if key in present and (not _is_int(present[key]) or not SETPOINT_MIN <= present[key] <= SETPOINT_MAX):
                raise Refused(ErrorCode.INVALID_PARAM, f"{key} must be whole degrees F, 40-99")
        for key, value in present.items():
            setattr(tstat, key, value)
        self._report("tstat", encode.tstat_status(tstat))

    def set_temperature(self, tstat_id: int, temperature: int, *, humidity: int | None = None) -> None:
        """Control surface: the room temperature (and humidity) a thermostat measures."""
        tstat = self.tstats[tstat_id]
        tstat.temperature = temperature
        if humidity is not None:
            tstat.humidity = humidity
        self._report("tstat", encode.tstat_status(tstat))
