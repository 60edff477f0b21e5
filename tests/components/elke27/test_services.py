"""The elke27.arm and elke27.bypass_zone actions, against the emulated panel."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.components.alarm_control_panel import AlarmControlPanelState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.elke27.const import DOMAIN
from e27_emulator import ArmState, EmulatorPanel

from .conftest import FAMILY_PIN, MASTER_PIN, PANEL_MAC, panel_requests, state_of, wait_for

HOUSE = "alarm_control_panel.house"
GARAGE = "alarm_control_panel.garage"
WINDOW = "binary_sensor.house_living_room_window"
GARAGE_PIN = "3690"  # area 2 only


@pytest.fixture
def platforms() -> list[Platform]:
    return [Platform.ALARM_CONTROL_PANEL, Platform.BINARY_SENSOR, Platform.SWITCH]


async def _arm(hass: HomeAssistant, entity_id: str = HOUSE, code: str = MASTER_PIN, **options: Any) -> None:
    data = {"entity_id": entity_id, "mode": "away", "code": code} | options
    await hass.services.async_call(DOMAIN, "arm", data, blocking=True)


async def _bypass(
    hass: HomeAssistant, entity_id: str | list[str] = WINDOW, code: str = MASTER_PIN, **options: Any
) -> None:
    await hass.services.async_call(
        DOMAIN, "bypass_zone", {"entity_id": entity_id, "code": code} | options, blocking=True
    )


@pytest.mark.parametrize(
    ("auto_stay_cancel", "arm_state", "alarm_state"),
    [
        (True, ArmState.ARMED_AWAY, AlarmControlPanelState.ARMED_AWAY),
        (False, ArmState.ARMED_STAY, AlarmControlPanelState.ARMED_HOME),
    ],
    ids=["auto-stay-cancelled", "auto-stay"],
)
async def test_arm_away_and_auto_stay(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    auto_stay_cancel: bool,
    arm_state: ArmState,
    alarm_state: AlarmControlPanelState,
) -> None:
    area = panel.state.areas[2]  # the garage: 30 panel seconds of exit delay, an entry door
    await _arm(hass, GARAGE, auto_stay_cancel=auto_stay_cancel)
    assert (area.delay, area.arm_cmd_state) == ("exit", ArmState.ARMED_AWAY)
    assert state_of(hass, GARAGE) == AlarmControlPanelState.ARMING

    # Nobody opens the entry door during the exit delay.
    panel.state.advance(30)
    await wait_for(hass, lambda: state_of(hass, GARAGE) == alarm_state)
    assert (area.delay, area.arm_state) == ("", arm_state)
    request = panel_requests(panel, "area", "set_arm_state")[-1]
    assert (request["auto_stay_cancel"], request["exit_delay_cancel"]) == (auto_stay_cancel, False)


@pytest.mark.parametrize(
    ("mode", "arm_state", "alarm_state"),
    [
        ("away", ArmState.ARMED_AWAY, AlarmControlPanelState.ARMED_AWAY),
        ("stay", ArmState.ARMED_STAY, AlarmControlPanelState.ARMED_HOME),
    ],
)
async def test_arm_without_exit_delay(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    mode: str,
    arm_state: ArmState,
    alarm_state: AlarmControlPanelState,
) -> None:
    await _arm(hass, mode=mode, exit_delay_cancel=True, auto_stay_cancel=True)
    assert panel.state.areas[1].arm_state is arm_state  # at once: no exit delay
    assert state_of(hass, HOUSE) == alarm_state
    assert panel.state.areas[2].arm_state is ArmState.DISARMED


@pytest.mark.parametrize(
    ("entity_id", "code", "key"),
    [(HOUSE, "9999", "wrong_code"), (GARAGE, FAMILY_PIN, "not_authorized")],
    ids=["wrong-code", "no-rights-in-area"],
)
async def test_arm_refused_code(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_id: str, code: str, key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _arm(hass, entity_id, code)
    assert err.value.translation_key == key
    assert code not in str(err.value)
    assert all(area.arm_state is ArmState.DISARMED for area in panel.state.areas.values())
    assert state_of(hass, entity_id) == AlarmControlPanelState.DISARMED


async def test_arm_invalid_code(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _arm(hass, code="12ab")
    assert err.value.translation_key == "invalid_code"
    assert not panel_requests(panel, "area", "set_arm_state")


async def test_arm_an_armed_area(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _arm(hass, mode="stay", exit_delay_cancel=True)
    with pytest.raises(ServiceValidationError) as err:
        await _arm(hass, exit_delay_cancel=True)
    assert err.value.translation_key == "not_allowed_when_armed"
    assert panel.state.areas[1].arm_state is ArmState.ARMED_STAY


async def test_bypass_and_restore_a_zone(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.open_zone(3)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is False)

    await _bypass(hass)
    assert panel.state.zones[3].bypassed
    assert hass.states.get(WINDOW).attributes["bypassed"] is True
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["bypassed_zones"] == 1)
    assert hass.states.get(HOUSE).attributes["ready"] is True

    await _bypass(hass, bypass=False)
    assert not panel.state.zones[3].bypassed
    assert hass.states.get(WINDOW).attributes["bypassed"] is False
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["bypassed_zones"] == 0)
    assert hass.states.get(HOUSE).attributes["ready"] is False

    await _bypass(hass)
    await _arm(hass, exit_delay_cancel=True, auto_stay_cancel=True)  # the open window no longer blocks arming
    assert panel.state.areas[1].arm_state is ArmState.ARMED_AWAY
    assert state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_CUSTOM_BYPASS  # armed with a zone bypassed
    assert hass.states.get(HOUSE).attributes["arm_mode"] == "away"


@pytest.mark.parametrize(
    ("entity_id", "code", "key"),
    [
        ("binary_sensor.house_kitchen_smoke", MASTER_PIN, "not_bypassable"),  # a FIRE zone
        (WINDOW, "9999", "wrong_code"),
        (WINDOW, GARAGE_PIN, "not_authorized"),
    ],
    ids=["fire-zone", "wrong-code", "no-rights-in-area"],
)
async def test_bypass_refused(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_id: str, code: str, key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _bypass(hass, entity_id, code)
    assert err.value.translation_key == key
    assert not any(zone.bypassed for zone in panel.state.zones.values())
    assert hass.states.get(entity_id).attributes["bypassed"] is False


async def test_bypass_while_armed(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await _arm(hass, mode="stay", exit_delay_cancel=True)
    with pytest.raises(ServiceValidationError) as err:
        await _bypass(hass)
    assert err.value.translation_key == "not_allowed_when_armed"
    assert not panel.state.zones[3].bypassed


@pytest.mark.parametrize(
    ("service", "entity_id"),
    [
        ("arm", "switch.house_chime"),
        ("arm", WINDOW),
        ("arm", "alarm_control_panel.not_there"),
        ("arm", "alarm_control_panel.someone_else"),
        ("bypass_zone", HOUSE),
        ("bypass_zone", "binary_sensor.house_living_room_window_trouble"),
        ("bypass_zone", "binary_sensor.test_house_connection"),
    ],
)
async def test_entity_of_another_kind(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    service: str,
    entity_id: str,
) -> None:
    entity_registry.async_get_or_create(
        "alarm_control_panel", "manual", "1", suggested_object_id="someone_else"
    )  # another integration's
    data = {"entity_id": entity_id, "code": MASTER_PIN} | ({"mode": "away"} if service == "arm" else {})
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, service, data, blocking=True)
    assert err.value.translation_key == "not_our_entity"
    assert err.value.translation_placeholders == {"entity": entity_id}
    assert not panel_requests(panel, "area", "set_arm_state")
    assert not panel_requests(panel, "zone", "set_status")


async def test_panel_not_loaded(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _arm(hass)
    assert err.value.translation_key == "not_loaded"
    with pytest.raises(ServiceValidationError) as err:
        await _bypass(hass)
    assert err.value.translation_key == "not_loaded"


async def test_arm_several_areas_at_once(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "arm",
        {"entity_id": [HOUSE, GARAGE], "mode": "stay", "code": MASTER_PIN, "exit_delay_cancel": True},
        blocking=True,
    )
    assert [area.arm_state for area in panel.state.areas.values()] == [ArmState.ARMED_STAY, ArmState.ARMED_STAY]


async def test_arm_an_area_by_its_device_or_home_assistant_area(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Targets reach the alarm panel of an area's device; other entities on that device are skipped."""
    garage = device_registry.async_get_device_by_identifier((DOMAIN, f"{PANEL_MAC}_area_2"), init_integration.entry_id)
    assert garage is not None
    await hass.services.async_call(
        DOMAIN, "arm", {"device_id": garage.id, "mode": "stay", "code": MASTER_PIN, "exit_delay_cancel": True}, True
    )
    assert panel.state.areas[2].arm_state is ArmState.ARMED_STAY
    assert panel.state.areas[1].arm_state is ArmState.DISARMED

    upstairs = area_registry.async_create("Upstairs")
    house = device_registry.async_get_device_by_identifier((DOMAIN, f"{PANEL_MAC}_area_1"), init_integration.entry_id)
    assert house is not None
    device_registry.async_update_device(house.id, area_id=upstairs.id)
    await hass.services.async_call(
        DOMAIN, "arm", {"area_id": upstairs.id, "mode": "away", "code": MASTER_PIN, "exit_delay_cancel": True}, True
    )
    assert panel.state.areas[1].arm_state is ArmState.ARMED_STAY  # auto-stay: nobody left


