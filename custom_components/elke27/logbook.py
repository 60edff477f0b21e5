"""Logbook entries for the panel's own event log: each entry as the panel wrote it, under the panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook import LOGBOOK_ENTRY_ENTITY_ID, LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN
from .panel_log import EVENT_PANEL_LOG


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe the panel's log entries (their text is the panel's; it is not translated)."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: str(data.get("name") or ""),
            LOGBOOK_ENTRY_MESSAGE: str(data.get("message") or ""),
            LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
        }

    async_describe_event(DOMAIN, EVENT_PANEL_LOG, describe)
