"""Panel behaviour seen through the backend's real Session: arming, bypass, chime, alarms, devices,
troubles and the log, with acks before broadcasts and broadcasts to every session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.elke27.e27 import Session
from e27_emulator import EmulatorPanel, PanelState

from .apiclient import OTHER, REQUEST_TIMEOUT, Pushed, body, connected, refusal, running_panel
from .rawclient import RawClient

MASTER, FAMILY = 1234, 2580


@pytest.fixture
async def house() -> AsyncIterator[EmulatorPanel]:
    async with running_panel("default") as panel:
        yield panel


@pytest.fixture
async def session(house: EmulatorPanel) -> AsyncIterator[Session]:
    async with connected(house, request_timeout=REQUEST_TIMEOUT) as online:
        yield online


@pytest.fixture
def pushed(session: Session) -> Pushed:
    return Pushed(session)


def truth(panel: EmulatorPanel) -> PanelState:
    assert panel.state is not None
    return panel.state


def arm(area_id: int, arm_state: str, pin: object = MASTER, **flags: Any) -> dict[str, Any]:
    return {"area_id": area_id, "arm_state": arm_state, "pin": pin, **flags}


# Arming ----------------------------------------------------------------------------------------


async def test_arm_ack_comes_first_and_carries_no_state(house: EmulatorPanel) -> None:
    client = await RawClient.connect(house)
    try:
        await client.go_online(house)
        await client.call({"system": {"r_u_alive": {}}})
        seq = client.request({"area": {"set_arm_state": arm(1, "ARMED_AWAY")}})
        ack = await client.read_message()
        truth(house).advance(1)
        assert ack == {
            "seq": seq,
            "session_id": client.session_id,
            "area": {"set_arm_state": {"area_id": 1, "error_code": 0}},
        }
        first = (await client.read_message())["area"]["get_status"]
        assert (first["arm_state"], first["arm_cmd_state"], first["ee_timer"]) == ("DISARMED", "ARMED_AWAY", 60)
        tick = await client.read_message()
        assert tick == {
            "seq": 0,
            "session_id": client.session_id,
            "area": {"get_status": {"area_id": 1, "ee_timer": 59, "error_code": 0}},
        }
    finally:
        await client.close()


async def test_arm_away_through_exit_delay_ends_in_stay(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    assert await body(session, "area", "set_arm_state", arm(1, "ARMED_AWAY")) == {"area_id": 1, "error_code": 0}
    truth(house).advance(60)
    final = await pushed.wait_for("area", "get_status", lambda status: status.get("arm_state") == "ARMED_STAY")
    assert (final["arm_cmd_state"], final["ee_timer"], final["alarm_zone"]) == ("ARMED_STAY", 0, "")
    ticks = [status["ee_timer"] for status in pushed.of("area") if "arm_state" not in status]
    assert ticks == list(range(59, 0, -1))
    assert (await body(session, "area", "get_status", {"area_id": 1}))["arm_state"] == "ARMED_STAY"


async def test_arm_with_both_flags_is_away_at_once(session: Session, pushed: Pushed) -> None:
    flags = {"auto_stay_cancel": True, "exit_delay_cancel": True}
    await session.request("area", "set_arm_state", arm(2, "ARMED_AWAY", **flags))
    status = await pushed.wait_for("area", "get_status", lambda s: s.get("area_id") == 2)
    assert (status["arm_state"], status["arm_cmd_state"], status["ee_timer"]) == ("ARMED_AWAY", "ARMED_AWAY", 0)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (arm(1, "ARMED_AWAY", 4321), 11004),
        (arm(1, "ARMED_AWAY", "1234"), 11008),
        (arm(1, "ARMED_AWAY", None), 11008),
        (arm(2, "ARMED_AWAY", FAMILY), 11008),
        (arm(1, "ARMED_NIGHT"), 11004),
        ({"area_id": 1, "arm_state": "ARMED_AWAY"}, 11009),
        (arm(1, "ARMED_AWAY", auto_stay_cancel="yes"), 11004),
    ],
)
async def test_arm_refusals(session: Session, payload: dict[str, Any], code: int) -> None:
    assert await refusal(session, "area", "set_arm_state", payload) == code


async def test_not_ready_in_alarm_and_already_armed(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    house.open_zone(3)
    assert await refusal(session, "area", "set_arm_state", arm(1, "ARMED_STAY")) == 11015
    house.close_zone(3)
    await session.request("area", "set_arm_state", arm(1, "ARMED_STAY", exit_delay_cancel=True))
    assert await refusal(session, "area", "set_arm_state", arm(1, "ARMED_AWAY")) == 11028
    house.open_zone(4)
    alarm = await pushed.wait_for("area", "get_status", lambda s: bool(s.get("alarms")))
    assert (alarm["alarms"], alarm["alarm_zone"], alarm["alrm_snd"], alarm["arm_state"]) == (
        ["BURGLARY"],
        "4",
        True,
        "ARMED_STAY",
    )
    await session.request("area", "set_arm_state", arm(1, "DISARMED", FAMILY))
    cleared = await pushed.wait_for("area", "get_status", lambda s: s.get("arm_state") == "DISARMED")
    assert (cleared["alarms"], cleared["alrm_snd"], cleared["alarm_mem"]) == ([], False, ["BURGLARY"])
    house.trip_alarm(1, "FIRE")
    assert await refusal(session, "area", "set_arm_state", arm(1, "ARMED_STAY")) == 11027


async def test_entry_delay_broadcasts(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    await session.request("area", "set_arm_state", arm(2, "ARMED_STAY", exit_delay_cancel=True))
    house.open_zone(17)
    zone = await pushed.wait_for("zone", "get_status", lambda z: z["zone_id"] == 17)
    assert (zone["secure_state"], zone["contact_state"]) == ("VIOLATED", "OPEN")
    entry = await pushed.wait_for("area", "get_status", lambda s: s.get("ee_timer") == 15 and "alarm_zone" in s)
    assert (entry["arm_state"], entry["alarm_zone"], entry["alarms"], entry["alrm_snd"]) == (
        "ARMED_STAY",
        "17",
        [],
        False,
    )
    truth(house).advance(15)
    alarm = await pushed.wait_for("area", "get_status", lambda s: bool(s.get("alarms")))
    assert (alarm["alarms"], alarm["alarm_zone"], alarm["ee_timer"]) == (["BURGLARY"], "17", 0)


@pytest.mark.parametrize(("zone_id", "alarm"), [(7, "FIRE"), (8, "CO"), (9, "WATER"), (10, "TEMPERATURE")])
async def test_24_hour_zones_alarm_while_disarmed(
    house: EmulatorPanel, pushed: Pushed, zone_id: int, alarm: str
) -> None:
    house.open_zone(zone_id)
    status = await pushed.wait_for("area", "get_status", lambda s: bool(s.get("alarms")))
    assert (status["arm_state"], status["alarms"], status["alarm_zone"], status["alrm_snd"]) == (
        "DISARMED",
        [alarm],
        str(zone_id),
        True,
    )


async def test_set_alarm_state_is_answered_as_set_status(session: Session, pushed: Pushed) -> None:
    reply = await session.request("area", "set_alarm_state", {"area_id": 1, "alarm_event": "FIRE"})
    assert (reply.command, reply.body) == ("set_status", {"area_id": 1, "error_code": 0})
    status = await pushed.wait_for("area", "get_status")
    assert status["alarms"] == ["FIRE"]


# Bypass and chime -----------------------------------------------------------------------------------


async def test_bypass_and_unbypass(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    house.open_zone(3)
    ack = await body(session, "zone", "set_status", {"zone_id": 3, "pin": FAMILY, "BYPASSED": True})
    assert ack == {"zone_id": 3, "error_code": 0}
    zone = await pushed.wait_for("zone", "get_status", lambda z: z["BYPASSED"])
    assert zone["zone_id"] == 3
    area = await pushed.wait_for("area", "get_status", lambda s: s.get("zones_bypassed") == 1)
    assert area["ready_status"] == "RDY_AWAY"
    assert (await body(session, "zone", "get_all_zones_status"))["status"][2] == "D"  # bypassed + open
    assert (await body(session, "zone", "get_status", {"zone_id": 3}))["BYPASSED"] is True
    await session.request("zone", "set_status", {"zone_id": 3, "pin": FAMILY, "BYPASSED": False})
    await pushed.wait_for("zone", "get_status", lambda z: z["zone_id"] == 3 and not z["BYPASSED"])


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"zone_id": 7, "pin": MASTER, "BYPASSED": True}, 11023),
        ({"zone_id": 3, "pin": 1111, "BYPASSED": True}, 11004),
        ({"zone_id": 3, "pin": "2580", "BYPASSED": True}, 11008),
        ({"zone_id": 17, "pin": FAMILY, "BYPASSED": True}, 11008),
        ({"zone_id": 3, "BYPASSED": True}, 11009),
        ({"zone_id": 3, "pin": MASTER}, 11009),
        ({"zone_id": 40, "pin": MASTER, "BYPASSED": True}, 11006),
    ],
)
async def test_bypass_refusals(session: Session, payload: dict[str, Any], code: int) -> None:
    assert await refusal(session, "zone", "set_status", payload) == code


async def test_bypass_while_armed_and_disarm_clears_bypasses(
    house: EmulatorPanel, session: Session, pushed: Pushed
) -> None:
    await session.request("zone", "set_status", {"zone_id": 4, "pin": MASTER, "BYPASSED": True})
    await session.request("area", "set_arm_state", arm(1, "ARMED_STAY", exit_delay_cancel=True))
    assert await refusal(session, "zone", "set_status", {"zone_id": 3, "pin": MASTER, "BYPASSED": True}) == 11028
    await session.request("area", "set_arm_state", arm(1, "DISARMED"))
    await pushed.wait_for("zone", "get_status", lambda z: z["zone_id"] == 4 and not z["BYPASSED"])
    area = await pushed.wait_for("area", "get_status", lambda s: s.get("arm_state") == "DISARMED")
    assert area["zones_bypassed"] == 0


async def test_chime(session: Session, pushed: Pushed) -> None:
    assert await body(session, "area", "set_status", {"area_id": 1, "Chime": True}) == {"area_id": 1, "error_code": 0}
    status = await pushed.wait_for("area", "get_status")
    assert status["Chime"] is True
    assert (await body(session, "area", "get_status", {"area_id": 1}))["Chime"] is True


# Devices --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "payload", "expected"),
    [
        ("output", {"output_id": 3, "status": "ON"}, {"status": "ON"}),
        ("light", {"light_id": 1, "level": 100}, {"level": 99}),
        ("light", {"light_id": 2, "status": "OFF"}, {"level": 0}),
        ("lock", {"lock_id": 1, "status": "OFF"}, {"status": "OFF"}),
        ("tstat", {"tstat_id": 1, "mode": "COOL", "cool_setpoint": 75}, {"mode": "COOL", "cool_setpoint": 75}),
    ],
)
async def test_device_ack_then_status_broadcast(
    session: Session, pushed: Pushed, domain: str, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    key = f"{domain}_id"
    assert await body(session, domain, "set_status", payload) == {key: payload[key], "error_code": 0}
    status = await pushed.wait_for(domain, "get_status")
    assert {name: status[name] for name in expected} == expected
    assert status == await body(session, domain, "get_status", {key: payload[key]})


async def test_garage_door_travels(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    assert await refusal(session, "barrier", "set_status", {"barrier_id": 1, "status": "OPEN"}) == 11004
    await session.request("barrier", "set_status", {"barrier_id": 1, "status": "open"})
    assert (await pushed.wait_for("barrier", "get_status"))["status"] == "OPENING"
    truth(house).advance(truth(house).barriers[1].travel_time)
    assert (await pushed.wait_for("barrier", "get_status"))["status"] == "OPEN"


@pytest.mark.parametrize(
    ("domain", "payload"),
    [
        ("tstat", {"tstat_id": 1, "heat_setpoint": 680}),
        ("tstat", {"tstat_id": 1, "cool_setpoint": 39}),
        ("tstat", {"tstat_id": 1, "fan_mode": "CIRCULATE"}),
        ("light", {"light_id": 1, "level": 101}),
        ("output", {"output_id": 1, "status": "TOGGLE"}),
        ("lock", {"lock_id": 1, "status": "LOCKED"}),
    ],
)
async def test_device_refusals(session: Session, pushed: Pushed, domain: str, payload: dict[str, Any]) -> None:
    assert await refusal(session, domain, "set_status", payload) == 11004
    await session.request("system", "r_u_alive")
    assert pushed.of(domain) == []


# Troubles, log, several sessions ---------------------------------------------------------------------


async def test_troubles(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    assert await body(session, "area", "get_troubles", {"area_id": 2}) == {
        "area_id": 2,
        "troubles": ["Zone Low Battery"],
        "error_code": 0,
    }
    house.set_trouble("AC Fail")
    assert await pushed.wait_for("system", "get_trouble") == {"troubles": ["AC Fail"], "at": [0] * 9, "error_code": 0}
    assert (await pushed.wait_for("control", "get_trouble"))["modtbl"] == ["system", "area", "zone"]
    assert (await body(session, "system", "get_trouble"))["troubles"] == ["AC Fail"]
    truth(house).options.trouble_reply_plural = True
    reply = await session.request("system", "get_trouble")
    assert (reply.command, reply.body["troubles"]) == ("get_troubles", ["AC Fail"])
    house.set_low_battery(18, False)
    assert await pushed.wait_for("area", "get_trouble") == {"area_id": 2, "troubles": [], "error_code": 0}


async def test_log(house: EmulatorPanel, session: Session) -> None:
    await session.request("area", "set_arm_state", arm(1, "ARMED_STAY", exit_delay_cancel=True))
    index = await body(session, "log", "get_index")
    assert (index["max"], index["total"]) == (250, index["newest"])
    listing = await body(session, "log", "get_list", {"start": 0, "date": 0, "cnt": 2})
    assert listing["id"] == [index["newest"], index["newest"] - 1]
    assert listing["text"][:2] == ["House armed Stay", "House arming Stay by Master (app)"]
    entry = await body(session, "log", "get_log", {"log_id": 1})
    assert (entry["logdata"], entry["log_count"]) == ("Panel started", index["total"])
    assert (await body(session, "log", "get_trouble"))["log_full"] is False
    assert (await body(session, "log", "get_attribs"))["log_flags"]["arm_changed"] is True
    assert await refusal(session, "log", "get_list", {"start": "x"}) == 11004


async def test_broadcasts_reach_every_session(house: EmulatorPanel, session: Session, pushed: Pushed) -> None:
    async with connected(house, OTHER) as other:
        other_pushed = Pushed(other)
        house.open_zone(1)
        for recorder in (pushed, other_pushed):
            zone = await recorder.wait_for("zone", "get_status")
            assert (zone["zone_id"], zone["contact_state"]) == (1, "OPEN")
            assert (await recorder.wait_for("area", "get_status"))["ready_status"] == "RDY_NOT"
        await other.request("zone", "set_status", {"zone_id": 1, "pin": MASTER, "BYPASSED": True})
        assert (await pushed.wait_for("zone", "get_status"))["BYPASSED"] is True  # another client's bypass