async def test_bypass_several_zones_at_once(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    await _bypass(hass, [WINDOW, "binary_sensor.house_kitchen_window"])
    assert [panel.state.zones[zone_id].bypassed for zone_id in (3, 4)] == [True, True]


async def test_already_armed_that_way_is_a_no_op(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    panel.state.time_scale = 1.0  # the Garage's 30 s exit delay, in real seconds: it runs throughout the test
    await _arm(hass, GARAGE, mode="stay")
    assert state_of(hass, GARAGE) == AlarmControlPanelState.ARMING
    await _arm(hass, GARAGE, mode="stay")  # arming that way already
    await _arm(hass, HOUSE, mode="stay", exit_delay_cancel=True)
    await _arm(hass, HOUSE, mode="stay", exit_delay_cancel=True)  # armed that way already
    assert len(panel_requests(panel, "area", "set_arm_state")) == 2
    assert state_of(hass, HOUSE) == AlarmControlPanelState.ARMED_HOME
    with pytest.raises(ServiceValidationError) as err:  # armed another way: the panel says no
        await _arm(hass, HOUSE, mode="away")
    assert err.value.translation_key == "not_allowed_when_armed"


async def test_every_target_is_tried_before_the_first_refusal_is_raised(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "arm",
            {"entity_id": [HOUSE, GARAGE], "mode": "stay", "code": FAMILY_PIN, "exit_delay_cancel": True},
            blocking=True,
        )
    assert err.value.translation_key == "not_authorized"  # Family has no rights in the Garage
    assert panel.state.areas[1].arm_state is ArmState.ARMED_STAY
    assert panel.state.areas[2].arm_state is ArmState.DISARMED


async def test_a_target_without_our_entities(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    area_registry: ar.AreaRegistry,
) -> None:
    empty = area_registry.async_create("Shed")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "arm", {"area_id": empty.id, "mode": "away", "code": MASTER_PIN}, True)
    assert err.value.translation_key == "no_target"


async def test_link_down(hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry) -> None:
    await panel.stop()
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.test_house_connection") == STATE_OFF)
    with pytest.raises(HomeAssistantError) as err:
        await _arm(hass)
    assert err.value.translation_key == "not_connected"
    assert not isinstance(err.value, ServiceValidationError)  # not the user's mistake
    with pytest.raises(HomeAssistantError) as err:
        await _bypass(hass)
    assert err.value.translation_key == "not_connected"


async def test_refusals_from_the_frontend_log_no_traceback(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_ws_client(hass)
    caplog.clear()
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "bypass_zone",
            "service_data": {"code": MASTER_PIN},
            "target": {"entity_id": "binary_sensor.house_kitchen_smoke"},  # a FIRE zone
        }
    )
    reply = await client.receive_json()
    assert (reply["success"], reply["error"]["translation_key"]) == (False, "not_bypassable")
    assert not [record for record in caplog.records if record.exc_info and record.levelno >= logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("custom_components")]


