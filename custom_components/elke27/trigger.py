"""Triggers for the automation editor: what happens in an area, and a zone opened while its area is armed.

The area triggers listen to the areas' event entities (one typed event per arm, disarm,
alarm, …; see area_events.py) and narrow them down by the event's details (mode, user,
alarm type). The automation gets the event entity's new state as `trigger.to_state`, its
attributes carrying the details.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, override

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.event import DOMAIN as EVENT_DOMAIN
from homeassistant.const import CONF_OPTIONS, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.automation import DomainSpec
from homeassistant.helpers.trigger import (
    ENTITY_STATE_TRIGGER_SCHEMA,
    EntityTriggerBase,
    NotTriggeredReasonReporter,
    StatelessEntityTriggerBase,
    Trigger,
    TriggerConfig,
)

from .area_events import MODES, AreaEventType
from .const import DOMAIN
from .e27 import AlarmType

try:  # newer Home Assistant validates with probatio, 2026.8 with voluptuous (the same vocabulary)
    import probatio as schema
except ImportError:  # pragma: no cover - the oldest supported release
    import voluptuous as schema  # type: ignore[no-redef]

CONF_MODE: Final = "mode"
CONF_USER: Final = "user"
CONF_ALARM_TYPE: Final = "alarm_type"
ALARM_TYPES: Final = [kind.lower() for kind in AlarmType]
ARM_MODES: Final = sorted(MODES.values())


def _options(**fields: Any) -> Any:
    """The trigger's options schema: every field optional (an absent one matches anything)."""
    return ENTITY_STATE_TRIGGER_SCHEMA.extend(
        {schema.Required(CONF_OPTIONS, default={}): {schema.Optional(name): check for name, check in fields.items()}}
    )


def _ours(hass: HomeAssistant, entity_ids: set[str]) -> set[str]:
    """Only this integration's entities (a target may name others, e.g. a whole Home Assistant area)."""
    registry = er.async_get(hass)
    return {
        entity_id
        for entity_id in entity_ids
        if (entry := registry.async_get(entity_id)) is not None and entry.platform == DOMAIN
    }


def _matches(wanted: list[str] | None, value: object) -> bool:
    """An absent option matches anything; otherwise the value must be one of the wanted ones."""
    return not wanted or (isinstance(value, str) and value.casefold() in {item.casefold() for item in wanted})


class AreaEventTrigger(StatelessEntityTriggerBase):
    """One kind of the areas' events, optionally narrowed by its details."""

    _domain_specs = {EVENT_DOMAIN: DomainSpec()}
    _event_type: ClassVar[AreaEventType]
    # Option name → the event attribute it narrows.
    _filters: ClassVar[dict[str, str]] = {}

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        """Keep the options."""
        super().__init__(hass, config)
        self._wanted: dict[str, list[str] | None] = {name: self._options.get(name) for name in self._filters}

    @override
    def entity_filter(self, entities: set[str]) -> set[str]:
        """The targeted event entities that are this integration's."""
        return _ours(self._hass, super().entity_filter(entities))

    @override
    def is_valid_state(self, state: State, report_not_triggered: NotTriggeredReasonReporter) -> bool:
        """The event is of this kind and its details match the options."""
        attributes = state.attributes
        if attributes.get("event_type") != self._event_type:
            return False
        return all(_matches(self._wanted[name], attributes.get(attribute)) for name, attribute in self._filters.items())


def _area_trigger(
    event_type: AreaEventType, filters: dict[str, str] | None = None, **fields: Any
) -> type[AreaEventTrigger]:
    class CustomTrigger(AreaEventTrigger):
        _event_type = event_type
        _filters = filters or {}
        _schema = _options(**fields)

    CustomTrigger.__name__ = f"{event_type.title().replace('_', '')}Trigger"
    return CustomTrigger


_MODE = schema.All(cv.ensure_list, [schema.In(ARM_MODES)])
_USERS = schema.All(cv.ensure_list, [cv.string])


class ZoneOpenedWhileArmedTrigger(EntityTriggerBase):
    """A zone's binary sensor turns on while the zone's area is armed (or arming)."""

    _domain_specs = {BINARY_SENSOR_DOMAIN: DomainSpec()}
    _schema = ENTITY_STATE_TRIGGER_SCHEMA

    @override
    def entity_filter(self, entities: set[str]) -> set[str]:
        """The targeted zone sensors of this integration (they carry a zone_id)."""
        ours = _ours(self._hass, super().entity_filter(entities))
        return {entity_id for entity_id in ours if self._zone(entity_id) is not None}

    @override
    def is_valid_transition(self, from_state: State, to_state: State) -> bool:
        """Closed to open."""
        return from_state.state == STATE_OFF and to_state.state == STATE_ON

    @override
    def is_valid_state(self, state: State, report_not_triggered: NotTriggeredReasonReporter) -> bool:
        """Open, and its area is armed or arming."""
        if state.state != STATE_ON:
            return False
        found = self._zone(state.entity_id)
        if found is None:
            return False
        panel, zone_id = found
        zone = panel.zones.get(zone_id)
        area = panel.areas.get(zone.area_id) if zone is not None and zone.area_id is not None else None
        return area is not None and (area.arm_state in MODES or area.arming_to is not None)

    def _zone(self, entity_id: str) -> tuple[Any, int] | None:
        """The panel model and zone id behind a zone sensor of a loaded entry."""
        entry = er.async_get(self._hass).async_get(entity_id)
        if entry is None or entry.config_entry_id is None:
            return None
        config_entry = self._hass.config_entries.async_get_entry(entry.config_entry_id)
        coordinator = getattr(config_entry, "runtime_data", None) if config_entry is not None else None
        if coordinator is None or getattr(coordinator, "data", None) is None:
            return None
        zone_id = coordinator.element_id(entry.unique_id, "zone")
        if zone_id is None:
            return None
        return coordinator.data, zone_id


TRIGGERS: dict[str, type[Trigger]] = {
    "alarm_started": _area_trigger(
        AreaEventType.ALARM,
        {CONF_ALARM_TYPE: "alarm_type"},
        alarm_type=schema.All(cv.ensure_list, [schema.In(ALARM_TYPES)]),
    ),
    "armed": _area_trigger(AreaEventType.ARMED, {CONF_MODE: "mode", CONF_USER: "user"}, mode=_MODE, user=_USERS),
    "disarmed": _area_trigger(AreaEventType.DISARMED, {CONF_USER: "user"}, user=_USERS),
    "auto_stay": _area_trigger(AreaEventType.AUTO_STAY),
    "exit_delay_started": _area_trigger(AreaEventType.EXIT_DELAY, {CONF_MODE: "mode"}, mode=_MODE),
    "zone_opened_while_armed": ZoneOpenedWhileArmedTrigger,
}


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Trigger]]:
    """The integration's triggers."""
    return TRIGGERS
