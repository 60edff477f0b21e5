"""The public facade: connect and bootstrap to ready, a live model, commands, events, reconnect.

One client owns at most one Session at a time. Every inbound message — reply or
broadcast — is applied to the LiveModel in arrival order; listeners hear what changed.
When the session dies the client tells listeners, reconnects with capped exponential
backoff, resynchronises and tells them again. It never gives up: when the panel refuses the
link, or has answered nothing readable after hello for minutes (LinkTrouble), listeners hear
E27ProvisioningRequired once per outage and the client goes on trying.
No task of the client dies silently: an unexpected exception anywhere ends the session
with an E27ProtocolError and the usual reconnect follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from .actions import ClientActions
from .bootstrap import Bootstrap, BootstrapStats, DomainConfig, bootstrap, dump_cache, load_cache
from .errors import (
    E27CommandError,
    E27ConnectionError,
    E27Error,
    E27LinkKeyDoubtError,
    E27ProtocolError,
    E27ProvisioningRequired,
)
from .eventlog import LogEntry, parse_index, parse_list
from .linking import LinkCredentials
from .listeners import Listeners
from .live import LiveModel, diff
from .messages import ClientIdentity, Message
from .model import ConnectionEvent, Panel, PanelEvent
from .reconnect import ClientTiming, LinkTrouble
from .session import Session
from .tasks import TaskSet, unexpected

_LOGGER = logging.getLogger(__package__)

type Event = PanelEvent | ConnectionEvent
# Log entries asked for per log.get_list request (the panel keeps a reply under one frame).
LOG_PAGE: Final = 10
_EPOCH: Final = datetime.min.replace(tzinfo=UTC)
type Listener = Callable[[Event], None]


class E27Client(ClientActions):
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
        link_trouble: LinkTrouble | None = None,
        **timing_overrides: float | None,
    ) -> None:
        self.timing = ClientTiming.from_overrides(timing_overrides)
        self._link_trouble = link_trouble if link_trouble is not None else LinkTrouble()
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
        self._listeners = Listeners[Event](self.name, "event")
        self._log_listeners = Listeners[int](self.name, "log index")
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks = TaskSet(self.name)
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
        return self._listeners.add(callback)

    def subscribe_log_index(self, callback: Callable[[int], None]) -> Callable[[], None]:
        """Call callback with the newest log id whenever the panel pushes its log index; returns an unsubscribe."""
        return self._log_listeners.add(callback)

    def export_cache(self) -> dict[str, Any]:
        """The downloaded configuration with its CSMs, JSON-serialisable, for `cache=` at the next start."""
        return dump_cache(self._configs)

    # -- connect and close ---------------------------------------------------------------------

    async def async_connect(self) -> None:
        """Connect and bootstrap to ready; afterwards the client keeps itself connected until async_close.

        Raises E27ProvisioningRequired (link again: the panel refused our link, or has not
        accepted our link key for minutes: E27LinkKeyDoubtError), E27ConnectionError or E27TimeoutError (retry later), or
        E27ProtocolError (the panel broke the protocol; retry later). Never anything else.
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
        supervisor = [self._supervisor] if self._supervisor is not None else []
        for task in supervisor:
            task.cancel()
        await asyncio.gather(*supervisor, self._tasks.cancel_and_wait(), return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _new_session(self) -> Session:
        linkkey = self._credentials.linkkey if self._credentials is not None else None
        session = Session(
            self.host, self.port, self._identity, linkkey, name=self.name, **self.timing.session_options()
        )
        session.add_message_listener(lambda message: self._on_message(session, message), replies=True)
        return session

    async def _open(self) -> Session:
        """A new session, bootstrapped; on any failure it is closed again and only an E27Error raised."""
        started = time.monotonic()
        try:
            session, configs, requests = await self._connect_and_bootstrap()
        except E27Error:
            raise
        except Exception as err:
            _LOGGER.debug("%s: unexpected error while connecting", self.name, exc_info=True)
            raise E27ProtocolError(f"unexpected {type(err).__name__} while connecting: {err}") from err
        cached = tuple(name for name, config in configs.items() if self._configs.get(name) is config)
        self._configs = configs
        self._link_trouble.clear()
        self.last_bootstrap = BootstrapStats(requests, time.monotonic() - started, cached)
        _LOGGER.debug("%s: ready after %d requests in %.2f s", self.name, requests, self.last_bootstrap.seconds)
        return session

    async def _connect_and_bootstrap(self) -> tuple[Session, dict[str, DomainConfig], int]:
        session = self._new_session()
        try:
            await session.connect()
            try:
                configs, requests = await bootstrap(session, self._live, self._configs, self.name)
            except E27Error:
                if not session.link_suspect:
                    raise
                await session.close()
                session = await self._confirm_link()
                configs, requests = await bootstrap(session, self._live, self._configs, self.name)
        except BaseException:
            await session.close()
            raise
        return session, configs, requests

    async def _confirm_link(self) -> Session:
        """Hello worked but nothing the panel sent could be opened: check once more on a fresh session.

        If the panel again answers nothing our session key opens, it may not hold our link key
        (it cannot say so: hello looks fine to both sides), or it may be busy. That is one piece
        of LinkTrouble evidence; only conclusive evidence raises E27LinkKeyDoubtError, otherwise
        it is a connection problem like any other. A missing greeting or hello is too.
        """
        _LOGGER.debug("%s: no readable answer after hello; checking the link key on a fresh session", self.name)
        session = self._new_session()
        try:
            await session.connect()
            with contextlib.suppress(E27CommandError):  # any answer proves the key
                await session.request("system", "r_u_alive", timeout=self.timing.link_check_timeout)
        except BaseException as err:
            await session.close()
            if isinstance(err, E27Error) and session.link_suspect:
                trouble = self._link_trouble
                if trouble.add():
                    raise E27LinkKeyDoubtError(
                        f"the panel has answered nothing readable after hello {trouble.count} times in a row "
                        f"over {trouble.window:g} s or more: it no longer accepts this link key; link again"
                    ) from err
                raise E27ConnectionError(
                    "the panel accepted hello but answered nothing readable (busy, or not holding this "
                    f"client's link key: check {trouble.count} of {trouble.attempts})"
                ) from err
            raise
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
                self._spawn(session, self._check_config(session, self.timing.config_check_interval))
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
            try:
                await self._drop_session()
                await self._reconnect()
            except Exception as err:
                # The supervisor must outlive anything: without it the client stays offline for ever.
                _LOGGER.warning(
                    "%s: unexpected %s while reconnecting: %s; trying again", self.name, type(err).__name__, err
                )
                _LOGGER.debug("%s: unexpected error in the reconnect supervisor", self.name, exc_info=True)
                self._ready = False
                self._lost.set()
                await asyncio.sleep(self._backoff.next_delay())

    async def _drop_session(self) -> None:
        await self._tasks.cancel_and_wait()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def _reconnect(self) -> None:
        """Retry with backoff until ready; never give up.

        Connection failures are logged at DEBUG (the loss was the WARNING); the first
        protocol failure of an outage at WARNING, with its reason. When the panel refuses the
        link (or LinkTrouble is conclusive) listeners hear E27ProvisioningRequired, once per
        outage, and the retries go on: a new link, or a panel that answers again, ends them.
        """
        before = self.panel
        self._backoff.reset()
        reported = relink_reported = False
        while True:
            await asyncio.sleep(self._backoff.next_delay())
            try:
                session = await self._open()
            except E27ProvisioningRequired as err:
                self.last_error = err
                if not relink_reported:
                    relink_reported = True
                    _LOGGER.warning(
                        "%s: the panel does not accept this client's link: %s; still trying", self.name, err
                    )
                    self._notify(ConnectionEvent(False, err))
                await asyncio.sleep(self.timing.relink_retry_interval)
                continue
            except E27Error as err:
                level = logging.DEBUG
                if isinstance(err, E27ProtocolError) and not reported:
                    level, reported = logging.WARNING, True
                _LOGGER.log(level, "%s: reconnect attempt %d failed: %s", self.name, self._backoff.attempts, err)
                self.last_error = err
                continue
            _LOGGER.info("%s: connection to the panel restored", self.name)
            self._online(session)
            if self._ready:
                self._notify(ConnectionEvent(True))
                if changed := diff(before, self.panel):
                    self._notify(PanelEvent(changed))
            return

    # -- inbound messages ----------------------------------------------------------------------

    def _on_message(self, session: Session, message: Message) -> None:
        try:
            self._apply(message)
        except Exception as err:
            # The reason is logged once at WARNING (by the connection-loss report), the traceback at DEBUG.
            session.abort(unexpected(self.name, "applying a message from the panel", err))

    def _apply(self, message: Message) -> None:
        changed = self._live.apply(message)
        if not self._ready:
            return
        # docs/api.md §4.12: the log index may be pushed (instead of, or besides, the reply).
        if (
            message.is_broadcast
            and message.domain == "log"
            and message.command == "get_index"
            and (newest := parse_index(message.body)) is not None
        ):
            self._log_listeners.notify(newest)
        if changed:
            self._notify(PanelEvent(frozenset(changed)))
        # A broadcast that changed nothing, or an area trouble, often accompanies zone
        # changes that were missed: re-read the bulk zone status (docs/api.md §6).
        if (
            message.is_broadcast
            and message.domain == "area"
            and (message.command in ("get_trouble", "get_troubles") or not changed)
        ):
            self._resync_zones()

    def _notify(self, event: Event) -> None:
        self._listeners.notify(event)

    def _spawn(self, session: Session, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[None]:
        """A background task working on session; an unexpected exception in it ends that session.

        The reason is logged once at WARNING (by the connection-loss report, or by the
        session), the traceback at DEBUG.
        """
        return self._tasks.spawn(coro, f"a background task ({getattr(coro, '__qualname__', 'task')})", session.abort)

    def _resync_zones(self) -> None:
        if self._zone_resync is not None and not self._zone_resync.done():
            self._zone_resync_again = True
            return
        if self._session is not None:
            self._zone_resync = self._spawn(self._session, self._run_zone_resync())

    async def _run_zone_resync(self) -> None:
        self._zone_resync_again = True
        while self._zone_resync_again and self.connected and self._session is not None:
            self._zone_resync_again = False
            with contextlib.suppress(E27Error):
                await Bootstrap(self._session, self._live, self.name).zones()

    def _refresh_zone_details(self, session: Session) -> None:
        """After ready, sweep the zones whose radio fields the bulk status cannot carry.

        After a fresh zone download that is every zone (which are wireless is not known
        yet), afterwards only the wireless ones; changes are announced as they arrive. The
        sweep is paced (timing.radio_sweep_pace between reads) and never delays a command:
        each read queues for the request slot only after the previous one is answered, so
        a command waits for at most the one read in flight.
        """
        if (zone := self._configs.get("zone")) is not None and self._live.configured("zone"):
            self._spawn(session, self._zone_details(session, zone))

    async def _zone_details(self, session: Session, zone: DomainConfig) -> None:
        try:
            run = Bootstrap(session, self._live, self.name)
            wireless = await run.zone_details(zone.wireless, self.timing.radio_sweep_pace)
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
                configs = await run.config(self._configs, read_name=False)
                reloaded = any(configs[name] is not self._configs.get(name) for name in configs)
                self._configs = configs
                if reloaded:
                    _LOGGER.info("%s: panel configuration changed; resynchronising", self.name)
                    await run.state(configs["zone"].wireless)
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
        zone = self._configs.get("zone")
        await Bootstrap(self._require_session(), self._live, self.name).state(zone.wireless if zone else None)

    # -- the panel's event log (docs/api.md §4.12) -------------------------------------------------

    async def async_log_index(self) -> int | None:
        """The id of the newest log entry (None if the panel's reply does not say)."""
        reply = await self._require_session().request("log", "get_index")
        return parse_index(reply.body)

    async def async_read_log(self, since: datetime | None, after: int | None, limit: int) -> list[LogEntry]:
        """The log entries newer than the one last seen (its time since and id after), oldest first; at most limit.

        Reads pages of LOG_PAGE entries newest first (each page starts below the oldest id of
        the one before) and stops at the first entry already seen, at limit, or when a page
        brings nothing new. Ids may restart when the log wraps: an entry is new when its time
        is later than since, or the same second with a higher id. Without since (nothing seen
        yet) only the newest limit entries are returned.
        """
        session = self._require_session()
        date = int(since.timestamp()) if since is not None else 0
        found: dict[int, LogEntry] = {}
        start = 0
        while len(found) < limit:
            count = min(LOG_PAGE, limit - len(found))
            reply = await session.request("log", "get_list", {"start": start, "date": date, "cnt": count})
            page = parse_list(reply.body)
            new = [entry for entry in page if _newer(entry, since, after) and entry.id not in found]
            for entry in new[: limit - len(found)]:
                found[entry.id] = entry
            if len(new) < len(page) or not new or len(page) < count:
                break  # reached what was seen, or the panel has no more
            start = min(entry.id for entry in page) - 1
            if start <= 0:
                break
        return sorted(found.values(), key=_log_order)

    # -- commands (the panel actions are in ClientActions) ----------------------------------------

    def _require_session(self) -> Session:
        if not self.connected or self._session is None:
            raise E27ConnectionError(f"{self.name}: not connected to the panel")
        return self._session


def _newer(entry: LogEntry, since: datetime | None, after: int | None) -> bool:
    """Whether a log entry comes after the last one seen (its time since, its id after)."""
    if since is None or after is None:
        return True
    if entry.time is None:  # no believable time: only the id can tell
        return entry.id > after
    return entry.time > since or (entry.time == since and entry.id > after)


def _log_order(entry: LogEntry) -> tuple[datetime, int]:
    return (entry.time or _EPOCH, entry.id)
