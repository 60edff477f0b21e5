"""The panel actions of E27Client: checked locally, sent once, then the state they affect is re-read (docs/api.md §8)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Iterator
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from . import commands
from .commands import BarrierAction, Body, Reread, status_read, validate_pin
from .const import error_reason
from .errors import E27CommandError, E27Error, E27TimeoutError
from .messages import Message
from .model import ArmState, BypassResult, FanMode, Panel, ThermostatMode
from .reconnect import ClientTiming
from .session import Session

_LOGGER = logging.getLogger(__package__)

# When the caller asked for the action (event-loop time), if that was before it reached the client.
_ASKED_AT: ContextVar[float | None] = ContextVar("e27_action_asked_at", default=None)


@contextlib.contextmanager
def action_asked_at(when: float) -> Iterator[None]:
    """Count the command deadline of the actions started inside from `when` (event-loop time).

    For callers that queue actions before they reach the client: the time spent queueing counts.
    Nested use keeps the earliest time.
    """
    outer = _ASKED_AT.get()
    token = _ASKED_AT.set(when if outer is None else min(outer, when))
    try:
        yield
    finally:
        _ASKED_AT.reset(token)


class ClientActions(ABC):
    """Arm, disarm, bypass, chime, outputs, lights, locks, barriers, thermostats (mixed into E27Client)."""

    name: str
    timing: ClientTiming

    @property
    @abstractmethod
    def panel(self) -> Panel:
        """The current snapshot."""

    @abstractmethod
    def _require_session(self) -> Session:
        """The online session, or E27ConnectionError."""

    @abstractmethod
    def _spawn(self, session: Session, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run coro in the background for session."""

    async def _command(self, body: Body, reread: Reread, pin: int | None = None) -> Message:
        """Send one write (never re-sent after a timeout), then re-read the state it affects.

        The write must reach the wire within timing.command_deadline of being asked for
        (action_asked_at, else now): otherwise E27NotSentError, and it is never sent later.
        A busy answer is retried within that deadline (the panel did nothing). A timeout
        leaves the outcome unknown: the state is re-read in the background and the timeout
        raised. A refusal raises E27CommandError whose text never carries the PIN.
        """
        asked = _ASKED_AT.get()
        deadline = (asked if asked is not None else asyncio.get_running_loop().time()) + self.timing.command_deadline
        session = self._require_session()
        try:
            reply = await session.request_body(body, deadline=deadline)
        except E27TimeoutError:
            self._spawn(session, self._reread(session, reread))
            raise
        except E27CommandError as err:
            if pin is not None and str(pin) in err.reason:
                raise E27CommandError(err.code, error_reason(err.code)) from None
            raise
        await self._reread(session, reread)
        return reply

    async def _reread(self, session: Session, reread: Reread) -> None:
        for domain, command, payload in reread:
            try:
                await session.request(domain, command, payload)
            except E27Error as err:
                _LOGGER.debug("%s: re-reading %s.%s failed: %s", self.name, domain, command, err)
                return

    async def async_arm(
        self,
        area_id: int,
        mode: ArmState,
        pin: int | str,
        *,
        exit_delay_cancel: bool = False,
        auto_stay_cancel: bool = False,
    ) -> None:
        """Arm an area Away or Stay with a user PIN."""
        code = validate_pin(pin)
        body = commands.arm_body(
            area_id, mode, code, exit_delay_cancel=exit_delay_cancel, auto_stay_cancel=auto_stay_cancel
        )
        await self._command(body, status_read("area", area_id), code)

    async def async_disarm(self, area_id: int, pin: int | str) -> None:
        """Disarm an area (this also ends an alarm) with a user PIN."""
        code = validate_pin(pin)
        await self._command(commands.disarm_body(area_id, code), status_read("area", area_id), code)

    async def async_arm_with_bypass(
        self, area_id: int, mode: ArmState, pin: int | str, **arm_options: bool
    ) -> BypassResult:
        """Bypass every open zone of the area, then arm (docs/api.md §8.3).

        If the panel refuses any bypass, the area is not armed and the result says
        which zones were bypassed and which failed; a refused arm raises E27CommandError.
        """
        code = validate_pin(pin)
        options = {"exit_delay_cancel": False, "auto_stay_cancel": False} | arm_options
        commands.arm_body(area_id, mode, code, **options)  # a bad mode or option fails before any bypass
        open_zones = [
            zone.id
            for zone in self.panel.zones.values()
            if zone.area_id == area_id and zone.violated and not zone.bypassed
        ]
        bypassed: list[int] = []
        failed: dict[int, E27CommandError] = {}
        for zone_id in open_zones:
            try:
                await self._command(commands.bypass_body(zone_id, code, True), status_read("zone", zone_id), code)
            except E27CommandError as err:
                failed[zone_id] = err
            else:
                bypassed.append(zone_id)
        if failed:
            _LOGGER.debug("%s: area %s not armed: zone(s) %s could not be bypassed", self.name, area_id, sorted(failed))
            return BypassResult(tuple(bypassed), MappingProxyType(failed), armed=False)
        await self.async_arm(area_id, mode, code, **options)
        return BypassResult(tuple(bypassed), MappingProxyType({}), armed=True)

    async def async_bypass_zone(self, zone_id: int, pin: int | str, bypass: bool = True) -> None:
        """Bypass (or restore) a zone with a user PIN."""
        code = validate_pin(pin)
        area_id = self.panel.zones[zone_id].area_id if zone_id in self.panel.zones else None
        reread = status_read("zone", zone_id) + (status_read("area", area_id) if area_id else ())
        await self._command(commands.bypass_body(zone_id, code, bypass), reread, code)

    async def async_set_chime(self, area_id: int, on: bool) -> None:
        """Turn an area's chime mode on or off."""
        await self._command(commands.chime_body(area_id, on), status_read("area", area_id))

    async def async_set_output(self, output_id: int, on: bool) -> None:
        """Switch an output."""
        await self._command(commands.output_body(output_id, on), status_read("output", output_id))

    async def async_set_light(self, light_id: int, on: bool, level: int | None = None) -> None:
        """Switch a light on (at level 1–99, full if not given) or off."""
        await self._command(commands.light_body(light_id, on, level), status_read("light", light_id))

    async def async_set_lock(self, lock_id: int, locked: bool) -> None:
        """Lock or unlock a door lock."""
        await self._command(commands.lock_body(lock_id, locked), status_read("lock", lock_id))

    async def async_barrier(self, barrier_id: int, action: BarrierAction) -> None:
        """Open, close or stop a garage door or gate (never retried: a repeat can reverse travel)."""
        await self._command(commands.barrier_body(barrier_id, action), status_read("barrier", barrier_id))

    async def async_set_thermostat(
        self,
        tstat_id: int,
        *,
        mode: ThermostatMode | None = None,
        fan_mode: FanMode | None = None,
        heat_setpoint: int | None = None,
        cool_setpoint: int | None = None,
    ) -> None:
        """Set a thermostat's mode, fan mode and/or whole-°F setpoints (checked before sending)."""
        body = commands.thermostat_body(
            tstat_id, mode=mode, fan_mode=fan_mode, heat_setpoint=heat_setpoint, cool_setpoint=cool_setpoint
        )
        await self._command(body, status_read("tstat", tstat_id))
