"""The pure model: wire decoding (docs/api.md §4–§5), patches and the exit-delay rule (§5.1, §6), commands, backoff."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.elke27.e27 import (
    AlarmType,
    AreaState,
    ArmState,
    BarrierState,
    FanMode,
    ReadyStatus,
    ThermostatMode,
    ZoneKind,
    commands,
)
from custom_components.elke27.e27.bootstrap import CACHE_FORMAT, DomainConfig, dump_cache, load_cache
from custom_components.elke27.e27.live import PANEL_KEY, LiveModel, bulk_zone_patch, diff, merge_area_status
from custom_components.elke27.e27.messages import parse_message
from custom_components.elke27.e27.reconnect import Backoff, ClientTiming
from custom_components.elke27.e27.wire import (
    area_from_wire,
    barrier_from_wire,
    dotted_version,
    light_from_wire,
    lock_from_wire,
    output_from_wire,
    thermostat_from_wire,
    version_from_wire,
    zone_definition,
    zone_from_wire,
    zone_kind,
)

# docs/api.md §5.1, the full area.get_status key set.
AREA_IDLE: dict[str, Any] = {
    "area_id": 1,
    "arm_state": "DISARMED",
    "ready_status": "RDY_AWAY",
    "alarm_zone": "",
    "alarms": [],
    "alarm_mem": [],
    "zones_bypassed": 0,
    "arm_cmd_state": "DISARMED",
    "troubles": [],
    "chime_count": 0,
    "Chime": False,
    "xzn_id": 0,
    "xzn_time": 0,
    "ee_timer": 0,
    "alrm_snd": False,
    "auto_arm_timer": 0,
}


def msg(domain: str, command: str, payload: dict[str, Any], seq: int = 0) -> Any:
    return parse_message({"seq": seq, "session_id": 1, domain: {command: {**payload, "error_code": 0}}})


def live_model() -> LiveModel:
    live = LiveModel("House")
    live.set_definitions(["UNDEFINED", "BURG EE DELAY", "BURG PERIM INST", "BURG INTERIOR", "FIRE"])
    live.set_config("area", {1: {"area_id": 1, "name": "House"}, 2: {"area_id": 2, "name": "Garage"}})
    live.set_config(
        "zone",
        {
            1: {"zone_id": 1, "name": "Front Door", "area_id": 1, "definition": "BURG EE DELAY"},
            2: {"zone_id": 2, "name": "Hall Motion", "area_id": 1, "definition": 4},
            3: {"zone_id": 3, "name": "Spare", "area_id": 1, "definition": "UNDEFINED"},
            5: {"zone_id": 5, "name": "Kitchen Window", "area_id": 2, "definition": "BURG PERIM INST"},
        },
    )
    live.set_config("output", {1: {"name": "Siren"}, 3: {"name": "Porch"}})
    live.set_config("light", {1: {"name": "Lamp"}})
    live.set_config("lock", {1: {"name": "Front"}})
    live.set_config("barrier", {1: {"name": "Garage Door"}})
    live.set_config("tstat", {1: {"name": "Hall"}})
    return live


# -- version and scalars -------------------------------------------------------------------------


def test_version_info_from_the_hardware_capture() -> None:
    """docs/api.md §4.1: app 1540 → 0.0.6.4, hw 260 → 0.0.1.4, boot 536 → 0.0.2.24."""
    version = version_from_wire(
        {"sn": "00000001", "hw": 260, "boot": 536, "app": 1540, "SSP": "2.6.1", "BUILD_DATETIME": "2026/03/02,15:54:54"}
    )
    assert (version.serial, version.firmware, version.hardware, version.bootloader) == (
        None,  # "00000001" is the factory placeholder: no serial
        "0.0.6.4",
        "0.0.1.4",
        "0.0.2.24",
    )
    assert (version.ssp, version.build) == ("2.6.1", "2026/03/02,15:54:54")
    assert dotted_version("1540") == "0.0.6.4"
    assert dotted_version(None) is None
    assert version_from_wire({}).firmware is None


@pytest.mark.parametrize("token", ["SOMETHING_NEW", 3, None, ""])
def test_unknown_tokens_decode_to_unknown(token: Any) -> None:
    assert ArmState.parse(token) is ArmState.UNKNOWN
    assert ReadyStatus.parse(token) is ReadyStatus.UNKNOWN
    assert BarrierState.parse(token) is BarrierState.UNKNOWN
    assert ThermostatMode.parse(token) is ThermostatMode.UNKNOWN
    assert FanMode.parse(token) is FanMode.UNKNOWN


# -- areas ---------------------------------------------------------------------------------------


def test_idle_area() -> None:
    area = area_from_wire(1, {"name": "House"}, AREA_IDLE)
    assert (area.name, area.arm_state, area.state, area.ready, area.in_alarm) == (
        "House",
        ArmState.DISARMED,
        AreaState.DISARMED,
        True,
        False,
    )
    assert (area.arming_to, area.exit_delay, area.entry_delay, area.alarm_zone) == (None, None, None, None)


def test_area_states() -> None:
    arming = area_from_wire(1, {}, AREA_IDLE | {"arm_cmd_state": "ARMED_AWAY", "ee_timer": 45})
    assert (arming.state, arming.arming_to, arming.exit_delay) == (AreaState.ARMING, ArmState.ARMED_AWAY, 45)
    armed = area_from_wire(1, {}, AREA_IDLE | {"arm_state": "ARMED_STAY", "arm_cmd_state": "ARMED_STAY"})
    assert (armed.state, armed.exit_delay) == (AreaState.ARMED_STAY, None)
    entry = area_from_wire(1, {}, AREA_IDLE | {"arm_state": "ARMED_AWAY", "ee_timer": 30, "alarm_zone": "3"})
    assert (entry.state, entry.entry_delay, entry.alarm_zone, entry.arming_to) == (AreaState.PENDING, 30, 3, None)
    alarm = area_from_wire(1, {}, AREA_IDLE | {"arm_state": "ARMED_AWAY", "alarms": ["BURGLARY"], "alarm_zone": "3"})
    assert (alarm.state, alarm.in_alarm, alarm.alarm_zone, alarm.alarms) == (
        AreaState.TRIGGERED,
        True,
        3,
        ("BURGLARY",),
    )
    siren_only = area_from_wire(1, {}, AREA_IDLE | {"alrm_snd": True})
    assert siren_only.state is AreaState.TRIGGERED
    fire_while_disarmed = area_from_wire(1, {}, AREA_IDLE | {"alarms": ["FIRE"], "alarm_zone": "7"})
    assert fire_while_disarmed.state is AreaState.TRIGGERED
    odd = area_from_wire(1, {}, {"arm_state": "ARMED_NIGHT", "ready_status": "MAYBE", "zones_bypassed": "2"})
    assert (odd.state, odd.ready_status, odd.ready, odd.chime, odd.bypassed_count, odd.name) == (
        AreaState.UNKNOWN,
        ReadyStatus.UNKNOWN,
        None,  # never asserted without the panel saying so
        None,
        2,
        "Area 1",
    )


@pytest.mark.parametrize(
    ("fields", "alarms"),
    [
        ({"alarm_state": "no_alarm_active"}, ()),
        ({"alarm_state": "NO_ALARM_ACTIVE", "alarm_event": ""}, ()),
        ({"alarm_state": "FIRE_ALARM"}, ("FIRE_ALARM",)),
        ({"alarm_event": "FIRE"}, ()),  # beside the hardware's "alarms": [] the event is history
        ({"alarms": ["FIRE"], "alarm_event": "FIRE", "alarm_state": "no_alarm_active"}, ("FIRE",)),
        ({"alarms": ["BURGLARY"], "alarm_event": "FIRE"}, ("BURGLARY", "FIRE")),
        ({"alarm_state": 3, "alarm_event": ["FIRE"]}, ()),
    ],
)
def test_alarm_words_beside_alarms(fields: dict[str, Any], alarms: tuple[str, ...]) -> None:
    """docs/api.md §5.1: the library also reads alarm_state (idle "no_alarm_active") and alarm_event."""
    area = area_from_wire(1, {}, AREA_IDLE | fields)
    assert area.alarms == alarms
    assert area.in_alarm is bool(alarms)


@pytest.mark.parametrize(
    "fields",
    [
        {"alarm_event": "FIRE"},
        {"alarm_event": "ZOMBIES"},
        {"alarm_event": "FIRE", "alarms": []},
        {"alarm_event": "FIRE", "alarm_state": "no_alarm_active"},
        {"alarm_event": "FIRE", "alarm_state": "alarm_active"},
        {"alarm_event": "CO", "alarms": [], "alrm_snd": True},
        {"alarm_event": "FIRE", "alarms": ["BURGLARY"]},
        {"alarm_state": "FIRE_ALARM"},
        {"alarm_state": "none"},
        {"alarms": ["TAMPER"]},
        {"alarms": []},
    ],
)
def test_alarm_words_and_kinds_agree(fields: dict[str, Any]) -> None:
    """The words (Area.alarms) and the kinds (Area.alarm_types) read one rule: in alarm for the same statuses."""
    status = {key: value for key, value in AREA_IDLE.items() if key != "alarms"} | fields
    area = area_from_wire(1, {}, status)
    assert bool(area.alarms) == bool(area.alarm_types)


def test_a_status_reporting_the_alarm_in_one_word_clears_the_others() -> None:
    fire = merge_area_status(AREA_IDLE, {"area_id": 1, "alarm_event": "FIRE"})
    assert area_from_wire(1, {}, fire).state is AreaState.TRIGGERED
    assert area_from_wire(1, {}, fire).alarm_types == (AlarmType.FIRE,)
    cleared = merge_area_status(fire, {"area_id": 1, "alarms": []})
    assert area_from_wire(1, {}, cleared).state is AreaState.DISARMED
    chime = merge_area_status(fire, {"area_id": 1, "Chime": True})  # says nothing about the alarm
    assert area_from_wire(1, {}, chime).state is AreaState.TRIGGERED


def test_exit_delay_rule() -> None:
    """docs/api.md §5.1 rule 4: partial payloads clear the delay, except an ee_timer-only tick not above the last."""
    arming = AREA_IDLE | {"arm_cmd_state": "ARMED_AWAY", "ee_timer": 45}
    tick = merge_area_status(arming, {"area_id": 1, "ee_timer": 44})
    assert area_from_wire(1, {}, tick).exit_delay == 44
    rising = merge_area_status(tick, {"area_id": 1, "ee_timer": 50})  # restarted or extended: still arming
    assert (area_from_wire(1, {}, rising).state, area_from_wire(1, {}, rising).exit_delay) == (AreaState.ARMING, 50)
    done = merge_area_status(tick, {"area_id": 1, "arm_state": "ARMED_STAY"})
    area = area_from_wire(1, {}, done)
    assert (area.state, area.exit_delay, area.arming_to) == (AreaState.ARMED_STAY, None, None)
    # A chime change during the delay touches none of the delay fields and keeps it running.
    chimed = merge_area_status(tick, {"area_id": 1, "Chime": True})
    assert area_from_wire(1, {}, chimed).exit_delay == 44
    # Entry-delay ticks keep the cause zone.
    entry = AREA_IDLE | {"arm_state": "ARMED_AWAY", "ee_timer": 30, "alarm_zone": "3"}
    entry_tick = area_from_wire(1, {}, merge_area_status(entry, {"area_id": 1, "ee_timer": 29}))
    assert (entry_tick.state, entry_tick.entry_delay, entry_tick.alarm_zone) == (AreaState.PENDING, 29, 3)


# -- zones ---------------------------------------------------------------------------------------


def test_zone_status_decoding() -> None:
    attribs = {"name": "Front Door", "area_id": 1, "definition": "BURG EE DELAY", "zone_type": "DOOR"}
    idle = zone_from_wire(1, attribs, {"secure_state": "NORMAL", "contact_state": "CLOSED", "BYPASSED": False})
    assert (idle.kind, idle.violated, idle.bypassed, idle.trouble, idle.tamper, idle.wireless) == (
        ZoneKind.DOOR,
        False,
        False,
        False,
        False,
        False,
    )
    wireless = zone_from_wire(
        1,
        attribs,
        {"secure_state": "VIOLATED", "contact_state": "OPEN", "BYPASSED": True, "rssi": -61, "low_batt": True},
    )
    assert (wireless.violated, wireless.bypassed, wireless.low_battery, wireless.rssi, wireless.wireless) == (
        True,
        True,
        True,
        -61,
        True,
    )
    tampered_open = zone_from_wire(1, attribs, {"secure_state": "TAMPER", "contact_state": "OPEN"})
    assert (tampered_open.tamper, tampered_open.violated, tampered_open.trouble) == (True, True, False)
    trouble = zone_from_wire(1, attribs, {"secure_state": "ZONE_TROUBLE"})
    assert trouble.trouble
    assert zone_from_wire(1, {}, {}).name == "Zone 1"


def test_zone_kind_from_type_definition_or_name() -> None:
    assert zone_kind("MOTION", "BURG EE DELAY", "Front Door") is ZoneKind.MOTION
    assert zone_kind("FUTURE_TYPE", "FIRE", "Hall") is ZoneKind.SMOKE
    assert zone_kind("OTHER", "BURG EE DELAY", "Garage Door") is ZoneKind.OTHER  # the panel said so
    assert zone_kind(None, "AUTOMATION", "Doorbell") is ZoneKind.OTHER  # words, not substrings
    assert zone_kind(None, "CARBON MONOXIDE", "Hall") is ZoneKind.CO
    assert zone_kind(None, "WATER", "Basement") is ZoneKind.WATER
    assert zone_kind(None, "HILO TEMP", "Attic") is ZoneKind.TEMPERATURE
    assert zone_kind(None, "BURG PERIM INST", "Patio Glass Break") is ZoneKind.GLASS
    assert zone_kind(None, "BURG PERIM INST", "Back Door") is ZoneKind.DOOR
    assert zone_kind(None, "BURG PERIM INST", "Den") is ZoneKind.WINDOW
    assert zone_kind(None, "BURG INTERIOR", "Hall") is ZoneKind.MOTION
    assert zone_kind(None, "AUTOMATION", "Garage-Door") is ZoneKind.DOOR
    assert zone_kind(None, "AUTOMATION", "Misc") is ZoneKind.OTHER


def test_zone_definition_may_be_an_index() -> None:
    defs = ("UNDEFINED", "BURG EE DELAY")
    assert zone_definition("FIRE", defs) == "FIRE"
    assert zone_definition(2, defs) == "BURG EE DELAY"
    assert zone_definition("2", defs) == "BURG EE DELAY"
    assert zone_definition(1, defs) == "UNDEFINED"
    assert zone_definition(0, defs) == "UNDEFINED"
    assert zone_definition(9, defs) == "DEFINITION 9"
    assert zone_definition(None, defs) == ""  # absent: not UNDEFINED


_CLEAR = {"secure_state": "NORMAL", "contact_state": "CLOSED", "BYPASSED": False, "tamper": False}


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("0", _CLEAR),  # a configured zone reported disabled: every flag clear
        ("4", _CLEAR),
        ("8", _CLEAR),
        ("c", _CLEAR),
        ("1", _CLEAR),  # logical normal, whatever the loop reads
        ("2", _CLEAR),
        ("5", {"secure_state": "TROUBLE", "contact_state": "OPEN", "BYPASSED": False}),
        ("7", {"secure_state": "TROUBLE", "contact_state": "CLOSED", "BYPASSED": False}),
        ("a", {"secure_state": "VIOLATED", "contact_state": "OPEN", "BYPASSED": False, "tamper": False}),
        ("D", {"secure_state": "BYPASSED", "contact_state": "OPEN", "BYPASSED": True, "tamper": False}),
        ("E", {"secure_state": "BYPASSED", "contact_state": "CLOSED", "BYPASSED": True, "tamper": False}),
        ("x", None),
    ],
)
def test_bulk_zone_digits(char: str, expected: dict[str, Any] | None) -> None:
    """docs/api.md §5.2: value = logical << 2 | physical; each digit states every flag the bulk status carries."""
    assert bulk_zone_patch(char) == expected


# -- devices -------------------------------------------------------------------------------------


def test_devices() -> None:
    assert output_from_wire(3, {"name": "Porch"}, {"status": "ON"}).on
    assert not output_from_wire(3, {}, {}).on
    light = light_from_wire(1, {"name": "Lamp"}, {"level": 50, "rssi": 4})
    assert (light.level, light.on) == (50, True)
    assert light_from_wire(1, {}, {"level": 40, "status": "OFF"}).on is False
    assert light_from_wire(1, {}, {"state": True}).level == 99
    assert light_from_wire(1, {}, {"level": 100}).level == 99
    for token, locked in [("LOCKED", True), ("lock", True), ("ON", True), ("UNLOCKED", False), ("UNLOCK", False)]:
        assert lock_from_wire(1, {}, {"status": token}).locked is locked
    assert lock_from_wire(1, {}, {"status": "OFF"}).locked is False
    assert lock_from_wire(1, {}, {"status": "JAMMED"}).locked is None
    assert lock_from_wire(1, {}, {"locked": True}).locked is True
    barrier = barrier_from_wire(1, {"name": "Garage"}, {"status": "OPENING", "tamper": True, "low_batt": False})
    assert (barrier.state, barrier.tamper, barrier.low_battery) == (BarrierState.OPENING, True, False)
    assert barrier_from_wire(1, {}, {"status": "close"}).state is BarrierState.CLOSED
    assert barrier_from_wire(1, {}, {"status": "JAMMED"}).state is BarrierState.UNKNOWN


def test_thermostat_from_the_api_example() -> None:
    """docs/api.md §5.7, including the "battery level" key with its space."""
    status = {
        "tstat_id": 1,
        "temperature": 71,
        "mode": "HEAT",
        "fan_mode": "AUTO",
        "heat_setpoint": 67,
        "cool_setpoint": 73,
        "humidity": 40,
        "rssi": 4,
        "prec": [9, 9, 9, 0],
        "battery level": 95,
    }
    tstat = thermostat_from_wire(1, {"name": "Hall"}, status)
    assert (tstat.mode, tstat.fan_mode, tstat.temperature, tstat.heat_setpoint, tstat.cool_setpoint) == (
        ThermostatMode.HEAT,
        FanMode.AUTO,
        71.0,
        67.0,
        73.0,
    )
    assert (tstat.humidity, tstat.battery_level) == (40, 95)
    # One decimal place (bits 7-5 = 1), legacy tenths setpoints, no humidity sensor, unknown modes.
    odd = thermostat_from_wire(
        1, {}, {"temperature": 715, "prec": [0x29, 9, 9, 0], "cool_setpoint": 750, "humidity": 0, "mode": "EMERG"}
    )
    assert (odd.temperature, odd.cool_setpoint, odd.humidity, odd.mode) == (71.5, 75.0, None, ThermostatMode.UNKNOWN)
    assert thermostat_from_wire(1, {}, {"battery_level": 20}).battery_level == 20


# -- the live model ------------------------------------------------------------------------------


def test_undefined_zones_are_not_in_the_model() -> None:
    panel = live_model().snapshot()
    assert sorted(panel.zones) == [1, 2, 5]
    assert panel.zones[2].definition == "BURG INTERIOR"
    assert panel.zones[2].kind is ZoneKind.MOTION


def test_broadcasts_patch_and_report_what_changed() -> None:
    live = live_model()
    assert live.apply(msg("area", "get_status", AREA_IDLE)) == {("area", 1)}
    assert live.apply(msg("area", "get_status", AREA_IDLE)) == set()  # nothing new
    changed = live.apply(msg("area", "get_status", {"area_id": 1, "Chime": True}))
    assert changed == {("area", 1)}
    assert live.snapshot().areas[1].chime
    assert live.snapshot().areas[1].ready  # absent keys are not cleared
    zone = {"zone_id": 5, "secure_state": "VIOLATED", "contact_state": "OPEN", "BYPASSED": False}
    assert live.apply(msg("zone", "get_status", zone)) == {("zone", 5)}
    assert live.apply(msg("zone", "get_status", {"zone_id": 3, "secure_state": "VIOLATED"})) == set()  # undefined
    assert live.apply(msg("zone", "get_status", {"zone_id": 40, "secure_state": "VIOLATED"})) == set()  # unknown id
    assert live.apply(msg("output", "get_status", {"output_id": 3, "status": "ON"})) == {("output", 3)}
    assert live.apply(msg("light", "get_status", {"light_id": 1, "level": 30})) == {("light", 1)}
    assert live.apply(msg("lock", "get_status", {"lock_id": 1, "status": "LOCKED"})) == {("lock", 1)}
    assert live.apply(msg("barrier", "get_status", {"barrier_id": 1, "status": "OPEN"})) == {("barrier", 1)}
    assert live.apply(msg("tstat", "get_status", {"tstat_id": 1, "mode": "COOL"})) == {("thermostat", 1)}
    assert live.apply(msg("area", "get_trouble", {"area_id": 2, "troubles": ["Zone Low Battery"]})) == {("area", 2)}
    assert live.apply(msg("system", "get_troubles", {"troubles": ["AC Fail"], "at": [0] * 9})) == {PANEL_KEY}
    assert live.apply(msg("control", "get_trouble", {"modtbl": ["system", "area"]})) == {PANEL_KEY}
    assert live.apply(msg("control", "get_version_info", {"app": 1540})) == {PANEL_KEY}
    panel = live.snapshot()
    assert (panel.zones[5].violated, panel.outputs[3].on, panel.lights[1].level, panel.locks[1].locked) == (
        True,
        True,
        30,
        True,
    )
    assert (panel.barriers[1].state, panel.thermostats[1].mode) == (BarrierState.OPEN, ThermostatMode.COOL)
    assert (panel.areas[2].troubles, panel.troubles, panel.trouble_modules) == (
        ("Zone Low Battery",),
        ("AC Fail",),
        ("system", "area"),
    )
    assert panel.version is not None
    assert panel.version.firmware == "0.0.6.4"


def test_nested_system_trouble_reply() -> None:
    """docs/api.md §2.2: {"get_trouble":{"get_troubles":{…}}} is accepted too."""
    live = live_model()
    nested = parse_message({"seq": 4, "system": {"get_trouble": {"get_troubles": {"troubles": ["x"]}}}})
    assert live.apply(nested) == {PANEL_KEY}
    assert live.snapshot().troubles == ("x",)


def test_write_acks_are_not_state_but_pushed_set_status_is() -> None:
    live = live_model()
    ack = msg("barrier", "set_status", {"barrier_id": 1, "status": "open"}, seq=9)
    assert live.apply(ack) == set()
    pushed = msg("area", "set_status", {"area_id": 1, "Chime": True})
    assert live.apply(pushed) == {("area", 1)}
    arm_ack = msg("area", "set_arm_state", {"area_id": 1, "arm_state": "ARMED_AWAY"}, seq=10)
    assert live.apply(arm_ack) == set()
    arm_push = msg("area", "set_arm_state", {"area_id": 1, "arm_state": "ARMED_AWAY"})
    assert live.apply(arm_push) == {("area", 1)}


def test_errors_and_unknown_messages_change_nothing() -> None:
    live = live_model()
    refused = parse_message({"seq": 3, "zone": {"get_status": {"zone_id": 1, "error_code": 11006}}})
    root_error = parse_message({"seq": 0, "error_code": 11008, "error_message": "no authorization"})
    novel = msg("zwave", "get_trouble", {"nodes": [1]})
    for message in (refused, root_error, novel, msg("area", "get_num_not_rdy_zones", {"area_id": 1})):
        assert live.apply(message) == set()


def test_bulk_zone_status_updates_configured_zones_only() -> None:
    live = live_model()
    for zone_id in (1, 2, 5):
        live.apply(msg("zone", "get_status", {"zone_id": zone_id, "secure_state": "NORMAL", "BYPASSED": False}))
    changed = live.apply(msg("zone", "get_all_zones_status", {"status": "A2 2 0 E 0000"}, seq=5))
    assert changed == {("zone", 1), ("zone", 5)}
    zones = live.snapshot().zones
    assert (zones[1].violated, zones[2].violated, zones[5].bypassed) == (True, False, True)
    assert live.zones_needing_detail("A220E") == [1, 5]
    assert live.zones_needing_detail(None) == []


def test_paged_bulk_output_status_continues_where_the_last_block_ended() -> None:
    live = live_model()
    live.apply(msg("output", "get_all_outputs_status", {"status": "10", "block_id": 1, "block_count": 2}, seq=1))
    live.apply(msg("output", "get_all_outputs_status", {"status": "1", "block_id": 2, "block_count": 2}, seq=2))
    outputs = live.snapshot().outputs
    assert (outputs[1].on, outputs[3].on) == (True, True)


def test_snapshots_are_immutable_and_cached() -> None:
    live = live_model()
    first = live.snapshot()
    assert live.snapshot() is first
    with pytest.raises(TypeError):
        first.zones[9] = first.zones[1]  # type: ignore[index]
    live.apply(msg("light", "get_status", {"light_id": 1, "level": 10}))
    second = live.snapshot()
    assert second is not first
    assert first.lights[1].level == 0  # the old snapshot is untouched
    assert diff(first, second) == {("light", 1)}
    assert diff(None, second) >= {PANEL_KEY, ("zone", 1), ("area", 2)}


def test_config_change_drops_removed_objects() -> None:
    live = live_model()
    live.apply(msg("light", "get_status", {"light_id": 1, "level": 10}))
    before = live.snapshot()
    live.set_config("light", {2: {"name": "New"}})
    after = live.snapshot()
    assert sorted(after.lights) == [2]
    assert diff(before, after) == {("light", 1), ("light", 2)}
    live.set_config("light", {1: {"name": "Back"}})
    assert live.snapshot().lights[1].level == 0  # its old status was forgotten


# -- cache ---------------------------------------------------------------------------------------


def test_cache_round_trip_through_json() -> None:
    configs = {
        "zone": DomainConfig(41, 64, {1: {"name": "Door"}}, ["UNDEFINED", "FIRE"], [1]),
        "area": DomainConfig(17, 8, {1: {"name": "House"}}),
    }
    exported = json.loads(json.dumps(dump_cache(configs)))
    assert exported["format"] == CACHE_FORMAT
    loaded = load_cache(exported)
    assert loaded["zone"] == configs["zone"]
    assert loaded["area"] == configs["area"]


@pytest.mark.parametrize(
    "cache",
    [
        None,
        [],
        {"format": 999, "domains": {}},
        {"format": CACHE_FORMAT, "domains": "x"},
    ],
)
def test_unusable_cache_is_ignored(cache: Any) -> None:
    assert load_cache(cache) == {}


def test_malformed_cache_domains_are_dropped_one_by_one() -> None:
    good = {"csm": 1, "elements": 8, "attribs": {"1": {"name": "House"}}}
    domains = {
        "area": good,
        "zone": {"csm": "x", "elements": 8, "attribs": {}},
        "output": {"csm": 1, "elements": 8, "attribs": {"99": {}}},
        "light": {"csm": 1, "elements": 8, "attribs": {"1": "not a dict"}},
        "lock": {"csm": 1, "elements": 8, "attribs": {}, "wireless": ["x"]},
        "tstat": "nonsense",
    }
    assert list(load_cache({"format": CACHE_FORMAT, "domains": domains})) == ["area"]


@pytest.mark.parametrize(
    "domain",
    [
        {"csm": 1, "elements": 8, "attribs": {"1": {"name": "Door"}}, "wireless": 1},
        {"csm": 1, "elements": 8, "attribs": {"1": {"name": "Door"}}, "definitions": ["FIRE", 3]},
        {"csm": 1, "elements": 8, "attribs": {"0": {"name": "Door"}}},
    ],
    ids=["wireless not a list", "a definition not a name", "id outside the table"],
)
def test_a_cached_domain_with_any_malformed_part_is_downloaded_again(domain: dict[str, Any]) -> None:
    """A cache entry is trusted whole or not at all: one bad part makes the client read the domain from the panel."""
    assert DomainConfig.from_json(domain) is None
    good = {key: value for key, value in domain.items() if key in ("csm", "elements")} | {"attribs": {"1": {}}}
    assert DomainConfig.from_json(good) == DomainConfig(1, 8, {1: {}})


# -- commands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pin", "value"), [(4321, 4321), ("4321", 4321), ("0123", 123), (" 1 ", 1), (999999, 999999)])
def test_valid_pins_become_integers(pin: Any, value: int) -> None:
    assert commands.validate_pin(pin) == value


@pytest.mark.parametrize("pin", [0, "0000", "", "12a4", "1234567", 1_000_000, -5, True, 12.0, None, "١٢٣٤"])
def test_invalid_pins_are_refused_without_quoting_them(pin: Any) -> None:
    with pytest.raises(ValueError, match="PIN") as err:
        commands.validate_pin(pin)
    if str(pin).strip():
        assert str(pin).strip() not in str(err.value)


def test_command_bodies() -> None:
    arm = commands.arm_body(1, ArmState.ARMED_AWAY, 4321, exit_delay_cancel=True, auto_stay_cancel=False)
    assert arm == {
        "area": {
            "set_arm_state": {
                "area_id": 1,
                "arm_state": "ARMED_AWAY",
                "pin": 4321,
                "auto_stay_cancel": False,
                "exit_delay_cancel": True,
            }
        }
    }
    with pytest.raises(ValueError, match="ARMED_AWAY or ARMED_STAY"):
        commands.arm_body(1, ArmState.DISARMED, 4321, exit_delay_cancel=False, auto_stay_cancel=False)
    assert commands.disarm_body(2, 1)["area"]["set_arm_state"]["arm_state"] == "DISARMED"
    assert commands.bypass_body(17, 1, True) == {"zone": {"set_status": {"zone_id": 17, "pin": 1, "BYPASSED": True}}}
    assert commands.chime_body(1, True) == {"area": {"set_status": {"area_id": 1, "Chime": True}}}
    assert commands.output_body(3, False)["output"]["set_status"]["status"] == "OFF"
    assert commands.lock_body(1, True)["lock"]["set_status"]["status"] == "ON"
    assert commands.barrier_body(1, "stop")["barrier"]["set_status"]["status"] == "stop"
    with pytest.raises(ValueError, match="barrier action"):
        commands.barrier_body(1, "toggle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="id must be a positive"):
        commands.output_body(0, True)


def test_light_bodies() -> None:
    assert commands.light_body(1, True, None) == {"light": {"set_status": {"light_id": 1, "status": "ON"}}}
    assert commands.light_body(1, True, 40)["light"]["set_status"] == {"light_id": 1, "status": "ON", "level": 40}
    assert commands.light_body(1, False, 40)["light"]["set_status"] == {"light_id": 1, "status": "OFF", "level": 0}
    for level in (0, 100, -1):
        with pytest.raises(ValueError, match="light level"):
            commands.light_body(1, True, level)


def test_thermostat_bodies_are_range_checked() -> None:
    body = commands.thermostat_body(
        1, mode=ThermostatMode.COOL, fan_mode=FanMode.ON, heat_setpoint=None, cool_setpoint=75
    )
    assert body == {"tstat": {"set_status": {"tstat_id": 1, "mode": "COOL", "fan_mode": "ON", "cool_setpoint": 75}}}
    bad: list[dict[str, Any]] = [
        {"mode": ThermostatMode.UNKNOWN},
        {"fan_mode": FanMode.UNKNOWN},
        {"heat_setpoint": 39},
        {"cool_setpoint": 100},
        {"cool_setpoint": 72.5},
        {"heat_setpoint": 75, "cool_setpoint": 70},
        {},
    ]
    for fields in bad:
        options: dict[str, Any] = {"mode": None, "fan_mode": None, "heat_setpoint": None, "cool_setpoint": None}
        with pytest.raises(ValueError):
            commands.thermostat_body(1, **(options | fields))


# -- backoff and timing --------------------------------------------------------------------------


def test_backoff_grows_to_its_cap_and_resets() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0, factor=2.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0
    backoff.attempts = 10_000
    assert backoff.next_delay() == 8.0  # no overflow however long the outage
    jittered = Backoff(initial=10.0, maximum=10.0, jitter=0.2)
    assert all(8.0 <= jittered.next_delay() <= 12.0 for _ in range(50))
    with pytest.raises(ValueError, match="backoff"):
        Backoff(initial=5.0, maximum=1.0)


def test_timing_overrides() -> None:
    timing = ClientTiming.from_overrides({"request_timeout": 1.5, "reconnect_initial": 0.01})
    assert timing.session_options()["request_timeout"] == 1.5
    assert timing.backoff().initial == 0.01
    with pytest.raises(TypeError, match="request_timout"):
        ClientTiming.from_overrides({"request_timout": 1.0})


# -- the newest statement of a fact wins; partial messages change only what they state ----------


def _zone(live: LiveModel, zone_id: int = 1) -> Any:
    return live.snapshot().zones[zone_id]


def test_a_zone_bypass_stated_by_either_key_newest_wins() -> None:
    """BYPASSED (bool) and secure_state "BYPASSED" state the same fact: the later one decides."""
    live = live_model()
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "NORMAL", "BYPASSED": False}, seq=3))
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "BYPASSED"}))
    assert _zone(live).bypassed is True
    live.apply(msg("zone", "get_status", {"zone_id": 1, "BYPASSED": False}))
    assert _zone(live).bypassed is False
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "BYPASSED"}))
    assert _zone(live).bypassed is True
    # The same through the bulk status and a broadcast.
    live.apply(msg("zone", "get_status", {"zone_id": 2, "secure_state": "NORMAL", "BYPASSED": True}, seq=4))
    live.apply(msg("zone", "get_all_zones_status", {"status": "22"}, seq=5))
    assert _zone(live, 2).bypassed is False


def test_a_zone_tamper_and_contact_follow_the_newest_secure_state() -> None:
    live = live_model()
    live.apply(msg("zone", "get_status", {"zone_id": 1, "tamper": True, "contact_state": "OPEN"}))
    assert (_zone(live).tamper, _zone(live).violated) == (True, True)
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "NORMAL"}))
    assert (_zone(live).tamper, _zone(live).violated) == (False, False)
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "TAMPER"}))
    assert _zone(live).tamper is True
    live.apply(msg("zone", "get_status", {"zone_id": 1, "tamper": False}))
    assert _zone(live).tamper is False


@pytest.mark.parametrize(
    ("first", "second", "locked"),
    [
        ({"status": "LOCKED"}, {"locked": False}, False),
        ({"locked": False}, {"status": "lock"}, True),
        ({"status": "UNLOCK"}, {"locked": True}, True),
        ({"locked": True}, {"status": "OFF"}, False),
        ({"locked": True}, {"status": "JAMMED"}, True),  # not a statement of the fact: changes nothing
    ],
)
def test_a_lock_stated_by_token_or_boolean_newest_wins(
    first: dict[str, Any], second: dict[str, Any], locked: bool
) -> None:
    live = live_model()
    live.apply(msg("lock", "get_status", {"lock_id": 1, **first}))
    live.apply(msg("lock", "get_status", {"lock_id": 1, **second}))
    assert live.snapshot().locks[1].locked is locked


def test_a_thermostat_battery_under_either_spelling_newest_wins() -> None:
    live = live_model()
    live.apply(msg("tstat", "get_status", {"tstat_id": 1, "battery level": 95}))
    live.apply(msg("tstat", "get_status", {"tstat_id": 1, "battery_level": 20}))
    assert live.snapshot().thermostats[1].battery_level == 20
    live.apply(msg("tstat", "get_status", {"tstat_id": 1, "battery level": 80}))
    assert live.snapshot().thermostats[1].battery_level == 80


def test_a_light_level_after_an_explicit_off_lights_it() -> None:
    live = live_model()
    live.apply(msg("light", "get_status", {"light_id": 1, "level": 40, "status": "OFF"}))
    assert live.snapshot().lights[1].level == 0
    live.apply(msg("light", "get_status", {"light_id": 1, "level": 60}))
    assert live.snapshot().lights[1].level == 60


def test_partial_panel_replies_wipe_nothing() -> None:
    live = live_model()
    live.apply(msg("control", "get_version_info", {"sn": "A1B2C3", "app": 1540, "hw": 260}, seq=2))
    live.apply(msg("control", "get_trouble", {"modtbl": ["system"]}))
    live.apply(msg("system", "get_trouble", {"troubles": ["AC Fail"]}))
    live.apply(msg("area", "get_status", AREA_IDLE | {"troubles": ["Low batt"]}, seq=3))
    assert live.apply(msg("control", "get_version_info", {"SSP": "2.6.1"}, seq=4)) == {PANEL_KEY}
    assert live.apply(msg("control", "get_trouble", {})) == set()
    assert live.apply(msg("system", "get_trouble", {"at": [0] * 9})) == set()
    assert live.apply(msg("area", "get_trouble", {"area_id": 1})) == set()
    panel = live.snapshot()
    assert panel.version is not None
    assert (panel.version.serial, panel.version.firmware, panel.version.hardware, panel.version.ssp) == (
        "A1B2C3",
        "0.0.6.4",
        "0.0.1.4",
        "2.6.1",
    )
    assert (panel.trouble_modules, panel.troubles, panel.areas[1].troubles) == (
        ("system",),
        ("AC Fail",),
        ("Low batt",),
    )
    # An empty list is a statement: the troubles cleared.
    live.apply(msg("control", "get_trouble", {"modtbl": []}))
    assert live.snapshot().trouble_modules == ()


def test_a_status_read_replaces_what_the_panel_no_longer_reports() -> None:
    """A get_status reply is the element's whole status; a broadcast only patches."""
    live = live_model()
    wireless = {"zone_id": 1, "secure_state": "NORMAL", "BYPASSED": False, "rssi": -61, "low_batt": True}
    live.apply(msg("zone", "get_status", wireless, seq=3))
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "NORMAL"}))  # broadcast: a patch
    assert (_zone(live).low_battery, _zone(live).rssi) == (True, -61)
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "NORMAL", "BYPASSED": False}, seq=4))
    assert (_zone(live).low_battery, _zone(live).rssi) == (None, None)
    live.apply(msg("tstat", "get_status", {"tstat_id": 1, "mode": "HEAT", "battery level": 10}, seq=5))
    live.apply(msg("tstat", "get_status", {"tstat_id": 1, "mode": "HEAT"}, seq=6))
    assert live.snapshot().thermostats[1].battery_level is None


