"""Decoding the panel's wire dicts into model objects (docs/api.md §4–§5).

Pure and tolerant: the only module that knows status key names. Numbers may arrive
as numeric strings, tokens in any case, fields missing; a malformed field is ignored
(see values.py for the contract), odd input decodes to an UNKNOWN member or None and
never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .alarms import active_alarms, alarm_memory, alarm_words
from .model import (
    Area,
    ArmState,
    Barrier,
    BarrierState,
    FanMode,
    Light,
    Lock,
    Output,
    ReadyStatus,
    Thermostat,
    ThermostatMode,
    VersionInfo,
    Zone,
    ZoneKind,
)
from .values import U32_MAX, as_bool, as_int, as_number, as_string_list, field, real_serial

type Wire = Mapping[str, Any]

# Ranges beyond which a status value is not something the panel reports.
_COUNT_MAX: Final = U32_MAX
_RSSI_LIMIT: Final = 1000
_PERCENT: Final = (0, 100)
_PREC_MAX: Final = 0xFF


def _name(attribs: Wire, kind: str, item_id: int) -> str:
    name = attribs.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else f"{kind} {item_id}"


def dotted_version(value: Any) -> str | None:
    """A byte-packed version integer as a dotted string: 1540 (0x0604) → "0.0.6.4" (docs/api.md §4.1)."""
    number = as_int(value, 0, U32_MAX)
    if number is None:
        return value if isinstance(value, str) and value else None
    return ".".join(str(number >> shift & 0xFF) for shift in (24, 16, 8, 0))


def version_from_wire(body: Wire) -> VersionInfo:
    """control.get_version_info → VersionInfo (a field the reply lacks is None)."""
    text = {key: body[key] for key in ("sn", "SSP", "BUILD_DATETIME") if isinstance(body.get(key), str)}
    return VersionInfo(
        serial=real_serial(text.get("sn")),
        firmware=dotted_version(body.get("app")),
        hardware=dotted_version(body.get("hw")),
        bootloader=dotted_version(body.get("boot")),
        ssp=text.get("SSP"),
        build=text.get("BUILD_DATETIME"),
    )


def _count(status: Wire, key: str) -> int | None:
    return field(status, key, lambda value: as_int(value, 0, _COUNT_MAX))


def _rssi(status: Wire) -> int | None:
    return field(status, "rssi", lambda value: as_int(value, -_RSSI_LIMIT, _RSSI_LIMIT))


# -- entities from (attribs, status) -----------------------------------------------------------

# The get_attribs keys the builders below read, per wire domain (every domain: the name);
# the live model keeps only these of an element's configuration.
NAME_KEYS: Final = frozenset({"name"})
CONFIG_KEYS: Final[Mapping[str, frozenset[str]]] = {"zone": NAME_KEYS | {"area_id", "definition", "zone_type"}}

# The get_status keys the builders below read, per wire domain: the live model keeps only
# these of an element's status, so a panel sending ever-new keys cannot grow the model.
STATUS_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "area": frozenset(
        {
            "arm_state",
            "arm_cmd_state",
            "ee_timer",
            "alarm_zone",
            "alarms",
            "alarm_mem",
            "alarm_event",
            "alarm_state",
            "ready_status",
            "zones_bypassed",
            "Chime",
            "troubles",
            "alrm_snd",
        }
    ),
    "zone": frozenset({"secure_state", "contact_state", "BYPASSED", "tamper", "low_batt", "rssi"}),
    "output": frozenset({"status"}),
    "light": frozenset({"level", "status", "state"}),
    "lock": frozenset({"status", "locked"}),
    "barrier": frozenset({"status", "tamper", "low_batt"}),
    "tstat": frozenset(
        {
            "mode",
            "fan_mode",
            "temperature",
            "heat_setpoint",
            "cool_setpoint",
            "humidity",
            "prec",
            "battery level",
            "battery_level",
        }
    ),
}


@dataclass(frozen=True, slots=True)
class Source:
    """A status key that can state a fact, and the keys whose older statement of that fact it overrides.

    When a message's `key` states the fact (states(value) is true), the keys in `overrides`
    that the same message does not carry are forgotten: the newest statement of a fact wins,
    whichever key carries it. A key shared with other facts (a zone's secure_state) is never
    forgotten; the builders read the dedicated key first, so it must be the one overridden.
    """

    key: str
    states: Callable[[Any], bool]
    overrides: tuple[str, ...]


def _token_has(*words: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and any(word in value.upper() for word in words)


def _is_bool(value: Any) -> bool:
    return as_bool(value) is not None


def _is_percent(value: Any) -> bool:
    return as_int(value, *_PERCENT) is not None


def _is_lock_token(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in _LOCK_TOKENS


# Tokens of secure_state that say a zone is clear (docs/api.md §5.2: the library's NORMAL/SECURE/RESTORE).
_CLEAR_TOKENS: Final = ("NORMAL", "SECURE", "RESTORE")
_TAMPER_OR_CLEAR: Final = ("TAMPER", *_CLEAR_TOKENS)


def _is_clear(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in _CLEAR_TOKENS


# Per wire domain, every key that states a fact another key states too (docs/api.md §5.2, §5.4, §5.5, §5.7).
FACTS: Final[Mapping[str, tuple[Source, ...]]] = {
    "zone": (
        Source("secure_state", _token_has("BYPASS"), ("BYPASSED",)),
        Source("secure_state", _token_has(*_TAMPER_OR_CLEAR), ("tamper",)),
        Source("secure_state", _is_clear, ("contact_state",)),
    ),
    "light": (
        Source("level", lambda value: as_int(value, 0, _COUNT_MAX) is not None, ("status", "state")),
        Source("status", _is_bool, ("state",)),
        Source("state", _is_bool, ("status",)),
    ),
    "lock": (
        Source("status", _is_lock_token, ("locked",)),
        Source("locked", _is_bool, ("status",)),
    ),
    "tstat": (
        Source("battery level", _is_percent, ("battery_level",)),
        Source("battery_level", _is_percent, ("battery level",)),
    ),
}


def supersede(merged: dict[str, Any], fields: Mapping[str, Any], sources: tuple[Source, ...]) -> None:
    """Forget, in merged, the older statements of every fact that fields state anew (see Source)."""
    for source in sources:
        if source.key in fields and source.states(fields[source.key]):
            for key in source.overrides:
                if key not in fields:
                    merged.pop(key, None)


ARMED_STATES: Final = frozenset({ArmState.ARMED_AWAY, ArmState.ARMED_STAY})
# Other words for an area's alarm (docs/api.md §5.1): the library reads `alarm_state` (idle value
# "no_alarm_active") and `alarm_event` ("FIRE" is the only known value); neither is in the
# hardware key list, so they count only when present (alarms.py reads all three).
ALARM_WORD_KEYS: Final = ("alarm_event", "alarm_state")


def _alarm_zone(status: Wire) -> int | None:
    """The zone behind an alarm or entry delay; "" (or 0) means none."""
    value = status.get("alarm_zone")
    if value == "":
        return None
    return field(status, "alarm_zone", lambda item: as_int(item, 0, _COUNT_MAX)) or None


# ready_status tokens beyond docs/api.md §5.1's three, in any case: "ready" and other RDY_ tokens say ready.
_NOT_READY_TOKENS: Final = frozenset({"RDY_NOT", "NOT_READY", "NOT READY", "NOTREADY"})


def ready_status(value: Any) -> ReadyStatus:
    """The area's ready_status: the known tokens in any case, a ready-like token READY, else UNKNOWN."""
    if not isinstance(value, str):
        return ReadyStatus.UNKNOWN
    word = value.strip().upper()
    if word in _NOT_READY_TOKENS:
        return ReadyStatus.RDY_NOT
    parsed = ReadyStatus.parse(word)
    if parsed is ReadyStatus.UNKNOWN and (word == ReadyStatus.READY or word.startswith("RDY_")):
        return ReadyStatus.READY
    return parsed


def area_from_wire(area_id: int, attribs: Wire, status: Wire) -> Area:
    """An Area from its get_attribs and merged get_status fields (docs/api.md §5.1)."""
    arm_state = ArmState.parse(status.get("arm_state"))
    command = ArmState.parse(status.get("arm_cmd_state"))
    timer = _count(status, "ee_timer") or 0
    alarm_zone = _alarm_zone(status)
    alarms = alarm_words(status)
    exit_running = arm_state is ArmState.DISARMED and command in ARMED_STATES and timer > 0 and alarm_zone is None
    entry_running = arm_state in ARMED_STATES and timer > 0 and alarm_zone is not None and not alarms
    return Area(
        id=area_id,
        name=_name(attribs, "Area", area_id),
        arm_state=arm_state,
        arming_to=command if exit_running else None,
        exit_delay=timer if exit_running else None,
        entry_delay=timer if entry_running else None,
        alarm_zone=alarm_zone,
        alarms=alarms,
        ready_status=ready_status(status.get("ready_status")),
        bypassed_count=_count(status, "zones_bypassed") or 0,
        chime=as_bool(status.get("Chime")),
        troubles=as_string_list(status.get("troubles")),
        siren=bool(as_bool(status.get("alrm_snd"))),
        alarm_types=active_alarms(status),
        alarm_memory=alarm_memory(status),
    )


# Definition-name fragments → kind, for panels that send no zone_type (docs/api.md §5.2).
_DEFINITION_KINDS: Final = (
    ("CARBON", ZoneKind.CO),
    ("CO ", ZoneKind.CO),
    ("FIRE", ZoneKind.SMOKE),
    ("SMOKE", ZoneKind.SMOKE),
    ("WATER", ZoneKind.WATER),
    ("FLOOD", ZoneKind.WATER),
    ("TEMP", ZoneKind.TEMPERATURE),
    ("FREEZE", ZoneKind.TEMPERATURE),
    ("PANIC", ZoneKind.PANIC),
    ("MEDICAL", ZoneKind.MEDICAL),
    ("TAMPER", ZoneKind.TAMPER),
)
_NAME_KINDS: Final = (
    ("GLASS", ZoneKind.GLASS),
    ("WINDOW", ZoneKind.WINDOW),
    ("DOOR", ZoneKind.DOOR),
    ("GARAGE", ZoneKind.DOOR),
    ("GATE", ZoneKind.DOOR),
    ("MOTION", ZoneKind.MOTION),
    ("PIR", ZoneKind.MOTION),
    ("SMOKE", ZoneKind.SMOKE),
    ("WATER", ZoneKind.WATER),
    ("LEAK", ZoneKind.WATER),
)
_BURGLARY_KINDS: Final = (("INTERIOR", ZoneKind.MOTION), ("EE DELAY", ZoneKind.DOOR), ("PERIM", ZoneKind.WINDOW))


def zone_kind(zone_type: Any, definition: str, name: str) -> ZoneKind:
    """The zone's kind: `zone_type` if it is a known token, else inferred from definition, then name.

    The zone-type key is [UNK] (docs/api.md §5.2): `zone_type` is the emulator's choice and a
    real panel may send none, so the definition and the name's words are the fallback.
    """
    if isinstance(zone_type, str) and zone_type.strip().upper() in ZoneKind.__members__:
        return ZoneKind(zone_type.strip().upper())
    definition = f"{definition.upper()} "
    words = set(name.upper().replace("-", " ").replace("_", " ").split())
    for fragment, kind in _DEFINITION_KINDS:
        if fragment in definition:
            return kind
    for word, kind in _NAME_KINDS:
        if word in words:
            return kind
    for fragment, kind in _BURGLARY_KINDS:
        if fragment in definition:
            return kind
    return ZoneKind.OTHER


UNDEFINED_DEFINITION: Final = "UNDEFINED"


def zone_definition(value: Any, definitions: tuple[str, ...]) -> str:
    """A definition name; an integer indexes zone.get_defs 1-based (the library's reading, docs/api.md §4.4)."""
    index = as_int(value)
    if index is None:
        # No definition key at all is not UNDEFINED: such a zone stays in the model.
        return value.strip() if isinstance(value, str) else ""
    if 1 <= index <= len(definitions):
        return definitions[index - 1]
    return UNDEFINED_DEFINITION if index == 0 else f"DEFINITION {index}"


def zone_from_wire(zone_id: int, attribs: Wire, status: Wire, definitions: tuple[str, ...] = ()) -> Zone:
    """A Zone from get_attribs and merged get_status fields; secure_state read by substring (§5.2)."""
    name = _name(attribs, "Zone", zone_id)
    definition = zone_definition(attribs.get("definition"), definitions)
    secure = status.get("secure_state")
    secure = secure.upper() if isinstance(secure, str) else ""
    contact = status.get("contact_state")
    # A tamper or trouble token can hide an open contact, so contact_state counts on its own.
    violated = any(token in secure for token in ("VIOLATED", "OPEN", "ALARM")) or (
        isinstance(contact, str) and contact.strip().upper() == "OPEN"
    )
    bypassed = as_bool(status.get("BYPASSED"))
    low_battery = as_bool(status.get("low_batt"))
    return Zone(
        id=zone_id,
        name=name,
        area_id=field(attribs, "area_id", lambda value: as_int(value, 0, _COUNT_MAX)),
        definition=definition,
        kind=zone_kind(attribs.get("zone_type"), definition, name),
        violated=violated,
        bypassed=bypassed if bypassed is not None else ("BYPASS" in secure if secure else None),
        trouble="TROUBLE" in secure,
        tamper=tamper if (tamper := as_bool(status.get("tamper"))) is not None else "TAMPER" in secure,
        low_battery=low_battery,
        rssi=_rssi(status),
    )


def output_from_wire(output_id: int, attribs: Wire, status: Wire) -> Output:
    """An Output; `status` is "ON"/"OFF" (§5.3)."""
    return Output(output_id, _name(attribs, "Output", output_id), bool(as_bool(status.get("status"))))


def light_from_wire(light_id: int, attribs: Wire, status: Wire) -> Light:
    """A Light; an explicit `status`/`state`, if ever present, wins over the level (§5.4)."""
    level = min(_count(status, "level") or 0, 99)
    explicit = as_bool(status.get("status", status.get("state")))
    if explicit is False:
        level = 0
    elif explicit and not level:
        level = 99
    return Light(light_id, _name(attribs, "Light", light_id), level)


_LOCK_TOKENS: Final = {"LOCK": True, "LOCKED": True, "ON": True, "UNLOCK": False, "UNLOCKED": False, "OFF": False}


def lock_from_wire(lock_id: int, attribs: Wire, status: Wire) -> Lock:
    """A Lock; the status token is [UNK], so all six tokens of §5.5 and a `locked` boolean are accepted."""
    token = status.get("status")
    locked = _LOCK_TOKENS.get(token.strip().upper()) if isinstance(token, str) else None
    if locked is None and "locked" in status:
        locked = as_bool(status.get("locked"))
    return Lock(lock_id, _name(attribs, "Lock", lock_id), locked)


# Every token docs/api.md §5.6 names, and the obvious variants: OPEN, CLOSE/CLOSED, STOPPED and
# transitional values such as "opening". STOPPED is a door halted part-way: open, not closed.
_BARRIER_ALIASES: Final = {
    "CLOSE": BarrierState.CLOSED,
    "OPENED": BarrierState.OPEN,
    "STOP": BarrierState.STOPPED,
    "PARTIAL": BarrierState.STOPPED,
    "PARTIALLY_OPEN": BarrierState.STOPPED,
}


def barrier_from_wire(barrier_id: int, attribs: Wire, status: Wire) -> Barrier:
    """A Barrier; `CLOSE` and `STOP` are read as CLOSED and STOPPED (§5.6)."""
    token = status.get("status")
    state = BarrierState.parse(token)
    if state is BarrierState.UNKNOWN and isinstance(token, str):
        state = _BARRIER_ALIASES.get(token.strip().upper(), BarrierState.UNKNOWN)
    return Barrier(
        barrier_id,
        _name(attribs, "Barrier", barrier_id),
        state,
        bool(as_bool(status.get("tamper"))),
        as_bool(status.get("low_batt")),
    )


# prec byte order (docs/api.md §5.7): temperature, cool setpoint, heat setpoint, humidity.
_PREC_INDEX: Final = {"temperature": 0, "cool_setpoint": 1, "heat_setpoint": 2}
# Old clients stored setpoints in tenths; the integration divides values this large by 10 (§5.7).
_TENTHS_THRESHOLD: Final = 200
# A raw reading (before its prec decimals are applied) beyond this is not a temperature.
_RAW_TEMPERATURE_LIMIT: Final = 1e6
# prec's 3-bit decimal-places field → divisor.
_DECIMAL_SCALE: Final = tuple(10.0**places for places in range(8))


def _temperature(status: Wire, key: str) -> float | None:
    value = field(status, key, lambda raw: as_number(raw, -_RAW_TEMPERATURE_LIMIT, _RAW_TEMPERATURE_LIMIT))
    if value is None:
        return None
    prec = status.get("prec")
    places = 0
    if isinstance(prec, list) and len(prec) > _PREC_INDEX[key]:
        places = (as_int(prec[_PREC_INDEX[key]], 0, _PREC_MAX) or 0) >> 5 & 0x7
    value /= _DECIMAL_SCALE[places]
    if key != "temperature" and value >= _TENTHS_THRESHOLD:
        value /= 10
    return value


def thermostat_from_wire(tstat_id: int, attribs: Wire, status: Wire) -> Thermostat:
    """A Thermostat (°F); humidity 0 means no sensor; the battery key has a space (§5.7)."""
    humidity = field(status, "humidity", lambda value: as_int(value, *_PERCENT))
    mode, fan_mode = ThermostatMode.parse(status.get("mode")), FanMode.parse(status.get("fan_mode"))
    battery_key = "battery level" if _is_percent(status.get("battery level")) else "battery_level"
    return Thermostat(
        id=tstat_id,
        name=_name(attribs, "Thermostat", tstat_id),
        mode=mode,
        fan_mode=fan_mode,
        temperature=_temperature(status, "temperature"),
        heat_setpoint=_temperature(status, "heat_setpoint"),
        cool_setpoint=_temperature(status, "cool_setpoint"),
        humidity=humidity if humidity else None,
        battery_level=field(status, battery_key, lambda value: as_int(value, *_PERCENT)),
        reported_mode=_unknown_token(mode is ThermostatMode.UNKNOWN, status.get("mode")),
        reported_fan_mode=_unknown_token(fan_mode is FanMode.UNKNOWN, status.get("fan_mode")),
    )


# A token longer than this is not a mode name; it is not kept.
_TOKEN_MAX: Final = 32


def _unknown_token(unknown: bool, value: Any) -> str | None:
    """A mode token the model has no member for, as the panel sent it (short strings only)."""
    if not unknown or not isinstance(value, str) or not (token := value.strip()) or len(token) > _TOKEN_MAX:
        return None
    return token.upper()
