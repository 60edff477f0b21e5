"""The command catalogue: one function per (domain, command) the emulator answers (docs/api.md §4).

A command function takes the request context and the parameter object and returns the reply
payload (without `error_code`) or raises Refused. Levels are docs/api.md §3.1's: 1 K, 2 U, 3 M,
4 I; +4 for the "all areas disarmed" variants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from custom_components.elke27.e27.const import ErrorCode

from . import encode
from .core import LogEntry
from .encode import DOMAINS, JsonObject
from .handler import PanelSession
from .model import ALARM_TYPES, DEFINITION_BY_NAME, DEFINITIONS, Refused, User
from .state import PanelState

K, U, M, INSTALLER = 1, 2, 3, 4
DISARMED: Final = 4
LOG_LIST_MAX: Final = 10
LOG_LIST_BUDGET: Final = 600
# Increment sizes reported by get_table_info (allocation detail, [INF]).
_INCREMENT: Final = {"area": 1, "user": 8, "usergroup": 1}


@dataclass(frozen=True, slots=True)
class Context:
    """What a command sees: the panel state, the session, the privileged user (if any)."""

    state: PanelState
    session: PanelSession
    user: User | None


type Run = Callable[[Context, JsonObject], JsonObject]


@dataclass(frozen=True, slots=True)
class Command:
    """A command's function, permission level, reply command name and reply shape."""

    run: Run
    level: int = K
    reply_as: str | None = None
    flat: bool = False
    """Payload sits directly in the domain object (e.g. network.get_ssid), errors too."""


