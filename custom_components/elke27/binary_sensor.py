"""Zones, zone diagnostics, panel troubles and the connection to the panel."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import KEY_ZONE_LOW_BATTERY
from .coordinator import PANEL, ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .e27 import Panel, Zone, ZoneKind
from .entity import (
    Elke27Entity,
    EntityKey,
    Wanted,
    area_device,
    async_add_element_entities,
    async_add_wireless_zone_entities,
    panel_device,
    zone_device,
)
from .texts import zone_device_name, zone_label
from .troubles import TroubleKind, area_troubles, panel_trouble_kind, panel_troubles

PARALLEL_UPDATES = 0
BYPASSED_ICON = "mdi:shield-off-outline"

_ZONE_CLASSES = {
    ZoneKind.DOOR: BinarySensorDeviceClass.DOOR,
    ZoneKind.WINDOW: BinarySensorDeviceClass.WINDOW,
    ZoneKind.MOTION: BinarySensorDeviceClass.MOTION,
    ZoneKind.GLASS: BinarySensorDeviceClass.SOUND,
    ZoneKind.SMOKE: BinarySensorDeviceClass.SMOKE,
    ZoneKind.CO: BinarySensorDeviceClass.CO,
    ZoneKind.WATER: BinarySensorDeviceClass.MOISTURE,
    ZoneKind.TEMPERATURE: BinarySensorDeviceClass.HEAT,
    ZoneKind.PANIC: BinarySensorDeviceClass.SAFETY,
    ZoneKind.MEDICAL: BinarySensorDeviceClass.SAFETY,
    ZoneKind.TAMPER: BinarySensorDeviceClass.TAMPER,
}


@dataclass(frozen=True, kw_only=True)
class ZoneSensorDescription(BinarySensorEntityDescription):
    """A binary sensor about one zone."""

    value_fn: Callable[[Zone], bool | None]


@dataclass(frozen=True, kw_only=True)
class PanelSensorDescription(BinarySensorEntityDescription):
    """A binary sensor about the whole panel."""

    value_fn: Callable[[Panel], bool]


ZONE_LOW_BATTERY = ZoneSensorDescription(
    key=KEY_ZONE_LOW_BATTERY,
    translation_key=KEY_ZONE_LOW_BATTERY,
    device_class=BinarySensorDeviceClass.BATTERY,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda zone: zone.low_battery,
)
# Disabled by default: an area's trouble sensor names the zones in trouble.
ZONE_TROUBLE = ZoneSensorDescription(
    key="zone_trouble",
    translation_key="zone_trouble",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
    value_fn=lambda zone: zone.trouble or zone.tamper,
)
AREA_TROUBLE = BinarySensorEntityDescription(
    key="area_trouble",
    translation_key="area_trouble",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def _has_trouble(panel: Panel, kind: TroubleKind) -> bool:
    return any(panel_trouble_kind(trouble) is kind for trouble in panel.troubles)


PANEL_TROUBLE = PanelSensorDescription(
    key="trouble",
    translation_key="trouble",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda panel: bool(panel.troubles or panel.trouble_modules),
)
PANEL_SENSORS = (
    PanelSensorDescription(
        key="ac_power",
        translation_key="ac_power",
        device_class=BinarySensorDeviceClass.POWER,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda panel: not _has_trouble(panel, TroubleKind.AC_POWER_LOST),
    ),
    PanelSensorDescription(
        key="battery",
        translation_key="battery",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda panel: _has_trouble(panel, TroubleKind.BATTERY_LOW),
    ),
)
ZONE = BinarySensorEntityDescription(key="zone")
CONNECTION = BinarySensorEntityDescription(
    key="connection",
    translation_key="connection",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def _is_power_supervision(zone: Zone) -> bool:
    """A zone that watches a power supply (definition POWER SUPERVISION): violated means power lost."""
    return "POWER" in zone.definition.upper()


def _is_doorbell(zone: Zone) -> bool:
    """A zone named as a doorbell (the panel has no doorbell zone type)."""
    return bool({"DOORBELL", "BELL"} & set(re.split(r"[^A-Z0-9]+", zone.name.upper())))


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add zone, diagnostic and panel binary sensors."""
    coordinator = entry.runtime_data
    entities: list[BinarySensorEntity] = [PanelTroubleSensor(coordinator, PANEL_TROUBLE)]
    entities += [PanelSensor(coordinator, description) for description in PANEL_SENSORS]
    entities.append(ConnectionSensor(coordinator, CONNECTION, 0, panel_device(coordinator)))
    async_add_entities(entities)

    def wanted(panel: Panel) -> Wanted:
        found: dict[EntityKey, Callable[[], list[BinarySensorEntity]]] = {}
        found |= {
            ("zone", zone.id, "zone"): partial(_zone_entities, coordinator, zone.id) for zone in panel.zones.values()
        }
        found |= {("area", item, "area_trouble"): partial(_area_trouble, coordinator, item) for item in panel.areas}
        return found

    async_add_element_entities(entry, async_add_entities, wanted)
    async_add_wireless_zone_entities(
        entry, async_add_entities, lambda zone: [ZoneDiagnosticSensor(coordinator, ZONE_LOW_BATTERY, zone)]
    )


