"""Base entity: device info and availability shared by every platform."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, ClassVar

from homeassistant.core import callback
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from . import texts
from .const import DOMAIN
from .coordinator import ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .e27 import Area, E27Client, Panel, Zone, action_asked_at

MANUFACTURER = "Elk Products"
MODEL = "E27"


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

    @callback
    def _async_element_changed(self) -> None:
        """A watched element changed: write the state."""
        self.async_write_ha_state()

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


def alarm_cause(panel: Panel, area: Area) -> str | None:
    """Name of the zone behind an alarm or entry delay."""
    if area.alarm_zone is None:
        return None
    zone = panel.zones.get(area.alarm_zone)
    return zone.name if zone else str(area.alarm_zone)


def async_add_wireless_zone_entities(
    entry: Elke27ConfigEntry,
    add: Callable[[Iterable[Entity]], None],
    make: Callable[[Zone], list[Entity]],
) -> None:
    """Add make(zone) for every wireless zone now and whenever the panel reveals another one.

    A zone is known to be wireless only once the panel has reported its signal or
    battery, which after a fresh configuration download happens just after setup.
    """
    coordinator = entry.runtime_data
    added: set[int] = set()

    @callback
    def _add_new() -> None:
        new = [zone for zone in coordinator.data.zones.values() if zone.wireless and zone.id not in added]
        added.update(zone.id for zone in new)
        if new:
            add([entity for zone in new for entity in make(zone)])

    _add_new()
    zones = [("zone", zone_id) for zone_id in coordinator.data.zones]
    entry.async_on_unload(coordinator.async_add_element_listener(zones, _add_new))
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


def zone_label(coordinator: Elke27Coordinator, zone: Zone) -> str:
    """The zone's name without its area's name in front: the area device already adds it."""
    return texts.zone_label(coordinator.data, zone)
