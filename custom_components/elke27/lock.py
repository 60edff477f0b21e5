"""Door locks controlled through the panel."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .entity import Elke27Entity, async_add_element_entities, sub_device
from .helpers import panel_action

PARALLEL_UPDATES = 1
DESCRIPTION = LockEntityDescription(key="lock", name=None)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every lock of the panel."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {("lock", item, "lock"): partial(_lock, coordinator, item) for item in panel.locks},
    )


def _lock(coordinator: Elke27Coordinator, lock_id: int) -> list[Elke27Lock]:
    return [Elke27Lock(coordinator, lock_id)]


class Elke27Lock(Elke27Entity, LockEntity):
    """A lock; its state is unknown until the panel reports it."""

    element_kind = "lock"

    def __init__(self, coordinator: Elke27Coordinator, lock_id: int) -> None:
        """Each lock is a device of its own."""
        name = coordinator.data.locks[lock_id].name
        super().__init__(coordinator, DESCRIPTION, lock_id, sub_device(coordinator, "lock", lock_id, name, "Lock"))

    @property
    def is_locked(self) -> bool | None:
        """True when locked, None when unknown."""
        return self.coordinator.data.locks[self.element_id].locked

    @panel_action
    async def async_lock(self, **kwargs: Any) -> None:
        """Lock."""
        await self.client.async_set_lock(self.element_id, True)

    @panel_action
    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock."""
        await self.client.async_set_lock(self.element_id, False)
