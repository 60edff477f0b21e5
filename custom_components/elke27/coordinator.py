"""One push coordinator per panel: owns the E27 client and turns pushed changes into entity updates."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .area_events import AreaEvent, AreaEventType, AreaTracker, Intent, Source
from .const import CONF_MAC, DEFERRED_ENTITY_KEYS, DOMAIN, LOGGER
from .e27 import (
    ArmState,
    ConnectionEvent,
    E27Client,
    E27CommandError,
    E27Error,
    E27LinkKeyDoubtError,
    E27ProvisioningRequired,
    LinkTrouble,
    Panel,
    PanelEvent,
)
from .e27.const import ErrorCode
from .entry_data import client_identity, entity_unique_id, link_credentials
from .helpers import not_ready_error
from .panel_log import PanelLog
from .texts import area_named, event_message, zone_device_name
from .troubles import RepairIssues

type Elke27ConfigEntry = ConfigEntry[Elke27Coordinator]
# One element of the panel model, as the client names what changed: ("zone", 7), ("area", 1),
# ("panel", 0) for the panel-wide fields (troubles, version, name).
type ElementKey = tuple[str, int]
PANEL: Final[ElementKey] = ("panel", 0)

STORAGE_VERSION = 1
# Fired for every area event, for automations (with the event told in a sentence, `message`). It is not
# described to the logbook: the event entity's typed event is the one logbook line of each area event.
EVENT_AREA: Final = f"{DOMAIN}_event"
HOME_ASSISTANT: Final = "Home Assistant"
# How long an arm or disarm done at the panel waits for the panel's log to say who did it.
LOG_WAIT: Final = 5.0
# The area events that tell who armed or disarmed.
_WHO_EVENTS: Final = frozenset(
    {AreaEventType.EXIT_DELAY, AreaEventType.ARMED, AreaEventType.AUTO_STAY, AreaEventType.DISARMED}
)
# Evidence about each entry's link key, kept across setup retries (each makes a new client)
# until a session works or the entry is removed.
_LINK_TROUBLE: dict[str, LinkTrouble] = {}
# A panel unreachable for longer than this gets a repair issue (gone by itself once it is back):
# entities are unavailable meanwhile, but an owner looks at the Overview's "All secure" too.
UNREACHABLE_REPAIR_DELAY: Final = timedelta(minutes=5)
ISSUE_UNREACHABLE: Final = "panel_unreachable"
# Since when each entry's panel has been unreachable (kept across setup retries).
_UNREACHABLE_SINCE: dict[str, datetime] = {}


def unreachable_issue_id(entry_id: str) -> str:
    """The repair issue raised while the entry's panel stays unreachable."""
    return f"{entry_id}_{ISSUE_UNREACHABLE}"


