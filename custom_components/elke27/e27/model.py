"""The panel model: frozen, slotted dataclasses and tolerant enums (docs/api.md §5).

These are the Python shapes; `wire.py` builds them from the panel's wire dicts and
`live.py` keeps them current. An unknown token from newer firmware parses to an
UNKNOWN member (or None), never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from .errors import E27CommandError, E27Error


class _TolerantEnum(StrEnum):
    """A StrEnum whose unknown values decode to UNKNOWN instead of raising."""

    @classmethod
    def parse(cls, value: Any) -> Self:
        """The member for a wire token (case-insensitive), UNKNOWN if there is none."""
        if isinstance(value, str):
            try:
                return cls(value.strip().upper())
            except ValueError:
                pass
        return cls("UNKNOWN")


class ArmState(_TolerantEnum):
    """The panel's `arm_state` (E27 has Away and Stay only: no night or vacation)."""

    DISARMED = "DISARMED"
    ARMED_AWAY = "ARMED_AWAY"
    ARMED_STAY = "ARMED_STAY"
    UNKNOWN = "UNKNOWN"


class AreaState(StrEnum):
    """What an area is doing, derived from its status fields (what a UI shows)."""

    DISARMED = "DISARMED"
    ARMING = "ARMING"
    ARMED_AWAY = "ARMED_AWAY"
    ARMED_STAY = "ARMED_STAY"
    PENDING = "PENDING"
    TRIGGERED = "TRIGGERED"
    UNKNOWN = "UNKNOWN"


class ReadyStatus(_TolerantEnum):
    """The panel's `ready_status`; values beyond the RDY_ three are [UNK] in docs/api.md §5.1.

    READY stands for a token that says ready without saying for which arming (`ready`, or a
    newer `RDY_` token); the wire reader maps those (wire.ready_status).
    """

    RDY_AWAY = "RDY_AWAY"
    RDY_STAY = "RDY_STAY"
    RDY_NOT = "RDY_NOT"
    READY = "READY"
    UNKNOWN = "UNKNOWN"


class AlarmType(StrEnum):
    """What kind of alarm an area is in; the wire vocabulary is [UNK] (docs/api.md §5.1), alarms.py reads it."""

    BURGLARY = "BURGLARY"
    FIRE = "FIRE"
    CO = "CO"
    WATER = "WATER"
    PANIC = "PANIC"
    MEDICAL = "MEDICAL"
    TAMPER = "TAMPER"
    TEMPERATURE = "TEMPERATURE"
    OTHER = "OTHER"


class ZoneKind(StrEnum):
    """What a zone's sensor is: from `zone_type` if the panel sends it, else inferred."""

    DOOR = "DOOR"
    WINDOW = "WINDOW"
    MOTION = "MOTION"
    GLASS = "GLASS"
    SMOKE = "SMOKE"
    CO = "CO"
    WATER = "WATER"
    TEMPERATURE = "TEMPERATURE"
    PANIC = "PANIC"
    MEDICAL = "MEDICAL"
    TAMPER = "TAMPER"
    OTHER = "OTHER"