def test_only_understood_status_keys_are_kept() -> None:
    live = live_model()
    for index in range(50):
        live.apply(msg("zone", "get_status", {"zone_id": 1, f"novel_{index}": "x" * 100, "secure_state": "NORMAL"}))
        live.apply(msg("area", "get_status", {"area_id": 1, f"extra_{index}": index}))
    assert set(live.status["zone"][1]) == {"secure_state"}
    assert not any(key.startswith("extra_") for key in live.status["area"][1])


def test_bulk_digits_over_a_zone_with_other_flags() -> None:
    """Each digit sets every flag the bulk status carries (docs/api.md §5.2), physical bits included."""
    live = live_model()
    live.apply(msg("zone", "get_status", {"zone_id": 1, "secure_state": "VIOLATED", "contact_state": "OPEN"}, seq=2))
    live.apply(msg("zone", "get_status", {"zone_id": 2, "secure_state": "TAMPER", "BYPASSED": True}, seq=3))
    live.apply(msg("zone", "get_status", {"zone_id": 5, "secure_state": "TROUBLE", "contact_state": "OPEN"}, seq=4))
    live.apply(msg("zone", "get_all_zones_status", {"status": "E8006"}, seq=5))
    zones = live.snapshot().zones
    # Zone 1: bypassed over EOL-normal: not violated any more.
    assert (zones[1].bypassed, zones[1].violated, zones[1].trouble) == (True, False, False)
    # Zone 2: configured but reported disabled (8): every flag clear.
    assert (zones[2].bypassed, zones[2].tamper, zones[2].violated, zones[2].trouble) == (False, False, False, False)
    # Zone 5: trouble over EOL-normal: the old open contact no longer counts.
    assert (zones[5].trouble, zones[5].violated) == (True, False)
    assert live.zones_needing_detail("E8006") == [1, 5]


