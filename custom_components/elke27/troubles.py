"""Troubles by kind, with the zones concerned, and repair issues for those that need someone and persist.

The panel reports troubles as short texts whose vocabulary is [UNK] (docs/api.md §5.8): the
panel's own list ("AC Fail") and each area's ("Zone Low Battery"). Known ones are recorded by
kind (the frontend names the kind in the user's language), others as the panel wrote them;
nothing recorded changes with the language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .e27 import Area, Panel, Zone


class TroubleKind(StrEnum):
    """Troubles the integration recognises in the panel's texts."""

    AC_POWER_LOST = "ac_power_lost"
    BATTERY_LOW = "battery_low"
    PHONE_LINE = "phone_line"
    COMMUNICATION = "communication"
    CLOCK_NOT_SET = "clock_not_set"
    ZONE_TROUBLE = "zone_trouble"
    ZONE_TAMPER = "zone_tamper"
    ZONE_LOW_BATTERY = "zone_low_battery"


# A word starting with the pattern: "ac" must not match "Backup".
_PANEL_PATTERNS: Final = (
    (r"ac(?![a-z0-9])|mains|power fail", TroubleKind.AC_POWER_LOST),
    (r"batt", TroubleKind.BATTERY_LOW),
    (r"phone|line", TroubleKind.PHONE_LINE),
    (r"comm", TroubleKind.COMMUNICATION),
    (r"clock|time", TroubleKind.CLOCK_NOT_SET),
)
_ZONE_KINDS: Final[dict[TroubleKind, Callable[[Zone], bool]]] = {
    TroubleKind.ZONE_LOW_BATTERY: lambda zone: bool(zone.low_battery),
    TroubleKind.ZONE_TAMPER: lambda zone: zone.tamper,
    TroubleKind.ZONE_TROUBLE: lambda zone: zone.trouble,
}
# How long a trouble must last before a repair issue asks someone to act.
AC_POWER_REPAIR_DELAY: Final = timedelta(hours=1)
REPAIR_KINDS: Final = (TroubleKind.AC_POWER_LOST, TroubleKind.BATTERY_LOW)
# Since when each entry's panel has reported mains power lost, kept across reloads of the entry
# (a reload must not restart the hour) until the power is back or the entry is removed.
AC_LOST_SINCE: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_ac_lost_since")


def _word(pattern: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9])(?:{pattern})", text, re.IGNORECASE) is not None


def panel_trouble_kind(text: str) -> TroubleKind | None:
    """The kind of one of the panel's own troubles, None if the text is not recognised."""
    return next((kind for pattern, kind in _PANEL_PATTERNS if _word(pattern, text)), None)


def area_trouble_kind(text: str, zones: list[Zone]) -> TroubleKind | None:
    """The kind of an area trouble; a battery trouble is a zone's when one of the area's zones reports it."""
    if _word("tamper", text):
        return TroubleKind.ZONE_TAMPER
    if _word("batt", text):
        zone_battery = _word("zone", text) or any(zone.low_battery for zone in zones)
        return TroubleKind.ZONE_LOW_BATTERY if zone_battery else TroubleKind.BATTERY_LOW
    if _word("zone", text):
        return TroubleKind.ZONE_TROUBLE
    return panel_trouble_kind(text)


def _recorded(kind: TroubleKind | None, text: str) -> str:
    """A trouble as recorded: its kind, or the panel's own words when it is not recognised."""
    return kind.value if kind is not None else text


def area_troubles(panel: Panel, area: Area) -> tuple[list[str], list[Zone]]:
    """An area's troubles (kinds, or the panel's words) and its zones concerned, in zone order."""
    zones = [zone for _, zone in sorted(panel.zones.items()) if zone.area_id == area.id]
    troubles: list[str] = []
    concerned: set[int] = set()
    for trouble in area.troubles:
        kind = area_trouble_kind(trouble, zones)
        troubles.append(_recorded(kind, trouble))
        if (test := _ZONE_KINDS.get(kind) if kind is not None else None) is not None:
            concerned.update(zone.id for zone in zones if test(zone))
    return list(dict.fromkeys(troubles)), [zone for zone in zones if zone.id in concerned]


