"""The standalone panel's console: one text command per line (`open 3`, `alarm 1 FIRE`, `show`)."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from . import encode
from .model import ALARM_TYPES, TROUBLE_ALIASES, Refused
from .shapes import SHAPES

if TYPE_CHECKING:
    from .server import EmulatorPanel
    from .state import PanelState

QUIT: Final = "\x00quit"
HELP: Final = """\
Zones     open Z | close Z | bypass Z on|off | zonetrouble Z on|off | tamper Z on|off | battery Z on|off
Areas     arm A away|stay [now] [by USER] [keypad K] | disarm A [by USER] [keypad K]
          alarm A [TYPE] [ZONE] | chime A on|off
Troubles  trouble NAME on|off [area A]   (NAME: ac, battery, phone, comm, clock or any text)
Devices   output N on|off | light N 0-99|on|off | lock N on|off | door N open|close|stop | temp N F
Config    rename DOMAIN ID NAME   (e.g. rename zone 3 "Bay Window"; that domain's CSM changes)
          add DOMAIN ID NAME [FIELD=VALUE …] (e.g. add zone 19 "Shed Door" area=2) | remove DOMAIN ID
          configured list|mask_int|mask_hex | elements VALUE|off | busy N (next N status reads: 11015)
Panel     show [areas|zones|devices|troubles|log|sessions] | drop | silent on|off | delay SECONDS
          reboot [SECONDS] | forget [SN] (unlink every client, or SN; their sessions drop) | help | quit
Faults    inject JSON (sent as is, encrypted, to every session) | hello JSON (the next hello's reply)
          shape NAME|list (scripted broadcasts real panels send: newest key wins, partial replies, …)
          quirk on|off (frames whose LENGTH low byte equals their protocol byte)
Alarm types: """ + ", ".join(ALARM_TYPES)

_ON: Final = {"on": True, "off": False, "yes": True, "no": False, "1": True, "0": False}

type Handler = Callable[[str, list[str]], Awaitable[str]]
_RAW_COMMANDS: Final = ("inject", "hello")


class ConsoleError(Exception):
    """A console line that cannot be run; the message says why."""


def _int(args: list[str], index: int, what: str) -> int:
    if index >= len(args):
        raise ConsoleError(f"{what} missing")
    try:
        return int(args[index])
    except ValueError:
        raise ConsoleError(f"{what} must be a number, not {args[index]!r}") from None


def _on(args: list[str], index: int) -> bool:
    text = args[index].lower() if index < len(args) else ""
    if text not in _ON:
        raise ConsoleError(f"expected on or off, not {text!r}")
    return _ON[text]


def _at_keypad(args: list[str]) -> tuple[list[str], str | None, int | None]:
    """Take "by USER" and "keypad K" off an arm/disarm line: who armed at which keypad (keypad 1 by default)."""
    user: str | None = None
    keypad = 1
    rest: list[str] = []
    index = 0
    while index < len(args):
        word = args[index].lower()
        if word in ("by", "keypad") and index + 1 < len(args):
            if word == "by":
                user = args[index + 1]
            else:
                keypad = _int(args, index + 1, "keypad")
            index += 2
            continue
        rest.append(args[index])
        index += 1
    return rest, user, keypad


class Console:
    """Runs console lines against a running EmulatorPanel and its PanelState."""

    def __init__(self, panel: EmulatorPanel) -> None:
        if panel.state is None:
            raise ValueError("the console needs a panel with a state")
        self.panel = panel
        self.state: PanelState = panel.state
        self._handlers: dict[str, Handler] = {
            "help": self._help,
            "quit": self._quit,
            "exit": self._quit,
            "show": self._show,
            "arm": self._arm,
            "disarm": self._arm,
            "alarm": self._alarm,
            "chime": self._chime,
            "trouble": self._trouble,
            "rename": self._rename,
            "add": self._add,
            "remove": self._remove,
            "configured": self._shape_knob,
            "elements": self._shape_knob,
            "busy": self._shape_knob,
            "shape": self._shape,
            "forget": self._forget,
        }
        for word in ("open", "close", "bypass", "zonetrouble", "tamper", "battery"):
            self._handlers[word] = self._zone
        for word in ("output", "light", "lock", "door", "temp"):
            self._handlers[word] = self._device
        for word in ("drop", "silent", "delay", "reboot", "quirk"):
            self._handlers[word] = self._knob

    async def execute(self, line: str) -> str:
        """Run one line; returns the text to print (QUIT to stop)."""
        first, _, rest = line.strip().partition(" ")
        if first.lower() in _RAW_COMMANDS:  # the rest of the line is JSON text, taken as typed
            return await self._raw(first.lower(), rest.strip())
        try:
            words = shlex.split(line)
        except ValueError as err:
            return f"error: {err}"
        if not words:
            return ""
        command, args = words[0].lower(), words[1:]
        handler = self._handlers.get(command)
        if handler is None:
            return f"unknown command {command!r}; type help"
        try:
            return await handler(command, args)
        except ConsoleError as err:
            return f"error: {err}"
        except Refused as err:
            return f"refused: {err.code} {err.message}"
        except KeyError as err:
            return f"error: no such id {err.args[0]}"
        except ValueError as err:
            return f"error: {err}"

    # Commands --------------------------------------------------------------------------------

    async def _help(self, command: str, args: list[str]) -> str:
        return HELP

    async def _quit(self, command: str, args: list[str]) -> str:
        return QUIT

    async def _zone(self, command: str, args: list[str]) -> str:
        zone_id = _int(args, 0, "zone")
        state = self.state
        if command == "open":
            state.open_zone(zone_id)
        elif command == "close":
            state.close_zone(zone_id)
        elif command == "bypass":
            state.set_bypass(zone_id, _on(args, 1))
        elif command == "zonetrouble":
            state.set_zone_trouble(zone_id, _on(args, 1))
        elif command == "tamper":
            state.set_zone_tamper(zone_id, _on(args, 1))
        else:
            state.set_low_battery(zone_id, _on(args, 1))
        return f"{self._zone_line(zone_id)}\n{self._area_line(state.zones[zone_id].area)}"

    async def _arm(self, command: str, args: list[str]) -> str:
        area_id = _int(args, 0, "area")
        args, user, keypad = _at_keypad(args)
        if command == "disarm":
            self.state.arm(area_id, "DISARMED", user=user, keypad=keypad)
        else:
            mode = args[1].lower() if len(args) > 1 else ""
            if mode not in ("away", "stay"):
                raise ConsoleError("usage: arm A away|stay [now] [by USER] [keypad K]")
            now = len(args) > 2 and args[2].lower() == "now"
            self.state.arm(
                area_id,
                f"ARMED_{mode.upper()}",
                exit_delay_cancel=now,
                auto_stay_cancel=now,
                user=user,
                keypad=keypad,
            )
        return self._area_line(area_id)

    async def _alarm(self, command: str, args: list[str]) -> str:
        area_id = _int(args, 0, "area")
        zone_id = _int(args, 2, "zone") if len(args) > 2 else None
        self.state.trip_alarm(area_id, args[1].upper() if len(args) > 1 else "BURGLARY", zone_id)
        return self._area_line(area_id)

    async def _chime(self, command: str, args: list[str]) -> str:
        area_id = _int(args, 0, "area")
        self.state.set_chime(area_id, _on(args, 1))
        return self._area_line(area_id)

    async def _trouble(self, command: str, args: list[str]) -> str:
        area_id: int | None = None
        if len(args) >= 4 and args[-2].lower() == "area":
            area_id = _int(args, len(args) - 1, "area")
            args = args[:-2]
        if len(args) < 2:
            raise ConsoleError("usage: trouble NAME on|off [area A]")
        on = _on(args, len(args) - 1)
        name = " ".join(args[:-1])
        self.state.set_trouble(TROUBLE_ALIASES.get(name.lower(), name), on, area_id=area_id)
        return self._troubles() if area_id is None else self._area_line(area_id)

    async def _device(self, command: str, args: list[str]) -> str:
        item_id = _int(args, 0, command)
        value = args[1].lower() if len(args) > 1 else ""
        state = self.state
        if command == "output":
            state.set_output(item_id, "ON" if _on(args, 1) else "OFF")
            return f"output {item_id}: {encode.output_status(state.outputs[item_id])['status']}"
        if command == "light":
            if value in _ON:
                state.set_light(item_id, status="ON" if _on(args, 1) else "OFF")
            else:
                state.set_light(item_id, level=_int(args, 1, "level"))
            return f"light {item_id}: level {state.lights[item_id].level}"
        if command == "lock":
            state.set_lock(item_id, "ON" if _on(args, 1) else "OFF")
            return f"lock {item_id}: {encode.lock_status(state.locks[item_id])['status']}"
        if command == "door":
            state.operate_barrier(item_id, value)
            return f"door {item_id}: {state.barriers[item_id].status}"
        state.set_temperature(item_id, _int(args, 1, "temperature"))
        return f"tstat {item_id}: {state.tstats[item_id].temperature}F"

    async def _rename(self, command: str, args: list[str]) -> str:
        if len(args) != 3:
            raise ConsoleError('usage: rename DOMAIN ID "NEW NAME"')
        domain, item_id = args[0].lower(), _int(args, 1, "id")
        before = self.state.csm(domain)
        self.state.change_config(domain, item_id, name=args[2])
        return f"{domain} {item_id} renamed; {domain} CSM {before} -> {self.state.csm(domain)}"

    async def _add(self, command: str, args: list[str]) -> str:
        if len(args) < 3:
            raise ConsoleError('usage: add DOMAIN ID "NAME" [FIELD=VALUE …]')
        domain, item_id = args[0].lower(), _int(args, 1, "id")
        fields: dict[str, Any] = {"name": args[2]}
        for pair in args[3:]:
            key, sep, value = pair.partition("=")
            if not sep:
                raise ConsoleError(f"expected FIELD=VALUE, not {pair!r}")
            fields[key] = int(value) if value.lstrip("-").isdigit() else value
        self.state.change_config(domain, item_id, **fields)
        return f"{domain} {item_id} configured; {domain} CSM {self.state.csm(domain)}"

    async def _remove(self, command: str, args: list[str]) -> str:
        if len(args) != 2:
            raise ConsoleError("usage: remove DOMAIN ID")
        domain, item_id = args[0].lower(), _int(args, 1, "id")
        self.state.change_config(domain, item_id, remove=True)
        return f"{domain} {item_id} removed; {domain} CSM {self.state.csm(domain)}"

    async def _shape_knob(self, command: str, args: list[str]) -> str:
        options = self.state.options
        if command == "busy":
            options.busy_reads = max(0, _int(args, 0, "count"))
            return f"the next {options.busy_reads} status reads are refused as busy"
        value = args[0] if args else ""
        if command == "configured":
            if value not in ("list", "mask_int", "mask_hex"):
                raise ConsoleError("usage: configured list|mask_int|mask_hex")
            options.configured_as = value
            return f"get_configured answers as {value}"
        if not value:
            raise ConsoleError("usage: elements VALUE|off")
        options.table_elements = None if value == "off" else int(value) if value.lstrip("-").isdigit() else value
        return f"get_table_info reports table_elements {options.table_elements!r}"

    async def _shape(self, command: str, args: list[str]) -> str:
        if not args or args[0] == "list":
            return "\n".join(f"{name}: {shape.expect}" for name, shape in SHAPES.items())
        if args[0] not in SHAPES:
            raise ConsoleError(f"unknown shape {args[0]!r}; shape list names them")
        sent = await self.panel.play_shape(args[0])
        return f"shape {args[0]} sent to {sent} session(s); expect: {SHAPES[args[0]].expect}"

    async def _forget(self, command: str, args: list[str]) -> str:
        """Remove links (as an installer deleting an integration on the panel), then drop their sessions.

        Their next hello is refused (11006): Home Assistant then asks to link again.
        """
        panel = self.panel
        wanted = args or sorted(panel.links)
        unknown = [sn for sn in wanted if sn not in panel.links]
        if unknown:
            raise ConsoleError(f"no link for {', '.join(unknown)} (linked: {', '.join(sorted(panel.links)) or 'none'})")
        for sn in wanted:
            panel.revoke_link(sn)
        dropped = await panel.drop_connections()
        if not wanted:
            return "no links to forget"
        return f"forgot {len(wanted)} link(s): {', '.join(wanted)}; dropped {dropped} connection(s)"

    async def _raw(self, command: str, text: str) -> str:
        if not text:
            return f"usage: {command} JSON"
        if command == "hello":
            self.panel.script_hello_replies(text)
            return "the next hello gets that reply"
        try:
            sent = await self.panel.inject(text)
        except ValueError as err:
            return f"error: {err}"
        return f"injected into {sent} session(s)"

    async def _knob(self, command: str, args: list[str]) -> str:
        panel = self.panel
        if command == "quirk":
            panel.send_length_quirk_frames(_on(args, 0))
            return f"length-quirk frames: {'on' if panel.faults.length_quirk else 'off'}"
        if command == "drop":
            return f"dropped {await panel.drop_connections()} connection(s)"
        if command == "silent":
            panel.go_silent(_on(args, 0))
            return f"silent: {'on' if panel.faults.silent else 'off'}"
        if command == "delay":
            try:
                panel.reply_delay = float(args[0])
            except IndexError, ValueError:
                raise ConsoleError("usage: delay SECONDS") from None
            return f"reply delay: {panel.reply_delay:g} s"
        downtime = float(args[0]) if args else 0.0
        await panel.reboot(downtime)
        return f"rebooted (down {downtime:g} s); sessions dropped, links kept"

    async def _show(self, command: str, args: list[str]) -> str:
        views: dict[str, Callable[[], str]] = {
            "areas": self._areas,
            "zones": self._zones,
            "devices": self._devices,
            "troubles": self._troubles,
            "log": self._log,
            "sessions": self._sessions,
        }
        what = args[0].lower() if args else "all"
        if what == "all":
            return "\n".join(views[name]() for name in ("areas", "zones", "devices", "troubles", "sessions"))
        if what not in views:
            raise ConsoleError(f"show what? ({', '.join(views)})")
        return views[what]()

    # Views -----------------------------------------------------------------------------------

    def _area_line(self, area_id: int) -> str:
        status = self.state.area_status(area_id)
        area = self.state.areas[area_id]
        text = f"area {area_id} {area.name}: {area.arm_state.value} {status['ready_status']}"
        if area.delay:
            text += f" {area.delay} delay {area.ee_timer}s (arming {area.arm_cmd_state.value})"
        if status["alarms"]:
            text += f" ALARM {','.join(status['alarms'])} zone {status['alarm_zone'] or '-'}"
        text += f" bypassed={status['zones_bypassed']} chime={'on' if area.chime else 'off'}"
        if status["troubles"]:
            text += f" troubles={status['troubles']}"
        if status["alarm_mem"] and not status["alarms"]:
            text += f" memory={status['alarm_mem']}"
        return text

    def _zone_line(self, zone_id: int) -> str:
        zone = self.state.zones[zone_id]
        flags = " BYPASSED" * zone.bypassed + " LOW-BATT" * (zone.wireless and zone.low_batt)
        contact = "OPEN" if zone.open else "closed"
        return f"zone {zone_id:3} a{zone.area} {zone.name:<26} {zone.definition:<17} {contact:<6} {zone.secure_state}{flags}"

    def _areas(self) -> str:
        return "\n".join(self._area_line(area_id) for area_id in sorted(self.state.areas))

    def _zones(self) -> str:
        return "\n".join(self._zone_line(zone_id) for zone_id in sorted(self.state.zones))

    def _devices(self) -> str:
        state = self.state
        lines = [f"output {o.id} {o.name}: ON" for o in state.outputs.values() if o.on]
        lines.append(f"outputs on: {sum(o.on for o in state.outputs.values())} of {len(state.outputs)}")
        lines += [f"light {x.id} {x.name}: level {x.level}" for x in state.lights.values()]
        lines += [f"lock {x.id} {x.name}: {encode.lock_status(x)['status']}" for x in state.locks.values()]
        lines += [f"door {x.id} {x.name}: {x.status}" for x in state.barriers.values()]
        lines += [
            f"tstat {t.id} {t.name}: {t.temperature}F {t.mode} heat {t.heat_setpoint} cool {t.cool_setpoint}"
            for t in state.tstats.values()
        ]
        return "\n".join(lines)

    def _troubles(self) -> str:
        return f"system troubles: {self.state.troubles or 'none'}; modules: {self.state.modtbl() or 'none'}"

    def _log(self) -> str:
        return "\n".join(f"log {entry.id}: {entry.text}" for entry in self.state.log[-15:])

    def _sessions(self) -> str:
        sessions = self.panel.sessions
        names = ", ".join(f"{s.sn}@{s.peer}" + (f" user {s.user_id}" if s.user_id else "") for s in sessions)
        return f"sessions: {len(sessions)}" + (f" ({names})" if names else "")
