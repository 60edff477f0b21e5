"""The panel's objects (configuration plus live state) and the vocabularies the emulator uses.

Where docs/api.md marks a vocabulary unknown ([UNK]), the values here are this emulator's
choice; the README's "The emulated panel" section lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from custom_components.elke27.e27.const import ErrorCode, error_reason


class Refused(Exception):
    """A command the panel refuses with a non-zero error code."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = int(code)
        self.message = message or ERROR_MESSAGES.get(self.code) or error_reason(self.code)
        super().__init__(f"{self.code}: {self.message}")


ERROR_MESSAGES: Final[dict[int, str]] = {
    ErrorCode.NOAUTH: "no authorization",
    ErrorCode.INVALID_ID: "invalid_id",
    ErrorCode.UNRECOGNIZED_CMD: "unrecognized command",
}


class ArmState(StrEnum):
    """area.get_status `arm_state` / `arm_cmd_state` (docs/api.md §5.1)."""

    DISARMED = "DISARMED"
    ARMED_AWAY = "ARMED_AWAY"
    ARMED_STAY = "ARMED_STAY"


class Behaviour(StrEnum):
    """What a zone definition does when the zone is violated."""

    NONE = "none"  # never alarms, never blocks arming
    ENTRY_EXIT = "entry_exit"  # entry delay when armed; opening it during the exit delay cancels auto-stay
    PERIMETER = "perimeter"  # instant alarm when armed away or stay
    INTERIOR = "interior"  # instant alarm when armed away (follows a running entry delay)
    ALWAYS = "always"  # 24-hour: alarms whatever the arm state


@dataclass(frozen=True, slots=True)
class Definition:
    """A zone definition (zone.get_defs entry) and its behaviour."""

    name: str
    behaviour: Behaviour
    alarm: str | None = None
    bypassable: bool = True
    flags: tuple[str, ...] = ()


_BURG: Final = "BURGLARY"
# zone.get_defs order [UNK]: this list's order is the emulator's choice (UNDEFINED first).
DEFINITIONS: Final[tuple[Definition, ...]] = (
    Definition("UNDEFINED", Behaviour.NONE),
    Definition("BURG EE DELAY", Behaviour.ENTRY_EXIT, _BURG, flags=("ENTRY_DELAY", "EXIT_DELAY", "CHIME")),
    Definition("BURG PERIM INST", Behaviour.PERIMETER, _BURG, flags=("CHIME",)),
    Definition("BURG INTERIOR", Behaviour.INTERIOR, _BURG, flags=("FOLLOWER",)),
    Definition("BURG 24HR", Behaviour.ALWAYS, _BURG, bypassable=False, flags=("24HR",)),
    Definition("BURG BOX TAMPER", Behaviour.ALWAYS, "TAMPER", bypassable=False, flags=("24HR",)),
    Definition("FIRE", Behaviour.ALWAYS, "FIRE", bypassable=False, flags=("24HR", "FIRE")),
    Definition("CARBON MONOXIDE", Behaviour.ALWAYS, "CO", bypassable=False, flags=("24HR",)),
    Definition("PANIC", Behaviour.ALWAYS, "PANIC", bypassable=False, flags=("24HR",)),
    Definition("MEDICAL", Behaviour.ALWAYS, "MEDICAL", bypassable=False, flags=("24HR",)),
    Definition("AUTOMATION", Behaviour.NONE),
    Definition("POWER SUPERVISION", Behaviour.NONE),
    Definition("WATER", Behaviour.ALWAYS, "WATER", bypassable=False, flags=("24HR",)),
    Definition("HILO TEMP", Behaviour.ALWAYS, "TEMPERATURE", bypassable=False, flags=("24HR",)),
)
DEFINITION_BY_NAME: Final = {definition.name: definition for definition in DEFINITIONS}
BURGLARY_BEHAVIOURS: Final = frozenset({Behaviour.ENTRY_EXIT, Behaviour.PERIMETER, Behaviour.INTERIOR})