class BarrierState(_TolerantEnum):
    """A garage door or gate (docs/api.md §5.6; the reported vocabulary is [UNK], so aliases are accepted)."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    OPENING = "OPENING"
    CLOSING = "CLOSING"
    STOPPED = "STOPPED"
    UNKNOWN = "UNKNOWN"


class ThermostatMode(_TolerantEnum):
    """Thermostat mode (docs/api.md §5.7; others such as emergency heat are [UNK] → UNKNOWN)."""

    OFF = "OFF"
    HEAT = "HEAT"
    COOL = "COOL"
    AUTO = "AUTO"
    UNKNOWN = "UNKNOWN"


class FanMode(_TolerantEnum):
    """Thermostat fan mode."""

    AUTO = "AUTO"
    ON = "ON"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """Panel versions as dotted strings (docs/api.md §4.1)."""

    serial: str | None
    firmware: str | None
    hardware: str | None
    bootloader: str | None
    ssp: str | None
    build: str | None


@dataclass(frozen=True, slots=True)
class Area:
    """One area (partition) and its live status."""

    id: int
    name: str
    arm_state: ArmState
    arming_to: ArmState | None
    exit_delay: int | None
    entry_delay: int | None
    alarm_zone: int | None
    alarms: tuple[str, ...]
    ready_status: ReadyStatus
    bypassed_count: int
    chime: bool | None
    """None until the panel has reported it."""
    troubles: tuple[str, ...]
    siren: bool = False
    alarm_types: tuple[AlarmType, ...] = ()
    """The kinds of the active alarms, most urgent first (empty when none is known)."""
    alarm_memory: tuple[AlarmType, ...] = ()
    """The kinds of alarm the panel holds in memory (until it clears them, at the next arming)."""

    @property
    def in_alarm(self) -> bool:
        """True while the area has an active alarm or its sounders are on."""
        return bool(self.alarms) or self.siren or bool(self.alarm_types)

    @property
    def alarm_type(self) -> AlarmType | None:
        """The most urgent active alarm's kind; OTHER for an alarm of unknown kind, None without alarm."""
        if self.alarm_types:
            return self.alarm_types[0]
        return AlarmType.OTHER if self.in_alarm else None

    @property
    def ready(self) -> bool | None:
        """True when the area can be armed (at least Stay); None until the panel has said."""
        if self.ready_status is ReadyStatus.UNKNOWN:
            return None
        return self.ready_status is not ReadyStatus.RDY_NOT

    @property
    def state(self) -> AreaState:
        """The derived state: alarm beats entry delay beats exit delay beats the arm state."""
        if self.in_alarm:
            return AreaState.TRIGGERED
        if self.entry_delay is not None:
            return AreaState.PENDING
        if self.arming_to is not None:
            return AreaState.ARMING
        return {
            ArmState.DISARMED: AreaState.DISARMED,
            ArmState.ARMED_AWAY: AreaState.ARMED_AWAY,
            ArmState.ARMED_STAY: AreaState.ARMED_STAY,
        }.get(self.arm_state, AreaState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Zone:
    """One configured zone (UNDEFINED zones are not part of the model)."""

    id: int
    name: str
    area_id: int | None
    definition: str
    kind: ZoneKind
    violated: bool
    bypassed: bool | None
    """None until the panel has reported it."""
    trouble: bool
    tamper: bool
    low_battery: bool | None
    rssi: int | None

    @property
    def wireless(self) -> bool:
        """True for zones that report radio fields."""
        return self.rssi is not None or self.low_battery is not None


@dataclass(frozen=True, slots=True)
class Output:
    """A panel output (relay)."""

    id: int
    name: str
    on: bool


@dataclass(frozen=True, slots=True)
class Light:
    """A light; level 0 is off, 1–99 is on at that brightness."""

    id: int
    name: str
    level: int

    @property
    def on(self) -> bool:
        """True when the light is lit."""
        return self.level > 0


@dataclass(frozen=True, slots=True)
class Lock:
    """A door lock; locked is None until the panel reports a known token."""

    id: int
    name: str
    locked: bool | None


@dataclass(frozen=True, slots=True)
class Barrier:
    """A garage door or gate."""

    id: int
    name: str
    state: BarrierState
    tamper: bool
    low_battery: bool | None


@dataclass(frozen=True, slots=True)
class Thermostat:
    """A thermostat; temperatures in °F."""

    id: int
    name: str
    mode: ThermostatMode
    fan_mode: FanMode
    temperature: float | None
    heat_setpoint: float | None
    cool_setpoint: float | None
    humidity: int | None
    battery_level: int | None
    reported_mode: str | None = None
    """The mode token as the panel sent it when it is none of ThermostatMode's (mode is then UNKNOWN)."""
    reported_fan_mode: str | None = None
    """The fan token as the panel sent it when it is none of FanMode's (fan_mode is then UNKNOWN)."""


@dataclass(frozen=True, slots=True)
class Panel:
    """A snapshot of the whole panel; the client replaces it whenever something changes."""

    name: str
    version: VersionInfo | None
    areas: Mapping[int, Area]
    zones: Mapping[int, Zone]
    outputs: Mapping[int, Output]
    lights: Mapping[int, Light]
    locks: Mapping[int, Lock]
    barriers: Mapping[int, Barrier]
    thermostats: Mapping[int, Thermostat]
    troubles: tuple[str, ...]
    trouble_modules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PanelEvent:
    """Something in the model changed: ("zone", 3), ("area", 1), ("panel", 0) for panel-wide fields."""

    changed: frozenset[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """The client went online (ready) or offline; error says why (E27ProvisioningRequired: reauth)."""

    connected: bool
    error: E27Error | None = None


@dataclass(frozen=True, slots=True)
class BypassResult:
    """Outcome of arm-with-bypass: the zones bypassed, those the panel refused, and whether it armed."""

    bypassed: tuple[int, ...]
    failed: Mapping[int, E27CommandError]
    armed: bool
