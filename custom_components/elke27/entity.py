"""Base entity: device info and availability shared by every platform."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable, Iterable, Mapping
from functools import partial
from typing import Any, ClassVar

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from . import texts
from .const import DOMAIN
from .coordinator import ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .e27 import Area, E27Client, Panel, Zone, action_asked_at

MANUFACTURER = "Elk Products"
MODEL = "E27"
ZONE_MODEL = "Zone"
WIRELESS_ZONE_MODEL = "Wireless zone"


def panel_device(coordinator: Elke27Coordinator) -> DeviceInfo:
    """The panel itself."""
    version = coordinator.data.version
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.mac)},
        connections={(CONNECTION_NETWORK_MAC, coordinator.mac)},
        manufacturer=MANUFACTURER,
        model=MODEL,
        name=coordinator.config_entry.title,
        sw_version=version.firmware if version else None,
        hw_version=version.hardware if version else None,
        serial_number=version.serial if version else None,
    )


def sub_device(coordinator: Elke27Coordinator, kind: str, element_id: int, name: str, model: str) -> DeviceInfo:
    """A device for one element of the panel (an area, a light, a lock, …), attached to the panel."""
    assert coordinator.panel_device_id is not None, "setup registers the panel device before the platforms"
    return DeviceInfo(
        identifiers={(DOMAIN, f"{coordinator.mac}_{kind}_{element_id}")},
        manufacturer=MANUFACTURER,
        model=model,
        name=name,
        via_device_id=coordinator.panel_device_id,
    )


def area_device(coordinator: Elke27Coordinator, area_id: int) -> DeviceInfo:
    """The device of an area: its alarm panel, chime and zones live there."""
    area = coordinator.data.areas[area_id]
    return sub_device(coordinator, "area", area_id, area.name, "Alarm area")


def zone_device_identifier(coordinator: Elke27Coordinator, zone_id: int) -> tuple[str, str]:
    """The device registry identifier of one zone's device."""
    return DOMAIN, f"{coordinator.mac}_zone_{zone_id}"


def zone_device(coordinator: Elke27Coordinator, zone: Zone) -> DeviceInfo:
    """The zone's own device (its sensor), connected via its area's device (the panel's, without a known area).

    Every zone is a device: a door contact or a motion detector is a thing of its own, wired or
    not. Its sensor, bypass switch and trouble live there; a wireless zone adds its battery and
    signal, so the battery page names the sensor. Named with its area ("Garage Motion"): the
    device list is flat, and the zone's entity ids stay those it had on the area's device.
    """
    registry = dr.async_get(coordinator.hass)
    entry_id = coordinator.config_entry.entry_id
    area = coordinator.data.areas.get(zone.area_id) if zone.area_id is not None else None
    if area is not None:
        parent = registry.async_get_or_create(config_entry_id=entry_id, **area_device(coordinator, area.id))
    else:
        parent = registry.async_get_or_create(config_entry_id=entry_id, **panel_device(coordinator))
    identifier = zone_device_identifier(coordinator, zone.id)
    info = DeviceInfo(
        identifiers={identifier},
        manufacturer=MANUFACTURER,
        model=WIRELESS_ZONE_MODEL if zone.wireless else ZONE_MODEL,
        name=texts.zone_device_name(coordinator.data, zone),
        via_device_id=parent.id,
    )
    if parent.area_id is not None and registry.async_get_device_by_identifier(identifier, entry_id) is None:
        # A new zone device starts in the Home Assistant area of its parent, where the zone's
        # entities were while they lived on the area's device.
        device = registry.async_get_or_create(config_entry_id=entry_id, **info)
        registry.async_update_device(device.id, area_id=parent.area_id)
    return info


