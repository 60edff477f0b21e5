"""Sensors: thermostat humidity and battery, wireless zone signal; per area alarm type, cause, last alarm, delay end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, SIGNAL_STRENGTH_DECIBELS_MILLIWATT, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .area_events import AreaEvent, AreaEventType
from .const import DOMAIN, KEY_THERMOSTAT_BATTERY, KEY_THERMOSTAT_HUMIDITY, KEY_ZONE_SIGNAL
from .coordinator import PANEL, ElementKey, Elke27ConfigEntry, Elke27Coordinator
from .e27 import AlarmType, Area, Panel, Thermostat, Zone
from .entity import (
    Elke27Entity,
    Elke27ShownEntity,
    EntityKey,
    Wanted,
    area_device,
    async_add_element_entities,
    async_add_wireless_zone_entities,
    panel_device,
    sub_device,
    zone_device,
)
from .troubles import TroubleKind, area_trouble_kind, panel_trouble_kind

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ThermostatSensorDescription(SensorEntityDescription):
    """A sensor reading of one thermostat."""

    value_fn: Callable[[Thermostat], int | float | None]
    exists_fn: Callable[[Thermostat], bool]


THERMOSTAT_SENSORS = (
    ThermostatSensorDescription(
        key=KEY_THERMOSTAT_HUMIDITY,
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda tstat: tstat.humidity or None,
        exists_fn=lambda tstat: bool(tstat.humidity),
    ),
    ThermostatSensorDescription(
        key=KEY_THERMOSTAT_BATTERY,
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

DELAY_ENDS = SensorEntityDescription(
    key="delay_ends", translation_key="delay_ends", device_class=SensorDeviceClass.TIMESTAMP
)
LAST_ALARM = SensorEntityDescription(
    key="last_alarm",
    translation_key="last_alarm",
    device_class=SensorDeviceClass.ENUM,
    options=[NO_ALARM, *(kind.lower() for kind in AlarmType)],
)


# Trouble types: language-independent states the frontend translates. "other" is a trouble
# the integration does not recognise (the panel's words are in the binary trouble sensors'
# attributes), "multiple" more than one type at once (listed in the `troubles` attribute).
NO_TROUBLE = "none"
OTHER_TROUBLE = "other"
MULTIPLE_TROUBLES = "multiple"
ZONE_TROUBLE_TYPES = ("trouble", "tamper", "low_battery")


@dataclass(frozen=True, kw_only=True)
class TroubleTypeDescription(SensorEntityDescription):
    """The type of trouble of the panel, an area or a zone: its device, its troubles, the elements they follow."""

    device_fn: Callable[[Elke27Coordinator, int], DeviceInfo]
    troubles_fn: Callable[[Panel, int], list[str]]
    watch_fn: Callable[[Panel, int], Iterable[ElementKey]]


def _panel_troubles(panel: Panel, _: int) -> list[str]:
    """What the panel's Trouble sensor counts, on the same device page: its own troubles, then its areas'."""
    kinds = [str(panel_trouble_kind(text) or OTHER_TROUBLE) for text in panel.troubles]
    for area_id in sorted(panel.areas):
        kinds += _area_troubles(panel, area_id)
    return kinds


def _area_troubles(panel: Panel, area_id: int) -> list[str]:
    troubles = panel.areas[area_id].troubles
    if not troubles:  # most of the time: no need to look at the zones
        return []
    zones = [zone for zone in panel.zones.values() if zone.area_id == area_id]
    return [str(area_trouble_kind(text, zones) or OTHER_TROUBLE) for text in troubles]


def _zone_troubles(panel: Panel, zone_id: int) -> list[str]:
    zone = panel.zones[zone_id]
    return [
        kind for kind, on in zip(ZONE_TROUBLE_TYPES, (zone.trouble, zone.tamper, zone.low_battery), strict=True) if on
    ]


def _area_elements(panel: Panel, area_id: int) -> Iterable[ElementKey]:
    """An area's troubles and its zones (a battery trouble is a zone's when one of them reports it)."""
    return [("area", area_id), *(("zone", zone.id) for zone in panel.zones.values() if zone.area_id == area_id)]


def _trouble_options(kinds: Iterable[TroubleKind]) -> list[str]:
    return [NO_TROUBLE, *(kind.value for kind in kinds), OTHER_TROUBLE, MULTIPLE_TROUBLES]


PANEL_TROUBLE_TYPE = TroubleTypeDescription(
    key="trouble_type",
    translation_key="trouble_type",
    device_class=SensorDeviceClass.ENUM,
    entity_category=EntityCategory.DIAGNOSTIC,
    options=_trouble_options(TroubleKind),
    device_fn=lambda coordinator, _: panel_device(coordinator),
    troubles_fn=_panel_troubles,
    watch_fn=lambda panel, _: (PANEL,),  # and every area, by kind (PanelTroubleTypeSensor)
)
AREA_TROUBLE_TYPE = TroubleTypeDescription(
    key="area_trouble_type",
    translation_key="area_trouble_type",
    device_class=SensorDeviceClass.ENUM,
    entity_category=EntityCategory.DIAGNOSTIC,
    options=_trouble_options(TroubleKind),
    device_fn=area_device,
    troubles_fn=_area_troubles,
    watch_fn=_area_elements,
)
ZONE_TROUBLE_TYPE = TroubleTypeDescription(
    key="zone_trouble_type",
    translation_key="zone_trouble_type",
    device_class=SensorDeviceClass.ENUM,
    entity_category=EntityCategory.DIAGNOSTIC,
    options=[NO_TROUBLE, *ZONE_TROUBLE_TYPES, MULTIPLE_TROUBLES],
    device_fn=lambda coordinator, zone_id: zone_device(coordinator, coordinator.data.zones[zone_id]),
    troubles_fn=_zone_troubles,
    watch_fn=lambda panel, zone_id: (("zone", zone_id),),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensors that exist on this panel."""
    coordinator = entry.runtime_data
    registry = er.async_get(hass)

    def thermostat_sensors(panel: Panel) -> Wanted:
        """A thermostat's reading, once it reports one (or had it before: its entity is registered)."""
        found: dict[EntityKey, Callable[[], list[SensorEntity]]] = {}
        for tstat in panel.thermostats.values():
            for description in THERMOSTAT_SENSORS:
                unique_id = coordinator.unique_id(description.key, tstat.id)
                if description.exists_fn(tstat) or registry.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, unique_id):
                    found[("thermostat", tstat.id, description.key)] = partial(
                        _thermostat_sensor, coordinator, description, tstat.id
                    )
        return found

    def element_sensors(panel: Panel) -> Wanted:
        found: dict[EntityKey, Callable[[], list[SensorEntity]]] = {}
        found |= {("area", area_id, "alarm"): partial(_area_sensors, coordinator, area_id) for area_id in panel.areas}
        found |= {
            ("zone", zone_id, "trouble_type"): partial(_zone_trouble_type, coordinator, zone_id)
            for zone_id in panel.zones
        }
        return found

    async_add_entities([PanelTroubleTypeSensor(coordinator, PANEL_TROUBLE_TYPE, 0)])
    async_add_element_entities(entry, async_add_entities, thermostat_sensors, watch="thermostat")
    async_add_element_entities(entry, async_add_entities, element_sensors)
    async_add_wireless_zone_entities(entry, async_add_entities, lambda zone: [ZoneSignalSensor(coordinator, zone)])