def _zone_entities(coordinator: Elke27Coordinator, zone_id: int) -> list[BinarySensorEntity]:
    zone = coordinator.data.zones[zone_id]
    return [ZoneSensor(coordinator, zone), ZoneDiagnosticSensor(coordinator, ZONE_TROUBLE, zone)]


def _area_trouble(coordinator: Elke27Coordinator, area_id: int) -> list[BinarySensorEntity]:
    return [AreaTroubleSensor(coordinator, area_id)]


class ZoneSensor(Elke27Entity, BinarySensorEntity):
    """A zone: on while it is violated (open, motion, smoke, …); the main entity of the zone's device."""

    element_kind = "zone"
    _attr_name = None

    def __init__(self, coordinator: Elke27Coordinator, zone: Zone) -> None:
        """Name and class come from the panel's zone configuration."""
        super().__init__(coordinator, ZONE, zone.id, zone_device(coordinator, zone))
        self._power = _is_power_supervision(zone)
        if _is_doorbell(zone):
            self._attr_translation_key = "doorbell"  # its icon; binary sensors have no doorbell class
        self._attr_device_class = BinarySensorDeviceClass.POWER if self._power else _ZONE_CLASSES.get(zone.kind)

    @property
    def zone(self) -> Zone:
        """The zone's current state."""
        return self.coordinator.data.zones[self.element_id]

    @property
    def is_on(self) -> bool:
        """True while the zone is violated; a power supervision zone is on while power is present."""
        return not self.zone.violated if self._power else self.zone.violated

    @property
    def icon(self) -> str | None:
        """A bypassed zone says so on its tile; otherwise its device class's icon.

        Icon translations follow the state only, and being bypassed is not the zone's state.
        """
        return BYPASSED_ICON if self.zone.bypassed else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Bypass state and the panel's definition for the zone."""
        return {"zone_id": self.element_id, "bypassed": self.zone.bypassed, "definition": self.zone.definition}


class ZoneDiagnosticSensor(Elke27Entity, BinarySensorEntity):
    """Low battery or trouble of one zone."""

    element_kind = "zone"

    entity_description: ZoneSensorDescription

    def __init__(self, coordinator: Elke27Coordinator, description: ZoneSensorDescription, zone: Zone) -> None:
        """On the zone's device."""
        super().__init__(coordinator, description, zone.id, zone_device(coordinator, zone))

    @property
    def is_on(self) -> bool | None:
        """The diagnostic's value."""
        return self.entity_description.value_fn(self.coordinator.data.zones[self.element_id])


class PanelSensor(Elke27Entity, BinarySensorEntity):
    """A panel-wide trouble."""

    element_kind = "panel"

    entity_description: PanelSensorDescription

    def __init__(self, coordinator: Elke27Coordinator, description: PanelSensorDescription) -> None:
        """Attach to the panel device."""
        super().__init__(coordinator, description, 0, panel_device(coordinator))

    def watched_elements(self) -> Iterable[ElementKey]:
        """The panel's own troubles."""
        return (PANEL,)

    @property
    def is_on(self) -> bool:
        """The trouble's value."""
        return self.entity_description.value_fn(self.coordinator.data)