class Elke27Entity(CoordinatorEntity[Elke27Coordinator]):
    """An entity of one panel element, identified by panel MAC + element kind + id.

    It is written when the panel pushes a change of its element (element_kind, element_id),
    and by the coordinator's own updates (connection lost or back, a refresh).
    """

    _attr_has_entity_name = True
    element_kind: ClassVar[str]

    def __init__(
        self,
        coordinator: Elke27Coordinator,
        description: EntityDescription,
        element_id: int,
        device_info: DeviceInfo,
    ) -> None:
        """Bind the entity to one element of the panel."""
        super().__init__(coordinator)
        self.entity_description = description
        self.element_id = element_id
        self._attr_unique_id = coordinator.unique_id(description.key, element_id)
        coordinator.entity_unique_ids.add(self._attr_unique_id)
        coordinator.entity_elements[self._attr_unique_id] = (self.element_kind, element_id)
        self._attr_device_info = device_info

    async def async_added_to_hass(self) -> None:
        """Listen to the pushed changes of the elements this entity shows."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_element_listener(self.watched_elements(), self._async_element_changed)
        )

    def watched_elements(self) -> Iterable[ElementKey]:
        """The elements whose changes this entity shows: its own."""
        return ((self.element_kind, self.element_id),)

    @property
    def available(self) -> bool:
        """Unavailable once its element is gone from the panel (until the entity is removed)."""
        return super().available and self.coordinator.element_exists((self.element_kind, self.element_id))

    @callback
    def _async_element_changed(self) -> None:
        """A watched element changed: follow a name the panel changed, write the state."""
        if self.coordinator.element_exists((self.element_kind, self.element_id)):
            self._async_follow_name()
        self.async_write_ha_state()

    @callback
    def _async_follow_name(self) -> None:
        """Take a new name of the element from the panel (entities whose own name shows it override this)."""

    @callback
    def _async_set_name(self, name: str) -> None:
        """Set the entity's own name when it changed, and the registry's original name.

        A name the user gave the entity in Home Assistant (the registry's `name`) still wins.
        """
        if getattr(self, "_attr_name", None) == name:
            return
        self._attr_name = name
        if (
            self.registry_entry is not None
            and isinstance(self.name, str)
            and self.registry_entry.original_name != self.name
        ):
            er.async_get(self.hass).async_update_entity(self.entity_id, original_name=self.name)

    async def async_request_call[T](self, coro: Coroutine[Any, Any, T]) -> T:
        """Run an action; its command deadline counts from here, before the platform's queue.

        Home Assistant runs each entity action through this method, which waits for the
        platform's PARALLEL_UPDATES slot: an action queued behind a slow one must not reach
        the panel late, so the time spent waiting counts towards the command's deadline.
        """
        with action_asked_at(asyncio.get_running_loop().time()):
            return await super().async_request_call(coro)

    @property
    def client(self) -> E27Client:
        """The client (present whenever entities exist)."""
        assert self.coordinator.client is not None
        return self.coordinator.client


class Elke27ShownEntity(Elke27Entity):
    """An entity written on a pushed change only when what it shows changed.

    For entities that follow elements whose other fields change often (a zone opens and
    closes all day; its bypass and trouble rarely change).
    """

    _shown: Hashable = None

    def shown(self) -> Hashable:
        """What the entity shows (state and attributes), to compare."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Remember what is shown first."""
        await super().async_added_to_hass()
        self._shown = self.shown()

    @callback
    def _async_element_changed(self) -> None:
        if (shown := self.shown()) != self._shown:
            self._shown = shown
            self.async_write_ha_state()


def alarm_cause(panel: Panel, area: Area) -> str | None:
    """Name of the zone behind an alarm or entry delay."""
    if area.alarm_zone is None:
        return None
    zone = panel.zones.get(area.alarm_zone)
    return zone.name if zone else str(area.alarm_zone)


type EntityKey = tuple[str, int, str]
"""(element kind, element id, entity key): what an element may have entities for."""
type Wanted = Mapping[EntityKey, Callable[[], Iterable[Entity]]]


def async_add_element_entities(
    entry: Elke27ConfigEntry,
    add: Callable[[Iterable[Entity]], None],
    wanted: Callable[[Panel], Wanted],
    *,
    watch: str | None = None,
) -> None:
    """Add the entities wanted(panel) names now, and those of elements the panel adds later.

    wanted maps each key that should have entities to the function that creates them. It is
    asked again whenever elements are added to or removed from the panel and, with watch (a
    kind of element), whenever such an element changes: entities that exist only once a
    reading appears come then. A key's entities are created once; after its element was
    removed (its entities with it) and comes back, they are created again.
    """
    coordinator = entry.runtime_data
    added: set[EntityKey] = set()

    @callback
    def _add_new() -> None:
        gone = {key for key in added if not coordinator.element_exists((key[0], key[1]))}
        added.difference_update(gone)
        entities: list[Entity] = []
        for key, make in wanted(coordinator.data).items():
            if key not in added:
                added.add(key)
                entities += make()
        if entities:
            add(entities)

    _add_new()
    entry.async_on_unload(coordinator.async_add_inventory_listener(_add_new))
    if watch is not None:
        entry.async_on_unload(coordinator.async_add_kind_listener(watch, _add_new))
        entry.async_on_unload(coordinator.async_add_listener(_add_new))


def async_add_wireless_zone_entities(
    entry: Elke27ConfigEntry,
    add: Callable[[Iterable[Entity]], None],
    make: Callable[[Zone], list[Entity]],
) -> None:
    """Add make(zone) for every wireless zone now and whenever the panel reveals another one.

    A zone is known to be wireless only once the panel has reported its signal or
    battery, which after a fresh configuration download happens just after setup.
    """

    def wanted(panel: Panel) -> Wanted:
        return {("zone", zone.id, "wireless"): partial(make, zone) for zone in panel.zones.values() if zone.wireless}

    async_add_element_entities(entry, add, wanted, watch="zone")
