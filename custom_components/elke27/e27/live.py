"""The live panel state: configuration plus merged status, patched by replies and broadcasts (docs/api.md §6).

Pure and synchronous: `apply(message)` takes one decoded message and returns what
changed; `snapshot()` returns the immutable Panel. Broadcasts are patches — only
keys present are applied — except the exit-delay rule of docs/api.md §5.1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass
from sys import intern
from types import MappingProxyType
from typing import Any, Final

from .messages import Message
from .model import ArmState, Panel, VersionInfo
from .values import as_int, as_string_list
from .wire import (
    ALARM_WORD_KEYS,
    CONFIG_KEYS,
    FACTS,
    NAME_KEYS,
    STATUS_KEYS,
    UNDEFINED_DEFINITION,
    Wire,
    area_from_wire,
    barrier_from_wire,
    light_from_wire,
    lock_from_wire,
    output_from_wire,
    supersede,
    thermostat_from_wire,
    version_from_wire,
    zone_definition,
    zone_from_wire,
)

type Key = tuple[str, int]
PANEL_KEY: Final[Key] = ("panel", 0)


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """How one wire domain maps onto the model."""

    domain: str
    kind: str
    id_key: str
    plural: str


DOMAINS: Final = (
    DomainInfo("area", "area", "area_id", "areas"),
    DomainInfo("zone", "zone", "zone_id", "zones"),
    DomainInfo("output", "output", "output_id", "outputs"),
    DomainInfo("light", "light", "light_id", "lights"),
    DomainInfo("lock", "lock", "lock_id", "locks"),
    DomainInfo("barrier", "barrier", "barrier_id", "barriers"),
    DomainInfo("tstat", "thermostat", "tstat_id", "tstats"),
)
BY_DOMAIN: Final = {info.domain: info for info in DOMAINS}

_BUILDERS: Final[dict[str, Callable[[int, Wire, Wire], Any]]] = {
    "area": area_from_wire,
    "output": output_from_wire,
    "light": light_from_wire,
    "lock": lock_from_wire,
    "barrier": barrier_from_wire,
    "tstat": thermostat_from_wire,
}
# Commands whose payload is an object's status, as replies (get_*) or as broadcasts (all).
_STATUS_READS: Final = frozenset({"get_status"})
_STATUS_PUSHES: Final = frozenset({"get_status", "set_status", "status"})
_TROUBLE_COMMANDS: Final = frozenset({"get_trouble", "get_troubles"})

_EXIT_KEYS: Final = ("arm_cmd_state", "ee_timer", "alarm_zone")
# The area's alarm in every vocabulary the panel may use: a status that reports any of them
# reports the alarm entirely, so the others are cleared (a word left over from an earlier
# status would otherwise keep the area in alarm for ever).
_ALARM_KEYS: Final = ("alarms", *ALARM_WORD_KEYS)
_HEX_DIGITS: Final = {char: int(char, 16) for char in "0123456789abcdefABCDEF"}
# Bulk zone status (docs/api.md §5.2): value = logical << 2 | physical. A digit states every flag
# the bulk status can carry, so each patch sets all of them: logical 0 normal, 1 trouble,
# 2 violated, 3 bypassed; physical 0 = not configured (all flags clear), 1 open, 2 EOL
# (normal), 3 short. Under trouble and bypass the contact is read from the physical bits.
# A trouble may be a tamper: the bulk digit cannot tell, so it leaves the tamper flag alone
# (the zone's get_status that follows a non-normal digit says which).
_CLEAR_ZONE: Final = {"secure_state": "NORMAL", "contact_state": "CLOSED", "BYPASSED": False, "tamper": False}
_PHYSICAL_OPEN: Final = 1


def _bulk_zone_fields(value: int) -> dict[str, Any]:
    logical, physical = value >> 2, value & 0x3
    contact = "OPEN" if physical == _PHYSICAL_OPEN else "CLOSED"
    if not physical or logical == 0:
        return dict(_CLEAR_ZONE)
    if logical == 1:
        return {"secure_state": "TROUBLE", "contact_state": contact, "BYPASSED": False}
    if logical == 2:
        return {"secure_state": "VIOLATED", "contact_state": "OPEN", "BYPASSED": False, "tamper": False}
    return {"secure_state": "BYPASSED", "contact_state": contact, "BYPASSED": True, "tamper": False}


# Keys, and string values up to this length (the tokens every status repeats), are stored
# interned: one object per distinct string however many elements and messages carry it.
_INTERN_MAX: Final = 32


def _token(value: Any) -> Any:
    return intern(value) if type(value) is str and len(value) <= _INTERN_MAX else value


def compact(fields: Mapping[str, Any], keys: Iterable[str] | None = None, drop: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of a wire dict with its keys and short strings interned; only keys (if given), never drop."""
    return {
        _token(key): _token(value) for key, value in fields.items() if (keys is None or key in keys) and key not in drop
    }