class PanelTroubleSensor(PanelSensor):
    """The panel's general trouble: its attributes name every trouble of the panel and its areas, with the zones.

    It follows the panel, every area and every zone, but writes only when what it shows changes.
    """

    _shown_on: bool | None = None
    _shown: dict[str, Any] | None = None
    _worked_out: dict[str, Any] | None = None  # by the change that asked for the write

    async def async_added_to_hass(self) -> None:
        """Also follow every area and zone, those the panel adds later too: they show in the attributes."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_kind_listener("area", self._async_element_changed))
        self.async_on_remove(self.coordinator.async_add_kind_listener("zone", self._async_zone_changed))

    def watched_elements(self) -> Iterable[ElementKey]:
        """The panel (areas and zones are followed by kind)."""
        return (PANEL,)

    @callback
    def _async_zone_changed(self) -> None:
        """Zones show only while an area reports a trouble (most of the time, a zone's change is nothing here)."""
        shown_zones = self._shown is not None and self._shown["zones"]
        if shown_zones or any(area.troubles for area in self.coordinator.data.areas.values()):
            self._async_element_changed()

    @callback
    def _async_element_changed(self) -> None:
        """Write only when what it shows changed (most changes of areas and zones do not change it)."""
        if (self.is_on, attributes := self._attributes()) != (self._shown_on, self._shown):
            self._worked_out = attributes
            self.async_write_ha_state()

    def _attributes(self) -> dict[str, Any]:
        panel = self.coordinator.data
        troubles, areas, zones = panel_troubles(panel)
        return {
            "troubles": troubles,
            "areas": areas,
            "zones": [zone_device_name(panel, zone) for zone in zones],
            "modules": list(panel.trouble_modules),
        }

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Every trouble of the panel and its areas (by kind), the areas and zones concerned, the modules."""
        attributes, self._worked_out = self._worked_out or self._attributes(), None
        self._shown_on, self._shown = self.is_on, attributes
        return attributes


class AreaTroubleSensor(Elke27Entity, BinarySensorEntity):
    """An area's troubles (by kind, or as the panel words them) and the zones concerned."""

    element_kind = "area"
    _shown: dict[str, list[str]] | None = None
    _worked_out: dict[str, list[str]] | None = None  # by the zone change that asked for the write

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, AREA_TROUBLE, area_id, area_device(coordinator, area_id))

    _stop_following_zones: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """The attributes name the area's zones concerned: follow them, those the panel adds later too."""
        await super().async_added_to_hass()
        self._async_follow_zones()
        self.async_on_remove(self.coordinator.async_add_inventory_listener(self._async_follow_zones))
        self.async_on_remove(self._async_unfollow_zones)

    @callback
    def _async_follow_zones(self) -> None:
        self._async_unfollow_zones()
        zones = [("zone", zone.id) for zone in self.coordinator.data.zones.values() if zone.area_id == self.element_id]
        self._stop_following_zones = self.coordinator.async_add_element_listener(zones, self._async_zone_changed)

    @callback
    def _async_unfollow_zones(self) -> None:
        if self._stop_following_zones is not None:
            self._stop_following_zones()
            self._stop_following_zones = None

    @callback
    def _async_zone_changed(self) -> None:
        """A zone's trouble, tamper or battery shows here while the area reports a trouble: write when it changed."""
        area = self.coordinator.data.areas.get(self.element_id)
        if area is None or not (area.troubles or (self._shown and self._shown["troubles"])):
            return
        if (attributes := self._attributes()) != self._shown:
            self._worked_out = attributes
            self.async_write_ha_state()

    def _attributes(self) -> dict[str, list[str]]:
        panel = self.coordinator.data
        area = panel.areas.get(self.element_id)
        if area is None or not area.troubles:
            return {"troubles": [], "zones": []}
        troubles, zones = area_troubles(panel, area)
        return {"troubles": troubles, "zones": [zone_label(panel, zone) for zone in zones]}

    @property
    def is_on(self) -> bool:
        """True while the panel reports a trouble in the area."""
        return bool(self.coordinator.data.areas[self.element_id].troubles)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The area's troubles by kind (the panel's words for one not recognised) and the zones concerned."""
        attributes, self._worked_out = self._worked_out or self._attributes(), None
        self._shown = attributes
        return dict(attributes)


class ConnectionSensor(Elke27Entity, BinarySensorEntity):
    """Whether Home Assistant is connected to the panel; available even while it is not."""

    element_kind = "panel"

    def watched_elements(self) -> Iterable[ElementKey]:
        """No element: the coordinator tells every connection change to all entities."""
        return ()

    @property
    def available(self) -> bool:
        """Always available: it reports the connection itself."""
        return True

    @property
    def is_on(self) -> bool:
        """True while the session is up."""
        return self.coordinator.last_update_success
