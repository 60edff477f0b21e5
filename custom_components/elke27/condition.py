"""Conditions for the automation editor: an area ready to arm, a zone bypassed."""

from __future__ import annotations

from homeassistant.components.alarm_control_panel import DOMAIN as ALARM_CONTROL_PANEL_DOMAIN
from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.automation import DomainSpec
from homeassistant.helpers.condition import Condition, make_entity_state_condition

# Both read an attribute that only this integration's entities carry (an area's `ready`, a zone's
# `bypassed`): any other entity a target names never matches.
CONDITIONS: dict[str, type[Condition]] = {
    "area_ready": make_entity_state_condition({ALARM_CONTROL_PANEL_DOMAIN: DomainSpec(value_source="ready")}, True),
    "zone_bypassed": make_entity_state_condition({BINARY_SENSOR_DOMAIN: DomainSpec(value_source="bypassed")}, True),
}


async def async_get_conditions(hass: HomeAssistant) -> dict[str, type[Condition]]:
    """The integration's conditions."""
    return CONDITIONS