def merge_area_status(previous: Wire, patch: Wire) -> dict[str, Any]:
    """Patch an area's status, applying the exit-delay rule of docs/api.md §5.1.

    A payload that omits any of arm_cmd_state/ee_timer/alarm_zone clears them, except
    an ee_timer-only tick. A tick above the previous value is kept too: the panel
    restarted or extended the delay, and the area is still arming with the new time left
    (docs/api.md §5.1 has the library drop it, which loses a delay that is really running).
    A payload that touches none of them nor arm_state (a chime or trouble change) leaves a
    running delay alone — the rule is about arming broadcasts, and dropping a delay on a
    chime change would be wrong.
    """
    merged = {**previous, **patch}
    if any(key in patch for key in _ALARM_KEYS):
        for key in _ALARM_KEYS:
            if key not in patch:
                merged.pop(key, None)
    present = [key for key in _EXIT_KEYS if key in patch]
    if len(present) == len(_EXIT_KEYS) or (not present and "arm_state" not in patch):
        return merged
    same_arm_state = "arm_state" not in patch or ArmState.parse(patch["arm_state"]) is ArmState.parse(
        previous.get("arm_state")
    )
    if present == ["ee_timer"] and same_arm_state and as_int(patch["ee_timer"]) is not None:
        return merged
    for key, cleared in zip(_EXIT_KEYS, (None, 0, ""), strict=True):
        if key not in patch:
            merged[key] = cleared
    return merged


def _flagged(char: str) -> bool:
    """Whether a configured slot's bulk digit reports a flag (trouble, violated, bypassed)."""
    value = _HEX_DIGITS.get(char, 0)
    return bool(value >> 2 and value & 0x3)


def bulk_zone_patch(char: str) -> dict[str, Any] | None:
    """The status patch one get_all_zones_status digit implies (None for a character that is no hex digit)."""
    value = _HEX_DIGITS.get(char)
    return None if value is None else _bulk_zone_fields(value)