def _int_param(params: JsonObject, key: str) -> int:
    if key not in params:
        raise Refused(ErrorCode.MISSING, f"{key} missing")
    value = params[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise Refused(ErrorCode.INVALID_PARAM, f"{key} must be an integer")
    return value


def _table(ctx: Context, domain: str) -> int:
    size = ctx.state.tables[domain]
    if size <= 0:
        raise Refused(ErrorCode.INVALID_TABLE, f"no {domain} table")
    return size


def _object(ctx: Context, domain: str, params: JsonObject) -> Any:
    _table(ctx, domain)
    item_id = _int_param(params, DOMAINS[domain][0])
    obj = ctx.state.objects(domain).get(item_id)
    if obj is None:
        raise Refused(ErrorCode.INVALID_ID)
    return obj


def _pin(params: JsonObject) -> object:
    if "pin" not in params:
        raise Refused(ErrorCode.MISSING, "pin missing")
    if params["pin"] is None:
        raise Refused(ErrorCode.NOAUTH)
    return params["pin"]


def _block(ctx: Context, params: JsonObject, count: int, first: int = 1) -> tuple[int, JsonObject]:
    """The requested block id (default first) and the block fields of its reply."""
    raw = params.get("block_id", first)
    block_id = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
    if not isinstance(block_id, int) or isinstance(block_id, bool) or not first <= block_id <= count:
        raise Refused(ErrorCode.INVALID_PARAM, f"block_id must be {first}..{count}")
    if ctx.state.options.block_fields_as_strings:
        return block_id, {"block_id": str(block_id), "block_count": str(count)}
    return block_id, {"block_id": block_id, "block_count": count}


def _blocks(total: int, size: int) -> int:
    return max(1, -(-total // size))


# Generic table commands --------------------------------------------------------------


def get_table_info(domain: str, ctx: Context, params: JsonObject) -> JsonObject:
    size = _table(ctx, domain)
    reported = ctx.state.options.table_elements
    return {
        "table_csm": ctx.state.csm(domain),
        "table_elements": size if reported is None else reported,
        "tablesize": size,
        "increment_size": _INCREMENT.get(domain, ctx.state.options.block_size),
        "element_size": 0,
    }


def get_configured(domain: str, ctx: Context, params: JsonObject) -> JsonObject:
    size = _table(ctx, domain)
    shape = ctx.state.options.configured_as
    if shape != "list":  # unpaged: one bitmask of every configured id, bit 0 = id 1 (docs/api.md §2.5)
        mask = sum(1 << (item_id - 1) for item_id in ctx.state.objects(domain))
        return {DOMAINS[domain][1]: mask if shape == "mask_int" else f"{mask:x}"}
    per_block = ctx.state.options.block_size
    block_id, fields = _block(ctx, params, _blocks(size, per_block))
    low = (block_id - 1) * per_block + 1
    ids = sorted(i for i in ctx.state.objects(domain) if low <= i < low + per_block)
    return {DOMAINS[domain][1]: ids, **fields}


def get_attribs(domain: str, ctx: Context, params: JsonObject) -> JsonObject:
    obj = _object(ctx, domain, params)
    if domain == "user":
        return encode.user_attribs(obj, mask_pin=ctx.state.options.mask_user_pins)
    return DOMAINS[domain][2](obj)


def get_status(domain: str, ctx: Context, params: JsonObject) -> JsonObject:
    obj = _object(ctx, domain, params)
    if domain == "area":
        return ctx.state.area_status(obj.id)
    status = DOMAINS[domain][3]
    assert status is not None
    return status(obj)


# Areas and zones ------------------------------------------------------------------------


def area_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    area = _object(ctx, "area", params)
    if "Chime" not in params:
        raise Refused(ErrorCode.MISSING, "Chime missing")
    ctx.state.set_chime(area.id, params["Chime"])
    return {"area_id": area.id}


def area_set_arm_state(ctx: Context, params: JsonObject) -> JsonObject:
    area = _object(ctx, "area", params)
    if "arm_state" not in params:
        raise Refused(ErrorCode.MISSING, "arm_state missing")
    ctx.state.arm(
        area.id,
        params["arm_state"],
        pin=_pin(params),
        auto_stay_cancel=params.get("auto_stay_cancel", False),
        exit_delay_cancel=params.get("exit_delay_cancel", False),
    )
    return {"area_id": area.id}


def area_set_alarm_state(ctx: Context, params: JsonObject) -> JsonObject:
    area = _object(ctx, "area", params)
    event = params.get("alarm_event")
    if event not in ALARM_TYPES:
        raise Refused(ErrorCode.INVALID_PARAM, f"alarm_event must be one of {', '.join(ALARM_TYPES)}")
    ctx.state.trip_alarm(area.id, str(event))
    return {"area_id": area.id}


def area_get_troubles(ctx: Context, params: JsonObject) -> JsonObject:
    area = _object(ctx, "area", params)
    return {"area_id": area.id, "troubles": ctx.state.area_troubles(area.id)}


def zone_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    zone = _object(ctx, "zone", params)
    pin = _pin(params)
    if "BYPASSED" not in params:
        raise Refused(ErrorCode.MISSING, "BYPASSED missing")
    ctx.state.set_bypass(zone.id, params["BYPASSED"], pin=pin)
    return {"zone_id": zone.id}


def zone_get_all_zones_status(ctx: Context, params: JsonObject) -> JsonObject:
    size = _table(ctx, "zone")
    zones = ctx.state.zones
    return {"status": "".join(encode.zone_char(zones.get(zone_id)) for zone_id in range(1, size + 1))}


def zone_get_defs(ctx: Context, params: JsonObject) -> JsonObject:
    per_block = ctx.state.options.block_size
    block_id, fields = _block(ctx, params, _blocks(len(DEFINITIONS), per_block))
    chunk = DEFINITIONS[(block_id - 1) * per_block : block_id * per_block]
    return {"definitions": [definition.name for definition in chunk], **fields}


def zone_get_def_flags(ctx: Context, params: JsonObject) -> JsonObject:
    name = params.get("definition")
    definition = DEFINITION_BY_NAME.get(name) if isinstance(name, str) else None
    if definition is None:
        raise Refused(ErrorCode.INVALID_PARAM, "unknown definition")
    flags = [*definition.flags, *([] if definition.bypassable else ["NOT_BYPASSABLE"])]
    return {"definition": definition.name, "flags": flags}


# Devices ------------------------------------------------------------------------------------


def output_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    output = _object(ctx, "output", params)
    ctx.state.set_output(output.id, params.get("status"))
    return {"output_id": output.id}


def output_get_all_outputs_status(ctx: Context, params: JsonObject) -> JsonObject:
    size = _table(ctx, "output")
    per_block = ctx.state.options.outputs_block_size
    block_id, fields = _block(ctx, params, _blocks(size, per_block))
    outputs = ctx.state.outputs
    first = (block_id - 1) * per_block + 1
    last = min(size, first + per_block - 1)
    status = "".join("1" if (o := outputs.get(i)) is not None and o.on else "0" for i in range(first, last + 1))
    return {"status": status, **fields}


def output_get_available(ctx: Context, params: JsonObject) -> JsonObject:
    size = _table(ctx, "output")
    return {"outputs": [i for i in range(1, size + 1) if i not in ctx.state.outputs]}


def light_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    light = _object(ctx, "light", params)
    ctx.state.set_light(light.id, status=params.get("status"), level=params.get("level"))
    return {"light_id": light.id}


def lock_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    lock = _object(ctx, "lock", params)
    ctx.state.set_lock(lock.id, params.get("status"))
    return {"lock_id": lock.id}


def barrier_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    barrier = _object(ctx, "barrier", params)
    ctx.state.operate_barrier(barrier.id, params.get("status"))
    return {"barrier_id": barrier.id}


def tstat_set_status(ctx: Context, params: JsonObject) -> JsonObject:
    tstat = _object(ctx, "tstat", params)
    ctx.state.set_tstat(tstat.id, params)
    return {"tstat_id": tstat.id}


# System, control, log, rule, network -----------------------------------------------------


def system_get_trouble(ctx: Context, params: JsonObject) -> JsonObject:
    return ctx.state.system_trouble_payload()


def system_get_attribs(ctx: Context, params: JsonObject) -> JsonObject:
    # The panel-name key is [UNK] (`panel_name` or `name`): both are sent.
    return {"name": ctx.state.info.name, "panel_name": ctx.state.info.name}


def system_get_table_info(ctx: Context, params: JsonObject) -> JsonObject:
    csm = ctx.state.csm("system")
    return {"table_csm": csm, "table_elements": 1, "tablesize": 1, "increment_size": 1, "element_size": 0}


def ack(ctx: Context, params: JsonObject) -> JsonObject:
    return {}


def control_get_version_info(ctx: Context, params: JsonObject) -> JsonObject:
    info = ctx.state.info
    return {
        "sn": info.serial,
        "hw": info.hw,
        "boot": info.boot,
        "app": info.app,
        "SSP": info.ssp,
        "BUILD_DATETIME": info.build,
        "schema": info.schema,
        "db1": info.db1,
        "db1ver": list(info.db1ver),
    }


def control_get_trouble(ctx: Context, params: JsonObject) -> JsonObject:
    return {"modtbl": ctx.state.modtbl()}


def log_get_index(ctx: Context, params: JsonObject) -> JsonObject:
    return ctx.state.log_index()


def log_get_table_info(ctx: Context, params: JsonObject) -> JsonObject:
    size = ctx.state.info.log_capacity
    csm = encode.checksum(["log", size])
    return {"table_csm": csm, "table_elements": size, "tablesize": size, "increment_size": 2, "element_size": 0}


def log_get_trouble(ctx: Context, params: JsonObject) -> JsonObject:
    return {"log_full": len(ctx.state.log) >= ctx.state.info.log_capacity}


def log_get_attribs(ctx: Context, params: JsonObject) -> JsonObject:
    flags = {"arm_changed": True, "alarm": True, "trouble": True, "bypass": True}
    return {"log_flags": flags, "sdlog_flags": dict.fromkeys(flags, False)}


def log_get_log(ctx: Context, params: JsonObject) -> JsonObject:
    log_id = _int_param(params, "log_id")
    entry = next((entry for entry in ctx.state.log if entry.id == log_id), None)
    if entry is None:
        raise Refused(ErrorCode.INVALID_ID)
    return {"log_id": entry.id, "log_count": len(ctx.state.log), "gmt_seconds": entry.time, "logdata": entry.text}


def log_get_list(ctx: Context, params: JsonObject) -> JsonObject:
    """Newest first: entries with id <= start (0 = newest) and time >= date; at most cnt (<= 10) that fit a frame."""
    start = params.get("start", 0)
    date = params.get("date", 0)
    count = params.get("cnt", LOG_LIST_MAX)
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, date, count)):
        raise Refused(ErrorCode.INVALID_PARAM, "start, date and cnt must be integers")
    entries: list[LogEntry] = []
    budget = LOG_LIST_BUDGET  # keeps the frame under 1024 bytes
    for entry in reversed(ctx.state.log):
        if len(entries) >= min(count, LOG_LIST_MAX) or budget < len(entry.text):
            break
        if (not start or entry.id <= start) and entry.time >= date:
            entries.append(entry)
            budget -= len(entry.text) + 20
    return {"id": [e.id for e in entries], "time": [e.time for e in entries], "text": [e.text for e in entries]}


def rule_get_rules(ctx: Context, params: JsonObject) -> JsonObject:
    rules = ctx.state.rules
    block_id, fields = _block(ctx, params, len(rules), first=0)
    return fields if block_id == 0 else {**fields, "data": rules[block_id - 1]}


def network_get_ssid(ctx: Context, params: JsonObject) -> JsonObject:
    return {"get_ssid": list(ctx.state.info.ssids)}


def network_get_rssi(ctx: Context, params: JsonObject) -> JsonObject:
    return {"rssi": -52}


def _catalogue() -> dict[tuple[str, str], Command]:
    commands: dict[tuple[str, str], Command] = {}
    for domain, (_, _, _, status) in DOMAINS.items():
        commands[(domain, "get_table_info")] = Command(partial(get_table_info, domain))
        commands[(domain, "get_configured")] = Command(partial(get_configured, domain))
        commands[(domain, "get_attribs")] = Command(partial(get_attribs, domain), level=U if domain == "user" else K)
        if status is not None or domain == "area":
            commands[(domain, "get_status")] = Command(partial(get_status, domain))
    commands |= {
        ("area", "set_status"): Command(area_set_status),
        ("area", "set_arm_state"): Command(area_set_arm_state),
        ("area", "set_alarm_state"): Command(area_set_alarm_state, reply_as="set_status"),
        ("area", "get_troubles"): Command(area_get_troubles),
        ("area", "get_trouble"): Command(area_get_troubles),
        ("zone", "set_status"): Command(zone_set_status),
        ("zone", "get_all_zones_status"): Command(zone_get_all_zones_status),
        ("zone", "get_defs"): Command(zone_get_defs),
        ("zone", "get_def_flags"): Command(zone_get_def_flags),
        ("output", "set_status"): Command(output_set_status),
        ("output", "get_all_outputs_status"): Command(output_get_all_outputs_status),
        ("output", "get_available"): Command(output_get_available),
        ("light", "set_status"): Command(light_set_status),
        ("lock", "set_status"): Command(lock_set_status),
        ("barrier", "set_status"): Command(barrier_set_status),
        ("tstat", "set_status"): Command(tstat_set_status),
        ("system", "get_trouble"): Command(system_get_trouble),
        ("system", "get_troubles"): Command(system_get_trouble),
        ("system", "get_attribs"): Command(system_get_attribs),
        ("system", "get_table_info"): Command(system_get_table_info),
        ("system", "set_system_time"): Command(ack, level=M + DISARMED),
        ("system", "reset_smokes"): Command(ack, level=K + DISARMED),
        ("control", "get_version_info"): Command(control_get_version_info),
        ("control", "get_trouble"): Command(control_get_trouble),
        ("log", "get_index"): Command(log_get_index),
        ("log", "get_table_info"): Command(log_get_table_info),
        ("log", "get_trouble"): Command(log_get_trouble),
        ("log", "get_attribs"): Command(log_get_attribs),
        ("log", "get_log"): Command(log_get_log),
        ("log", "get_list"): Command(log_get_list),
        ("rule", "get_rules"): Command(rule_get_rules),
        ("network", "get_ssid"): Command(network_get_ssid, level=INSTALLER, flat=True),
        ("network", "get_rssi"): Command(network_get_rssi),
    }
    return commands


COMMANDS: Final = _catalogue()
