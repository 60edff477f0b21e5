"""The panel's own event log in Home Assistant's logbook: each new entry once, at the panel's time.

The panel keeps a log of what happened (arming, alarms, troubles, …; docs/api.md §4.12).
It may push its log index; the index (one small read) is also polled once a minute, for panels that do not.
When it moves, the entries newer than the last one told are read (at most LOG_READ_MAX at
once) and fired as `elke27_panel_log` events, which logbook.py describes. The last entry
told is stored, so a restart or reload does not tell an entry again; on the very first
start the log's past is not told. Texts are shown as the panel wrote them; an arm or
disarm that names its user tells who armed at a keypad or another app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .e27 import E27Client, E27CommandError, E27Error, LogAction, LogArming, LogEntry, Panel, parse_arming
from .texts import area_named

# Fired once per new log entry, for the logbook (logbook.py describes it) and for automations.
EVENT_PANEL_LOG: Final = f"{DOMAIN}_panel_log"
LOG_POLL_INTERVAL: Final = timedelta(minutes=1)
# Entries read and told at once: after a long outage only the newest are told.
LOG_READ_MAX: Final = 50
STORE_VERSION: Final = 1


def log_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where the last log entry told is remembered across restarts and reloads."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.{entry_id}.panel_log")


class LogOwner(Protocol):
    """What the log needs of the panel's coordinator: its client, model, entry, and where a user is learnt."""

    @property
    def name(self) -> str: ...
    @property
    def client(self) -> E27Client | None: ...
    @property
    def data(self) -> Panel: ...
    @property
    def config_entry(self) -> ConfigEntry[Any]: ...
    @property
    def panel_device_id(self) -> str | None: ...
    def unique_id(self, key: str, element_id: int) -> str: ...
    def async_learn_user(self, area_id: int, armed: bool, user: str) -> None: ...


class PanelLog:
    """Reads the panel's log when its index moves and tells the new entries once."""

    def __init__(self, hass: HomeAssistant, coordinator: LogOwner) -> None:
        """Nothing is read until async_start."""
        self.hass = hass
        self.coordinator = coordinator
        self._store = log_store(hass, coordinator.config_entry.entry_id)
        self._lock = asyncio.Lock()
        self._seen_id: int | None = None
        self._seen_time: datetime | None = None
        self._newest: int | None = None
        self._started = False
        self._reading: asyncio.Task[None] | None = None
        self._again = False
        # False once the panel refused the log commands: nothing is read any more.
        self.available = True

    async def async_start(self) -> Callable[[], None]:
        """Remember what was told before, then follow the index; returns the function that stops it."""
        stored = await self._async_load()
        if stored is not None:
            self._seen_id, self._newest = _int(stored.get("id")), _int(stored.get("newest"))
            self._seen_time = dt_util.parse_datetime(str(stored["time"])) if stored.get("time") else None
            self._started = self._seen_id is not None
        client = self.coordinator.client
        assert client is not None
        stops = [
            client.subscribe_log_index(self._async_on_index),
            async_track_time_interval(self.hass, self._async_poll, LOG_POLL_INTERVAL, cancel_on_shutdown=True),
        ]

        def stop() -> None:
            for stop_one in stops:
                stop_one()

        return stop

    async def _async_load(self) -> dict[str, Any] | None:
        try:
            return await self._store.async_load()
        except Exception:  # only a mark: without it the log's past is simply not told
            LOGGER.debug("%s: ignoring an unreadable panel log mark", self.coordinator.name, exc_info=True)
            return None

    @callback
    def _async_on_index(self, newest: int) -> None:
        if newest != self._newest:
            self._async_schedule(newest)

    @callback
    def _async_poll(self, now: datetime) -> None:
        self._async_schedule(None)

    @callback
    def async_schedule_update(self) -> None:
        """Read the log soon (after a connect or reconnect)."""
        self._async_schedule(None)

    @callback
    def _async_schedule(self, newest: int | None) -> None:
        """Read soon; while a read is under way, once more after it (however often the panel pushes)."""
        if not self.available:
            return
        if self._reading is not None:
            self._again = True
            return
        self._reading = self.coordinator.config_entry.async_create_background_task(
            self.hass, self._async_read(newest), "elke27 panel log"
        )

    async def _async_read(self, newest: int | None) -> None:
        try:
            await self.async_update(newest)
            while self._again:
                self._again = False
                await self.async_update()
        finally:
            self._reading = None

    async def async_update(self, newest: int | None = None, *, force: bool = False) -> list[LogArming]:
        """Tell the entries added since the last one told; returns the arms and disarms among them.

        newest: the index the panel pushed (None: read it). force: read the entries even if
        the index did not move (an arm or disarm was just seen). Never raises.
        """
        client = self.coordinator.client
        if not self.available or client is None or not client.connected:
            return []
        async with self._lock:
            try:
                if newest is None:
                    newest = await client.async_log_index()
                if newest is not None and newest == self._newest and not force:
                    return []
                if not self._started:  # the first start: the log's past is not told
                    entries = await client.async_read_log(None, None, 1)
                    await self._async_remember(newest, entries)
                    self._started = True
                    return []
                entries = await client.async_read_log(self._seen_time, self._seen_id, LOG_READ_MAX)
            except E27CommandError as err:
                LOGGER.info(
                    "%s: the panel does not give its event log (%s); not reading it", self.coordinator.name, err
                )
                self.available = False
                return []
            except E27Error as err:
                LOGGER.debug("%s: reading the panel's log failed: %s", self.coordinator.name, err)
                return []
            await self._async_remember(newest, entries)
        return [arming for entry in entries if (arming := self._tell(entry)) is not None]

    async def _async_remember(self, newest: int | None, entries: list[LogEntry]) -> None:
        """Keep the index and the last entry told, on disk too (a reload follows at once on a change)."""
        self._newest = newest
        if entries:
            self._seen_id, self._seen_time = entries[-1].id, entries[-1].time
        data = {
            "id": self._seen_id,
            "time": self._seen_time.isoformat() if self._seen_time else None,
            "newest": newest,
        }
        await self._store.async_save(data)

    @callback
    def _tell(self, entry: LogEntry) -> LogArming | None:
        """Fire one entry for the logbook (at the panel's time); an arm or disarm naming its user is learnt."""
        coordinator = self.coordinator
        arming = parse_arming(entry.text)
        area_id = area_named(coordinator.data, arming.area) if arming is not None else None
        entity_id = None
        if area_id is not None:
            entity_id = er.async_get(self.hass).async_get_entity_id(
                "alarm_control_panel", DOMAIN, coordinator.unique_id("area", area_id)
            )
        data: dict[str, Any] = {
            "name": coordinator.config_entry.title,
            "message": entry.text,
            "log_id": entry.id,
            "entity_id": entity_id,
            "device_id": coordinator.panel_device_id,
            "area_id": area_id,
            "user": arming.user if arming is not None else None,
            "keypad": arming.keypad if arming is not None else None,
        }
        when = entry.time.timestamp() if entry.time is not None else None
        self.hass.bus.async_fire(EVENT_PANEL_LOG, data, time_fired=when)
        if arming is None or area_id is None or arming.user is None:
            return None
        coordinator.async_learn_user(area_id, arming.action is LogAction.ARM, arming.user)
        return arming


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
