"""Garage doors and gates (the panel's barriers)."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.cover import CoverDeviceClass, CoverEntity, CoverEntityDescription, CoverEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import Barrier, BarrierState
from .entity import Elke27Entity, async_add_element_entities, sub_device
from .helpers import panel_action

PARALLEL_UPDATES = 1
DESCRIPTION = CoverEntityDescription(key="barrier", name=None, device_class=CoverDeviceClass.GARAGE)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every barrier of the panel."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {("barrier", item, "barrier"): partial(_cover, coordinator, item) for item in panel.barriers},
    )


def _cover(coordinator: Elke27Coordinator, barrier_id: int) -> list[Elke27Cover]:
    return [Elke27Cover(coordinator, barrier_id)]


class Elke27Cover(Elke27Entity, CoverEntity):
    """A garage door: open, close, stop. Commands are never repeated (a repeat can reverse travel)."""

    element_kind = "barrier"

    _attr_supported_features = CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE | CoverEntityFeature.STOP

    def __init__(self, coordinator: Elke27Coordinator, barrier_id: int) -> None:
        """Each barrier is a device of its own."""
        name = coordinator.data.barriers[barrier_id].name
        device = sub_device(coordinator, "barrier", barrier_id, name, "Garage door")
        super().__init__(coordinator, DESCRIPTION, barrier_id, device)

    @property
    def barrier(self) -> Barrier:
        """The barrier's current state."""
        return self.coordinator.data.barriers[self.element_id]

    @property
    def is_closed(self) -> bool | None:
        """Closed only when the panel says closed; a door stopped part-way is open; None until it reports."""
        state = self.barrier.state
        if state is BarrierState.UNKNOWN:
            return None
        return state is BarrierState.CLOSED

    @property
    def is_opening(self) -> bool:
        """True while opening."""
        return self.barrier.state is BarrierState.OPENING

    @property
    def is_closing(self) -> bool:
        """True while closing."""
        return self.barrier.state is BarrierState.CLOSING

    @panel_action
    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open."""
        await self.client.async_barrier(self.element_id, "open")

    @panel_action
    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close."""
        await self.client.async_barrier(self.element_id, "close")

    @panel_action
    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop where it is."""
        await self.client.async_barrier(self.element_id, "stop")
