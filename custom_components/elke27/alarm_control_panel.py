"""One alarm control panel per area."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.alarm_control_panel import (
    AlarmControlPanelEntity,
    AlarmControlPanelEntityDescription,
    AlarmControlPanelEntityFeature,
    AlarmControlPanelState,
    CodeFormat,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .area_events import MODES, already_armed
from .const import CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY, DOMAIN
from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import Area, AreaState, ArmState
from .e27.errors import E27InvalidPinError
from .entity import Elke27Entity, alarm_cause, area_device, async_add_element_entities
from .helpers import panel_action

PARALLEL_UPDATES = 0

DESCRIPTION = AlarmControlPanelEntityDescription(key="area", translation_key="area", name=None)

_STATES = {
    AreaState.DISARMED: AlarmControlPanelState.DISARMED,
    AreaState.ARMING: AlarmControlPanelState.ARMING,
    AreaState.ARMED_AWAY: AlarmControlPanelState.ARMED_AWAY,
    AreaState.ARMED_STAY: AlarmControlPanelState.ARMED_HOME,
    AreaState.PENDING: AlarmControlPanelState.PENDING,
    AreaState.TRIGGERED: AlarmControlPanelState.TRIGGERED,
}
_ARMED = (AlarmControlPanelState.ARMED_AWAY, AlarmControlPanelState.ARMED_HOME)


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add an alarm control panel for every area."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {("area", area_id, "area"): partial(_area, coordinator, area_id) for area_id in panel.areas},
    )


def _area(coordinator: Elke27Coordinator, area_id: int) -> list[Elke27AlarmPanel]:
    return [Elke27AlarmPanel(coordinator, area_id)]


class Elke27AlarmPanel(Elke27Entity, AlarmControlPanelEntity):
    """An area: arm away or stay with a user code, disarm, arm with open zones bypassed."""

    element_kind = "area"

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
        """The area state as Home Assistant knows it (None while the panel reports something new).

        Armed with bypassed zones is "armed custom bypass": the bypasses are part of that
        arming (the panel clears them at disarm); the mode attribute tells Away or Stay.
        """
        area = self.area
        state = _STATES.get(area.state)
        if state in _ARMED and area.bypassed_count > 0:
            return AlarmControlPanelState.ARMED_CUSTOM_BYPASS
        return state

    @property
    def changed_by(self) -> str | None:
        """Who last armed or disarmed: from Home Assistant, the person; at the panel, the user its log names (or None)."""
        return self.coordinator.changed_by(self.element_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Readiness, the armed mode, bypasses, the zone behind an alarm or entry delay, when a delay ends.

        The delay's end is set once per delay, so a running delay does not rewrite the state every second.
        """
        area = self.area
        ends_at = self.coordinator.areas.delay_ends_at(self.element_id)
        return {
            "ready": area.ready,
            # While arming, the mode being armed to (the panel's arm state is still disarmed).
            "arm_mode": MODES.get(area.arming_to or area.arm_state),
            "bypassed_zones": area.bypassed_count,
            "alarm_zone": alarm_cause(self.coordinator.data, area),
            "delay_ends_at": ends_at.isoformat() if ends_at else None,
        }

    @panel_action
    async def async_alarm_disarm(self, code: str | None = None) -> None:
        """Disarm (the panel always needs a user code)."""
        async with self.coordinator.async_commanding(self.element_id, ArmState.DISARMED, self._context):
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
        if already_armed(self.area, ArmState.ARMED_AWAY):
            return
        async with self.coordinator.async_commanding(self.element_id, ArmState.ARMED_AWAY, self._context):
            result = await self.client.async_arm_with_bypass(
                self.element_id, ArmState.ARMED_AWAY, _required(code), auto_stay_cancel=self._keep_away
            )
        if result.failed:
            zones = ", ".join(self.coordinator.data.zones[zone_id].name for zone_id in sorted(result.failed))
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="bypass_failed", translation_placeholders={"zones": zones}
            )

    async def _async_arm(self, mode: ArmState, code: str | None) -> None:
        if already_armed(self.area, mode):
            return
        keep_away = mode is ArmState.ARMED_AWAY and self._keep_away
        async with self.coordinator.async_commanding(self.element_id, mode, self._context):
            await self.client.async_arm(self.element_id, mode, _required(code), auto_stay_cancel=keep_away)

    @property
    def _keep_away(self) -> bool:
        return bool(self.coordinator.config_entry.options.get(CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY))


def _required(code: str | None) -> str:
    if not code:
        raise E27InvalidPinError("a user code is required")
    return code
