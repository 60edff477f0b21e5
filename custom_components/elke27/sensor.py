"""Sensors: thermostat humidity and battery, wireless zone signal, an area's alarm type and alarm cause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, SIGNAL_STRENGTH_DECIBELS_MILLIWATT, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import KEY_ZONE_SIGNAL
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import AlarmType, Area, Thermostat, Zone
from .entity import Elke27Entity, area_device, async_add_wireless_zone_entities, sub_device, zone_device
from .texts import cause_text

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ThermostatSensorDescription(SensorEntityDescription):
    """A sensor reading of one thermostat."""

    value_fn: Callable[[Thermostat], int | float | None]
    exists_fn: Callable[[Thermostat], bool]


THERMOSTAT_SENSORS = (
    ThermostatSensorDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda tstat: tstat.humidity or None,
        exists_fn=lambda tstat: bool(tstat.humidity),
    ),
    ThermostatSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda tstat: tstat.battery_level,
        exists_fn=lambda tstat: tstat.battery_level is not None,
    ),
)
ZONE_SIGNAL = SensorEntityDescription(
    key=KEY_ZONE_SIGNAL,
    translation_key=KEY_ZONE_SIGNAL,
    device_class=SensorDeviceClass.SIGNAL_STRENGTH,
    native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
)
ALARM_CAUSE = SensorEntityDescription(key="alarm_cause", translation_key="alarm_cause")
NO_ALARM = "none"
ALARM_TYPE = SensorEntityDescription(
    key="alarm_type",
    translation_key="alarm_type",
    device_class=SensorDeviceClass.ENUM,
    options=[NO_ALARM, *(kind.lower() for kind in AlarmType)],
)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensors that exist on this panel."""
    coordinator = entry.runtime_data
    panel = coordinator.data
    entities: list[SensorEntity] = [
        ThermostatSensor(coordinator, description, tstat)
        for tstat in panel.thermostats.values()
        for description in THERMOSTAT_SENSORS
        if description.exists_fn(tstat)
    ]
    entities += [AlarmCauseSensor(coordinator, area_id) for area_id in panel.areas]
    entities += [AlarmTypeSensor(coordinator, area_id) for area_id in panel.areas]
    async_add_entities(entities)
    async_add_wireless_zone_entities(entry, async_add_entities, lambda zone: [ZoneSignalSensor(coordinator, zone)])


class ThermostatSensor(Elke27Entity, SensorEntity):
    """Humidity or battery level of a thermostat."""

    element_kind = "thermostat"

    entity_description: ThermostatSensorDescription

    def __init__(
        self, coordinator: Elke27Coordinator, description: ThermostatSensorDescription, tstat: Thermostat
    ) -> None:
        """On the thermostat's device."""
        device = sub_device(coordinator, "thermostat", tstat.id, tstat.name, "Thermostat")
        super().__init__(coordinator, description, tstat.id, device)

    @property
    def native_value(self) -> int | float | None:
        """The reading."""
        return self.entity_description.value_fn(self.coordinator.data.thermostats[self.element_id])


class ZoneSignalSensor(Elke27Entity, SensorEntity):
    """Signal strength of a wireless zone (disabled by default)."""

    element_kind = "zone"

    def __init__(self, coordinator: Elke27Coordinator, zone: Zone) -> None:
        """On the zone's device."""
        super().__init__(coordinator, ZONE_SIGNAL, zone.id, zone_device(coordinator, zone))

    @property
    def native_value(self) -> int | None:
        """RSSI as reported by the panel."""
        return self.coordinator.data.zones[self.element_id].rssi


class AlarmCauseSensor(Elke27Entity, SensorEntity):
    """What set the area's alarm off, kind and zone ("Burglary – Front Door"), until the panel forgets it.

    After a disarm the panel keeps the alarm in memory (until the next arming): the cause stays.
    """

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, ALARM_CAUSE, area_id, area_device(coordinator, area_id))

    @property
    def native_value(self) -> str | None:
        """The cause in words; unknown when there is neither an alarm nor one in memory."""
        return cause_text(self.hass, self.coordinator.data, self.coordinator.areas.cause(self.element_id))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The cause's parts, and whether the alarm is still active or only remembered."""
        cause = self.coordinator.areas.cause(self.element_id)
        zone = self.coordinator.data.zones.get(cause.zone_id) if cause and cause.zone_id is not None else None
        return {
            "alarm_type": cause.alarm_type.lower() if cause else None,
            "zone": zone.name if zone else None,
            "zone_id": cause.zone_id if cause else None,
            "active": cause.active if cause else False,
        }


class AlarmTypeSensor(Elke27Entity, SensorEntity):
    """The kind of the area's active alarm (none, burglary, fire, …), with every active and remembered kind."""

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, ALARM_TYPE, area_id, area_device(coordinator, area_id))

    @property
    def area(self) -> Area:
        """The area's current state."""
        return self.coordinator.data.areas[self.element_id]

    @property
    def native_value(self) -> str:
        """The most urgent active alarm's kind, "none" without an alarm."""
        kind = self.area.alarm_type
        return kind.lower() if kind is not None else NO_ALARM

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Every active alarm kind, and the kinds the panel holds in memory until it clears them."""
        area = self.area
        return {
            "alarms": [kind.lower() for kind in area.alarm_types],
            "memory": [kind.lower() for kind in area.alarm_memory],
        }
