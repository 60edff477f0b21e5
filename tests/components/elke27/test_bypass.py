"""Bypass from the UI: a switch per bypassable zone and two buttons per area, sent with the area's default code."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27.const import DOMAIN
from e27_emulator import EmulatorPanel
from tests.secrets_guard import assert_no_secrets

from .conftest import FAMILY_PIN, MASTER_PIN, PANEL_MAC, panel_requests, state_of, wait_for

HOUSE = "alarm_control_panel.house"
GARAGE = "alarm_control_panel.garage"
WINDOW = "binary_sensor.house_living_room_window"
WINDOW_BYPASS = "switch.house_living_room_window_bypass"
BYPASS_OPEN = "button.house_bypass_open_zones"
CLEAR_BYPASSES = "button.house_clear_bypasses"
SERVICES = Path(__file__).parents[3] / "custom_components" / "elke27" / "services.yaml"


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SWITCH]


def _set_default_code(hass: HomeAssistant, entity_id: str, code: str) -> None:
    """What the alarm panel's settings dialog does: Home Assistant's own per-entity option."""
    er.async_get(hass).async_update_entity_options(entity_id, "alarm_control_panel", {"default_code": code})


async def _switch(hass: HomeAssistant, service: str, entity_id: str = WINDOW_BYPASS) -> None:
    await hass.services.async_call("switch", service, {"entity_id": entity_id}, blocking=True)


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)


def _bypasses_sent(panel: EmulatorPanel) -> list[tuple[int, bool]]:
    return [(request["zone_id"], request["BYPASSED"]) for request in panel_requests(panel, "zone", "set_status")]


async def test_switches_for_bypassable_zones_only(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Burglary zones get a switch on their device; fire, CO, 24-hour and non-alarm zones do not."""
    entities = er.async_get(hass)
    with_switch = {
        entry.unique_id.rsplit("_", 1)[1]
        for entry in er.async_entries_for_config_entry(entities, init_integration.entry_id)
        if entry.domain == "switch" and entry.translation_key == "zone_bypass"
    }
    assert with_switch == {"1", "2", "3", "4", "5", "6", "17", "18"}
    switch = entities.async_get(WINDOW_BYPASS)
    assert switch.device_id == entities.async_get(WINDOW).device_id
    device = dr.async_get(hass).async_get(switch.device_id)
    assert device.identifiers == {(DOMAIN, f"{PANEL_MAC}_zone_3")}
    assert hass.states.get(WINDOW_BYPASS).attributes["friendly_name"] == "House Living Room Window Bypass"


async def test_bypass_switch_uses_the_area_default_code(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, HOUSE, MASTER_PIN)
    await hass.async_block_till_done()
    panel.open_zone(3)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is False)
    assert "icon" not in hass.states.get(WINDOW).attributes

    await _switch(hass, "turn_on")
    assert panel.state.zones[3].bypassed
    assert state_of(hass, WINDOW_BYPASS) == STATE_ON
    window = hass.states.get(WINDOW)
    assert (window.state, window.attributes["bypassed"]) == (STATE_ON, True)
    assert window.attributes["icon"] == "mdi:shield-off-outline"  # the tile tells it is bypassed
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is True)

    await _switch(hass, "turn_off")
    assert not panel.state.zones[3].bypassed
    assert state_of(hass, WINDOW_BYPASS) == STATE_OFF
    assert "icon" not in hass.states.get(WINDOW).attributes
    assert _bypasses_sent(panel) == [(3, True), (3, False)]
    assert [request["pin"] for request in panel_requests(panel, "zone", "set_status")] == [int(MASTER_PIN)] * 2


async def test_bypassed_at_the_panel_shows_on_the_switch(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.set_bypass(4, True)  # from a keypad
    await wait_for(hass, lambda: state_of(hass, "switch.house_kitchen_window_bypass") == STATE_ON)
    assert hass.states.get("binary_sensor.house_kitchen_window").attributes["icon"] == "mdi:shield-off-outline"


@pytest.mark.parametrize(
    ("service", "entity_id", "data"),
    [
        ("switch", WINDOW_BYPASS, "turn_on"),
        ("button", BYPASS_OPEN, "press"),
        ("button", CLEAR_BYPASSES, "press"),
    ],
    ids=["switch", "bypass-open-zones", "clear-bypasses"],
)
async def test_without_a_default_code_the_error_says_how_to_set_one(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    service: str,
    entity_id: str,
    data: str,
) -> None:
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == STATE_ON)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(service, data, {"entity_id": entity_id}, blocking=True)
    assert err.value.translation_key == "no_default_code"
    assert err.value.translation_placeholders == {"area": "House", "entity": HOUSE}
    assert "Default code" in str(err.value)
    assert not _bypasses_sent(panel)