def _thermostat_sensor(
    coordinator: Elke27Coordinator, description: ThermostatSensorDescription, tstat_id: int
) -> list[SensorEntity]:
    return [ThermostatSensor(coordinator, description, coordinator.data.thermostats[tstat_id])]


def _area_sensors(coordinator: Elke27Coordinator, area_id: int) -> list[SensorEntity]:
    return [
        AlarmCauseSensor(coordinator, area_id),
        AlarmTypeSensor(coordinator, area_id),
        DelayEndsSensor(coordinator, area_id),
        LastAlarmSensor(coordinator, area_id),
        AreaTroubleTypeSensor(coordinator, AREA_TROUBLE_TYPE, area_id),
    ]


def _zone_trouble_type(coordinator: Elke27Coordinator, zone_id: int) -> list[SensorEntity]:
    return [ZoneTroubleTypeSensor(coordinator, ZONE_TROUBLE_TYPE, zone_id)]


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


class AlarmCauseSensor(Elke27Entity, SensorEntity, RestoreEntity):
    """The zone that set the area's alarm off, by the panel's name for it, until the panel forgets the alarm.

    The state is the zone's name as the panel gives it (never a sentence put together in the
    user's language: recorded states stay the same whatever the language); the alarm's kind is
    the Alarm type sensor's state and this sensor's `alarm_type` attribute. Unknown when there
    is no alarm, or when the panel named no zone for it (an alarm raised at a keypad).

    After a disarm the panel keeps the alarm in memory (until the next arming): the cause stays,
    also across a restart or reload, which would otherwise lose its zone (the panel's memory
    holds only the kind).
    """

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, ALARM_CAUSE, area_id, area_device(coordinator, area_id))

    async def async_added_to_hass(self) -> None:
        """Give a remembered alarm the zone it had before, if the panel still holds that alarm."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None:
            return
        kind, zone_id = last.attributes.get("alarm_type"), last.attributes.get("zone_id")
        if (
            isinstance(kind, str)
            and kind.upper() in AlarmType.__members__
            and isinstance(zone_id, int)
            and self.coordinator.areas.restore_zone(self.element_id, AlarmType(kind.upper()), zone_id)
        ):
            self.async_write_ha_state()

    @property
    def native_value(self) -> str | None:
        """The zone's name; unknown without an alarm (active or in memory) or without a zone the panel knows."""
        cause = self.coordinator.areas.cause(self.element_id)
        zone = self.coordinator.data.zones.get(cause.zone_id) if cause and cause.zone_id is not None else None
        return zone.name if zone else None

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


