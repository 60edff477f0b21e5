"""One alarm control panel per area."""

from __future__ import annotations

from typing import Any

from homeassistant.components.alarm_control_panel import (
    AlarmControlPanelEntity,
    AlarmControlPanelEntityDescription,
    AlarmControlPanelEntityFeature,
    AlarmControlPanelState,
    CodeFormat,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY, DOMAIN
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import Area, AreaState, ArmState
from .entity import Elke27Entity, alarm_cause, area_device
from .helpers import panel_action

PARALLEL_UPDATES = 0

DESCRIPTION = AlarmControlPanelEntityDescription(key="area", name=None)

_STATES = {
    AreaState.DISARMED: AlarmControlPanelState.DISARMED,
    AreaState.ARMING: AlarmControlPanelState.ARMING,
    AreaState.ARMED_AWAY: AlarmControlPanelState.ARMED_AWAY,
    AreaState.ARMED_STAY: AlarmControlPanelState.ARMED_HOME,
    AreaState.PENDING: AlarmControlPanelState.PENDING,
    AreaState.TRIGGERED: AlarmControlPanelState.TRIGGERED,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add an alarm control panel for every area."""
    coordinator = entry.runtime_data
    async_add_entities(Elke27AlarmPanel(coordinator, area_id) for area_id in coordinator.data.areas)


class Elke27AlarmPanel(Elke27Entity, AlarmControlPanelEntity):
    """An area: arm away or stay with a user code, disarm, arm with open zones bypassed."""

    _attr_code_format = CodeFormat.NUMBER
    _attr_code_arm_required = True
    _attr_supported_features = (
        AlarmControlPanelEntityFeature.ARM_AWAY
        | AlarmControlPanelEntityFeature.ARM_HOME
        | AlarmControlPanelEntityFeature.ARM_CUSTOM_BYPASS
    )

    def __init__(self, coordinator: Elke27Coordinator, area_id: int) -> None:
        """Bind to one area."""
        super().__init__(coordinator, DESCRIPTION, area_id, area_device(coordinator, area_id))

    @property
    def area(self) -> Area:
        """The area's current state."""
        return self.coordinator.data.areas[self.element_id]

    @property
    def alarm_state(self) -> AlarmControlPanelState | None:
        """The area state as Home Assistant knows it (None while the panel reports something new)."""
        return _STATES.get(self.area.state)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Countdowns, readiness and the zone that caused an alarm or entry delay."""
        area = self.area
        return {
            "ready": area.ready,
            "exit_delay": area.exit_delay,
            "entry_delay": area.entry_delay,
            "alarm_zone": alarm_cause(self.coordinator.data, area),
            "bypassed_zones": area.bypassed_count,
        }

    @panel_action
    async def async_alarm_disarm(self, code: str | None = None) -> None:
        """Disarm (the panel always needs a user code)."""
        await self.client.async_disarm(self.element_id, _required(code))

    @panel_action
    async def async_alarm_arm_away(self, code: str | None = None) -> None:
        """Arm Away; with the keep-away option, auto-stay is cancelled."""
        await self._async_arm(ArmState.ARMED_AWAY, code)

    @panel_action
    async def async_alarm_arm_home(self, code: str | None = None) -> None:
        """Arm Stay."""
        await self._async_arm(ArmState.ARMED_STAY, code)

    @panel_action
    async def async_alarm_arm_custom_bypass(self, code: str | None = None) -> None:
        """Bypass every open zone of the area, then arm Away."""
        if self._already(ArmState.ARMED_AWAY):
            return
        result = await self.client.async_arm_with_bypass(
            self.element_id, ArmState.ARMED_AWAY, _required(code), auto_stay_cancel=self._keep_away
        )
        if result.failed:
            zones = ", ".join(self.coordinator.data.zones[zone_id].name for zone_id in sorted(result.failed))
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="bypass_failed", translation_placeholders={"zones": zones}
            )

    async def _async_arm(self, mode: ArmState, code: str | None) -> None:
        if self._already(mode):
            return
        keep_away = mode is ArmState.ARMED_AWAY and self._keep_away
        await self.client.async_arm(self.element_id, mode, _required(code), auto_stay_cancel=keep_away)

    def _already(self, mode: ArmState) -> bool:
        """Arming an area that is already armed that way is a no-op; it must never toggle to disarmed."""
        return self.area.arm_state is mode

    @property
    def _keep_away(self) -> bool:
        return bool(self.coordinator.config_entry.options.get(CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY))


def _required(code: str | None) -> str:
    if not code:
        raise ValueError("a user code is required")
    return code
