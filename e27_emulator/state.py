"""The emulated panel's state machine: arming, exit and entry delays, auto-stay, alarms, bypass, PINs.

Pure: no I/O; timers run on a PanelClock (by default the asyncio loop, scaled by `time_scale`
real seconds per panel second; in tests a ManualClock the test advances). State changes reach
clients through `add_listener` (see core.StateCore).
"""

from __future__ import annotations

from pathlib import Path

from custom_components.elke27.e27.const import ErrorCode

from .clock import PanelClock
from .devices import DeviceOps
from .model import ALARM_TYPES, Area, ArmState, Behaviour, PanelOptions, Refused, User, Zone
from .panelfile import load_panel

# How the emulator's log entries name an arm mode ("House armed Away").
_MODE_WORDS = {ArmState.ARMED_AWAY: "Away", ArmState.ARMED_STAY: "Stay"}


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise Refused(ErrorCode.INVALID_PARAM, f"{name} must be true or false")
    return value


class PanelState(DeviceOps):
    """An E27 panel's areas, zones, devices, users and troubles, and how they behave.

    The control surface for tests and the console: open_zone, close_zone, set_zone_trouble,
    set_zone_tamper, set_low_battery, set_trouble, trip_alarm, set_temperature,
    change_config, reboot, and the wait helpers wait_until / wait_for_arm_state.
    """

    @classmethod
    def load(
        cls,
        source: str | Path = "default",
        *,
        time_scale: float = 1.0,
        options: PanelOptions | None = None,
        clock: PanelClock | None = None,
    ) -> PanelState:
        """A panel from a built-in panel name ("default", "large") or a panel file path.

        Its timers run on the asyncio loop (time_scale real seconds per panel second) unless
        a clock is given: tests pass a ManualClock and `advance()` panel time themselves.
        """
        return cls(load_panel(source), time_scale=time_scale, options=options, clock=clock)

    # Users and PINs -----------------------------------------------------------------

    def user_for_pin(self, pin: object) -> User:
        """The user with this PIN: 11008 if the PIN is not a JSON integer, 11004 if nobody has it."""
        if not isinstance(pin, int) or isinstance(pin, bool):
            raise Refused(ErrorCode.NOAUTH)
        user = next((user for user in self.users.values() if user.pin == pin), None)
        if user is None:
            raise Refused(ErrorCode.INVALID_PARAM, "invalid user code")
        return user

    def authorise(self, pin: object, area_id: int) -> User:
        """The user whose PIN may act in this area (11008 if the user has no rights there)."""
        user = self.user_for_pin(pin)
        if area_id not in user.areas:
            raise Refused(ErrorCode.NOAUTH)
        return user

    # Areas ----------------------------------------------------------------------------

    def arm(
        self,
        area_id: int,
        arm_state: object,
        *,
        pin: object = None,
        auto_stay_cancel: object = False,
        exit_delay_cancel: object = False,
        keypad: int | None = None,
        user: str | None = None,
    ) -> None:
        """area.set_arm_state; pin None is a local (keypad/console) command that needs no code.

        The log entry names who did it, as this emulator writes it (the real panel's log text
        is not documented): "by NAME (app)" with a PIN over the API; at a keypad "by NAME
        (keypad K)" when the console says which user.
        """
        area = self.areas[area_id]
        try:
            target = ArmState(str(arm_state))
        except ValueError:
            raise Refused(ErrorCode.INVALID_PARAM, "arm_state must be DISARMED, ARMED_AWAY or ARMED_STAY") from None
        stay_cancel = _flag(auto_stay_cancel, "auto_stay_cancel")
        delay_cancel = _flag(exit_delay_cancel, "exit_delay_cancel")
        if pin is not None:
            who = f" by {self.authorise(pin, area_id).name} (app)"
        else:
            who = (f" by {user}" if user else "") + (f" (keypad {keypad})" if keypad is not None else "")
        if target is ArmState.DISARMED:
            self._disarm(area)
            self.add_log(f"{area.name} disarmed{who}")
            self._sync()
            return
        if area.alarms:
            raise Refused(ErrorCode.IN_ALARM)
        if area.armed:
            raise Refused(ErrorCode.NOT_ALLOWED_WHEN_ARMED)
        ready = self.ready_status(area_id)
        if ready == "RDY_NOT" or (target is ArmState.ARMED_AWAY and ready != "RDY_AWAY"):
            raise Refused(ErrorCode.NOT_READY)
        area.alarm_mem.clear()
        area.alarm_zone = ""
        area.auto_stay_cancel = stay_cancel
        area.exit_opened = False
        area.arm_cmd_state = target
        self.add_log(f"{area.name} arming {_MODE_WORDS[target]}{who}")
        if delay_cancel or area.exit_time <= 0:
            self._finish_exit(area)
            return
        area.delay = "exit"
        area.ee_timer = area.exit_time
        self._sync()
        self._later(("delay", area.id), 1, lambda: self._tick(area))

    def _disarm(self, area: Area) -> None:
        if area.armed:  # disarming an armed (or arming) area clears its bypasses
            for zone in self.area_zones(area.id):
                zone.bypassed = False
        self._cancel(("delay", area.id))
        area.arm_state = area.arm_cmd_state = ArmState.DISARMED
        area.delay = ""
        area.ee_timer = 0
        area.exit_opened = False
        area.alarms.clear()
        area.alrm_snd = False
        area.alarm_zone = ""

    def _tick(self, area: Area) -> None:
        area.ee_timer -= 1
        if area.ee_timer > 0:
            if self.options.full_status_ticks:
                self._sync()
            else:
                self._mark_sent("area", area.id, self.area_status(area.id))
                self._emit("area", "get_status", {"area_id": area.id, "ee_timer": area.ee_timer})
                self._notify()
            self._later(("delay", area.id), 1, lambda: self._tick(area))
        elif area.delay == "exit":
            self._finish_exit(area)
        else:
            zone_id = area.alarm_zone
            area.delay = ""
            self._alarm(area, "BURGLARY", int(zone_id) if zone_id.isdigit() else None)
            self._sync()

    def _finish_exit(self, area: Area) -> None:
        target = area.arm_cmd_state
        has_entry = any(zone.rule.behaviour is Behaviour.ENTRY_EXIT for zone in self.area_zones(area.id))
        if (
            target is ArmState.ARMED_AWAY
            and area.auto_stay
            and has_entry
            and not area.auto_stay_cancel
            and not area.exit_opened
        ):
            target = ArmState.ARMED_STAY
        self._cancel(("delay", area.id))
        area.delay = ""
        area.ee_timer = 0
        area.arm_state = area.arm_cmd_state = target
        self.add_log(f"{area.name} armed {_MODE_WORDS[target]}")
        for zone in self.area_zones(area.id):  # zones left open when the delay ends
            if zone.open and not zone.bypassed and zone.rule.behaviour is not Behaviour.ALWAYS:
                self._zone_violated(zone)
        self._sync()

    def _start_entry(self, area: Area, zone: Zone) -> None:
        if area.entry_time <= 0:
            self._alarm(area, "BURGLARY", zone.id)
            return
        area.delay = "entry"
        area.ee_timer = area.entry_time
        area.alarm_zone = str(zone.id)
        self._later(("delay", area.id), 1, lambda: self._tick(area))

    def _alarm(self, area: Area, alarm_type: str, zone_id: int | None) -> None:
        if alarm_type == "BURGLARY" and area.delay == "entry":
            self._cancel(("delay", area.id))
            area.delay = ""
            area.ee_timer = 0
        new = alarm_type not in area.alarms
        if new:
            area.alarms.append(alarm_type)
            zone = self.zones.get(zone_id) if zone_id is not None else None
            where = f": {zone.name} (zone {zone_id})" if zone is not None else ""
            self.add_log(f"{area.name} {alarm_type.capitalize()} alarm{where}")
        if alarm_type not in area.alarm_mem:
            area.alarm_mem.append(alarm_type)
        if zone_id is not None and (new or not area.alarm_zone):
            area.alarm_zone = str(zone_id)
        area.alrm_snd = True

    def trip_alarm(self, area_id: int, alarm_type: str = "BURGLARY", zone_id: int | None = None) -> None:
        """Put an area into alarm now, whatever its arm state (console `alarm`, area.set_alarm_state)."""
        if alarm_type not in ALARM_TYPES:
            raise ValueError(f"unknown alarm type {alarm_type!r} (known: {', '.join(ALARM_TYPES)})")
        if zone_id is not None and zone_id not in self.zones:
            raise KeyError(zone_id)
        self._alarm(self.areas[area_id], alarm_type, zone_id)
        self._sync()

    def set_chime(self, area_id: int, on: object) -> None:
        """area.set_status Chime."""
        self.areas[area_id].chime = _flag(on, "Chime")
        self._sync()

    async def wait_for_arm_state(self, area_id: int, arm_state: str, timeout: float = 5.0) -> None:
        """Wait (real seconds) until an area's arm_state is arm_state."""
        await self.wait_until(lambda: self.areas[area_id].arm_state == arm_state, timeout)

    # Zones --------------------------------------------------------------------------------

    def open_zone(self, zone_id: int) -> None:
        """Open (violate) a zone; what follows depends on its definition and its area's state."""
        zone = self.zones[zone_id]
        if not zone.open:
            zone.open = True
            area = self.areas[zone.area]
            if area.chime and not area.armed and zone.rule.behaviour in (Behaviour.ENTRY_EXIT, Behaviour.PERIMETER):
                area.chime_count += 1
            self._zone_violated(zone)
        self._sync()

    def close_zone(self, zone_id: int) -> None:
        """Close (restore) a zone; alarms latch until disarm."""
        self.zones[zone_id].open = False
        self._sync()

    def _zone_violated(self, zone: Zone) -> None:
        area = self.areas[zone.area]
        behaviour = zone.rule.behaviour
        if zone.bypassed or behaviour is Behaviour.NONE:
            return
        if behaviour is Behaviour.ALWAYS:
            self._alarm(area, zone.rule.alarm or "BURGLARY", zone.id)
            return
        if area.delay == "exit":
            area.exit_opened = area.exit_opened or behaviour is Behaviour.ENTRY_EXIT
            return
        if area.arm_state is ArmState.DISARMED or "BURGLARY" in area.alarms:
            return
        if behaviour is Behaviour.ENTRY_EXIT:
            if area.delay != "entry":
                self._start_entry(area, zone)
        elif behaviour is Behaviour.PERIMETER or (
            area.arm_state is ArmState.ARMED_AWAY and area.delay != "entry"
        ):  # interior zones follow a running entry delay and sleep in Stay
            self._alarm(area, "BURGLARY", zone.id)

    def set_bypass(self, zone_id: int, bypassed: object, *, pin: object = None) -> None:
        """zone.set_status BYPASSED; pin None is a local command that needs no code."""
        zone = self.zones[zone_id]
        if pin is not None:
            self.authorise(pin, zone.area)
        wanted = _flag(bypassed, "BYPASSED")
        if self.areas[zone.area].armed:
            raise Refused(ErrorCode.NOT_ALLOWED_WHEN_ARMED)
        if wanted and not zone.can_bypass:
            raise Refused(ErrorCode.NOT_BYPASSABLE)
        if zone.bypassed != wanted:
            zone.bypassed = wanted
            self.add_log(f"{zone.name} (zone {zone.id}) {'bypassed' if wanted else 'bypass removed'}")
        self._sync()

    def set_zone_trouble(self, zone_id: int, on: bool = True) -> None:
        """A zone trouble (e.g. a cut wire): secure_state TROUBLE, area trouble "Zone Trouble"."""
        self.zones[zone_id].trouble = on
        self._sync()

    def set_zone_tamper(self, zone_id: int, on: bool = True) -> None:
        """A zone tamper: secure_state TAMPER; a TAMPER alarm if its area is armed."""
        zone = self.zones[zone_id]
        zone.tamper = on
        area = self.areas[zone.area]
        if on and area.arm_state is not ArmState.DISARMED:
            self._alarm(area, "TAMPER", zone.id)
        self._sync()

    def set_low_battery(self, zone_id: int, on: bool = True) -> None:
        """A wireless zone's low battery (zone low_batt, area trouble "Zone Low Battery")."""
        zone = self.zones[zone_id]
        if not zone.wireless:
            raise ValueError(f"zone {zone_id} is not wireless")
        zone.low_batt = on
        self._sync()

    # Lifecycle -------------------------------------------------------------------------------

    def reboot(self) -> None:
        """What a power cycle does to the state: timers stop, exit/entry delays are forgotten,
        travelling barriers finish; arm states, alarms, bypasses and configuration survive."""
        self.cancel_timers()
        for area in self.areas.values():
            if area.delay == "exit":
                area.arm_cmd_state = area.arm_state
            elif area.delay == "entry" and not area.alarms:
                area.alarm_zone = ""
            area.delay = ""
            area.ee_timer = 0
        for barrier in self.barriers.values():
            if barrier.status in ("OPENING", "CLOSING"):
                barrier.status = "OPEN" if barrier.status == "OPENING" else "CLOSED"
        self.add_log("Panel restarted")
        self._sync()
