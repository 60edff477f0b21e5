"""Actions for what the standard entities cannot express: arming options and zone bypass."""

from __future__ import annotations

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CODE, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .coordinator import Elke27Coordinator
from .e27 import ArmState, E27CommandError, E27ConnectionError
from .helpers import translated_error

SERVICE_ARM = "arm"
SERVICE_BYPASS_ZONE = "bypass_zone"
ATTR_MODE = "mode"
ATTR_EXIT_DELAY_CANCEL = "exit_delay_cancel"
ATTR_AUTO_STAY_CANCEL = "auto_stay_cancel"
ATTR_BYPASS = "bypass"
_MODES = {"away": ArmState.ARMED_AWAY, "stay": ArmState.ARMED_STAY}

ARM_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_id,
        vol.Required(ATTR_MODE): vol.In(list(_MODES)),
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_EXIT_DELAY_CANCEL, default=False): cv.boolean,
        vol.Optional(ATTR_AUTO_STAY_CANCEL, default=False): cv.boolean,
    }
)
BYPASS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_id,
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_BYPASS, default=True): cv.boolean,
    }
)


def _resolve(hass: HomeAssistant, entity_id: str, key: str) -> tuple[Elke27Coordinator, int]:
    """The coordinator and element id behind one of our entities of the given kind."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None or entry.platform != DOMAIN or entry.config_entry_id is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="not_our_entity", translation_placeholders={"entity": entity_id}
        )
    config_entry = hass.config_entries.async_get_entry(entry.config_entry_id)
    if config_entry is None or config_entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="not_loaded", translation_placeholders={"entity": entity_id}
        )
    coordinator: Elke27Coordinator = config_entry.runtime_data
    element_id = coordinator.element_id(entry.unique_id, key)
    if element_id is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="not_our_entity", translation_placeholders={"entity": entity_id}
        )
    assert coordinator.client is not None
    return coordinator, element_id


async def _async_arm(call: ServiceCall) -> None:
    coordinator, area_id = _resolve(call.hass, call.data[ATTR_ENTITY_ID], "area")
    assert coordinator.client is not None
    try:
        await coordinator.client.async_arm(
            area_id,
            _MODES[call.data[ATTR_MODE]],
            call.data[ATTR_CODE],
            exit_delay_cancel=call.data[ATTR_EXIT_DELAY_CANCEL],
            auto_stay_cancel=call.data[ATTR_AUTO_STAY_CANCEL],
        )
    except (E27CommandError, E27ConnectionError, ValueError) as err:
        raise translated_error(err) from err


async def _async_bypass_zone(call: ServiceCall) -> None:
    coordinator, zone_id = _resolve(call.hass, call.data[ATTR_ENTITY_ID], "zone")
    assert coordinator.client is not None
    try:
        await coordinator.client.async_bypass_zone(zone_id, call.data[ATTR_CODE], call.data[ATTR_BYPASS])
    except (E27CommandError, E27ConnectionError, ValueError) as err:
        raise translated_error(err) from err


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(DOMAIN, SERVICE_ARM, _async_arm, schema=ARM_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_BYPASS_ZONE, _async_bypass_zone, schema=BYPASS_SCHEMA)
