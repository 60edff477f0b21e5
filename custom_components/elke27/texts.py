"""Sentences built from the integration's own translated strings (event messages), and names.

Home Assistant translates entity states and attributes in the frontend, but a text that
combines several of them (an area event's message on the bus) must be
put together here, from the translations Home Assistant has already loaded for the
integration, in its configured language (English when a string is missing).
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations

from .area_events import AreaEvent, AreaEventType
from .const import DOMAIN
from .e27 import Panel, Zone

FALLBACK_LANGUAGE: Final = "en"
EVENT_ENTITY_KEY: Final = "entity.event.area_events.state_attributes"
ALARM_TYPE_KEY: Final = "entity.sensor.alarm_type.state"


@callback
def translated(hass: HomeAssistant, key: str, fallback: str) -> str:
    """One of the integration's strings by its path ("entity.sensor.alarm_type.state.fire")."""
    category = key.split(".", 1)[0]
    full_key = f"component.{DOMAIN}.{key}"
    for language in dict.fromkeys((hass.config.language, FALLBACK_LANGUAGE)):
        if text := async_get_cached_translations(hass, language, category, DOMAIN).get(full_key):
            return text
    return fallback


def zone_label(panel: Panel, zone: Zone) -> str:
    """The zone's name without its area's name in front ("Garage Motion" in the Garage → "Motion")."""
    area = panel.areas.get(zone.area_id) if zone.area_id is not None else None
    if area is not None:
        prefix = area.name.strip() + " "
        if zone.name.lower().startswith(prefix.lower()) and len(zone.name) > len(prefix):
            return zone.name[len(prefix) :]
    return zone.name


def area_named(panel: Panel, name: str) -> int | None:
    """The id of the area the panel's log names (its name in any case), or None."""
    wanted = name.strip().casefold()
    return next((area.id for area in panel.areas.values() if area.name.strip().casefold() == wanted), None)


def zone_device_name(panel: Panel, zone: Zone) -> str:
    """The name of a zone's device: with its area's name in front ("Garage Motion"), as device lists are flat."""
    area = panel.areas.get(zone.area_id) if zone.area_id is not None else None
    return f"{area.name} {zone_label(panel, zone)}" if area is not None else zone.name


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


@callback
def alarm_type_name(hass: HomeAssistant, alarm_type: str) -> str:
    """An alarm kind's name ("burglary" → "Burglary")."""
    return translated(hass, f"{ALARM_TYPE_KEY}.{alarm_type}", _words(alarm_type))


def _attribute(hass: HomeAssistant, attribute: str, value: str) -> str:
    return translated(hass, f"{EVENT_ENTITY_KEY}.{attribute}.state.{value}", _words(value))


def _source(hass: HomeAssistant, data: dict[str, Any]) -> str | None:
    source = data.get("source")
    if source is None:
        return None
    text = _attribute(hass, "source", source)
    user = data.get("user")
    return f"{text} ({user})" if user else text


@callback
def event_message(hass: HomeAssistant, event: AreaEvent) -> str:
    """An area event told in a sentence (the `message` of the bus event): its translated type, then what it is about."""
    data = dict(event.data)
    details: list[str | None] = []
    if event.type in (AreaEventType.ARMED, AreaEventType.EXIT_DELAY):
        details = [_attribute(hass, "mode", data["mode"]) if data.get("mode") else None, _source(hass, data)]
        if bypassed := data.get("bypassed"):
            label = translated(hass, f"{EVENT_ENTITY_KEY}.bypassed.name", "Bypassed")
            details.append(f"{label}: {', '.join(bypassed)}")
    elif event.type is AreaEventType.DISARMED:
        details = [_source(hass, data)]
    elif event.type is AreaEventType.AUTO_STAY:
        details = [_attribute(hass, "reason", data["reason"])]
    elif event.type is AreaEventType.ALARM:
        details = [alarm_type_name(hass, data["alarm_type"]), data.get("zone")]
    elif event.type is AreaEventType.ALARM_CLEARED:
        details = [alarm_type_name(hass, data["alarm_type"])]
    elif event.type is AreaEventType.ENTRY_DELAY:
        details = [data.get("zone")]
    label = _attribute(hass, "event_type", event.type.value)
    shown = [detail for detail in details if detail]
    return f"{label}: {', '.join(shown)}" if shown else label
