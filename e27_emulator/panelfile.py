"""Panel files: TOML descriptions of a panel's areas, zones, devices and users, validated field by field.

A section entry may carry `count = N`: it then stands for N objects with consecutive ids
starting at `id`, and `{n}` (1…N) or `{id}` in its `name` is replaced per object.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from .model import (
    DEFAULT_TABLES,
    DEFINITION_BY_NAME,
    DOMAIN_CLASSES,
    FAN_MODES,
    LIGHT_MAX,
    SETPOINT_MAX,
    SETPOINT_MIN,
    TSTAT_MODES,
    ZONE_TYPES,
    PanelInfo,
    PanelSpec,
)

BUILTIN_PANELS: Final = ("default", "large")
MAX_PIN: Final = 999_999
MAX_TABLE: Final = 4096


class PanelFileError(ValueError):
    """A panel file (or a configuration change) that cannot be used; the message names the field."""


_REQUIRED: Final = object()


@dataclass(frozen=True, slots=True)
class _Field:
    kind: type
    default: Any = _REQUIRED
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()
    item: type | None = None


def _f(kind: type, default: Any = _REQUIRED, **kwargs: Any) -> _Field:
    return _Field(kind, default, **kwargs)


_ID: Final = _f(int, lo=1)
_NAME: Final = _f(str)
_AREA: Final = _f(int, 1, lo=1)
_RSSI: Final = _f(int, 4)
SCHEMAS: Final[dict[str, dict[str, _Field]]] = {
    "area": {
        "id": _ID,
        "name": _NAME,
        "entry_time": _f(int, 30, lo=0, hi=255),
        "exit_time": _f(int, 60, lo=0, hi=255),
        "auto_stay": _f(bool, True),
        "chime": _f(bool, False),
    },
    "zone": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "definition": _f(str, "BURG PERIM INST", choices=tuple(DEFINITION_BY_NAME)),
        "zone_type": _f(str, "OTHER", choices=ZONE_TYPES),
        "flags": _f(list, [], item=str),
        "wireless": _f(bool, False),
        "bypassable": _f(bool, None),
        "rssi": _f(int, -60),
        "low_batt": _f(bool, False),
        "open": _f(bool, False),
        "trouble": _f(bool, False),
        "tamper": _f(bool, False),
        "bypassed": _f(bool, False),
    },
    "output": {
        "id": _ID,
        "name": _NAME,
        "on": _f(bool, False),
        "source_id": _f(int, 0, lo=0),
        "device_id": _f(str, ""),
        "hide": _f(bool, False),
    },
    "light": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "level": _f(int, 0, lo=0, hi=LIGHT_MAX),
        "source_id": _f(int, 0, lo=0),
        "rssi": _RSSI,
    },
    "lock": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "locked": _f(bool, True),
        "source_id": _f(int, 0, lo=0),
        "rssi": _RSSI,
        "low_batt": _f(bool, False),
    },
    "barrier": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "status": _f(str, "CLOSED", choices=("OPEN", "CLOSED")),
        "travel_time": _f(int, 5, lo=0, hi=120),
        "tamper": _f(bool, False),
        "low_batt": _f(bool, False),
        "rssi": _RSSI,
    },
    "tstat": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "temperature": _f(int, 70, lo=-40, hi=150),
        "mode": _f(str, "HEAT", choices=TSTAT_MODES),
        "fan_mode": _f(str, "AUTO", choices=FAN_MODES),
        "heat_setpoint": _f(int, 68, lo=SETPOINT_MIN, hi=SETPOINT_MAX),
        "cool_setpoint": _f(int, 76, lo=SETPOINT_MIN, hi=SETPOINT_MAX),
        "humidity": _f(int, 40, lo=0, hi=100),
        "battery": _f(int, 100, lo=0, hi=100),
        "rssi": _RSSI,
        "source_id": _f(int, 0, lo=0),
    },
    "keypad": {
        "id": _ID,
        "name": _NAME,
        "area": _AREA,
        "source_id": _f(int, 0, lo=0),
        "device_id": _f(str, ""),
        "backlight": _f(int, 5, lo=0, hi=9),
        "zone_id": _f(int, 0, lo=0),
        "quiet_start": _f(int, 0, lo=0),
        "quiet_end": _f(int, 0, lo=0),
        "flags": _f(list, [], item=str),
    },
    "user": {
        "id": _ID,
        "name": _NAME,
        "pin": _f(int, lo=1, hi=MAX_PIN),
        "group": _f(int, 1, lo=1),
        "areas": _f(list, [], item=int),
        "master": _f(bool, False),
        "installer": _f(bool, False),
        "flags": _f(list, [], item=str),
    },
    "usergroup": {"id": _ID, "name": _NAME},
}
_INFO: Final[dict[str, _Field]] = {
    "name": _f(str, "E27 Emulator"),
    "serial": _f(str, "00000001"),
    "hw": _f(int, 260, lo=0),
    "boot": _f(int, 536, lo=0),
    "app": _f(int, 1540, lo=0),
    "ssp": _f(str, "2.6.1"),
    "build": _f(str, "2026/03/02,15:54:54"),
    "schema": _f(int, 1, lo=0),
    "db1": _f(str, "ELK 900 MHz"),
    "db1ver": _f(list, [1795, 65545, 66151], item=int),
    "ssids": _f(list, ["EmulatorNet"], item=str),
    "log_capacity": _f(int, 250, lo=1, hi=5000),
}
_TOP_LEVEL: Final = {"panel", "tables", "troubles", "rules", *(f"{domain}s" for domain in DOMAIN_CLASSES)}


def _type_name(kind: type) -> str:
    return {int: "an integer", str: "a string", bool: "true or false", list: "a list"}.get(kind, kind.__name__)


def _check(where: str, spec: _Field, value: Any) -> Any:
    if spec.default is None and value is None:
        return None
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        raise PanelFileError(f"{where}: expected {_type_name(spec.kind)}, got {value!r}")
    return _check_value(where, spec, value)


def _check_value(where: str, spec: _Field, value: Any) -> Any:
    if spec.choices and value not in spec.choices:
        raise PanelFileError(f"{where}: {value!r} is not one of {', '.join(spec.choices)}")
    if spec.lo is not None and value < spec.lo:
        raise PanelFileError(f"{where}: {value} is below {spec.lo}")
    if spec.hi is not None and value > spec.hi:
        raise PanelFileError(f"{where}: {value} is above {spec.hi}")
    if spec.item is not None:
        for index, item in enumerate(value):
            _check(f"{where}[{index}]", _Field(spec.item), item)
        return list(value)
    return value


def _fields(where: str, schema: Mapping[str, _Field], data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(schema))
    if unknown:
        raise PanelFileError(f"{where}.{unknown[0]}: unknown field (known: {', '.join(schema)})")
    values: dict[str, Any] = {}
    for key, spec in schema.items():
        if key in data:
            values[key] = _check(f"{where}.{key}", spec, data[key])
        elif spec.default is _REQUIRED:
            raise PanelFileError(f"{where}.{key}: missing (required)")
        else:
            values[key] = list(spec.default) if isinstance(spec.default, list) else spec.default
    return values


def build_object(domain: str, data: Mapping[str, Any], where: str | None = None) -> object:
    """One validated object of domain from file-style fields (`id`, `name`, …)."""
    if domain not in SCHEMAS:
        raise PanelFileError(f"{domain}: unknown domain (known: {', '.join(SCHEMAS)})")
    values = _fields(where or f"{domain}s[id={data.get('id')}]", SCHEMAS[domain], data)
    return DOMAIN_CLASSES[domain](**values)


def _expand(where: str, entry: Any) -> list[dict[str, Any]]:
    if not isinstance(entry, dict):
        raise PanelFileError(f"{where}: expected a table, got {entry!r}")
    if "count" not in entry:
        return [entry]
    count = _check(f"{where}.count", _f(int, lo=1, hi=MAX_TABLE), entry["count"])
    first = _check(f"{where}.id", _ID, entry.get("id"))
    if "pin" in entry:
        raise PanelFileError(f"{where}.count: not allowed with pin (PINs must be unique)")
    name = entry.get("name", "")
    rest = {key: value for key, value in entry.items() if key != "count"}
    if not isinstance(name, str):
        return [rest]
    return [
        rest | {"id": first + offset, "name": name.replace("{n}", str(offset + 1)).replace("{id}", str(first + offset))}
        for offset in range(count)
    ]


def _section(name: str, spec: PanelSpec, raw: Any, origin: str) -> None:
    domain = name[:-1]
    if not isinstance(raw, list):
        raise PanelFileError(f"{origin}: {name}: expected an array of tables")
    objects = spec.objects[domain]
    for index, entry in enumerate(raw):
        where = f"{origin}: {name}[{index}]"
        for data in _expand(where, entry):
            obj = build_object(domain, data, where)
            object_id = data["id"]
            if object_id in objects:
                raise PanelFileError(f"{where}.id: {object_id} is used twice")
            objects[object_id] = obj


def _cross_check(spec: PanelSpec, origin: str) -> None:
    areas = spec.objects["area"]
    if not areas:
        raise PanelFileError(f"{origin}: areas: at least one area is required")
    for domain, objects in spec.objects.items():
        size = spec.tables[domain]
        for object_id, obj in objects.items():
            if object_id > size:
                raise PanelFileError(f"{origin}: {domain}s[id={object_id}].id: above tables.{domain} ({size})")
            area = getattr(obj, "area", None)
            if domain != "keypad" and area is not None and area not in areas:
                raise PanelFileError(f"{origin}: {domain}s[id={object_id}].area: no area {area}")
    pins: dict[int, int] = {}
    for user_id, user in spec.objects["user"].items():
        pin = getattr(user, "pin", 0)
        if pin in pins:
            raise PanelFileError(f"{origin}: users[id={user_id}].pin: same PIN as user {pins[pin]}")
        pins[pin] = user_id
        for area in getattr(user, "areas", []):
            if area not in areas:
                raise PanelFileError(f"{origin}: users[id={user_id}].areas: no area {area}")


def parse_panel(data: Mapping[str, Any], origin: str = "<panel>") -> PanelSpec:
    """A PanelSpec from parsed TOML; PanelFileError names the first bad field."""
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise PanelFileError(f"{origin}: {unknown[0]}: unknown section (known: {', '.join(sorted(_TOP_LEVEL))})")
    spec = PanelSpec()
    panel = data.get("panel", {})
    if not isinstance(panel, dict):
        raise PanelFileError(f"{origin}: panel: expected a table")
    spec.info = PanelInfo(**_fields(f"{origin}: panel", _INFO, panel))
    tables = data.get("tables", {})
    if not isinstance(tables, dict):
        raise PanelFileError(f"{origin}: tables: expected a table")
    table_schema = {domain: _f(int, size, lo=0, hi=MAX_TABLE) for domain, size in DEFAULT_TABLES.items()}
    spec.tables = _fields(f"{origin}: tables", table_schema, tables)
    for key in ("troubles", "rules"):
        setattr(spec, key, _check(f"{origin}: {key}", _f(list, item=str), data.get(key, [])))
    for domain in DOMAIN_CLASSES:
        if f"{domain}s" in data:
            _section(f"{domain}s", spec, data[f"{domain}s"], origin)
    _cross_check(spec, origin)
    return spec


def load_panel(source: str | Path = "default") -> PanelSpec:
    """Load a built-in panel by name ("default", "large") or a panel file by path."""
    if isinstance(source, str) and source in BUILTIN_PANELS:
        resource = resources.files(__package__).joinpath("panels", f"{source}.toml")
        text, origin = resource.read_text(encoding="utf-8"), f"{source}.toml"
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise PanelFileError(f"{path}: cannot read: {err.strerror or err}") from err
        origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PanelFileError(f"{origin}: not valid TOML: {err}") from err
    return parse_panel(data, origin)
