"""Thermostats: heat, cool, auto and off, fan auto/on, whole-degree °F setpoints."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    FAN_AUTO,
    FAN_ON,
    ClimateEntity,
    ClimateEntityDescription,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Elke27ConfigEntry, Elke27Coordinator
from .e27 import FanMode, Thermostat, ThermostatMode
from .entity import Elke27Entity, async_add_element_entities, sub_device
from .helpers import panel_action

PARALLEL_UPDATES = 1
DESCRIPTION = ClimateEntityDescription(key="thermostat", name=None)
MIN_SETPOINT = 40
MAX_SETPOINT = 99

_MODES = {
    ThermostatMode.OFF: HVACMode.OFF,
    ThermostatMode.HEAT: HVACMode.HEAT,
    ThermostatMode.COOL: HVACMode.COOL,
    ThermostatMode.AUTO: HVACMode.HEAT_COOL,
}
_PANEL_MODES = {hvac: mode for mode, hvac in _MODES.items()}
_FANS = {FanMode.AUTO: FAN_AUTO, FanMode.ON: FAN_ON}
_PANEL_FANS = {fan: mode for mode, fan in _FANS.items()}


async def async_setup_entry(
    hass: HomeAssistant, entry: Elke27ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every thermostat of the panel."""
    coordinator = entry.runtime_data
    async_add_element_entities(
        entry,
        async_add_entities,
        lambda panel: {
            ("thermostat", item, "thermostat"): partial(_climate, coordinator, item) for item in panel.thermostats
        },
    )


def _climate(coordinator: Elke27Coordinator, tstat_id: int) -> list[Elke27Climate]:
    return [Elke27Climate(coordinator, tstat_id)]


class Elke27Climate(Elke27Entity, ClimateEntity):
    """A thermostat; the panel works in whole degrees Fahrenheit."""

    element_kind = "thermostat"

    _attr_target_temperature_step = 1
    _attr_min_temp = MIN_SETPOINT
    _attr_max_temp = MAX_SETPOINT
    _attr_hvac_modes = list(_PANEL_MODES)
    _attr_fan_modes = list(_PANEL_FANS)
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        | ClimateEntityFeature.FAN_MODE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )

    def __init__(self, coordinator: Elke27Coordinator, tstat_id: int) -> None:
        """Each thermostat is a device of its own."""
        name = coordinator.data.thermostats[tstat_id].name
        device = sub_device(coordinator, "thermostat", tstat_id, name, "Thermostat")
        super().__init__(coordinator, DESCRIPTION, tstat_id, device)

    @property
    def tstat(self) -> Thermostat:
        """The thermostat's current state."""
        return self.coordinator.data.thermostats[self.element_id]

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The mode, or None for a mode this integration does not know."""
        return _MODES.get(self.tstat.mode)

    @property
    def fan_mode(self) -> str | None:
        """auto or on."""
        return _FANS.get(self.tstat.fan_mode)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """A mode or fan mode the panel reports that Home Assistant has no name for, as the panel words it."""
        tstat = self.tstat
        reported = {
            key: value
            for key, value in (("panel_mode", tstat.reported_mode), ("panel_fan_mode", tstat.reported_fan_mode))
            if value is not None
        }
        return reported or None

    @property
    def native_temperature_unit(self) -> str:
        """The panel works in degrees Fahrenheit."""
        return UnitOfTemperature.FAHRENHEIT

    @property
    def native_current_temperature(self) -> float | None:
        """Measured temperature."""
        return self.tstat.temperature

    @property
    def current_humidity(self) -> float | None:
        """Measured humidity; the panel reports 0 when there is no sensor."""
        return self.tstat.humidity or None

    @property
    def native_target_temperature(self) -> float | None:
        """The setpoint of the current single-setpoint mode."""
        tstat = self.tstat
        if tstat.mode is ThermostatMode.HEAT:
            return tstat.heat_setpoint
        if tstat.mode is ThermostatMode.COOL:
            return tstat.cool_setpoint
        return None

    @property
    def native_target_temperature_low(self) -> float | None:
        """Heat setpoint in auto mode."""
        return self.tstat.heat_setpoint if self.tstat.mode is ThermostatMode.AUTO else None

    @property
    def native_target_temperature_high(self) -> float | None:
        """Cool setpoint in auto mode."""
        return self.tstat.cool_setpoint if self.tstat.mode is ThermostatMode.AUTO else None

    # Home Assistant 2026.11 reads the temperatures under their native_* names and deprecates the
    # plain ones; older releases read only the plain ones. A class that provides both is served
    # from the native names on 2026.11 without a deprecation, and from the plain ones before.
    temperature_unit = native_temperature_unit
    current_temperature = native_current_temperature
    target_temperature = native_target_temperature
    target_temperature_low = native_target_temperature_low
    target_temperature_high = native_target_temperature_high

    @panel_action
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Change the mode."""
        await self.client.async_set_thermostat(self.element_id, mode=_PANEL_MODES[hvac_mode])

    @panel_action
    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Change the fan mode."""
        await self.client.async_set_thermostat(self.element_id, fan_mode=_PANEL_FANS[fan_mode])

    @panel_action
    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the setpoint(s) that apply to the current (or requested) mode, in whole degrees."""
        setpoints: dict[str, Any] = {}
        mode = self.tstat.mode
        if (hvac_mode := kwargs.get(ATTR_HVAC_MODE)) is not None:
            # The action may ask for a mode too: set it in the same command, and its setpoint.
            mode = setpoints["mode"] = _PANEL_MODES[hvac_mode]
        if ATTR_TARGET_TEMP_LOW in kwargs:
            setpoints["heat_setpoint"] = round(kwargs[ATTR_TARGET_TEMP_LOW])
        if ATTR_TARGET_TEMP_HIGH in kwargs:
            setpoints["cool_setpoint"] = round(kwargs[ATTR_TARGET_TEMP_HIGH])
        if ATTR_TEMPERATURE in kwargs:
            key = "cool_setpoint" if mode is ThermostatMode.COOL else "heat_setpoint"
            setpoints[key] = round(kwargs[ATTR_TEMPERATURE])
        await self.client.async_set_thermostat(self.element_id, **setpoints)

    async def async_turn_on(self) -> None:
        """Turn on in auto mode."""
        await self.async_set_hvac_mode(HVACMode.HEAT_COOL)

    async def async_turn_off(self) -> None:
        """Turn off."""
        await self.async_set_hvac_mode(HVACMode.OFF)
