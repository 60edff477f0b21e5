"""The panel state's foundation: the objects, panel time and timers, broadcasts, troubles, log, CSMs.

Every mutation ends in `_sync()`, which compares what clients were last told with the
current state and emits a `seq` 0 broadcast body for each difference, in a fixed order:
zones, areas, area troubles, system troubles, control troubles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from . import encode
from .clock import LoopClock, ManualClock, PanelClock, TimerHandle
from .encode import JsonObject
from .model import (
    BURGLARY_BEHAVIOURS,
    DOMAIN_CLASSES,
    Area,
    Barrier,
    Behaviour,
    Keypad,
    Light,
    Lock,
    Output,
    PanelOptions,
    PanelSpec,
    Thermostat,
    User,
    UserGroup,
    Zone,
)
from .panelfile import SCHEMAS, PanelFileError, build_object, load_panel

_LOGGER = logging.getLogger(__name__)

type Listener = Callable[[JsonObject], None]
TROUBLE_AT: Final = (0,) * 9


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One event log entry."""

    id: int
    time: int
    text: str


class StateCore:
    """Objects, time, broadcasts and bookkeeping shared by the panel's behaviours."""

    def __init__(
        self,
        spec: PanelSpec | None = None,
        *,
        time_scale: float = 1.0,
        options: PanelOptions | None = None,
        clock: PanelClock | None = None,
    ):
        self.spec = spec if spec is not None else load_panel("default")
        self.info = self.spec.info
        self.tables = self.spec.tables
        objects = self.spec.objects
        self.areas = cast(dict[int, Area], objects["area"])
        self.zones = cast(dict[int, Zone], objects["zone"])
        self.outputs = cast(dict[int, Output], objects["output"])
        self.lights = cast(dict[int, Light], objects["light"])
        self.locks = cast(dict[int, Lock], objects["lock"])
        self.barriers = cast(dict[int, Barrier], objects["barrier"])
        self.tstats = cast(dict[int, Thermostat], objects["tstat"])
        self.keypads = cast(dict[int, Keypad], objects["keypad"])
        self.users = cast(dict[int, User], objects["user"])
        self.usergroups = cast(dict[int, UserGroup], objects["usergroup"])
        self.troubles: list[str] = list(self.spec.troubles)
        self.rules: list[str] = self.spec.rules
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        """Real seconds per panel second (with the default clock)."""
        self.clock: PanelClock = clock if clock is not None else LoopClock(time_scale)
        """Where timers take their time from: the asyncio loop, or a ManualClock a test advances."""
        self.options = options or PanelOptions()
        self.log: list[LogEntry] = []
        self.log_newest = 0
        self._listeners: list[Listener] = []
        self._timers: dict[tuple[str, int], TimerHandle] = {}
        self._sent: dict[tuple[str, int], Any] = {}
        self._changed = asyncio.Event()
        self._sync(emit=False)
        self.add_log("Panel started")

    # Objects ---------------------------------------------------------------------

    def objects(self, domain: str) -> dict[int, Any]:
        """The configured objects of an object domain ("zone", "light", …), by id."""
        return self.spec.objects[domain]

    def csm(self, domain: str) -> int:
        """The configuration checksum of a domain (0 for domains this emulator does not model)."""
        if domain in DOMAIN_CLASSES:
            _, _, attribs, _ = encode.DOMAINS[domain]
            items = [attribs(obj) for _, obj in sorted(self.objects(domain).items())]
            return encode.checksum([self.tables[domain], items])
        if domain == "system":
            return encode.checksum([self.info.name, self.info.serial])
        if domain == "rule":
            return encode.checksum(self.rules)
        if domain == "network":
            return encode.checksum(self.info.ssids)
        return 0

    def change_config(self, domain: str, item_id: int, /, *, remove: bool = False, **changes: Any) -> None:
        """Add, change or remove one configured object (its domain's CSM changes); nothing is broadcast.

        Field names are the panel file's (`name`, `area`, `definition`, …). A new object
        needs the file's required fields; PanelFileError names a bad one.
        """
        if domain not in SCHEMAS:
            raise PanelFileError(f"{domain}: unknown domain (known: {', '.join(SCHEMAS)})")
        table = self.objects(domain)
        where = f"{domain}[{item_id}]"
        if remove:
            if item_id not in table:
                raise KeyError(f"{where}: not configured")
            if domain == "area" and any(getattr(obj, "area", None) == item_id for obj in self._area_members()):
                raise PanelFileError(f"{where}: still has zones or devices; remove or move them first")
            del table[item_id]
            self._after_config_change(domain, item_id)
            return
        if not 1 <= item_id <= self.tables[domain]:
            raise PanelFileError(f"{where}.id: outside the table (1…{self.tables[domain]})")
        if "area" in changes and domain != "keypad" and changes["area"] not in self.areas:
            raise PanelFileError(f"{where}.area: no area {changes['area']}")
        for area_id in changes.get("areas", []) if domain == "user" else []:
            if area_id not in self.areas:
                raise PanelFileError(f"{where}.areas: no area {area_id}")
        if domain == "user" and any(u.pin == changes.get("pin") and u.id != item_id for u in self.users.values()):
            raise PanelFileError(f"{where}.pin: another user has this PIN")
        current = table.get(item_id)
        schema = SCHEMAS[domain]
        base = {key: getattr(current, key) for key in schema} if current is not None else {}
        built = build_object(domain, base | changes | {"id": item_id}, where)
        if current is None:
            table[item_id] = built
        else:
            for key in changes:
                if key != "id":
                    setattr(current, key, getattr(built, key))
        self._after_config_change(domain, item_id)

    def _area_members(self) -> list[object]:
        return [
            obj for domain in ("zone", "light", "lock", "barrier", "tstat") for obj in self.objects(domain).values()
        ]

    def _after_config_change(self, domain: str, item_id: int) -> None:
        """Configuration is not pushed, but its effects on areas (readiness, troubles) are."""
        if domain == "zone" and item_id in self.zones:
            self._sent[("zone", item_id)] = encode.zone_status(self.zones[item_id])
        if domain == "area" and item_id in self.areas:
            self._sent[("area", item_id)] = self.area_status(item_id)
            self._sent[("area_trouble", item_id)] = self.area_troubles(item_id)
        self._sync()

    # Time and timers ---------------------------------------------------------------

    def now(self) -> float:
        """Panel time in panel seconds (monotonic)."""
        return self.clock.now()

    def advance(self, seconds: float) -> int:
        """Let `seconds` of panel time pass now (tests, with a ManualClock); return how many timers fired."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("panel time runs by itself on this panel; create it with clock=ManualClock()")
        return self.clock.advance(seconds)

    def _later(self, key: tuple[str, int], seconds: float, callback: Callable[[], None]) -> None:
        """Run callback after seconds of panel time; replaces any timer under the same key."""
        self._cancel(key)
        self._timers[key] = self.clock.call_later(seconds, lambda: self._fire(key, callback))

    def _fire(self, key: tuple[str, int], callback: Callable[[], None]) -> None:
        self._timers.pop(key, None)
        callback()

    def _cancel(self, key: tuple[str, int]) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def timer_running(self, kind: str, item_id: int) -> bool:
        """Whether a timer of kind ("delay", "barrier", "light") runs for an object."""
        return (kind, item_id) in self._timers

    def cancel_timers(self) -> None:
        """Stop every pending timer (when the panel goes away)."""
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    # Listeners and waiting ---------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call listener with the body of every broadcast ({domain: {command: payload}}); returns unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, domain: str, command: str, payload: JsonObject) -> None:
        body = {domain: {command: {**payload, "error_code": 0}}}
        for listener in tuple(self._listeners):
            try:
                listener(body)
            except Exception:
                _LOGGER.exception("panel state listener failed")

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait (real seconds) until predicate() holds; re-checked after every state change."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    # Derived state and broadcasts --------------------------------------------------

    def area_zones(self, area_id: int) -> list[Zone]:
        """The zones of an area, by id."""
        return [zone for _, zone in sorted(self.zones.items()) if zone.area == area_id]

    def ready_status(self, area_id: int) -> str:
        """RDY_AWAY, RDY_STAY (only interior zones are not secure) or RDY_NOT."""
        blocking = [
            zone
            for zone in self.area_zones(area_id)
            if zone.rule.behaviour in BURGLARY_BEHAVIOURS and not zone.bypassed and zone.secure_state != "NORMAL"
        ]
        if not blocking:
            return "RDY_AWAY"
        return "RDY_STAY" if all(zone.rule.behaviour is Behaviour.INTERIOR for zone in blocking) else "RDY_NOT"

    def area_troubles(self, area_id: int) -> list[str]:
        """The area's troubles as area.get_status and area.get_troubles report them."""
        return encode.area_troubles(self.areas[area_id], self.zones.values())

    def area_status(self, area_id: int) -> JsonObject:
        """area.get_status payload."""
        area = self.areas[area_id]
        bypassed = sum(zone.bypassed for zone in self.area_zones(area_id))
        return encode.area_status(area, self.ready_status(area_id), bypassed, self.area_troubles(area_id))

    def modtbl(self) -> list[str]:
        """control.get_trouble: the modules reporting troubles."""
        modules = ["system"] * bool(self.troubles)
        modules += ["area"] * any(self.area_troubles(area_id) for area_id in self.areas)
        modules += ["zone"] * any(z.trouble or z.tamper or (z.wireless and z.low_batt) for z in self.zones.values())
        return modules

    def system_trouble_payload(self) -> JsonObject:
        """system.get_trouble payload."""
        return {"troubles": list(self.troubles), "at": list(TROUBLE_AT)}

    def _sync(self, *, emit: bool = True) -> None:
        """Broadcast every difference between what clients were told and the state (see module doc)."""
        pending: list[tuple[str, str, JsonObject]] = []

        def compare(key: tuple[str, int], value: Any, domain: str, command: str, payload: JsonObject) -> None:
            if self._sent.get(key) != value:
                self._sent[key] = value
                pending.append((domain, command, payload))

        for zone_id, zone in sorted(self.zones.items()):
            status = encode.zone_status(zone)
            compare(("zone", zone_id), status, "zone", "get_status", status)
        for area_id in sorted(self.areas):
            status = self.area_status(area_id)
            compare(("area", area_id), status, "area", "get_status", status)
        for area_id in sorted(self.areas):
            troubles = self.area_troubles(area_id)
            compare(
                ("area_trouble", area_id), troubles, "area", "get_trouble", {"area_id": area_id, "troubles": troubles}
            )
        command = "get_troubles" if self.options.trouble_reply_plural else "get_trouble"
        compare(("system", 0), list(self.troubles), "system", command, self.system_trouble_payload())
        modules = self.modtbl()
        compare(("control", 0), modules, "control", "get_trouble", {"modtbl": modules})
        if emit:
            for domain, name, payload in pending:
                self._emit(domain, name, payload)
        self._notify()

    def _mark_sent(self, domain: str, item_id: int, value: Any) -> None:
        self._sent[(domain, item_id)] = value

    # Troubles and log ----------------------------------------------------------------

    def set_trouble(self, name: str, on: bool = True, *, area_id: int | None = None) -> None:
        """Raise or clear a system trouble (e.g. "AC Fail", "Low Battery"), or an area trouble."""
        troubles = self.troubles if area_id is None else self.areas[area_id].troubles
        if on and name not in troubles:
            troubles.append(name)
            self.add_log(f"Trouble: {name}")
        elif not on and name in troubles:
            troubles.remove(name)
            self.add_log(f"Trouble restored: {name}")
        self._sync()

    def add_log(self, text: str) -> LogEntry:
        """Append an event log entry (the oldest falls off at log_capacity)."""
        self.log_newest += 1
        entry = LogEntry(self.log_newest, int(time.time()), text)
        self.log.append(entry)
        del self.log[: -self.info.log_capacity]
        if self.options.broadcast_log_index and self._listeners:
            self._emit("log", "get_index", self.log_index())
        return entry

    def log_index(self) -> JsonObject:
        """log.get_index payload."""
        return {"newest": self.log_newest, "max": self.info.log_capacity, "total": len(self.log)}
