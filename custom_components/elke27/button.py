"""Buttons: bypass an area's open zones, or remove its zones' bypasses, with the area's default code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bypass import area_default_code, async_bypass_zones, bypassable
from .coordinator import ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .e27 import Panel, Zone
from .entity import Elke27Entity, Wanted, area_device, async_add_element_entities

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BypassButtonDescription(ButtonEntityDescription):
    """Which of an area's zones the button acts on, and whether it bypasses or restores them."""

    zones_fn: Callable[[Zone], bool]
    bypass: bool


BUTTONS = (
    # Open (violated) zones not bypassed yet; never a fire or other 24-hour zone.
    BypassButtonDescription(
        key="bypass_open_zones",
        translation_key="bypass_open_zones",
        zones_fn=lambda zone: zone.violated and not zone.bypassed and bypassable(zone),
        bypass=True,
    ),
    BypassButtonDescription(
        key="clear_bypasses",
        translation_key="clear_bypasses",
        zones_fn=lambda zone: zone.bypassed is True,
        bypass=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the bypass buttons of every area."""
    coordinator = entry.runtime_data

    def wanted(panel: Panel) -> Wanted:
        return {("area", area_id, "bypass_buttons"): partial(_buttons, coordinator, area_id) for area_id in panel.areas}

    async_add_element_entities(entry, async_add_entities, wanted)


def _buttons(coordinator: Elke27Coordinator, area_id: int) -> list[ButtonEntity]:
    return [BypassButton(coordinator, description, area_id) for description in BUTTONS]


class BypassButton(Elke27Entity, ButtonEntity):
    """Bypass or restore the area's zones the description selects, each once."""

    element_kind = "area"

    entity_description: BypassButtonDescription

    def __init__(self, coordinator: Elke27Coordinator, description: BypassButtonDescription, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, description, area_id, area_device(coordinator, area_id))

    def watched_elements(self) -> Iterable[ElementKey]:
        """None: a button has no state to write when the area changes."""
        return ()

    async def async_press(self) -> None:
        """Act on the zones selected now; nothing is sent when there are none."""
        code = area_default_code(self.hass, self.coordinator, self.element_id)
        description = self.entity_description
        zones = [
            zone
            for zone in self.coordinator.data.zones.values()
            if zone.area_id == self.element_id and description.zones_fn(zone)
        ]
        await async_bypass_zones(self.coordinator, zones, code, description.bypass)