ALARM_TYPES: Final = ("BURGLARY", "FIRE", "CO", "WATER", "PANIC", "MEDICAL", "TAMPER", "TEMPERATURE")
ZONE_TYPES: Final = (
    "DOOR",
    "WINDOW",
    "MOTION",
    "GLASS",
    "SMOKE",
    "CO",
    "WATER",
    "TEMPERATURE",
    "PANIC",
    "MEDICAL",
    "TAMPER",
    "OTHER",
)
# Area troubles derived from the zones of the area [UNK vocabulary].
ZONE_TROUBLE: Final = "Zone Trouble"
ZONE_TAMPER: Final = "Zone Tamper"
ZONE_LOW_BATTERY: Final = "Zone Low Battery"
# System trouble names used by the console's short aliases [UNK vocabulary].
TROUBLE_ALIASES: Final = {
    "ac": "AC Fail",
    "battery": "Low Battery",
    "phone": "Phone Line",
    "comm": "Communication Failure",
    "clock": "Clock Not Set",
}
TSTAT_MODES: Final = ("OFF", "HEAT", "COOL", "AUTO")
FAN_MODES: Final = ("AUTO", "ON")
SETPOINT_MIN: Final = 40
SETPOINT_MAX: Final = 99
LIGHT_MAX: Final = 99
BARRIER_STATES: Final = ("OPEN", "CLOSED", "OPENING", "CLOSING", "STOPPED")


@dataclass(slots=True)
class Area:
    """An area: configuration, then live state."""

    id: int
    name: str
    entry_time: int = 30
    exit_time: int = 60
    auto_stay: bool = True
    chime: bool = False
    arm_state: ArmState = ArmState.DISARMED
    arm_cmd_state: ArmState = ArmState.DISARMED
    delay: str = ""
    """"" (none), "exit" or "entry": which delay ee_timer counts down."""
    ee_timer: int = 0
    exit_opened: bool = False
    auto_stay_cancel: bool = False
    alarm_zone: str = ""
    alarms: list[str] = field(default_factory=list)
    alarm_mem: list[str] = field(default_factory=list)
    alrm_snd: bool = False
    chime_count: int = 0
    troubles: list[str] = field(default_factory=list)
    """Troubles set explicitly (set_trouble(..., area_id=n)); zone-derived ones are added on output."""

    @property
    def armed(self) -> bool:
        """Armed, or arming (exit delay running)."""
        return self.arm_state is not ArmState.DISARMED or self.delay == "exit"


@dataclass(slots=True)
class Zone:
    """A zone: configuration, then live state."""

    id: int
    name: str
    area: int = 1
    definition: str = "BURG PERIM INST"
    zone_type: str = "OTHER"
    flags: list[str] = field(default_factory=list)
    wireless: bool = False
    bypassable: bool | None = None
    """None: as the definition says."""
    rssi: int = -60
    low_batt: bool = False
    open: bool = False
    trouble: bool = False
    tamper: bool = False
    bypassed: bool = False

    @property
    def rule(self) -> Definition:
        """This zone's definition."""
        return DEFINITION_BY_NAME[self.definition]

    @property
    def can_bypass(self) -> bool:
        """Whether zone.set_status may bypass it."""
        return self.rule.bypassable if self.bypassable is None else self.bypassable

    @property
    def secure_state(self) -> str:
        """TAMPER, TROUBLE, VIOLATED or NORMAL, in that order of precedence."""
        if self.tamper:
            return "TAMPER"
        if self.trouble:
            return "TROUBLE"
        return "VIOLATED" if self.open else "NORMAL"


@dataclass(slots=True)
class Output:
    """An output (relay)."""

    id: int
    name: str
    on: bool = False
    source_id: int = 0
    device_id: str = ""
    hide: bool = False


@dataclass(slots=True)
class Light:
    """A light; level 0 is off, 1–99 on."""

    id: int
    name: str
    area: int = 1
    level: int = 0
    source_id: int = 0
    rssi: int = 4
    last_level: int = LIGHT_MAX


@dataclass(slots=True)
class Lock:
    """A door lock."""

    id: int
    name: str
    area: int = 1
    locked: bool = True
    source_id: int = 0
    rssi: int = 4
    low_batt: bool = False


@dataclass(slots=True)
class Barrier:
    """A garage door or gate; travel takes travel_time panel seconds."""

    id: int
    name: str
    area: int = 1
    status: str = "CLOSED"
    travel_time: int = 5
    tamper: bool = False
    low_batt: bool = False
    rssi: int = 4