async def test_the_default_code_of_the_zone_area_is_used(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The garage's default code does not bypass a house zone."""
    _set_default_code(hass, GARAGE, MASTER_PIN)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _switch(hass, "turn_on")
    assert err.value.translation_key == "no_default_code"
    await _switch(hass, "turn_on", "switch.garage_side_door_bypass")
    assert panel.state.zones[17].bypassed


async def test_a_refused_default_code_is_translated(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, GARAGE, FAMILY_PIN)  # a house user: no rights in the garage
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _switch(hass, "turn_on", "switch.garage_side_door_bypass")
    assert err.value.translation_key == "not_authorized"
    assert FAMILY_PIN not in str(err.value)
    assert not panel.state.zones[17].bypassed


async def test_bypass_open_zones_bypasses_each_open_burglary_zone_once(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, HOUSE, MASTER_PIN)
    await hass.async_block_till_done()
    for zone_id in (3, 4, 7, 17):  # two windows, the kitchen smoke detector, the garage door
        panel.open_zone(zone_id)
    panel.state.set_bypass(5, True)  # already bypassed: not sent again
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.garage_side_door") == STATE_ON)

    await _press(hass, BYPASS_OPEN)
    assert _bypasses_sent(panel) == [(3, True), (4, True)]  # never a fire zone, never another area's
    assert [zone_id for zone_id, zone in panel.state.zones.items() if zone.bypassed] == [3, 4, 5]
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["bypassed_zones"] == 3)

    await _press(hass, CLEAR_BYPASSES)
    assert _bypasses_sent(panel)[2:] == [(3, False), (4, False), (5, False)]
    assert not any(zone.bypassed for zone in panel.state.zones.values())
    await wait_for(hass, lambda: state_of(hass, WINDOW_BYPASS) == STATE_OFF)


async def test_nothing_open_sends_nothing(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, HOUSE, MASTER_PIN)
    await hass.async_block_till_done()
    await _press(hass, BYPASS_OPEN)
    await _press(hass, CLEAR_BYPASSES)
    assert not _bypasses_sent(panel)


async def test_zones_the_panel_refuses_are_named_and_the_others_bypassed(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, HOUSE, MASTER_PIN)
    await hass.async_block_till_done()
    panel.change_config("zone", 3, bypassable=False)  # programmed not bypassable at the panel
    panel.open_zone(3)
    panel.open_zone(4)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.house_kitchen_window") == STATE_ON)
    with pytest.raises(ServiceValidationError) as err:
        await _press(hass, BYPASS_OPEN)
    assert err.value.translation_key == "bypass_refused"
    assert err.value.translation_placeholders == {"zones": "Living Room Window"}
    assert (panel.state.zones[3].bypassed, panel.state.zones[4].bypassed) == (False, True)


async def test_a_wrong_default_code_stops_at_the_first_zone(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """The same code would be refused for every zone: it is sent once, not once per zone."""
    _set_default_code(hass, HOUSE, "9999")
    await hass.async_block_till_done()
    panel.open_zone(3)
    panel.open_zone(4)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.house_kitchen_window") == STATE_ON)
    with pytest.raises(ServiceValidationError) as err:
        await _press(hass, BYPASS_OPEN)
    assert err.value.translation_key == "wrong_code"
    assert _bypasses_sent(panel) == [(3, True)]


async def test_clear_bypasses_while_armed_is_refused(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    _set_default_code(hass, HOUSE, MASTER_PIN)
    await hass.async_block_till_done()
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == STATE_ON)
    await _press(hass, BYPASS_OPEN)
    await hass.services.async_call(
        DOMAIN,
        "arm",
        {"entity_id": HOUSE, "mode": "stay", "code": MASTER_PIN, "exit_delay_cancel": True},
        blocking=True,
    )
    await wait_for(hass, lambda: state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_CUSTOM_BYPASS)
    with pytest.raises(HomeAssistantError):
        await _press(hass, CLEAR_BYPASSES)
    assert panel.state.zones[3].bypassed


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_the_bypass_action_offers_zones_only(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The target picker filters by device class: every class a zone has here, none of the other sensors'."""
    offered = set(yaml.safe_load(SERVICES.read_text())["bypass_zone"]["target"]["entity"]["device_class"])
    entities = er.async_get(hass)
    for entry in er.async_entries_for_config_entry(entities, init_integration.entry_id):
        if entry.domain != "binary_sensor":
            continue
        device_class = hass.states.get(entry.entity_id).attributes.get("device_class")
        is_zone = entry.unique_id == f"{PANEL_MAC}_zone_{entry.unique_id.rsplit('_', 1)[1]}"
        if is_zone and device_class not in (None, "power"):
            assert device_class in offered, entry.entity_id
        if not is_zone:
            assert device_class not in offered, entry.entity_id


async def test_the_default_code_is_never_logged(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Not by the switch, the buttons, the panel's refusal, nor the debug log of the traffic."""
    caplog.set_level(logging.DEBUG)
    pin = "738291"  # a user long enough never to turn up by chance in a logged timestamp or id
    panel.change_config("user", 5, name="Sitter", pin=int(pin), group=2, areas=[1])
    _set_default_code(hass, HOUSE, pin)
    await hass.async_block_till_done()
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == STATE_ON)
    await _press(hass, BYPASS_OPEN)
    await _switch(hass, "turn_off")
    assert _bypasses_sent(panel) == [(3, True), (3, False)]
    assert not panel.state.zones[3].bypassed
    _set_default_code(hass, GARAGE, pin)  # the sitter has no rights in the garage
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _switch(hass, "turn_on", "switch.garage_side_door_bypass")
    assert err.value.translation_key == "not_authorized"
    assert pin not in str(err.value)
    assert_no_secrets(caplog.records, [pin])


async def test_a_default_code_that_is_no_pin_sends_nothing(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """A default code the panel could never take (letters) is refused here, translated, before any zone is sent."""
    _set_default_code(hass, HOUSE, "12ab")
    await hass.async_block_till_done()
    panel.open_zone(3)
    await wait_for(hass, lambda: state_of(hass, WINDOW) == STATE_ON)
    with pytest.raises(ServiceValidationError) as err:
        await _press(hass, BYPASS_OPEN)
    assert err.value.translation_key == "invalid_code"
    assert "12ab" not in str(err.value)
    assert not _bypasses_sent(panel)