class DelayEndsSensor(Elke27ShownEntity, SensorEntity):
    """When the area's running exit or entry delay ends ("in 25 s"); unknown while none runs.

    The end is worked out once when the delay starts, so the ticks of a delay do not move it.
    """

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device."""
        super().__init__(coordinator, DELAY_ENDS, area_id, area_device(coordinator, area_id))

    @property
    def native_value(self) -> datetime | None:
        """The end of the running delay."""
        return self.coordinator.areas.delay_ends_at(self.element_id)

    def shown(self) -> datetime | None:
        """The end of the running delay."""
        return self.native_value


class LastAlarmSensor(Elke27Entity, SensorEntity, RestoreEntity):
    """The kind of the area's last alarm, with when it started and its zone; "none" until the first one.

    Unlike the alarm cause it outlives the panel's alarm memory (cleared at the next arming)
    and a restart. An alarm found at startup (active, or in the panel's memory) that this
    sensor has not seen counts too, with its start time unknown.
    """

    element_kind = "area"

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """On the area's device; no alarm known yet."""
        super().__init__(coordinator, LAST_ALARM, area_id, area_device(coordinator, area_id))
        self._attr_native_value = NO_ALARM
        self._started: datetime | None = None
        self._zone: str | None = None
        self._zone_id: int | None = None

    async def async_added_to_hass(self) -> None:
        """Take the last alarm from before the restart, then follow the area's alarm events."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None and last.state in (LAST_ALARM.options or ()):
            self._attr_native_value = last.state
            started = last.attributes.get("started")
            self._started = dt_util.parse_datetime(started) if isinstance(started, str) else None
            zone = last.attributes.get("zone")
            self._zone = zone if isinstance(zone, str) else None
            zone_id = last.attributes.get("zone_id")
            self._zone_id = zone_id if isinstance(zone_id, int) else None
        cause = self.coordinator.areas.cause(self.element_id)
        if self._attr_native_value == NO_ALARM and cause is not None:
            zone = self.coordinator.data.zones.get(cause.zone_id) if cause.zone_id is not None else None
            self._remember(cause.alarm_type.lower(), None, zone.name if zone else None, cause.zone_id)
        self.async_on_remove(self.coordinator.async_add_area_listener(self.element_id, self._async_area_event))

    def watched_elements(self) -> tuple[()]:
        """None: it changes with the area's alarm events only."""
        return ()

    def _remember(self, kind: str, started: datetime | None, zone: str | None, zone_id: int | None) -> None:
        self._attr_native_value = kind
        self._started, self._zone, self._zone_id = started, zone, zone_id

    @callback
    def _async_area_event(self, event: AreaEvent) -> None:
        if event.type is AreaEventType.ALARM:
            data = event.data
            self._remember(data["alarm_type"], dt_util.utcnow(), data.get("zone"), data.get("zone_id"))
            self.async_write_ha_state()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the alarm started (None if unknown) and its zone."""
        return {
            "started": self._started.isoformat() if self._started else None,
            "zone": self._zone,
            "zone_id": self._zone_id,
        }


class TroubleTypeSensor(Elke27ShownEntity, SensorEntity):
    """What the trouble of the panel, an area or a zone is, on its device: none, one type, or multiple."""

    entity_description: TroubleTypeDescription

    def __init__(self, coordinator: Elke27Coordinator, description: TroubleTypeDescription, element_id: int) -> None:
        """On the element's device."""
        super().__init__(coordinator, description, element_id, description.device_fn(coordinator, element_id))

    def watched_elements(self) -> Iterable[ElementKey]:
        """The element, and for an area its zones."""
        return self.entity_description.watch_fn(self.coordinator.data, self.element_id)

    def shown(self) -> tuple[str, ...]:
        """The types of trouble."""
        return tuple(self._troubles)

    @property
    def _troubles(self) -> list[str]:
        return list(dict.fromkeys(self.entity_description.troubles_fn(self.coordinator.data, self.element_id)))

    @property
    def native_value(self) -> str:
        """The one type of trouble, "none", or "multiple"."""
        troubles = self._troubles
        if not troubles:
            return NO_TROUBLE
        return troubles[0] if len(troubles) == 1 else MULTIPLE_TROUBLES

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Every type of trouble at once (the same words as the states)."""
        return {"troubles": self._troubles}


class PanelTroubleTypeSensor(TroubleTypeSensor):
    """The type of the panel's trouble: its own and its areas', as the panel's Trouble sensor counts them."""

    element_kind = "panel"

    async def async_added_to_hass(self) -> None:
        """Also follow every area, those the panel adds later too.

        Zones need no following: a zone's battery decides the kind of an area's battery trouble,
        and the area reports its own trouble when a zone's battery runs low.
        """
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_kind_listener("area", self._async_element_changed))


class AreaTroubleTypeSensor(TroubleTypeSensor):
    """The type of an area's trouble."""

    element_kind = "area"


class ZoneTroubleTypeSensor(TroubleTypeSensor):
    """The type of a zone's trouble."""

    element_kind = "zone"
