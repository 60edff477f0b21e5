"""One event entity per area: armed, disarmed, auto-stay, alarm, alarm cleared, exit and entry delay."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .area_events import AreaEvent, AreaEventType
from .coordinator import ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .entity import Elke27Entity, area_device, async_add_element_entities

PARALLEL_UPDATES = 0

AREA_EVENTS = EventEntityDescription(
    key="area_events", translation_key="area_events", event_types=[kind.value for kind in AreaEventType]
)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add an event entity for every area."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {("area", item, "area_events"): partial(_events, coordinator, item) for item in panel.areas},
    )


def _events(coordinator: Elke27Coordinator, area_id: int) -> list[AreaEvents]:
    return [AreaEvents(coordinator, area_id)]


class AreaEvents(Elke27Entity, EventEntity):
    """What happens in an area, as typed events with their details (mode, source, alarm type, zone, …)."""

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, AREA_EVENTS, area_id, area_device(coordinator, area_id))

    def watched_elements(self) -> Iterable[ElementKey]:
        """None: the state changes only with an event of the area (availability with the connection)."""
        return ()

    async def async_added_to_hass(self) -> None:
        """Listen to the area's events."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_area_listener(self.element_id, self._async_on_event))

    @callback
    def _async_on_event(self, event: AreaEvent) -> None:
        self._trigger_event(event.type.value, dict(event.data))
        self.async_write_ha_state()
