"""Wire shapes of the panel's objects: get_attribs and get_status payloads (docs/api.md §4, §5), CSMs.

Every function returns the command payload without `error_code`; callers add it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any, Final

from .model import (
    ZONE_LOW_BATTERY,
    ZONE_TAMPER,
    ZONE_TROUBLE,
    Area,
    Barrier,
    Keypad,
    Light,
    Lock,
    Output,
    Thermostat,
    User,
    UserGroup,
    Zone,
)

type JsonObject = dict[str, Any]

# Precision bytes of tstat.get_status: whole numbers (docs/api.md §5.7).
TSTAT_PREC: Final = (9, 9, 9, 0)
# The `*_csm` keys of the authenticate reply, in docs/api.md §3.3 order, and the domain each one covers.
CSM_KEYS: Final = (
    ("network_csm", "network"),
    ("area_csm", "area"),
    ("user_group_csm", "usergroup"),
    ("user_csm", "user"),
    ("zone_csm", "zone"),
    ("keyfob_csm", "keyfob"),
    ("system_csm", "system"),
    ("wltx_csm", "wltx"),
    ("output_csm", "output"),
    ("cs_param_csm", "cs_param"),
    ("flag_csm", "flag"),
    ("pir_flag_csm", "pir_flag"),
    ("user_value_csm", "user_value"),
    ("register_csm", "register"),
    ("rule_csm", "rule"),
    ("task_csm", "task"),
    ("light_csm", "light"),
    ("lock_csm", "lock"),
    ("tstat_csm", "tstat"),
    ("barrier_csm", "barrier"),
    ("win_cover_csm", "win_cover"),
    ("timer_csm", "timer"),
    ("zwave_csm", "zwave"),
    ("bus_io_dev_csm", "bus_io_dev"),
    ("keypad_csm", "keypad"),
    ("wgnd_csm", "wiegand"),
    ("sounder_csm", "sounder"),
    ("repeater_csm", "repeater"),
)


def checksum(value: Any) -> int:
    """A 16-bit configuration checksum of a JSON-able value (0 for nothing configured)."""
    if not value:
        return 0
    return zlib.crc32(json.dumps(value, sort_keys=True).encode()) & 0xFFFF or 1


def area_troubles(area: Area, zones: Iterable[Zone]) -> list[str]:
    """Explicit area troubles followed by those derived from the area's zones."""
    troubles = list(area.troubles)
    members = [zone for zone in zones if zone.area == area.id]
    for name, present in (
        (ZONE_TROUBLE, any(zone.trouble for zone in members)),
        (ZONE_TAMPER, any(zone.tamper for zone in members)),
        (ZONE_LOW_BATTERY, any(zone.wireless and zone.low_batt for zone in members)),
    ):
        if present and name not in troubles:
            troubles.append(name)
    return troubles


def area_attribs(area: Area) -> JsonObject:
    """area.get_attribs (HW key set)."""
    return {
        "area_id": area.id,
        "name": area.name,
        "flags": [],
        "kp_single_key_arm": False,
        "entry1_time": area.entry_time,
        "exit_time": area.exit_time,
        "ext_entry_time": 0,
        "aa_warn_mins": 0,
        "auto_arm_time": 0,
        "auto_arm_level": 0,
        "sounder": 1,
    }


def area_status(area: Area, ready_status: str, zones_bypassed: int, troubles: list[str]) -> JsonObject:
    """area.get_status, keys in docs/api.md §5.1 order."""
    return {
        "area_id": area.id,
        "arm_state": area.arm_state,
        "ready_status": ready_status,
        "alarm_zone": area.alarm_zone,
        "alarms": list(area.alarms),
        "alarm_mem": list(area.alarm_mem),
        "zones_bypassed": zones_bypassed,
        "arm_cmd_state": area.arm_cmd_state,
        "troubles": troubles,
        "chime_count": area.chime_count,
        "Chime": area.chime,
        "xzn_id": 0,
        "xzn_time": 0,
        "ee_timer": area.ee_timer,
        "alrm_snd": area.alrm_snd,
        "auto_arm_timer": 0,
    }


def zone_attribs(zone: Zone) -> JsonObject:
    """zone.get_attribs; `zone_type` is this emulator's choice for the [UNK] zone-type key."""
    return {
        "zone_id": zone.id,
        "name": zone.name,
        "area_id": zone.area,
        "definition": zone.definition,
        "flags": list(zone.flags),
        "zone_type": zone.zone_type,
    }


def zone_status(zone: Zone) -> JsonObject:
    """zone.get_status; wireless zones add rssi and low_batt."""
    status: JsonObject = {
        "zone_id": zone.id,
        "secure_state": zone.secure_state,
        "contact_state": "OPEN" if zone.open else "CLOSED",
        "BYPASSED": zone.bypassed,
    }
    if zone.wireless:
        status |= {"rssi": zone.rssi, "low_batt": zone.low_batt}
    return status


