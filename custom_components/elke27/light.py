"""Lights: the panel's dimmers and switches (level 0–99)."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.light import ATTR_BRIGHTNESS, ColorMode, LightEntity, LightEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .entity import Elke27Entity, async_add_element_entities, sub_device
from .helpers import panel_action

PARALLEL_UPDATES = 1
MAX_LEVEL = 99
DESCRIPTION = LightEntityDescription(key="light", name=None)


def level_to_brightness(level: int) -> int:
    """Panel level 0–99 to Home Assistant brightness 0–255."""
    return round(min(max(level, 0), MAX_LEVEL) * 255 / MAX_LEVEL)


def brightness_to_level(brightness: int) -> int:
    """Home Assistant brightness 1–255 to panel level 1–99 (never 0: that is off)."""
    return max(1, round(brightness * MAX_LEVEL / 255))


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every light of the panel."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {("light", item, "light"): partial(_light, coordinator, item) for item in panel.lights},
    )


def _light(coordinator: Elke27Coordinator, light_id: int) -> list[Elke27Light]:
    return [Elke27Light(coordinator, light_id)]


class Elke27Light(Elke27Entity, LightEntity):
    """A light controlled through the panel."""

    element_kind = "light"

    _attr_color_mode = ColorMode.BRIGHTNESS
    _attr_supported_color_modes = {ColorMode.BRIGHTNESS}

    def __init__(self, coordinator: Elke27Coordinator, light_id: int) -> None:
        """Each light is a device of its own."""
        name = coordinator.data.lights[light_id].name
        super().__init__(coordinator, DESCRIPTION, light_id, sub_device(coordinator, "light", light_id, name, "Light"))

    @property
    def is_on(self) -> bool:
        """On while the level is above 0."""
        return self.coordinator.data.lights[self.element_id].on

    @property
    def brightness(self) -> int:
        """The level as brightness."""
        return level_to_brightness(self.coordinator.data.lights[self.element_id].level)

    @panel_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on, at a brightness if given."""
        level = brightness_to_level(kwargs[ATTR_BRIGHTNESS]) if ATTR_BRIGHTNESS in kwargs else None
        await self.client.async_set_light(self.element_id, True, level)

    @panel_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        await self.client.async_set_light(self.element_id, False)