def panel_troubles(panel: Panel) -> tuple[list[str], list[str], list[Zone]]:
    """Every trouble of the panel and its areas (kinds, or the panel's words), the areas reporting one, the zones."""
    troubles = [_recorded(panel_trouble_kind(trouble), trouble) for trouble in panel.troubles]
    areas: list[str] = []
    zones: list[Zone] = []
    for _, area in sorted(panel.areas.items()):
        if area.troubles:
            area_kinds, area_zones = area_troubles(panel, area)
            troubles += area_kinds
            areas.append(area.name)
            zones += area_zones
    return list(dict.fromkeys(troubles)), areas, zones


class RepairIssues:
    """Raises a repair issue for a panel trouble that needs someone to act, and removes it when it clears.

    Mains power lost for more than AC_POWER_REPAIR_DELAY, and a low panel battery. The issues
    outlive a reload of the entry (the panel still has the trouble); they go when the panel
    clears the trouble, or with the entry (async_remove_repair_issues).
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self._name = name
        self._ac_timer: CALLBACK_TYPE | None = None

    def _issue_id(self, kind: TroubleKind) -> str:
        return _issue_id(self._entry_id, kind)

    @callback
    def update(self, panel: Panel) -> None:
        """Follow the panel's own trouble list."""
        kinds = {panel_trouble_kind(trouble) for trouble in panel.troubles}
        ac_issue = ir.async_get(self._hass).async_get_issue(DOMAIN, self._issue_id(TroubleKind.AC_POWER_LOST))
        if TroubleKind.AC_POWER_LOST in kinds:
            since = self._hass.data.setdefault(AC_LOST_SINCE, {}).setdefault(self._entry_id, dt_util.utcnow())
            if self._ac_timer is None and ac_issue is None:
                left = AC_POWER_REPAIR_DELAY - (dt_util.utcnow() - since)
                if left <= timedelta(0):
                    self._create(TroubleKind.AC_POWER_LOST)
                else:
                    self._ac_timer = async_call_later(self._hass, left, self._ac_lost_too_long)
        else:
            self._cancel_timer()
            self._hass.data.get(AC_LOST_SINCE, {}).pop(self._entry_id, None)
            self._delete(TroubleKind.AC_POWER_LOST)
        if TroubleKind.BATTERY_LOW in kinds:
            self._create(TroubleKind.BATTERY_LOW)
        else:
            self._delete(TroubleKind.BATTERY_LOW)

    @callback
    def _ac_lost_too_long(self, now: datetime) -> None:
        self._ac_timer = None
        self._create(TroubleKind.AC_POWER_LOST)

    def _create(self, kind: TroubleKind) -> None:
        hours = str(int(AC_POWER_REPAIR_DELAY.total_seconds() // 3600))
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id(kind),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=kind.value,
            translation_placeholders={"name": self._name, "hours": hours},
        )

    def _delete(self, kind: TroubleKind) -> None:
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(kind))

    def _cancel_timer(self) -> None:
        if self._ac_timer is not None:
            self._ac_timer()
            self._ac_timer = None

    @callback
    def close(self) -> None:
        """Stop watching (unload); the issues and the start of a power loss stay for the next setup."""
        self._cancel_timer()


def _issue_id(entry_id: str, kind: TroubleKind) -> str:
    return f"{entry_id}_{kind.value}"


@callback
def async_remove_repair_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Forget an entry's trouble issues (the entry is removed or disabled: nothing would clear them)."""
    hass.data.get(AC_LOST_SINCE, {}).pop(entry_id, None)
    for kind in REPAIR_KINDS:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry_id, kind))
