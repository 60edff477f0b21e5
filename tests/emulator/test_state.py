"""The panel state machine on its own: arming, delays, auto-stay, alarms, bypass, troubles, devices, CSMs.

Panel time is a ManualClock here: it moves only when a test advances it, so a 60 s exit delay
ends exactly at `state.advance(60)`, however fast or busy the machine is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from e27_emulator import ArmState, ManualClock, PanelFileError, PanelOptions, PanelState, Refused

type Body = dict[str, Any]

MASTER, FAMILY, GARAGE, INSTALLER = 1234, 2580, 3690, 172839
AWAY, STAY, DISARMED = "ARMED_AWAY", "ARMED_STAY", "DISARMED"


@pytest.fixture
def state() -> Iterator[PanelState]:
    panel = PanelState.load("default", clock=ManualClock())
    yield panel
    panel.cancel_timers()


@pytest.fixture
def sent(state: PanelState) -> list[Body]:
    """Every broadcast body the state emits, in order."""
    bodies: list[Body] = []
    state.add_listener(bodies.append)
    return bodies


def payloads(bodies: list[Body], domain: str, command: str = "get_status") -> list[Body]:
    return [body[domain][command] for body in bodies if command in body.get(domain, {})]


def refused(code: int) -> Any:
    return pytest.raises(Refused, match=rf"^{code}:")


# Arming, exit delay, auto-stay ------------------------------------------------------------


async def test_arm_away_counts_down_and_auto_stays(state: PanelState, sent: list[Body]) -> None:
    state.arm(1, AWAY, pin=MASTER)
    area = state.areas[1]
    assert (area.arm_state, area.arm_cmd_state, area.ee_timer) == (DISARMED, AWAY, 60)
    first = payloads(sent, "area")[0]
    assert (first["arm_state"], first["arm_cmd_state"], first["ee_timer"], first["alarm_zone"]) == (
        DISARMED,
        AWAY,
        60,
        "",
    )
    state.advance(59)
    assert state.areas[1].arm_state == DISARMED  # one second to go
    state.advance(1)
    assert state.areas[1].arm_state == STAY  # nobody left through an entry/exit door
    statuses = payloads(sent, "area")
    ticks = [status for status in statuses if set(status) == {"area_id", "ee_timer", "error_code"}]
    assert [tick["ee_timer"] for tick in ticks] == list(range(59, 0, -1))
    assert statuses[-1]["arm_state"] == statuses[-1]["arm_cmd_state"] == STAY
    assert statuses[-1]["ee_timer"] == 0
    assert any(entry.text == "House armed Stay" for entry in state.log)


async def test_opening_an_exit_door_during_the_delay_keeps_away(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER)
    state.open_zone(1)
    state.close_zone(1)
    state.advance(60)
    assert state.areas[1].arm_state == AWAY
    assert state.areas[1].alarms == []


async def test_auto_stay_cancel_keeps_away(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER, auto_stay_cancel=True)
    state.advance(60)
    assert state.areas[1].arm_state == AWAY


async def test_no_auto_stay_without_entry_exit_zones(state: PanelState) -> None:
    state.change_config("zone", 17, definition="BURG PERIM INST")
    state.arm(2, AWAY, pin=MASTER)
    state.advance(30)
    assert state.areas[2].arm_state == AWAY


@pytest.mark.parametrize(("auto_stay_cancel", "final"), [(True, AWAY), (False, STAY)])
async def test_exit_delay_cancel_arms_at_once(state: PanelState, auto_stay_cancel: bool, final: str) -> None:
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=auto_stay_cancel)
    assert (state.areas[1].arm_state, state.areas[1].ee_timer) == (final, 0)
    assert not state.timer_running("delay", 1)


async def test_arm_stay_with_interior_open(state: PanelState) -> None:
    state.open_zone(5)
    assert state.ready_status(1) == "RDY_STAY"
    with refused(11015):
        state.arm(1, AWAY, pin=MASTER)
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    assert state.areas[1].arm_state == STAY
    assert state.areas[1].alarms == []  # interior zones sleep in Stay


async def test_not_ready_with_perimeter_open(state: PanelState) -> None:
    state.open_zone(3)
    assert state.ready_status(1) == "RDY_NOT"
    for mode in (AWAY, STAY):
        with refused(11015):
            state.arm(1, mode, pin=MASTER)
    state.set_zone_trouble(3, True)
    state.close_zone(3)
    assert state.ready_status(1) == "RDY_NOT"  # a troubled burglary zone also blocks arming


@pytest.mark.parametrize(
    ("pin", "area_id", "code"),
    [
        (9999, 1, 11004),  # nobody has this code
        ("1234", 1, 11008),  # a PIN as a JSON string
        (True, 1, 11008),
        (FAMILY, 2, 11008),  # valid code, no rights in area 2
        (INSTALLER, 1, 11008),  # the installer has no areas
    ],
)
async def test_arm_pin_checks(state: PanelState, pin: object, area_id: int, code: int) -> None:
    with refused(code):
        state.arm(area_id, AWAY, pin=pin)
    with refused(code):
        state.arm(area_id, DISARMED, pin=pin)
    assert state.areas[area_id].arm_state == DISARMED


async def test_arming_an_armed_or_arming_area_is_refused(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER)
    with refused(11028):
        state.arm(1, STAY, pin=MASTER)
    state.arm(1, DISARMED, pin=MASTER)
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    with refused(11028):
        state.arm(1, AWAY, pin=FAMILY)


async def test_arming_in_alarm_is_refused(state: PanelState) -> None:
    state.trip_alarm(1, "FIRE")
    with refused(11027):
        state.arm(1, AWAY, pin=MASTER)
    state.arm(1, DISARMED, pin=MASTER)  # disarming silences the alarm
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    assert state.areas[1].arm_state == AWAY


@pytest.mark.parametrize("value", ["ARMED_NIGHT", "armed_away", 3, None])
async def test_bad_arm_state_is_invalid_param(state: PanelState, value: object) -> None:
    with refused(11004):
        state.arm(1, value, pin=MASTER)


async def test_disarm_during_exit_delay(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER)
    state.arm(1, DISARMED, pin=FAMILY)
    area = state.areas[1]
    assert (area.arm_state, area.arm_cmd_state, area.ee_timer, area.delay) == (DISARMED, DISARMED, 0, "")
    assert not state.timer_running("delay", 1)


# Entry delay and alarms -----------------------------------------------------------------


async def test_entry_delay_then_alarm(state: PanelState, sent: list[Body]) -> None:
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    state.open_zone(1)
    area = state.areas[1]
    assert (area.arm_state, area.ee_timer, area.alarm_zone, area.alarms, area.alrm_snd) == (AWAY, 30, "1", [], False)
    state.advance(29)
    assert area.alarms == []
    state.advance(1)
    status = state.area_status(1)
    assert (status["arm_state"], status["alarms"], status["alarm_zone"], status["alrm_snd"]) == (
        AWAY,
        ["BURGLARY"],
        "1",
        True,
    )
    assert status["alarm_mem"] == ["BURGLARY"]
    ticks = [p["ee_timer"] for p in payloads(sent, "area") if set(p) == {"area_id", "ee_timer", "error_code"}]
    assert ticks == list(range(29, 0, -1))
    state.arm(1, DISARMED, pin=FAMILY)
    status = state.area_status(1)
    assert (status["arm_state"], status["alarms"], status["alarm_zone"], status["alrm_snd"]) == (
        DISARMED,
        [],
        "",
        False,
    )
    assert status["alarm_mem"] == ["BURGLARY"]  # kept until the next arm
    state.close_zone(1)
    state.arm(1, STAY, pin=MASTER)
    assert state.area_status(1)["alarm_mem"] == []


async def test_disarm_during_entry_delay_prevents_the_alarm(state: PanelState) -> None:
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    state.open_zone(2)
    state.arm(1, DISARMED, pin=MASTER)
    assert not state.timer_running("delay", 1)
    assert state.area_status(1)["alarm_mem"] == []


async def test_interior_follows_a_running_entry_delay(state: PanelState) -> None:
    state.areas[1].entry_time = 5
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    state.open_zone(1)
    state.open_zone(5)
    assert state.areas[1].alarms == []
    state.advance(5)
    assert state.areas[1].alarms == ["BURGLARY"]
    assert state.areas[1].alarm_zone == "1"


@pytest.mark.parametrize("mode", [AWAY, STAY])
async def test_perimeter_zone_alarms_at_once(state: PanelState, mode: str) -> None:
    state.arm(1, mode, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    state.open_zone(4)
    assert (state.areas[1].alarms, state.areas[1].alarm_zone) == (["BURGLARY"], "4")
    state.close_zone(4)
    assert state.areas[1].alarms == ["BURGLARY"]  # latched until disarm


async def test_interior_zone_alarms_when_away(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    state.open_zone(5)
    assert state.areas[1].alarms == ["BURGLARY"]


async def test_door_left_open_when_the_exit_delay_ends_starts_the_entry_delay(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER)
    state.open_zone(1)
    state.advance(60)
    assert state.areas[1].arm_state == AWAY
    assert state.areas[1].alarm_zone == "1"
    assert state.areas[1].alarms == []  # the entry delay runs first
    state.advance(30)
    assert state.areas[1].alarms == ["BURGLARY"]
    assert state.areas[1].alarm_zone == "1"


@pytest.mark.parametrize(
    ("zone_id", "alarm"),
    [
        (7, "FIRE"),
        (8, "CO"),
        (9, "WATER"),
        (10, "TEMPERATURE"),
        (11, "PANIC"),
        (12, "MEDICAL"),
        (13, "TAMPER"),
        (14, "BURGLARY"),
    ],
)
@pytest.mark.parametrize("arm_state", [DISARMED, STAY])
async def test_24_hour_zones_alarm_in_any_arm_state(
    state: PanelState, zone_id: int, alarm: str, arm_state: str
) -> None:
    if arm_state != DISARMED:
        state.arm(1, arm_state, pin=MASTER, exit_delay_cancel=True)
    state.open_zone(zone_id)
    status = state.area_status(1)
    assert (status["alarms"], status["alarm_zone"], status["alrm_snd"]) == ([alarm], str(zone_id), True)
    assert status["arm_state"] == arm_state


@pytest.mark.parametrize("zone_id", [15, 16])
async def test_automation_and_power_zones_never_alarm(state: PanelState, zone_id: int) -> None:
    state.arm(1, AWAY, pin=MASTER, exit_delay_cancel=True, auto_stay_cancel=True)
    state.open_zone(zone_id)
    assert state.areas[1].alarms == []


async def test_alarm_types_accumulate_and_trip_alarm_validates(state: PanelState) -> None:
    state.trip_alarm(1, "FIRE", zone_id=7)
    state.trip_alarm(1, "PANIC")
    assert state.areas[1].alarms == ["FIRE", "PANIC"]
    assert state.areas[1].alarm_zone == "7"
    with pytest.raises(ValueError, match="unknown alarm type"):
        state.trip_alarm(1, "ZOMBIES")
    with pytest.raises(KeyError):
        state.trip_alarm(9)


async def test_tamper_alarms_only_when_armed(state: PanelState) -> None:
    state.set_zone_tamper(3)
    assert state.zones[3].secure_state == "TAMPER"
    assert state.areas[1].alarms == []
    assert "Zone Tamper" in state.area_troubles(1)
    state.set_zone_tamper(3, False)
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    state.set_zone_tamper(4)
    assert state.areas[1].alarms == ["TAMPER"]


# Bypass -------------------------------------------------------------------------------------


async def test_bypass_makes_an_open_zone_ready(state: PanelState, sent: list[Body]) -> None:
    state.open_zone(3)
    state.set_bypass(3, True, pin=FAMILY)
    assert state.zones[3].bypassed
    status = state.area_status(1)
    assert (status["zones_bypassed"], status["ready_status"]) == (1, "RDY_AWAY")
    zone = payloads(sent, "zone")[-1]
    assert zone == {
        "zone_id": 3,
        "secure_state": "VIOLATED",
        "contact_state": "OPEN",
        "BYPASSED": True,
        "error_code": 0,
    }
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    assert state.areas[1].alarms == []  # a bypassed zone never alarms


@pytest.mark.parametrize("zone_id", [7, 8, 9, 10, 11, 12, 13, 14])
async def test_24_hour_zones_are_not_bypassable(state: PanelState, zone_id: int) -> None:
    with refused(11023):
        state.set_bypass(zone_id, True, pin=MASTER)
    state.set_bypass(zone_id, False, pin=MASTER)  # unbypassing is always allowed


async def test_bypassable_override(state: PanelState) -> None:
    state.change_config("zone", 7, bypassable=True)
    state.set_bypass(7, True, pin=MASTER)
    state.open_zone(7)
    assert state.areas[1].alarms == []


async def test_bypass_refusals(state: PanelState) -> None:
    with refused(11004):
        state.set_bypass(3, True, pin=1111)
    with refused(11008):
        state.set_bypass(3, True, pin="2580")
    with refused(11008):
        state.set_bypass(17, True, pin=FAMILY)
    with refused(11004):
        state.set_bypass(3, "yes", pin=FAMILY)
    state.arm(1, AWAY, pin=MASTER)
    with refused(11028):
        state.set_bypass(3, True, pin=MASTER)


async def test_disarming_an_armed_area_clears_its_bypasses(state: PanelState) -> None:
    state.set_bypass(3, True, pin=MASTER)
    state.set_bypass(17, True, pin=MASTER)
    state.arm(1, DISARMED, pin=MASTER)  # already disarmed: bypasses stay
    assert state.zones[3].bypassed
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    state.arm(1, DISARMED, pin=MASTER)
    assert not state.zones[3].bypassed
    assert state.zones[17].bypassed  # another area's bypass is untouched
    state.set_bypass(4, True, pin=MASTER)
    state.arm(1, AWAY, pin=MASTER)
    state.arm(1, DISARMED, pin=MASTER)  # disarming while arming counts as armed
    assert not state.zones[4].bypassed


# Broadcast shapes and order ------------------------------------------------------------


async def test_zone_change_broadcasts_zone_then_area(state: PanelState, sent: list[Body]) -> None:
    state.open_zone(1)
    assert [next(iter(body)) for body in sent] == ["zone", "area"]
    assert sent[0]["zone"]["get_status"]["contact_state"] == "OPEN"
    assert sent[1]["area"]["get_status"]["ready_status"] == "RDY_NOT"
    sent.clear()
    state.open_zone(1)  # nothing changed: nothing sent
    state.close_zone(2)
    assert sent == []


async def test_wireless_zone_status_and_low_battery(state: PanelState, sent: list[Body]) -> None:
    assert state.area_troubles(2) == ["Zone Low Battery"]
    state.set_low_battery(18, False)
    assert payloads(sent, "zone")[-1] == {
        "zone_id": 18,
        "secure_state": "NORMAL",
        "contact_state": "CLOSED",
        "BYPASSED": False,
        "rssi": -81,
        "low_batt": False,
        "error_code": 0,
    }
    assert payloads(sent, "area", "get_trouble")[-1] == {"area_id": 2, "troubles": [], "error_code": 0}
    with pytest.raises(ValueError, match="not wireless"):
        state.set_low_battery(3)


async def test_system_troubles(state: PanelState, sent: list[Body]) -> None:
    state.set_low_battery(18, False)
    sent.clear()
    state.set_trouble("AC Fail")
    assert sent == [
        {"system": {"get_trouble": {"troubles": ["AC Fail"], "at": [0] * 9, "error_code": 0}}},
        {"control": {"get_trouble": {"modtbl": ["system"], "error_code": 0}}},
    ]
    state.set_trouble("Low Battery")
    state.set_trouble("AC Fail", False)
    assert state.troubles == ["Low Battery"]
    state.set_trouble("Low Battery", False)
    assert state.modtbl() == []


async def test_area_and_zone_troubles(state: PanelState, sent: list[Body]) -> None:
    state.set_trouble("Siren Fault", area_id=1)
    state.set_zone_trouble(5)
    assert state.area_troubles(1) == ["Siren Fault", "Zone Trouble"]
    assert state.area_status(1)["troubles"] == ["Siren Fault", "Zone Trouble"]
    assert state.zones[5].secure_state == "TROUBLE"
    assert payloads(sent, "area", "get_trouble")[-1]["troubles"] == ["Siren Fault", "Zone Trouble"]
    assert state.modtbl() == ["area", "zone"]


async def test_full_status_ticks_option(state: PanelState, sent: list[Body]) -> None:
    state.options.full_status_ticks = True
    state.areas[2].exit_time = 3
    state.arm(2, STAY, pin=GARAGE)
    state.advance(3)
    assert state.areas[2].arm_state == STAY
    assert [p["ee_timer"] for p in payloads(sent, "area") if p["area_id"] == 2] == [3, 2, 1, 0]
    assert all("arm_cmd_state" in p for p in payloads(sent, "area"))


async def test_chime(state: PanelState, sent: list[Body]) -> None:
    state.set_chime(1, True)
    assert payloads(sent, "area")[-1]["Chime"] is True
    state.open_zone(1)
    state.open_zone(5)  # interior zones do not chime
    assert state.areas[1].chime_count == 1
    with refused(11004):
        state.set_chime(1, "on")


# Devices ------------------------------------------------------------------------------------


async def test_lights(state: PanelState, sent: list[Body]) -> None:
    state.set_light(1, level=100)
    assert payloads(sent, "light")[-1] == {"light_id": 1, "level": 99, "rssi": 4, "error_code": 0}
    state.set_light(1, level=40)
    state.set_light(1, status="OFF")
    assert state.lights[1].level == 0
    state.set_light(1, status="ON")
    assert state.lights[1].level == 40
    for bad in ({"level": 101}, {"level": -1}, {"level": "50"}, {"level": True}, {"status": "on"}):
        with refused(11004):
            state.set_light(1, **bad)
    with refused(11009):
        state.set_light(1)


async def test_light_report_delay(state: PanelState, sent: list[Body]) -> None:
    state.options.light_delay = 3
    state.set_light(2, level=10)
    state.advance(2.9)
    assert state.lights[2].level == 60
    state.advance(0.1)
    assert state.lights[2].level == 10
    assert payloads(sent, "light")[-1]["level"] == 10


async def test_outputs_and_locks(state: PanelState, sent: list[Body]) -> None:
    state.set_output(2, "ON")
    state.set_lock(1, "OFF")
    assert payloads(sent, "output") == [{"output_id": 2, "status": "ON", "error_code": 0}]
    assert payloads(sent, "lock")[-1]["status"] == "OFF"
    state.set_lock(1, "OFF")  # reported again even without a change
    assert len(payloads(sent, "lock")) == 2
    with refused(11004):
        state.set_output(2, "on")
    with refused(11004):
        state.set_lock(1, "LOCK")


async def test_barrier_travels(state: PanelState, sent: list[Body]) -> None:
    state.operate_barrier(1, "open")
    assert state.barriers[1].status == "OPENING"
    state.advance(state.barriers[1].travel_time)
    assert state.barriers[1].status == "OPEN"
    assert [p["status"] for p in payloads(sent, "barrier")] == ["OPENING", "OPEN"]
    state.operate_barrier(1, "close")
    state.advance(state.barriers[1].travel_time / 2)
    assert state.barriers[1].status == "CLOSING"
    state.operate_barrier(1, "stop")
    assert state.barriers[1].status == "STOPPED"
    assert not state.timer_running("barrier", 1)
    state.advance(state.barriers[1].travel_time)
    assert state.barriers[1].status == "STOPPED"
    with refused(11004):
        state.operate_barrier(1, "OPEN")


async def test_thermostat(state: PanelState, sent: list[Body]) -> None:
    state.set_tstat(1, {"mode": "COOL", "cool_setpoint": 74, "fan_mode": "ON"})
    status = payloads(sent, "tstat")[-1]
    assert (status["mode"], status["cool_setpoint"], status["fan_mode"]) == ("COOL", 74, "ON")
    assert (status["prec"], status["battery level"]) == ([9, 9, 9, 0], 95)
    for bad in ({"heat_setpoint": 39}, {"cool_setpoint": 100}, {"heat_setpoint": 70.5}, {"mode": "EMERGENCY"}):
        with refused(11004):
            state.set_tstat(1, bad)
    with refused(11004):
        state.set_tstat(1, {"mode": "HEAT", "heat_setpoint": 680})  # nothing applied on a bad field
    assert state.tstats[1].mode == "COOL"
    with refused(11009):
        state.set_tstat(1, {"tstat_id": 1})
    state.set_temperature(1, 65, humidity=30)
    assert payloads(sent, "tstat")[-1]["temperature"] == 65


# Configuration, reboot, log, waiting ---------------------------------------------------------


async def test_change_config_changes_only_that_domains_csm(state: PanelState) -> None:
    before = {domain: state.csm(domain) for domain in ("zone", "area", "output", "user")}
    state.change_config("zone", 3, name="Bay Window")
    assert state.zones[3].name == "Bay Window"
    after = {domain: state.csm(domain) for domain in before}
    assert after["zone"] != before["zone"]
    assert {k: v for k, v in after.items() if k != "zone"} == {k: v for k, v in before.items() if k != "zone"}
    zone_csm = after["zone"]
    state.change_config("zone", 20, name="Porch Motion", area=1, definition="BURG INTERIOR", zone_type="MOTION")
    assert 20 in state.zones
    assert state.csm("zone") != zone_csm
    state.change_config("zone", 20, remove=True)
    assert state.csm("zone") == zone_csm
    state.change_config("output", 5, name="Chime Relay")
    assert state.csm("output") != before["output"]


@pytest.mark.parametrize(
    ("domain", "item_id", "changes", "message"),
    [
        ("zone", 3, {"definition": "FIRE ALARM"}, r"zone\[3\]\.definition"),
        ("zone", 3, {"area": 5}, r"zone\[3\]\.area: no area 5"),
        ("zone", 33, {"name": "x"}, r"zone\[33\]\.id: outside the table"),
        ("zone", 21, {"area": 1}, r"zone\[21\]\.name: missing"),
        ("light", 1, {"level": 120}, r"light\[1\]\.level: 120 is above 99"),
        ("nosuch", 1, {}, "unknown domain"),
        ("user", 2, {"pin": 1234}, r"user\[2\]\.pin: another user has this PIN"),
        ("user", 2, {"areas": [1, 7]}, r"user\[2\]\.areas: no area 7"),
        ("area", 1, {"remove": True}, "still has zones"),
    ],
)
async def test_change_config_rejects(
    state: PanelState, domain: str, item_id: int, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PanelFileError, match=message):
        state.change_config(domain, item_id, **changes)


async def test_config_change_broadcasts_effects_but_not_configuration(state: PanelState, sent: list[Body]) -> None:
    state.change_config("zone", 4, name="Pantry Window")
    assert sent == []
    state.change_config("zone", 21, name="Open Hatch", area=1, open=True)
    assert [next(iter(body)) for body in sent] == ["area"]  # readiness changed, the new zone is not pushed
    assert sent[0]["area"]["get_status"]["ready_status"] == "RDY_NOT"


async def test_reboot_forgets_delays(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER)
    state.arm(2, STAY, pin=MASTER, exit_delay_cancel=True)
    state.open_zone(17)
    state.operate_barrier(1, "open")
    state.reboot()
    assert (state.areas[1].arm_state, state.areas[1].arm_cmd_state, state.areas[1].ee_timer) == (
        DISARMED,
        DISARMED,
        0,
    )
    assert (state.areas[2].arm_state, state.areas[2].delay, state.areas[2].alarm_zone) == (STAY, "", "")
    assert state.barriers[1].status == "OPEN"
    assert not any(state.timer_running(kind, 1) for kind in ("delay", "barrier"))
    assert state.log[-1].text == "Panel restarted"


async def test_log_is_a_ring(state: PanelState) -> None:
    state.info.log_capacity = 5
    for number in range(8):
        state.add_log(f"event {number}")
    assert [entry.text for entry in state.log] == [f"event {n}" for n in range(3, 8)]
    assert state.log_index() == {"newest": 9, "max": 5, "total": 5}


async def test_log_index_broadcast_option(state: PanelState, sent: list[Body]) -> None:
    state.options.broadcast_log_index = True
    state.arm(1, STAY, pin=MASTER, exit_delay_cancel=True)
    assert payloads(sent, "log", "get_index")[0]["newest"] == state.log_newest - 1


async def test_wait_helpers_time_out(state: PanelState) -> None:
    state.arm(1, AWAY, pin=MASTER, auto_stay_cancel=True)
    with pytest.raises(TimeoutError):  # panel time does not move by itself
        await state.wait_for_arm_state(1, AWAY, timeout=0.05)


async def test_manual_clock_fires_timers_in_order_and_only_when_advanced() -> None:
    clock = ManualClock()
    fired: list[str] = []
    clock.call_later(2, lambda: fired.append("two"))
    handle = clock.call_later(1, lambda: fired.append("cancelled"))
    clock.call_later(1, lambda: (fired.append("one"), clock.call_later(0.5, lambda: fired.append("one and a half"))))
    handle.cancel()
    assert (clock.advance(0.5), fired, clock.now()) == (0, [], 0.5)
    assert clock.advance(1.5) == 3
    assert fired == ["one", "one and a half", "two"]
    assert (clock.now(), clock.pending, clock.next_deadline()) == (2.0, 0, None)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


async def test_advance_needs_a_manual_clock() -> None:
    with pytest.raises(TypeError, match="ManualClock"):
        PanelState.load("default").advance(1)


async def test_listener_errors_do_not_break_the_state(state: PanelState, caplog: pytest.LogCaptureFixture) -> None:
    def broken(body: Body) -> None:
        raise RuntimeError("listener bug")

    unsubscribe = state.add_listener(broken)
    state.open_zone(1)
    assert "listener failed" in caplog.text
    unsubscribe()
    unsubscribe()
    assert state.zones[1].open


def test_options_and_time_scale_defaults() -> None:
    assert PanelOptions().privilege_seconds == 60
    with pytest.raises(ValueError, match="time_scale"):
        PanelState.load("default", time_scale=0)
    assert ArmState.ARMED_AWAY == AWAY