@dataclass(slots=True)
class Thermostat:
    """A thermostat, in whole °F."""

    id: int
    name: str
    area: int = 1
    temperature: int = 70
    mode: str = "HEAT"
    fan_mode: str = "AUTO"
    heat_setpoint: int = 68
    cool_setpoint: int = 76
    humidity: int = 40
    battery: int = 100
    rssi: int = 4
    source_id: int = 0


@dataclass(slots=True)
class Keypad:
    """A keypad (configuration only)."""

    id: int
    name: str
    area: int = 1
    source_id: int = 0
    device_id: str = ""
    backlight: int = 5
    zone_id: int = 0
    quiet_start: int = 0
    quiet_end: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class User:
    """A user code: integer PIN, user group, the areas it may arm/disarm/bypass, master/installer flags."""

    id: int
    name: str
    pin: int = field(repr=False)
    group: int = 1
    areas: list[int] = field(default_factory=list)
    master: bool = False
    installer: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def level(self) -> int:
        """Permission level this code reaches (docs/api.md §3.1): 2 any user, 3 master, 4 installer."""
        return 4 if self.installer else 3 if self.master else 2


@dataclass(slots=True)
class UserGroup:
    """A user group (its fields are [UNK]; only id and name are modelled)."""

    id: int
    name: str


@dataclass(slots=True)
class PanelInfo:
    """Identity and version information (control.get_version_info, system.get_attribs)."""

    name: str = "E27 Emulator"
    serial: str = "00000001"
    hw: int = 260
    boot: int = 536
    app: int = 1540
    ssp: str = "2.6.1"
    build: str = "2026/03/02,15:54:54"
    schema: int = 1
    db1: str = "ELK 900 MHz"
    db1ver: list[int] = field(default_factory=lambda: [1795, 65545, 66151])
    ssids: list[str] = field(default_factory=lambda: ["EmulatorNet"])
    log_capacity: int = 250


# Object domains: wire name -> (class, id key, configured-list key).
DOMAIN_CLASSES: Final[dict[str, type]] = {
    "area": Area,
    "zone": Zone,
    "output": Output,
    "light": Light,
    "lock": Lock,
    "barrier": Barrier,
    "tstat": Thermostat,
    "keypad": Keypad,
    "user": User,
    "usergroup": UserGroup,
}
DEFAULT_TABLES: Final[dict[str, int]] = {
    "area": 8,
    "zone": 64,
    "output": 64,
    "light": 32,
    "lock": 8,
    "barrier": 4,
    "tstat": 8,
    "keypad": 16,
    "user": 64,
    "usergroup": 8,
}


@dataclass(slots=True)
class PanelSpec:
    """Everything a panel file describes; PanelState runs it."""

    info: PanelInfo = field(default_factory=PanelInfo)
    tables: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TABLES))
    objects: dict[str, dict[int, object]] = field(default_factory=lambda: {name: {} for name in DOMAIN_CLASSES})
    troubles: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PanelOptions:
    """Behaviour switches for choices docs/api.md leaves open; all can be changed at run time."""

    block_size: int = 16
    """Slots per get_configured block (and definitions per zone.get_defs block)."""
    block_fields_as_strings: bool = False
    """Send block_id/block_count as numeric strings, like older firmware."""
    outputs_block_size: int = 64
    """Characters per output.get_all_outputs_status block."""
    trouble_reply_plural: bool = False
    """Answer system.get_trouble as system.get_troubles."""
    full_status_ticks: bool = False
    """Send the full area status every delay second instead of area_id + ee_timer."""
    privilege_seconds: float = 60.0
    """Sliding lifetime of authenticate's privilege, in panel seconds."""
    mask_user_pins: bool = False
    """user.get_attribs answers pin 0 instead of the real code."""
    broadcast_log_index: bool = False
    """Push log.get_index whenever a log entry is added."""
    light_delay: float = 0.0
    """Panel seconds before a light reports its new level (Z-Wave dimmers take ~3 s)."""
    configured_as: str = "list"
    """How get_configured answers: "list" (paged id lists), or unpaged as one bitmask of every
    configured id (bit 0 = id 1), "mask_int" as a JSON integer, "mask_hex" as a hex string (docs/api.md §2.5)."""
    table_elements: Any = None
    """If not None, what get_table_info reports as table_elements instead of the table's size
    (0, -1, "lots": the malformed values a client must not trust)."""
    busy_reads: int = 0
    """Refuse this many status reads (get_status, get_all_*_status) with 11015, as a panel that is
    still starting does; each refusal counts one down."""
