"""Driving config flows in tests: start one, watch its progress events like the frontend does."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED, FlowResult, FlowResultType

from custom_components.elke27.const import CONF_ACCESS_CODE, CONF_PANEL, CONF_PASSPHRASE, DOMAIN

from .conftest import ACCESS_CODE, PANEL_MAC, PASSPHRASE

GOOD = {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: PASSPHRASE}
WRONG = {CONF_ACCESS_CODE: ACCESS_CODE, CONF_PASSPHRASE: "not the passphrase"}


async def start_user_flow(hass: HomeAssistant) -> FlowResult:
    """Add the integration: the scan shows progress; return the form that follows it."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "discovering"
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def link_form(hass: HomeAssistant) -> FlowResult:
    """A user flow at the link form for the emulated panel, picked from the scan."""
    result = await start_user_flow(hass)
    assert result["step_id"] == "pick"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PANEL: PANEL_MAC})
    assert result["step_id"] == "link"
    return result


async def finish_progress(hass: HomeAssistant, result: FlowResult) -> FlowResult:
    """Let a progress step end and fetch the flow, as the frontend does when told."""
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(result["flow_id"])


def suggested(result: FlowResult, field: str) -> Any:
    """The value a form suggests for one of its fields (None if it suggests none)."""
    for key in result["data_schema"].schema:
        if key == field:
            return (key.description or {}).get("suggested_value")
    raise KeyError(field)


class ProgressWatcher:
    """Subscribes to the end of progress steps, as an open flow dialog does."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.flows: list[str] = []
        self._hass = hass
        self._unsubscribe = None

    def subscribe(self) -> None:
        self._unsubscribe = self._hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, self._heard)

    def unsubscribe(self) -> None:
        assert self._unsubscribe is not None
        self._unsubscribe()

    @callback
    def _heard(self, event: Event) -> None:
        self.flows.append(event.data["flow_id"])