class LiveModel:
    """Mutable panel state behind the client's immutable snapshots."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.version: VersionInfo | None = None
        self.definitions: tuple[str, ...] = ()
        self.attribs: dict[str, dict[int, dict[str, Any]]] = {info.domain: {} for info in DOMAINS}
        self.status: dict[str, dict[int, dict[str, Any]]] = {info.domain: {} for info in DOMAINS}
        self.troubles: tuple[str, ...] = ()
        self.trouble_modules: tuple[str, ...] = ()
        self._built: dict[str, dict[int, Any]] = {info.domain: {} for info in DOMAINS}
        self._shared: set[str] = set()
        """Domains whose _built dict the current snapshot shows: copied before it changes."""
        self._snapshot: Panel | None = None
        self._output_bulk_next = 0
        self.wireless: set[int] = set()
        """Zones that reported radio fields (rssi, low_batt)."""
        self.detailed: set[int] = set()
        """Zones whose full get_status was seen (reply or broadcast), not just a bulk digit."""

    # -- configuration ---------------------------------------------------------------------

    def set_config(self, domain: str, attribs: Mapping[int, Mapping[str, Any]]) -> None:
        """Replace one domain's configured objects (id → get_attribs payload); unknown ids lose their status."""
        keys = CONFIG_KEYS.get(domain, NAME_KEYS)
        self.attribs[domain] = {item_id: compact(value, keys) for item_id, value in sorted(attribs.items())}
        status = self.status[domain]
        for item_id in set(status) - set(attribs):
            del status[item_id]
        self._built[domain] = {}
        self._shared.discard(domain)
        for item_id in self.attribs[domain]:
            self._rebuild(domain, item_id)
        self._snapshot = None

    def configured(self, domain: str) -> list[int]:
        """Ids of the objects in the model (zones: UNDEFINED ones excluded)."""
        return list(self._built[domain])

    def set_definitions(self, definitions: Iterable[str]) -> None:
        """The zone definition names from zone.get_defs, in list order."""
        self.definitions = tuple(_token(name) for name in definitions)

    def set_version(self, version: VersionInfo | None) -> bool:
        """Record version info; True if it changed."""
        changed = version != self.version
        self.version = version
        self._snapshot = None if changed else self._snapshot
        return changed

    def set_name(self, name: str) -> bool:
        """Record the panel's display name; True if it changed."""
        changed = bool(name) and name != self.name
        if changed:
            self.name = name
            self._snapshot = None
        return changed

    def zones_of_troubled_areas(self) -> list[int]:
        """Zones in areas whose status lists troubles."""
        troubled = {area.id for area in self._built["area"].values() if area.troubles}
        return [zone.id for zone in self._built["zone"].values() if zone.area_id in troubled]

    def wireless_zones(self) -> list[int]:
        """Configured zones that have reported radio fields (rssi, low_batt): bulk status omits those."""
        return sorted(self.wireless & set(self._built["zone"]))

    # -- patches ---------------------------------------------------------------------------

    def apply(self, message: Message) -> set[Key]:
        """Apply a reply or broadcast to the state; return the (kind, id) keys whose model changed."""
        if message.error is not None or message.domain is None or message.command is None:
            return set()
        domain, command, body = message.domain, message.command, message.body
        broadcast = message.is_broadcast
        info = BY_DOMAIN.get(domain)
        if info is not None:
            if command in (_STATUS_PUSHES if broadcast else _STATUS_READS):
                # A reply to get_status is the element's whole status; a broadcast is a patch (docs/api.md §6).
                return self.patch(domain, as_int(body.get(info.id_key)), body, replace=not broadcast)
            if domain == "area" and command in _TROUBLE_COMMANDS:
                if "troubles" not in body:  # says nothing about the troubles: changes nothing
                    return set()
                return self.patch(domain, as_int(body.get("area_id")), {"troubles": body["troubles"]})
            if domain == "area" and command == "set_arm_state" and broadcast and "arm_state" in body:
                return self.patch(domain, as_int(body.get("area_id")), body)
            if domain == "zone" and command == "get_all_zones_status":
                return self.apply_zone_bulk(body.get("status"))
            if domain == "output" and command == "get_all_outputs_status":
                return self._apply_output_bulk_block(body)
            return set()
        # Panel-wide replies change only the fields they carry (a partial reply wipes nothing).
        if domain == "system" and command in _TROUBLE_COMMANDS:
            nested = body.get("get_troubles")  # {"get_trouble":{"get_troubles":{…}}} (docs/api.md §2.2)
            troubles = nested if isinstance(nested, dict) else body
            return (
                self._set_panel("troubles", as_string_list(troubles["troubles"])) if "troubles" in troubles else set()
            )
        if domain == "control" and command == "get_trouble":
            return self._set_panel("trouble_modules", as_string_list(body["modtbl"])) if "modtbl" in body else set()
        if domain == "control" and command == "get_version_info":
            return {PANEL_KEY} if self.set_version(_merge_version(self.version, version_from_wire(body))) else set()
        return set()

    def patch(
        self, domain: str, item_id: int | None, body: Wire, *, detail: bool = True, replace: bool = False
    ) -> set[Key]:
        """Merge status fields into one configured object; other ids are ignored.

        replace: body is the element's whole status (a get_status reply): what it does not
        report is forgotten. Otherwise only the keys body carries change, and a key that
        states a fact anew overrides the older key that stated it (wire.FACTS). Only the keys
        the model reads are kept (wire.STATUS_KEYS).
        """
        if item_id is None or item_id not in self.attribs[domain]:
            return set()
        fields = compact(body, STATUS_KEYS[domain])
        if domain == "zone" and detail:
            self.detailed.add(item_id)
            if "rssi" in fields or "low_batt" in fields:
                self.wireless.add(item_id)
            elif "secure_state" in fields:  # a full status without radio fields: wired
                self.wireless.discard(item_id)
        previous = {} if replace else self.status[domain].get(item_id, {})
        merged = merge_area_status(previous, fields) if domain == "area" else previous | fields
        supersede(merged, fields, FACTS.get(domain, ()))
        self.status[domain][item_id] = merged
        return self._rebuild(domain, item_id)

    def apply_zone_bulk(self, status: Any) -> set[Key]:
        """Apply get_all_zones_status (one hex digit per zone slot, whitespace ignored) to configured zones."""
        if not isinstance(status, str):
            return set()
        digits = "".join(status.split())
        changed: set[Key] = set()
        for item_id in self.attribs["zone"]:
            if item_id <= len(digits) and (patch := bulk_zone_patch(digits[item_id - 1])) is not None:
                changed |= self.patch("zone", item_id, patch, detail=False)
        return changed

    def zones_needing_detail(self, status: Any) -> list[int]:
        """Configured zones whose bulk digit is not plain normal: only get_status tells which flag is set."""
        if not isinstance(status, str):
            return []
        digits = "".join(status.split())
        return [zone_id for zone_id in self._built["zone"] if zone_id <= len(digits) and _flagged(digits[zone_id - 1])]

    def apply_output_bulk(self, status: Any, offset: int = 0) -> set[Key]:
        """Apply an output status string ('1' = on) whose first character is output offset+1."""
        if not isinstance(status, str):
            return set()
        changed: set[Key] = set()
        digits = "".join(status.split())
        for index, char in enumerate(digits, start=offset + 1):
            if char in "01" and index in self.attribs["output"]:
                changed |= self.patch("output", index, {"status": "ON" if char == "1" else "OFF"})
        return changed

    def _apply_output_bulk_block(self, body: Wire) -> set[Key]:
        # Whether the panel pages this reply is [UNK] (docs/api.md §2.5); blocks are read in
        # order, so each block continues where the previous one ended.
        status = body.get("status")
        if not isinstance(status, str):
            return set()
        block = as_int(body.get("block_id")) or 1
        offset = 0 if block <= 1 else self._output_bulk_next
        self._output_bulk_next = offset + len("".join(status.split()))
        return self.apply_output_bulk(status, offset)

    def _set_panel(self, field: str, value: tuple[str, ...]) -> set[Key]:
        if getattr(self, field) == value:
            return set()
        setattr(self, field, value)
        self._snapshot = None
        return {PANEL_KEY}

    def _rebuild(self, domain: str, item_id: int) -> set[Key]:
        attribs = self.attribs[domain].get(item_id)
        if attribs is None:
            return set()
        status = self.status[domain].get(item_id, {})
        built = self._built[domain]
        if domain == "zone":
            if zone_definition(attribs.get("definition"), self.definitions) == UNDEFINED_DEFINITION:
                return set()
            entity = zone_from_wire(item_id, attribs, status, self.definitions)
        else:
            entity = _BUILDERS[domain](item_id, attribs, status)
        if built.get(item_id) == entity:
            return set()
        if domain in self._shared:  # the snapshot handed out shows this dict: never change it
            self._shared.discard(domain)
            built = self._built[domain] = dict(built)
        built[item_id] = entity
        self._snapshot = None
        return {(BY_DOMAIN[domain].kind, item_id)}

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> Panel:
        """The current immutable Panel (cached until something changes)."""
        if self._snapshot is None:
            built = self._built
            self._shared.update(built)  # from now on the snapshot owns these dicts
            self._snapshot = Panel(
                name=self.name,
                version=self.version,
                areas=MappingProxyType(built["area"]),
                zones=MappingProxyType(built["zone"]),
                outputs=MappingProxyType(built["output"]),
                lights=MappingProxyType(built["light"]),
                locks=MappingProxyType(built["lock"]),
                barriers=MappingProxyType(built["barrier"]),
                thermostats=MappingProxyType(built["tstat"]),
                troubles=self.troubles,
                trouble_modules=self.trouble_modules,
            )
        return self._snapshot


