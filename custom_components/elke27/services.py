"""Actions for what the standard entities cannot express: arming options and zone bypass.

Both take Home Assistant targets (entities, devices, areas): every alarm panel or zone of
this integration among them is acted on, one after the other. Entities named explicitly
must be of the right kind; those reached through a device or an area are filtered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CODE
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids

from .area_events import already_armed
from .const import DOMAIN
from .coordinator import Elke27Coordinator
from .e27 import ArmState, E27Error
from .helpers import translated_error

SERVICE_ARM = "arm"
SERVICE_BYPASS_ZONE = "bypass_zone"
ATTR_MODE = "mode"
ATTR_EXIT_DELAY_CANCEL = "exit_delay_cancel"
ATTR_AUTO_STAY_CANCEL = "auto_stay_cancel"
ATTR_BYPASS = "bypass"
_MODES = {"away": ArmState.ARMED_AWAY, "stay": ArmState.ARMED_STAY}

ARM_SCHEMA = cv.make_entity_service_schema(
    {
        vol.Required(ATTR_MODE): vol.In(list(_MODES)),
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_EXIT_DELAY_CANCEL, default=False): cv.boolean,
        vol.Optional(ATTR_AUTO_STAY_CANCEL, default=False): cv.boolean,
    }
)
BYPASS_SCHEMA = cv.make_entity_service_schema(
    {
        vol.Required(ATTR_CODE): cv.string,
        vol.Optional(ATTR_BYPASS, default=True): cv.boolean,
    }
)

type Target = tuple[Elke27Coordinator, int]


def _resolve(hass: HomeAssistant, entity_id: str, domain: str, key: str, *, strict: bool) -> Target | None:
    """The coordinator and element id behind one of our entities of that kind; strict: raise if it is not."""
    entry = er.async_get(hass).async_get(entity_id)
    coordinator: Elke27Coordinator | None = None
    element_id: int | None = None
    if entry is not None and entry.platform == DOMAIN and entry.domain == domain and entry.config_entry_id:
        config_entry = hass.config_entries.async_get_entry(entry.config_entry_id)
        if config_entry is None or config_entry.state is not ConfigEntryState.LOADED:
            if not strict:
                return None
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="not_loaded", translation_placeholders={"entity": entity_id}
            )
        coordinator = config_entry.runtime_data
        element_id = coordinator.element_id(entry.unique_id, key)
    if coordinator is None or element_id is None:
        if not strict:
            return None
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="not_our_entity", translation_placeholders={"entity": entity_id}
        )
    return coordinator, element_id


def _targets(call: ServiceCall, domain: str, key: str) -> list[Target]:
    """Every alarm panel (or zone) the call targets, in a stable order."""
    selected = async_extract_referenced_entity_ids(call.hass, TargetSelection(call.data))
    targets = [_resolve(call.hass, entity_id, domain, key, strict=True) for entity_id in sorted(selected.referenced)]
    targets += [
        _resolve(call.hass, entity_id, domain, key, strict=False)
        for entity_id in sorted(selected.indirectly_referenced - selected.referenced)
    ]
    found = [target for target in targets if target is not None]
    if not found:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    return found


async def _async_each(targets: list[Target], action: Callable[[Elke27Coordinator, int], Awaitable[None]]) -> None:
    """Run the action on every target; the first failure is raised once all were tried."""
    errors: list[HomeAssistantError] = []
    for coordinator, element_id in targets:
        assert coordinator.client is not None
        try:
            await action(coordinator, element_id)
        except (E27Error, ValueError) as err:
            errors.append(translated_error(err))
        except HomeAssistantError as err:
            errors.append(err)
    if errors:
        raise errors[0]


async def _async_arm(call: ServiceCall) -> None:
    mode = _MODES[call.data[ATTR_MODE]]

    async def arm(coordinator: Elke27Coordinator, area_id: int) -> None:
        if already_armed(coordinator.data.areas[area_id], mode):
            return  # armed (or arming) that way already: never a second command
        assert coordinator.client is not None
        async with coordinator.async_commanding(area_id, mode, call.context):
            await coordinator.client.async_arm(
                area_id,
                mode,
                call.data[ATTR_CODE],
                exit_delay_cancel=call.data[ATTR_EXIT_DELAY_CANCEL],
                auto_stay_cancel=call.data[ATTR_AUTO_STAY_CANCEL],
            )

    await _async_each(_targets(call, "alarm_control_panel", "area"), arm)


async def _async_bypass_zone(call: ServiceCall) -> None:
    async def bypass(coordinator: Elke27Coordinator, zone_id: int) -> None:
        assert coordinator.client is not None
        await coordinator.client.async_bypass_zone(zone_id, call.data[ATTR_CODE], call.data[ATTR_BYPASS])

    await _async_each(_targets(call, "binary_sensor", "zone"), bypass)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(DOMAIN, SERVICE_ARM, _async_arm, schema=ARM_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_BYPASS_ZONE, _async_bypass_zone, schema=BYPASS_SCHEMA)