@callback
def async_panel_unreachable(hass: HomeAssistant, entry: ConfigEntry) -> datetime:
    """Note that the panel cannot be reached; raise the repair once that has lasted UNREACHABLE_REPAIR_DELAY.

    Returns when the panel must be checked again for the repair to appear on time.
    """
    now = dt_util.utcnow()
    since = _UNREACHABLE_SINCE.setdefault(entry.entry_id, now)
    due = since + UNREACHABLE_REPAIR_DELAY
    if now >= due:
        ir.async_create_issue(
            hass,
            DOMAIN,
            unreachable_issue_id(entry.entry_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_UNREACHABLE,
            translation_placeholders={
                "name": entry.title,
                "since": dt_util.as_local(since).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return due


@callback
def async_panel_reachable(hass: HomeAssistant, entry_id: str) -> None:
    """The panel answers: forget the outage and withdraw its repair."""
    _UNREACHABLE_SINCE.pop(entry_id, None)
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry_id))


def forget_entry(entry_id: str) -> None:
    """Drop what is kept for an entry across its setups (link-key evidence, outage start): it was removed."""
    _LINK_TROUBLE.pop(entry_id, None)
    _UNREACHABLE_SINCE.pop(entry_id, None)


def cache_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where the panel's downloaded configuration is kept, so a restart reconnects warm."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.panel_config")


class Elke27Coordinator(DataUpdateCoordinator[Panel]):
    """Holds the live panel model; never polls, the panel pushes (a refresh re-reads its state)."""

    config_entry: Elke27ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: Elke27ConfigEntry) -> None:
        """Prepare a client for the entry's panel; nothing connects yet."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, update_interval=None)
        self.mac: str = entry.data[CONF_MAC]
        self._store = cache_store(hass, entry.entry_id)
        self.client: E27Client | None = None
        self._inventory: dict[str, frozenset[int]] = {}
        # Unique ids of the entities the platforms created for the current panel model.
        self.entity_unique_ids: set[str] = set()
        # The element each of those entities shows (("panel", 0) for the panel's own).
        self.entity_elements: dict[str, ElementKey] = {}
        # Called when elements were added to or removed from the panel: the platforms add the new ones' entities.
        self._inventory_listeners: list[CALLBACK_TYPE] = []
        # Called when any element of a kind changed (entities that exist only once a reading appears).
        self._kind_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        # The panel's device registry id, once setup has registered it: other devices hang off it.
        self.panel_device_id: str | None = None
        self.areas = AreaTracker()
        self._area_listeners: dict[int, list[Callable[[AreaEvent], None]]] = {}
        self.repairs = RepairIssues(hass, entry.entry_id, entry.title)
        # Entities listen to the elements they show: a pushed change writes only theirs.
        self._element_listeners: dict[ElementKey, list[CALLBACK_TYPE]] = {}
        self._changed: set[ElementKey] = set()
        self._events: list[AreaEvent] = []
        self._flush: asyncio.Handle | None = None
        self._unreachable_check: CALLBACK_TYPE | None = None
        self.panel_log: PanelLog | None = None
        # Area events waiting for the panel's log to say who armed or disarmed, told in order.
        self._held: list[AreaEvent] = []
        self._held_task: asyncio.Task[None] | None = None

    async def async_start(self) -> None:
        """Connect and bootstrap; map backend failures to what Home Assistant should do next."""
        entry = self.config_entry
        client = E27Client(
            entry.data[CONF_HOST],
            entry.data[CONF_PORT],
            client_identity(entry.data),
            link_credentials(entry.data),
            name=entry.title,
            cache=await self._async_load_cache(),
            link_trouble=_LINK_TROUBLE.setdefault(entry.entry_id, LinkTrouble()),
        )
        try:
            await client.async_connect()
        except E27LinkKeyDoubtError as err:
            # Probably a lost link, but the panel could still be merely busy: offer the new link
            # and keep retrying setup; a session that works withdraws the offer.
            await client.async_close()
            entry.async_start_reauth(self.hass)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="link_doubt",
                translation_placeholders={"name": entry.title},
            ) from err
        except E27ProvisioningRequired as err:
            await client.async_close()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="link_refused",
                translation_placeholders={"name": entry.title},
            ) from err
        except E27Error as err:
            await client.async_close()
            async_panel_unreachable(self.hass, entry)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"name": entry.title, "error": str(err)},
            ) from err
        except Exception as err:
            # A defect (ours or the panel's): logged with its traceback so that it can be reported.
            # Trying again later is still right; a setup error would never retry.
            LOGGER.exception("%s: unexpected error while connecting", entry.title)
            await client.async_close()
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="unexpected_error",
                translation_placeholders={"name": entry.title, "error": f"{type(err).__name__}: {err}"},
            ) from err
        self.client = client
        _LINK_TROUBLE.pop(entry.entry_id, None)
        async_panel_reachable(self.hass, entry.entry_id)
        entry.async_on_unload(self._async_cancel_unreachable_check)
        # Unloaded, nothing would withdraw the repair any more.
        entry.async_on_unload(lambda: async_panel_reachable(self.hass, entry.entry_id))
        self._async_withdraw_reauth()
        self._inventory = _inventory(client.panel)
        entry.async_on_unload(client.subscribe(self._async_on_event))
        entry.async_on_unload(self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_stop))
        entry.async_on_unload(self.repairs.close)
        self.areas.update(None, client.panel, dt_util.utcnow())
        self.repairs.update(client.panel)
        self.async_set_updated_data(client.panel)
        self._async_save_cache()
        self.panel_log = PanelLog(self.hass, self)
        entry.async_on_unload(await self.panel_log.async_start())
        self.panel_log.async_schedule_update()

    async def _async_load_cache(self) -> dict[str, Any] | None:
        """The configuration the client saved last time; without it (unreadable file) it just reads the panel."""
        try:
            return await self._store.async_load()
        except Exception:  # the cache only saves requests: never a reason not to start
            LOGGER.warning("%s: ignoring an unreadable cache of the panel's configuration", self.name)
            LOGGER.debug("%s: cache read error", self.name, exc_info=True)
            return None

    async def async_shutdown(self) -> None:
        """Save what the client learnt since connecting and close the session (unload, HA stop)."""
        await super().async_shutdown()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self.client is not None:
            await self.client.async_close()
            await self._store.async_save(self.client.export_cache())

    async def _async_update_data(self) -> Panel:
        """Re-read the panel's state: only on request (homeassistant.update_entity), never on a timer."""
        client = self.client
        if client is None or not client.connected:
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="not_connected")
        try:
            await client.async_refresh()
        except E27Error as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        return client.panel

    async def _async_on_stop(self, event: Event) -> None:
        await self.async_shutdown()

    @callback
    def _async_on_event(self, event: PanelEvent | ConnectionEvent) -> None:
        # The client logs the loss (WARNING, once) and the return (INFO); here we only react.
        assert self.client is not None
        if isinstance(event, PanelEvent):
            self._async_on_change(event.changed)
            return
        if event.connected:
            # Back online: the whole model may differ from before the loss, and every entity is available again.
            self._async_withdraw_reauth()
            self._async_cancel_unreachable_check()
            async_panel_reachable(self.hass, self.config_entry.entry_id)
            self._async_on_change(frozenset(), whole=True)
            self.last_update_success = True
            self.async_update_listeners()
            self._async_flush()
            self._async_save_cache()
            if self.panel_log is not None:
                self.panel_log.async_schedule_update()
            return
        if isinstance(event.error, E27ProvisioningRequired):
            self.config_entry.async_start_reauth(self.hass)
        elif self._unreachable_check is None:
            self._async_check_unreachable()
        # Not async_set_update_error: that logs at ERROR on top of the client's WARNING.
        self.last_update_success = False
        self.async_update_listeners()

    @callback
    def _async_check_unreachable(self, _now: datetime | None = None) -> None:
        """While the client cannot reach the panel: raise the repair when the outage is long enough."""
        self._unreachable_check = None
        client = self.client
        if client is None or client.connected:
            return
        due = async_panel_unreachable(self.hass, self.config_entry)
        if (delay := (due - dt_util.utcnow()).total_seconds()) > 0:
            self._unreachable_check = async_call_later(self.hass, delay, self._async_check_unreachable)

    @callback
    def _async_cancel_unreachable_check(self) -> None:
        if self._unreachable_check is not None:
            self._unreachable_check()
            self._unreachable_check = None

    @callback
    def _async_withdraw_reauth(self) -> None:
        """A session works with the stored link: a pending offer to link again is not needed any more."""
        for flow in self.config_entry.async_get_active_flows(self.hass, {SOURCE_REAUTH}):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    @callback
    def _async_save_cache(self) -> None:
        assert self.client is not None
        self.config_entry.async_create_background_task(
            self.hass, self._store.async_save(self.client.export_cache()), "elke27 save panel config"
        )

    @callback
    def _async_on_change(self, changed: frozenset[ElementKey], *, whole: bool = False) -> None:
        """Take the client's new snapshot; its elements' entities are written at the end of this loop tick.

        A burst of messages read together is written once. Area events are worked out from
        every snapshot (an exit delay must not be lost in a burst) and told after the writes.
        whole: the snapshot may differ anywhere (a reconnect); the caller writes every entity.
        """
        assert self.client is not None
        panel = self.client.panel
        before = self.data
        inventory_changed = (whole or self._inventory_changed(changed, panel)) and _inventory(panel) != self._inventory
        if whole or any(kind == "area" for kind, _ in changed):
            self._events += self.areas.update(before, panel, dt_util.utcnow())
        if whole or PANEL in changed:
            self.repairs.update(panel)
        self.data = panel
        self._changed |= changed | self._async_renamed(before, panel, changed, whole=whole)
        if inventory_changed:
            self._async_inventory_changed(panel)
        if not self.last_update_success and not whole:
            # A push after a failed refresh: the panel answers again, every entity is available.
            self.last_update_success = True
            self.async_update_listeners()
        if self._flush is None:
            self._flush = self.hass.loop.call_soon(self._async_flush)

    @callback
    def _async_flush(self) -> None:
        """Write the entities of the elements that changed since the last flush, then tell the area events."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        changed, self._changed = self._changed, set()
        events, self._events = self._events, []
        updates: dict[CALLBACK_TYPE, None] = {}  # each listener once, in order
        for key in changed:
            updates |= dict.fromkeys(self._element_listeners.get(key, ()))
        for kind in dict.fromkeys(kind for kind, _ in changed):
            updates |= dict.fromkeys(self._kind_listeners.get(kind, ()))
        for update in updates:
            update()
        if self._held or any(self._needs_user(event) for event in events):
            self._held += events
            if self._held_task is None:
                self._held_task = self.config_entry.async_create_background_task(
                    self.hass, self._async_tell_held(), "elke27 who armed"
                )
            return
        for event in events:
            self._async_tell(event)

    def _needs_user(self, event: AreaEvent) -> bool:
        """An arm or disarm done at the panel: its log may say who, so the event waits for it."""
        return (
            self.panel_log is not None
            and self.panel_log.available
            and event.type in _WHO_EVENTS
            and event.data.get("source") == Source.PANEL
            and event.data.get("user") is None
        )

    async def _async_tell_held(self) -> None:
        """Read the panel's log once for the held events, then tell them (and any held meanwhile) in order."""
        try:
            while self._held:
                learnt: dict[tuple[int, bool], str] = {}
                if self.panel_log is not None and any(self._needs_user(event) for event in self._held):
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(LOG_WAIT):
                            for arming in await self.panel_log.async_update(force=True):
                                if (
                                    arming.user is not None
                                    and (area_id := area_named(self.data, arming.area)) is not None
                                ):
                                    learnt[(area_id, arming.action == "arm")] = arming.user
                events, self._held = self._held, []
                for event in events:
                    self._async_tell(_with_user(event, learnt) if self._needs_user(event) else event)
        finally:
            self._held_task = None

    @callback
    def async_learn_user(self, area_id: int, armed: bool, user: str) -> None:
        """The panel's log named who armed or disarmed an area at the panel: the alarm panel's changed_by says so."""
        if self.areas.learn_user(area_id, armed=armed, user=user):
            for update in tuple(self._element_listeners.get(("area", area_id), ())):
                update()

    def _inventory_changed(self, changed: frozenset[ElementKey], panel: Panel) -> bool:
        """Whether a changed element was added to or removed from the panel (cheap: only the changed keys)."""
        for kind, element_id in changed:
            plural = _PLURALS.get(kind)
            if plural is not None and (element_id in getattr(panel, plural)) != (element_id in self._inventory[plural]):
                return True
        return False

    @callback
    def _async_inventory_changed(self, panel: Panel) -> None:
        """Elements were added to or removed on the panel: add and remove their entities and devices, no reload.

        Every other entity stays as it is (available, its state kept).
        """
        LOGGER.info("%s: the panel's configuration changed; updating its entities", self.name)
        self._inventory = _inventory(panel)
        self.async_remove_stale()
        for listener in tuple(self._inventory_listeners):
            listener()
        self._async_save_cache()

    @callback
    def _async_renamed(
        self, before: Panel | None, after: Panel, changed: frozenset[ElementKey], *, whole: bool
    ) -> set[ElementKey]:
        """Rename the devices of the elements the panel renamed; return the elements whose entities show those names.

        That is the renamed elements themselves (after a reconnect they are not among the
        changed ones) and the zones of a renamed area. The device registry keeps a name the
        user gave (name_by_user) over ours, and an entity's registry name over its own, so a
        rename in Home Assistant always wins.
        """
        if before is None:
            return set()
        if whole:
            changed = frozenset((kind, item) for kind, plural in _PLURALS.items() for item in getattr(after, plural))
        more: set[ElementKey] = set()
        for kind, element_id in changed:
            plural = _PLURALS.get(kind)
            if plural is None:
                continue
            old, new = getattr(before, plural).get(element_id), getattr(after, plural).get(element_id)
            if old is None or new is None or old.name == new.name:
                continue
            more.add((kind, element_id))
            self._async_rename_device(kind, element_id, zone_device_name(after, new) if kind == "zone" else new.name)
            if kind == "area":  # a zone's device carries its area's name, its entities not
                for zone in after.zones.values():
                    if zone.area_id == element_id:
                        more.add(("zone", zone.id))
                        self._async_rename_device("zone", zone.id, zone_device_name(after, zone))
        return more

    @callback
    def _async_rename_device(self, kind: str, element_id: int, name: str) -> None:
        """Give an element's device the panel's new name (a name the user gave it stays shown over it)."""
        devices = dr.async_get(self.hass)
        identifier = (DOMAIN, f"{self.mac}_{kind}_{element_id}")
        device = devices.async_get_device_by_identifier(identifier, self.config_entry.entry_id)
        if device is not None and device.name != name:
            devices.async_update_device(device.id, name=name)

    @callback
    def async_add_inventory_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever elements were added to or removed from the panel; returns the function that stops it."""
        self._inventory_listeners.append(listener)

        @callback
        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._inventory_listeners.remove(listener)

        return remove

    @callback
    def async_add_kind_listener(self, kind: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever a pushed change touches any element of one kind; returns the function that stops it."""
        listeners = self._kind_listeners.setdefault(kind, [])
        listeners.append(listener)

        @callback
        def remove() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return remove

    @callback
    def async_remove_stale(self) -> None:
        """Remove the entities and devices of elements that no longer exist on the panel."""
        entry = self.config_entry
        entities = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
            if not self.entity_is_current(entity.unique_id):
                LOGGER.debug("Removing %s, gone from the panel", entity.entity_id)
                entities.async_remove(entity.entity_id)
        registry = dr.async_get(self.hass)
        wanted = self.device_identifiers()
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if not any(identifier in wanted for identifier in device.identifiers):
                LOGGER.debug("Removing device %s, gone from the panel", device.name)
                registry.async_remove_device(device.id)

    @callback
    def async_add_element_listener(self, keys: Iterable[ElementKey], update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call update when a pushed change touches one of the elements; returns the function that stops it.

        Connection changes and refreshes still reach every entity through the coordinator's own listeners.
        """
        keys = tuple(dict.fromkeys(keys))
        for key in keys:
            self._element_listeners.setdefault(key, []).append(update)

        @callback
        def remove() -> None:
            for key in keys:
                listeners = self._element_listeners.get(key, [])
                with contextlib.suppress(ValueError):
                    listeners.remove(update)
                if not listeners:
                    self._element_listeners.pop(key, None)

        return remove

    @callback
    def _async_tell(self, event: AreaEvent) -> None:
        """Hand an area event to the area's event entity (its logbook line) and to automations (the bus event)."""
        for listener in tuple(self._area_listeners.get(event.area_id, ())):
            listener(event)
        area = self.data.areas[event.area_id]
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "alarm_control_panel", DOMAIN, self.unique_id("area", event.area_id)
        )
        data = {"entity_id": entity_id, "area_id": event.area_id, "area": area.name, "type": event.type.value}
        data |= dict(event.data) | {"message": event_message(self.hass, event)}
        self.hass.bus.async_fire(EVENT_AREA, data)

    @callback
    def async_add_area_listener(self, area_id: int, listener: Callable[[AreaEvent], None]) -> Callable[[], None]:
        """Call listener with every event of one area; returns the function that stops it."""
        listeners = self._area_listeners.setdefault(area_id, [])
        listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return remove

    @contextlib.asynccontextmanager
    async def async_commanding(self, area_id: int, arm_state: ArmState, context: Context | None) -> AsyncIterator[None]:
        """Around an arm or disarm command: the changes it causes are told as Home Assistant's (and whose).

        "Not ready" is answered with the zones that keep the area from arming.
        """
        user = None
        if context is not None and context.user_id is not None:
            found = await self.hass.auth.async_get_user(context.user_id)
            user = found.name if found is not None else None
        intent = Intent(arm_state, user)
        self.areas.expect(area_id, intent)
        try:
            yield
        except E27CommandError as err:
            if err.code == ErrorCode.NOT_READY:
                raise not_ready_error(self.data, area_id) from err
            raise
        finally:
            self.areas.forget(area_id, intent)

    def changed_by(self, area_id: int) -> str | None:
        """Who last armed or disarmed the area: a person or Home Assistant; at the panel, the user its log names."""
        changed = self.areas.changed_by(area_id)
        if changed is None:
            return None
        if changed[0] is not Source.HOME_ASSISTANT:
            return changed[1]
        return changed[1] or HOME_ASSISTANT

    def unique_id(self, key: str, element_id: int) -> str:
        """The unique id of an entity of one kind (its description key) for one panel element."""
        return entity_unique_id(self.mac, key, element_id)

    def element_id(self, unique_id: str, key: str) -> int | None:
        """The element id inside one of our unique ids of that kind, or None."""
        rest = unique_id.removeprefix(f"{self.mac}_{key}_")
        return int(rest) if rest != unique_id and rest.isdigit() else None

    def entity_is_current(self, unique_id: str) -> bool:
        """Whether an entity of this entry still belongs to an element of the panel.

        Entities that exist only once the panel reports a reading (a zone's radio, a
        thermostat's humidity or battery) count while their element exists, even if they
        were not created this time: they come back when the reading does.
        """
        element = self.entity_elements.get(unique_id)
        if element is not None:
            return self.element_exists(element)
        return any(
            (element_id := self.element_id(unique_id, key)) is not None and self.element_exists((kind, element_id))
            for key, kind in DEFERRED_ENTITY_KEYS.items()
        )

    def element_exists(self, element: ElementKey) -> bool:
        """Whether the element is on the panel now (the panel itself always is)."""
        kind, element_id = element
        plural = _PLURALS.get(kind)
        return plural is None or element_id in getattr(self.data, plural)

    def device_identifiers(self) -> set[tuple[str, str]]:
        """Identifiers of every device the current panel model should have."""
        panel = self.data
        ids = {(DOMAIN, self.mac)}
        ids |= {(DOMAIN, f"{self.mac}_area_{area_id}") for area_id in panel.areas}
        for kind, elements in (
            ("zone", panel.zones),
            ("light", panel.lights),
            ("lock", panel.locks),
            ("barrier", panel.barriers),
            ("thermostat", panel.thermostats),
        ):
            ids |= {(DOMAIN, f"{self.mac}_{kind}_{element_id}") for element_id in elements}
        return ids


# The model's kind of element (as in ElementKey) → the Panel attribute that holds them.
_PLURALS: Final = {
    "area": "areas",
    "zone": "zones",
    "output": "outputs",
    "light": "lights",
    "lock": "locks",
    "barrier": "barriers",
    "thermostat": "thermostats",
}


def _inventory(panel: Panel) -> dict[str, frozenset[int]]:
    """What decides which entities exist; a change adds and removes entities."""
    return {plural: frozenset(getattr(panel, plural)) for plural in _PLURALS.values()}


def _with_user(event: AreaEvent, learnt: dict[tuple[int, bool], str]) -> AreaEvent:
    """The event with the user the panel's log named for it (an arm, or a disarm, of its area)."""
    user = learnt.get((event.area_id, event.type is not AreaEventType.DISARMED))
    if user is None:
        return event
    return AreaEvent(event.area_id, event.type, {**event.data, "user": user})