def test_an_exit_delay_whose_timer_goes_up_keeps_arming() -> None:
    live = live_model()
    live.apply(msg("area", "get_status", AREA_IDLE | {"arm_cmd_state": "ARMED_AWAY", "ee_timer": 30}))
    live.apply(msg("area", "get_status", {"area_id": 1, "ee_timer": 10}))
    live.apply(msg("area", "get_status", {"area_id": 1, "ee_timer": 60}))
    area = live.snapshot().areas[1]
    assert (area.state, area.arming_to, area.exit_delay) == (AreaState.ARMING, ArmState.ARMED_AWAY, 60)


@pytest.mark.parametrize(
    ("token", "ready"),
    [
        ("RDY_AWAY", True),
        ("rdy_stay", True),
        ("ready", True),
        ("READY", True),
        ("RDY_FORCE", True),
        ("RDY_NOT", False),
        ("not_ready", False),
        ("SOMETHING", None),
        (None, None),
    ],
)
def test_ready_status_tokens_in_any_case(token: Any, ready: bool | None) -> None:
    assert area_from_wire(1, {}, {"ready_status": token}).ready is ready


def test_small_readings() -> None:
    assert area_from_wire(1, {}, {"troubles": "AC Fail"}).troubles == ("AC Fail",)
    assert area_from_wire(1, {}, {"troubles": ""}).troubles == ()
    odd = thermostat_from_wire(1, {}, {"mode": "em_heat", "fan_mode": "circulate"})
    assert (odd.mode, odd.reported_mode, odd.fan_mode, odd.reported_fan_mode) == (
        ThermostatMode.UNKNOWN,
        "EM_HEAT",
        FanMode.UNKNOWN,
        "CIRCULATE",
    )
    known = thermostat_from_wire(1, {}, {"mode": "heat", "fan_mode": "AUTO"})
    assert (known.reported_mode, known.reported_fan_mode) == (None, None)
    for placeholder in ("00000001", "00000000", "FFFFFFFF", ""):
        assert version_from_wire({"sn": placeholder}).serial is None
    assert version_from_wire({"sn": "1234ABCD"}).serial == "1234ABCD"


@pytest.mark.parametrize(
    ("token", "state"),
    [
        ("OPEN", BarrierState.OPEN),
        ("opened", BarrierState.OPEN),
        ("CLOSE", BarrierState.CLOSED),
        ("closed", BarrierState.CLOSED),
        ("STOPPED", BarrierState.STOPPED),
        ("stop", BarrierState.STOPPED),
        ("opening", BarrierState.OPENING),
        ("CLOSING", BarrierState.CLOSING),
    ],
)
def test_every_barrier_token(token: str, state: BarrierState) -> None:
    assert barrier_from_wire(1, {}, {"status": token}).state is state