def zone_char(zone: Zone | None) -> str:
    """One hex digit of zone.get_all_zones_status: logical << 2 | physical (docs/api.md §5.2)."""
    if zone is None:
        return "0"
    secure = zone.secure_state
    physical = 3 if secure in ("TROUBLE", "TAMPER") else 1 if zone.open else 2
    logical = 3 if zone.bypassed else 2 if secure == "VIOLATED" else 1 if physical == 3 else 0
    return "0123456789ABCDEF"[logical << 2 | physical]


def output_attribs(output: Output) -> JsonObject:
    """output.get_attribs."""
    return {
        "output_id": output.id,
        "name": output.name,
        "source_id": output.source_id,
        "device_id": output.device_id,
        "hide": output.hide,
    }


def output_status(output: Output) -> JsonObject:
    """output.get_status."""
    return {"output_id": output.id, "status": "ON" if output.on else "OFF"}


def light_attribs(light: Light) -> JsonObject:
    """light.get_attribs; source_id >= 256 is Z-Wave node source_id - 256."""
    return {"light_id": light.id, "name": light.name, "source_id": light.source_id, "area_id": light.area}


def light_status(light: Light) -> JsonObject:
    """light.get_status: level and rssi, no status key."""
    return {"light_id": light.id, "level": light.level, "rssi": light.rssi}


def lock_attribs(lock: Lock) -> JsonObject:
    """lock.get_attribs."""
    return {"lock_id": lock.id, "name": lock.name, "source_id": lock.source_id, "area_id": lock.area}


def lock_status(lock: Lock) -> JsonObject:
    """lock.get_status: ON (locked) / OFF (unlocked), the reference client's words for the [UNK] token."""
    return {
        "lock_id": lock.id,
        "status": "ON" if lock.locked else "OFF",
        "rssi": lock.rssi,
        "low_batt": lock.low_batt,
    }


def barrier_attribs(barrier: Barrier) -> JsonObject:
    """barrier.get_attribs."""
    return {"barrier_id": barrier.id, "name": barrier.name, "area_id": barrier.area}


def barrier_status(barrier: Barrier) -> JsonObject:
    """barrier.get_status."""
    return {
        "barrier_id": barrier.id,
        "status": barrier.status,
        "tamper": barrier.tamper,
        "low_batt": barrier.low_batt,
        "rssi": barrier.rssi,
    }


def tstat_attribs(tstat: Thermostat) -> JsonObject:
    """tstat.get_attribs."""
    return {"tstat_id": tstat.id, "name": tstat.name, "source_id": tstat.source_id, "area_id": tstat.area}


def tstat_status(tstat: Thermostat) -> JsonObject:
    """tstat.get_status (docs/api.md §5.7), including the "battery level" key with its space."""
    return {
        "tstat_id": tstat.id,
        "temperature": tstat.temperature,
        "mode": tstat.mode,
        "fan_mode": tstat.fan_mode,
        "heat_setpoint": tstat.heat_setpoint,
        "cool_setpoint": tstat.cool_setpoint,
        "humidity": tstat.humidity,
        "rssi": tstat.rssi,
        "prec": list(TSTAT_PREC),
        "battery level": tstat.battery,
    }


def keypad_attribs(keypad: Keypad) -> JsonObject:
    """keypad.get_attribs (HW key set; `area` is the area id)."""
    return {
        "keypad_id": keypad.id,
        "source_id": keypad.source_id,
        "device_id": keypad.device_id,
        "name": keypad.name,
        "area": keypad.area,
        "backlight": keypad.backlight,
        "zone_id": keypad.zone_id,
        "quiet_start": keypad.quiet_start,
        "quiet_end": keypad.quiet_end,
        "flags": list(keypad.flags),
    }


def user_attribs(user: User, *, mask_pin: bool = False) -> JsonObject:
    """user.get_attribs; flags carry MASTER / INSTALLER and the areas as AREA<n>."""
    flags = [*user.flags]
    flags += ["MASTER"] * user.master + ["INSTALLER"] * user.installer + [f"AREA{area}" for area in user.areas]
    return {
        "user_id": user.id,
        "name": user.name,
        "pin": 0 if mask_pin else user.pin,
        "group_id": user.group,
        "flags": flags,
    }


def usergroup_attribs(group: UserGroup) -> JsonObject:
    """usergroup.get_attribs (fields [UNK]: id and name only)."""
    return {"usergroup_id": group.id, "name": group.name}


type Encoder = Callable[[Any], JsonObject]
# domain -> (id key, configured-list key, get_attribs encoder, get_status encoder or None)
DOMAINS: Final[dict[str, tuple[str, str, Encoder, Encoder | None]]] = {
    "area": ("area_id", "areas", area_attribs, None),
    "zone": ("zone_id", "zones", zone_attribs, zone_status),
    "output": ("output_id", "outputs", output_attribs, output_status),
    "light": ("light_id", "lights", light_attribs, light_status),
    "lock": ("lock_id", "locks", lock_attribs, lock_status),
    "barrier": ("barrier_id", "barriers", barrier_attribs, barrier_status),
    "tstat": ("tstat_id", "tstats", tstat_attribs, tstat_status),
    "keypad": ("keypad_id", "keypads", keypad_attribs, None),
    "user": ("user_id", "users", user_attribs, None),
    "usergroup": ("usergroup_id", "usergroups", usergroup_attribs, None),
}