def _merge_version(previous: VersionInfo | None, new: VersionInfo) -> VersionInfo:
    """new, with the fields it lacks taken from previous: a partial version reply wipes nothing."""
    if previous is None:
        return new
    return VersionInfo(
        *(mine if mine is not None else theirs for mine, theirs in zip(astuple(new), astuple(previous), strict=True))
    )


_PANEL_FIELDS: Final = (
    ("area", "areas"),
    ("zone", "zones"),
    ("output", "outputs"),
    ("light", "lights"),
    ("lock", "locks"),
    ("barrier", "barriers"),
    ("thermostat", "thermostats"),
)


def diff(before: Panel | None, after: Panel) -> frozenset[Key]:
    """Every key that differs between two snapshots (added, removed or changed)."""
    changed: set[Key] = set()
    if before is None or (before.name, before.version, before.troubles, before.trouble_modules) != (
        after.name,
        after.version,
        after.troubles,
        after.trouble_modules,
    ):
        changed.add(PANEL_KEY)
    for kind, field in _PANEL_FIELDS:
        old: Mapping[int, Any] = getattr(before, field) if before is not None else {}
        new: Mapping[int, Any] = getattr(after, field)
        changed.update((kind, item_id) for item_id in old.keys() | new.keys() if old.get(item_id) != new.get(item_id))
    return frozenset(changed)
