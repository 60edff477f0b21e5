"""Zone bypass from entities: which zones to offer, the user code to send, bypassing several zones.

The panel needs a user code for every bypass (docs/api.md §8.4) and the integration stores
none: the switches and buttons send the default code of the area's alarm panel, which the
user sets in Home Assistant (the alarm panel's settings, *Default code*) and Home Assistant
keeps in the entity registry, as it does for arming and disarming with that code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from homeassistant.components.alarm_control_panel import DOMAIN as ALARM_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .coordinator import Elke27Coordinator
from .e27 import E27CommandError, E27Error, Zone, ZoneKind
from .e27.const import ErrorCode
from .helpers import translated_error
from .texts import zone_label

# The entity registry option where Home Assistant keeps an alarm panel's default code.
OPTION_DEFAULT_CODE: Final = "default_code"
# Zones offered for bypass are burglary zones. Which zones the panel lets a user bypass is in
# its definition flags, whose encoding is not known (docs/api.md §5.2), so this goes by the
# definition's name and the zone's kind: 24-hour and life-safety zones (fire, CO, water,
# panic, medical, tamper, temperature) are not offered, nor zones that never alarm
# (automation, power supervision). The panel has the last word: it refuses with "not bypassable".
_NOT_BYPASSABLE_WORDS: Final = (
    "24",
    "FIRE",
    "CARBON",
    "PANIC",
    "MEDICAL",
    "TAMPER",
    "WATER",
    "TEMP",
    "AUTOMATION",
    "POWER",
)
_BURGLARY_KINDS: Final = frozenset({ZoneKind.DOOR, ZoneKind.WINDOW, ZoneKind.MOTION, ZoneKind.GLASS, ZoneKind.OTHER})
# Refusals about one zone: the others are still tried. Any other refusal (wrong code, no
# rights) would be the same for every zone, so nothing more is sent.
_ZONE_REFUSALS: Final = frozenset({ErrorCode.NOT_BYPASSABLE})


def bypassable(zone: Zone) -> bool:
    """Whether Home Assistant offers to bypass the zone (a burglary zone)."""
    definition = zone.definition.upper()
    return zone.kind in _BURGLARY_KINDS and not any(word in definition for word in _NOT_BYPASSABLE_WORDS)


def area_default_code(hass: HomeAssistant, coordinator: Elke27Coordinator, area_id: int | None) -> str:
    """The default code of the area's alarm panel; a translated error says how to set one."""
    registry = er.async_get(hass)
    area = coordinator.data.areas.get(area_id) if area_id is not None else None
    entity_id = (
        registry.async_get_entity_id(ALARM_DOMAIN, DOMAIN, coordinator.unique_id("area", area.id)) if area else None
    )
    entry = registry.async_get(entity_id) if entity_id else None
    options: Mapping[str, Any] = entry.options.get(ALARM_DOMAIN) or {} if entry else {}
    code = options.get(OPTION_DEFAULT_CODE)
    if not code:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_default_code",
            translation_placeholders={"area": area.name if area else "?", "entity": entity_id or "?"},
        )
    return str(code)


async def async_bypass_zones(coordinator: Elke27Coordinator, zones: Iterable[Zone], code: str, bypass: bool) -> None:
    """Bypass (or restore) each zone once, in order; the zones the panel refused are named in one error.

    A refusal that is not about the zone itself (wrong code, no rights) stops at once.
    """
    assert coordinator.client is not None
    refused: list[Zone] = []
    for zone in zones:
        try:
            await coordinator.client.async_bypass_zone(zone.id, code, bypass)
        except E27CommandError as err:
            if err.code not in _ZONE_REFUSALS:
                raise translated_error(err) from err
            refused.append(zone)
        except (E27Error, ValueError) as err:
            raise translated_error(err) from err
    if refused:
        names = ", ".join(zone_label(coordinator.data, zone) for zone in refused)
        key = "bypass_refused" if bypass else "restore_refused"
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders={"zones": names}
        )


async def async_bypass_zone(hass: HomeAssistant, coordinator: Elke27Coordinator, zone: Zone, bypass: bool) -> None:
    """Bypass (or restore) one zone with its area's default code."""
    code = area_default_code(hass, coordinator, zone.area_id)
    assert coordinator.client is not None
    try:
        await coordinator.client.async_bypass_zone(zone.id, code, bypass)
    except (E27Error, ValueError) as err:
        raise translated_error(err) from err
