"""Switches: panel outputs, each area's chime and each bypassable zone's bypass."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bypass import async_bypass_zone, bypassable
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import Panel, Zone
from .entity import (
    Elke27Entity,
    Elke27ShownEntity,
    EntityKey,
    Wanted,
    area_device,
    async_add_element_entities,
    panel_device,
    zone_device,
)
from .helpers import panel_action

PARALLEL_UPDATES = 1

OUTPUT = SwitchEntityDescription(key="output", translation_key="output")
CHIME = SwitchEntityDescription(key="chime", translation_key="chime", entity_category=EntityCategory.CONFIG)
ZONE_BYPASS = SwitchEntityDescription(key="zone_bypass", translation_key="zone_bypass")


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add a switch for every output, a chime switch for every area, a bypass switch for every bypassable zone."""
    coordinator = entry.runtime_data

    def wanted(panel: Panel) -> Wanted:
        found: dict[EntityKey, Callable[[], list[SwitchEntity]]] = {}
        found |= {("output", item, "output"): partial(_output, coordinator, item) for item in panel.outputs}
        found |= {("area", item, "chime"): partial(_chime, coordinator, item) for item in panel.areas}
        found |= {
            ("zone", zone.id, "zone_bypass"): partial(_bypass, coordinator, zone.id)
            for zone in panel.zones.values()
            if bypassable(zone)
        }
        return found

    async_add_element_entities(entry, async_add_entities, wanted)


def _output(coordinator: Elke27Coordinator, output_id: int) -> list[SwitchEntity]:
    return [OutputSwitch(coordinator, output_id)]


def _chime(coordinator: Elke27Coordinator, area_id: int) -> list[SwitchEntity]:
    return [ChimeSwitch(coordinator, area_id)]


def _bypass(coordinator: Elke27Coordinator, zone_id: int) -> list[SwitchEntity]:
    return [ZoneBypassSwitch(coordinator, coordinator.data.zones[zone_id])]


class OutputSwitch(Elke27Entity, SwitchEntity):
    """A panel output (relay or open collector)."""

    element_kind = "output"

    def __init__(self, coordinator: Elke27Coordinator, output_id: int) -> None:
        """Named after the output."""
        super().__init__(coordinator, OUTPUT, output_id, panel_device(coordinator))
        self._attr_name = coordinator.data.outputs[output_id].name

    @callback
    def _async_follow_name(self) -> None:
        """Named as the panel names the output."""
        self._async_set_name(self.coordinator.data.outputs[self.element_id].name)

    @property
    def is_on(self) -> bool:
        """True while the output is on."""
        return self.coordinator.data.outputs[self.element_id].on

    @panel_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the output on."""
        await self.client.async_set_output(self.element_id, True)

    @panel_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the output off."""
        await self.client.async_set_output(self.element_id, False)


class ChimeSwitch(Elke27Entity, SwitchEntity):
    """An area's chime mode."""

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, CHIME, area_id, area_device(coordinator, area_id))

    @property
    def is_on(self) -> bool | None:
        """True while chime is on; None until the panel has reported it."""
        return self.coordinator.data.areas[self.element_id].chime

    @panel_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn chime on."""
        await self.client.async_set_chime(self.element_id, True)

    @panel_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn chime off."""
        await self.client.async_set_chime(self.element_id, False)


class ZoneBypassSwitch(Elke27ShownEntity, SwitchEntity):
    """A zone's bypass; sent with the default code of the zone's area's alarm panel; written when it changes."""

    element_kind = "zone"

    def __init__(self, coordinator: Elke27Coordinator, zone: Zone) -> None:
        """On the zone's device."""
        super().__init__(coordinator, ZONE_BYPASS, zone.id, zone_device(coordinator, zone))

    @property
    def zone(self) -> Zone:
        """The zone's current state."""
        return self.coordinator.data.zones[self.element_id]

    @property
    def is_on(self) -> bool | None:
        """True while the zone is bypassed (unknown until the panel has said)."""
        return self.zone.bypassed

    def shown(self) -> bool | None:
        """Whether the zone is bypassed."""
        return self.is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Bypass the zone."""
        await async_bypass_zone(self.hass, self.coordinator, self.zone, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Remove the zone's bypass."""
        await async_bypass_zone(self.hass, self.coordinator, self.zone, False)
