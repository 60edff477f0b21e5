"""The public facade: connect and bootstrap to ready, a live model, commands, events, reconnect (issue 4).

One client owns at most one Session at a time. Every inbound message — reply or
broadcast — is applied to the LiveModel in arrival order; listeners hear what changed.
When the session dies the client tells listeners, reconnects with capped exponential
backoff, resynchronises and tells them again; E27ProvisioningRequired stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from types import MappingProxyType
from typing import Any

from . import commands
from .bootstrap import Bootstrap, BootstrapStats, DomainConfig, bootstrap, dump_cache, load_cache
from .commands import BarrierAction, Body, Reread, status_read, validate_pin
from .const import error_reason
from .errors import E27CommandError, E27ConnectionError, E27Error, E27ProvisioningRequired, E27TimeoutError
from .linking import LinkCredentials
from .live import LiveModel, diff
from .messages import ClientIdentity, Message
from .model import ArmState, BypassResult, ConnectionEvent, FanMode, Panel, PanelEvent, ThermostatMode
from .reconnect import ClientTiming
from .session import Session

_LOGGER = logging.getLogger(__package__)

type Event = PanelEvent | ConnectionEvent
type Listener = Callable[[Event], None]


class E27Client:
    """A self-healing connection to one panel with a live model of it."""

    def __init__(
        self,
        host: str,
        port: int,
        identity: ClientIdentity,
        credentials: LinkCredentials | None,
        *,
        name: str | None = None,
        cache: Mapping[str, Any] | None = None,
        **timing_overrides: float | None,
    ) -> None:
        self.timing = ClientTiming.from_overrides(timing_overrides)
        self.host, self.port = host, port
        self.name = name or f"{host}:{port}"
        self._identity = identity
        self._credentials = credentials
        self._live = LiveModel(name or "E27")
        self._configs: dict[str, DomainConfig] = load_cache(cache)
        self._backoff = self.timing.backoff()
        self._session: Session | None = None
        self._ready = False
        self._closing = False
        self._lost = asyncio.Event()
        self._listeners: list[Listener] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._zone_resync: asyncio.Task[None] | None = None
        self._zone_resync_again = False
        self.last_error: E27Error | None = None
        self.last_bootstrap: BootstrapStats | None = None

    def __repr__(self) -> str:
        return f"<E27Client {self.name} connected={self.connected}>"

    # -- public state --------------------------------------------------------------------------

    @property
    def panel(self) -> Panel:
        """The current snapshot (the last known one while disconnected)."""
        return self._live.snapshot()

    @property
    def connected(self) -> bool:
        """True while a session is online and the model is synchronised."""
        return self._ready and self._session is not None and self._session.connected

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call callback with every PanelEvent and ConnectionEvent; returns an unsubscribe callable."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(callback)

        return unsubscribe

    def export_cache(self) -> dict[str, Any]:
        """The downloaded configuration with its CSMs, JSON-serialisable, for `cache=` at the next start."""
        return dump_cache(self._configs)

    # -- connect and close ---------------------------------------------------------------------

    async def async_connect(self) -> None:
        """Connect and bootstrap to ready; afterwards the client keeps itself connected until async_close.

        Raises E27ProvisioningRequired (link again), E27ConnectionError or E27TimeoutError.
        """
        if self._closing:
            raise E27ConnectionError("the client is closed")
        if self._supervisor is not None:
            raise RuntimeError("async_connect was already called")
        session = await self._open()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())
        self._online(session)
        self._notify(ConnectionEvent(True))

    async def async_close(self) -> None:
        """Stop reconnecting and close the session."""
        self._closing = True
        self._ready = False
        tasks = [task for task in (self._supervisor, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _open(self) -> Session:
        """A new session, bootstrapped; on any failure it is closed again."""
        linkkey = self._credentials.linkkey if self._credentials is not None else None
        session = Session(
            self.host, self.port, self._identity, linkkey, name=self.name, **self.timing.session_options()
        )
        session.add_message_listener(self._on_message, replies=True)
        started = time.monotonic()
        try:
            await session.connect()
            configs, requests = await bootstrap(session, self._live, self._configs, self.name)
        except BaseException:
            await session.close()
            raise
        cached = tuple(name for name, config in configs.items() if self._configs.get(name) is config)
        self._configs = configs
        self.last_bootstrap = BootstrapStats(requests, time.monotonic() - started, cached)
        _LOGGER.debug("%s: ready after %d requests in %.2f s", self.name, requests, self.last_bootstrap.seconds)
        return session

    def _online(self, session: Session) -> None:
        self._session = session
        self._lost.clear()
        session.add_connection_lost_listener(self._on_lost)
        self._ready = True
        self.last_error = None
        if not session.connected:  # it died between bootstrap and now: the listener came too late
            self._on_lost(E27ConnectionError("connection lost right after bootstrap"))
        else:
            if self.timing.config_check_interval:
                self._spawn(self._check_config(session, self.timing.config_check_interval))
            self._refresh_zone_details(session)

    def _on_lost(self, error: E27Error) -> None:
        if not self._ready or self._closing:
            return
        self._ready = False
        self.last_error = error
        _LOGGER.warning("%s: connection to the panel lost: %s; reconnecting", self.name, error)
        self._lost.set()
        self._notify(ConnectionEvent(False, error))

    async def _supervise(self) -> None:
        while not self._closing:
            await self._lost.wait()
            for task in tuple(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._session is not None:
                await self._session.close()
                self._session = None
            if not await self._reconnect():
                return

    async def _reconnect(self) -> bool:
        """Retry with backoff until ready (True) or the panel demands a new link (False)."""
        before = self.panel
        self._backoff.reset()
        while True:
            await asyncio.sleep(self._backoff.next_delay())
            try:
                session = await self._open()
            except E27ProvisioningRequired as err:
                _LOGGER.warning("%s: the panel no longer accepts this client's link; not retrying: %s", self.name, err)
                self.last_error = err
                self._notify(ConnectionEvent(False, err))
                return False
            except E27Error as err:
                _LOGGER.debug("%s: reconnect attempt %d failed: %s", self.name, self._backoff.attempts, err)
                self.last_error = err
                continue
            _LOGGER.info("%s: connection to the panel restored", self.name)
            self._online(session)
            if self._ready:
                self._notify(ConnectionEvent(True))
                if changed := diff(before, self.panel):
                    self._notify(PanelEvent(changed))
            return True

    # -- inbound messages ----------------------------------------------------------------------

    def _on_message(self, message: Message) -> None:
        changed = self._live.apply(message)
        if not self._ready:
            return
        if changed:
            self._notify(PanelEvent(frozenset(changed)))
        # A broadcast that changed nothing, or an area trouble, often accompanies zone
        # changes that were missed: re-read the bulk zone status (API.md §6).
        if (
            message.is_broadcast
            and message.domain == "area"
            and (message.command in ("get_trouble", "get_troubles") or not changed)
        ):
            self._resync_zones()

    def _notify(self, event: Event) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:
                _LOGGER.exception("%s: event listener failed", self.name)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _resync_zones(self) -> None:
        if self._zone_resync is not None and not self._zone_resync.done():
            self._zone_resync_again = True
            return
        self._zone_resync = self._spawn(self._run_zone_resync())

    async def _run_zone_resync(self) -> None:
        self._zone_resync_again = True
        while self._zone_resync_again and self.connected and self._session is not None:
            self._zone_resync_again = False
            with contextlib.suppress(E27Error):
                await Bootstrap(self._session, self._live, self.name).zones()

    def _refresh_zone_details(self, session: Session) -> None:
        """Right after ready, read the zones whose radio fields the bulk status cannot carry.

        After a fresh zone download that is every zone (which are wireless is not known
        yet), afterwards only the wireless ones; changes are announced as they arrive.
        """
        if (zone := self._configs.get("zone")) is not None and self._live.configured("zone"):
            self._spawn(self._zone_details(session, zone))

    async def _zone_details(self, session: Session, zone: DomainConfig) -> None:
        try:
            wireless = await Bootstrap(session, self._live, self.name).zone_details(zone.wireless)
        except E27Error as err:
            _LOGGER.debug("%s: zone detail refresh interrupted: %s", self.name, err)
            return
        if zone.wireless is None:  # learnt once per zone configuration; kept in the cache
            zone.wireless = wireless

    async def _check_config(self, session: Session, interval: float) -> None:
        while session.connected:
            await asyncio.sleep(interval)
            before = self.panel
            try:
                run = Bootstrap(session, self._live, self.name)
                configs = await run.config(self._configs)
                reloaded = any(configs[name] is not self._configs.get(name) for name in configs)
                self._configs = configs
                if reloaded:
                    _LOGGER.info("%s: panel configuration changed; resynchronising", self.name)
                    await run.state()
                    self._refresh_zone_details(session)
            except E27Error as err:
                _LOGGER.debug("%s: configuration check failed: %s", self.name, err)
                continue
            if changed := diff(before, self.panel):
                self._notify(PanelEvent(changed))

    async def async_refresh(self) -> None:
        """Re-read every runtime status from the panel (the configuration stays as it is).

        The panel pushes its changes, so this is only needed when something may have been
        missed; listeners hear what changed. Raises E27ConnectionError when not connected.
        """
        await Bootstrap(self._require_session(), self._live, self.name).state()

    # -- commands ------------------------------------------------------------------------------

    def _require_session(self) -> Session:
        if not self.connected or self._session is None:
            raise E27ConnectionError(f"{self.name}: not connected to the panel")
        return self._session

    async def _command(self, body: Body, reread: Reread, pin: int | None = None) -> Message:
        """Send one write (never re-sent), then re-read the state it affects.

        A timeout leaves the outcome unknown: the state is re-read in the background
        and the timeout raised. A refusal raises E27CommandError whose text never
        carries the PIN.
        """
        session = self._require_session()
        try:
            reply = await session.request_body(body)
        except E27TimeoutError:
            self._spawn(self._reread(session, reread))
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
        """Bypass every open zone of the area, then arm (API.md §8.3).

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