async def test_bypass_by_device_skips_its_sensors_that_are_not_zones(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A device target reaches the zones on it; the panel's own binary sensors (connection, power) are skipped."""
    connection = entity_registry.async_get("binary_sensor.test_house_connection")
    assert connection is not None
    assert connection.device_id is not None
    await hass.services.async_call(
        DOMAIN, "bypass_zone", {"device_id": connection.device_id, "entity_id": WINDOW, "code": MASTER_PIN}, True
    )
    assert panel.state.zones[3].bypassed
    assert len(panel_requests(panel, "zone", "set_status")) == 1
    with pytest.raises(ServiceValidationError) as err:  # the panel device alone holds no zone
        await hass.services.async_call(
            DOMAIN, "bypass_zone", {"device_id": connection.device_id, "code": MASTER_PIN}, True
        )
    assert err.value.translation_key == "no_target"


async def test_an_area_target_skips_a_panel_that_is_not_loaded(
    hass: HomeAssistant,
    panel: EmulatorPanel,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """A Home Assistant area holding a second panel's area that is not set up: the loaded panel is armed, no error."""
    other = MockConfigEntry(domain=DOMAIN, unique_id="02:00:00:e2:70:99", title="Cabin")
    other.add_to_hass(hass)
    cabin = entity_registry.async_get_or_create(
        "alarm_control_panel", DOMAIN, "02:00:00:e2:70:99_area_1", config_entry=other
    )
    assert other.state is not ConfigEntryState.LOADED
    upstairs = area_registry.async_create("Upstairs")
    house = device_registry.async_get_device_by_identifier((DOMAIN, f"{PANEL_MAC}_area_1"), init_integration.entry_id)
    assert house is not None
    device_registry.async_update_device(house.id, area_id=upstairs.id)
    entity_registry.async_update_entity(cabin.entity_id, area_id=upstairs.id)
    await hass.services.async_call(
        DOMAIN, "arm", {"area_id": upstairs.id, "mode": "stay", "code": MASTER_PIN, "exit_delay_cancel": True}, True
    )
    assert panel.state.areas[1].arm_state is ArmState.ARMED_STAY
    assert panel.state.areas[2].arm_state is ArmState.DISARMED
    with pytest.raises(ServiceValidationError) as err:  # named directly, it is an error
        await _arm(hass, cabin.entity_id)
    assert err.value.translation_key == "not_loaded"


async def test_one_area_not_ready_does_not_keep_the_others_from_arming(
    hass: HomeAssistant, panel: EmulatorPanel, init_integration: MockConfigEntry
) -> None:
    """Arming several areas: the one with an open zone is refused, naming the zone; the others are armed."""
    panel.open_zone(1)
    await wait_for(hass, lambda: hass.states.get(HOUSE).attributes["ready"] is False)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "arm",
            {
                "entity_id": [HOUSE, GARAGE],
                "mode": "away",
                "code": MASTER_PIN,
                "exit_delay_cancel": True,
                "auto_stay_cancel": True,
            },
            blocking=True,
        )
    assert err.value.translation_key == "not_ready_zone"
    assert err.value.translation_placeholders == {"area": "House", "zone": "Front Door"}
    assert panel.state.areas[1].arm_state is ArmState.DISARMED
    assert panel.state.areas[2].arm_state is ArmState.ARMED_AWAY
