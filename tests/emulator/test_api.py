"""The emulated panel's API through the backend's real Session: bootstrap, reply shapes, errors, paging,
authentication and permission levels, fault knobs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.elke27.e27 import E27CommandError, E27ConnectionError, E27TimeoutError, Session
from e27_emulator import DEFINITIONS, EmulatorPanel, PanelApi, PanelSession, PanelState
from e27_emulator.encode import CSM_KEYS

from .apiclient import OTHER, REQUEST_TIMEOUT, Pushed, body, connected, refusal, running_panel
from .rawclient import RawClient

OBJECT_DOMAINS = ("area", "zone", "output", "light", "barrier", "lock", "tstat")
PLURAL = {"area": "areas", "zone": "zones", "output": "outputs", "light": "lights", "barrier": "barriers"}
PLURAL |= {"lock": "locks", "tstat": "tstats", "user": "users", "keypad": "keypads"}
CSM_KEYS_3_3 = [key for key, _ in CSM_KEYS]


@pytest.fixture
async def house() -> AsyncIterator[EmulatorPanel]:
    async with running_panel("default") as panel:
        yield panel


@pytest.fixture
async def session(house: EmulatorPanel) -> AsyncIterator[Session]:
    async with connected(house, request_timeout=REQUEST_TIMEOUT) as online:
        yield online


def truth(panel: EmulatorPanel) -> PanelState:
    assert panel.state is not None
    return panel.state


# Bootstrap (docs/api.md §7) ----------------------------------------------------------------------


async def _configured(session: Session, domain: str) -> list[int]:
    first = await body(session, domain, "get_configured", {"block_id": 1})
    ids = list(first[PLURAL[domain]])
    for block_id in range(2, first["block_count"] + 1):
        block = await body(session, domain, "get_configured", {"block_id": block_id})
        assert (block["block_id"], block["block_count"]) == (block_id, first["block_count"])
        ids += block[PLURAL[domain]]
    return ids


@pytest.mark.parametrize("name", ["default", "large"])
async def test_bootstrap_through_the_documented_commands(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="e27_emulator")
    async with running_panel(name) as panel, connected(panel) as session:
        state = truth(panel)
        version = await body(session, "control", "get_version_info")
        assert version["sn"] == state.info.serial
        tables = {domain: await body(session, domain, "get_table_info") for domain in OBJECT_DOMAINS}
        configured = {domain: await _configured(session, domain) for domain in (*OBJECT_DOMAINS, "user")}
        definitions = (await body(session, "zone", "get_defs", {"block_id": 1}))["definitions"]
        model: dict[str, dict[int, dict[str, Any]]] = {}
        for domain in OBJECT_DOMAINS:
            assert tables[domain]["table_elements"] == state.tables[domain]
            assert tables[domain]["table_csm"] == state.csm(domain)
            assert configured[domain] == sorted(state.objects(domain))
            key = f"{domain}_id"
            model[domain] = {}
            for item_id in configured[domain]:
                attribs = await body(session, domain, "get_attribs", {key: item_id})
                status = await body(session, domain, "get_status", {key: item_id})
                assert attribs[key] == status[key] == item_id
                model[domain][item_id] = attribs | status
        bulk = (await session.request_body({"zone": {"get_all_zones_status": True}})).body["status"]
        assert configured["user"] == sorted(state.users)
        assert await refusal(session, "user", "get_attribs", {"user_id": configured["user"][0]}) == 11008
        csms = (await session.authenticate(1234)).body
        assert csms["zone_csm"] == tables["zone"]["table_csm"]
        users = [await body(session, "user", "get_attribs", {"user_id": user_id}) for user_id in configured["user"]]
        assert [user["name"] for user in users] == [user.name for _, user in sorted(state.users.items())]
        assert (await body(session, "system", "get_trouble"))["troubles"] == state.troubles
        assert (await body(session, "control", "get_trouble"))["modtbl"] == state.modtbl()
        assert (await body(session, "system", "get_attribs"))["name"] == state.info.name
        assert (await body(session, "log", "get_index"))["newest"] == state.log_newest
        for area_id in configured["area"]:
            troubles = await body(session, "area", "get_troubles", {"area_id": area_id})
            assert troubles["troubles"] == state.area_troubles(area_id)
    assert len(bulk) == state.tables["zone"]
    for zone_id in range(1, len(bulk) + 1):
        assert (bulk[zone_id - 1] != "0") == (zone_id in state.zones)
    for zone_id, zone in model["zone"].items():
        assert zone["name"] == state.zones[zone_id].name
        assert zone["definition"] in definitions
        assert zone["secure_state"] == state.zones[zone_id].secure_state
    for area_id, area in model["area"].items():
        assert area["arm_state"] == state.areas[area_id].arm_state
    counts = {domain: len(items) for domain, items in model.items()}
    expected = {"default": (2, 18, 4, 2, 1, 1, 1), "large": (8, 192, 64, 16, 4, 8, 8)}[name]
    assert tuple(counts[domain] for domain in OBJECT_DOMAINS) == expected
    # Every frame stayed below the 1024 bytes older clients accept (the panel warns otherwise).
    assert [
        r.message for r in caplog.records if r.name.startswith("e27_emulator") and r.levelno >= logging.WARNING
    ] == []


async def test_reply_shapes(session: Session) -> None:
    reply = await session.request("area", "get_status", {"area_id": 1})
    assert list(reply.body) == [
        "area_id",
        "arm_state",
        "ready_status",
        "alarm_zone",
        "alarms",
        "alarm_mem",
        "zones_bypassed",
        "arm_cmd_state",
        "troubles",
        "chime_count",
        "Chime",
        "xzn_id",
        "xzn_time",
        "ee_timer",
        "alrm_snd",
        "auto_arm_timer",
        "error_code",
    ]
    assert reply.raw["seq"] == reply.seq > 0
    assert await body(session, "zone", "get_attribs", {"zone_id": 18}) == {
        "zone_id": 18,
        "name": "Garage Motion",
        "area_id": 2,
        "definition": "BURG INTERIOR",
        "flags": [],
        "zone_type": "MOTION",
        "error_code": 0,
    }
    assert set(await body(session, "zone", "get_status", {"zone_id": 18})) == {
        "zone_id",
        "secure_state",
        "contact_state",
        "BYPASSED",
        "rssi",
        "low_batt",
        "error_code",
    }
    assert set(await body(session, "zone", "get_status", {"zone_id": 1})) == {
        "zone_id",
        "secure_state",
        "contact_state",
        "BYPASSED",
        "error_code",
    }
    assert await body(session, "light", "get_status", {"light_id": 2}) == {
        "light_id": 2,
        "level": 60,
        "rssi": 4,
        "error_code": 0,
    }
    assert await body(session, "tstat", "get_status", {"tstat_id": 1}) == {
        "tstat_id": 1,
        "temperature": 71,
        "mode": "HEAT",
        "fan_mode": "AUTO",
        "heat_setpoint": 68,
        "cool_setpoint": 76,
        "humidity": 42,
        "rssi": 4,
        "prec": [9, 9, 9, 0],
        "battery level": 95,
        "error_code": 0,
    }
    assert (await body(session, "lock", "get_status", {"lock_id": 1}))["status"] == "ON"
    assert (await body(session, "barrier", "get_status", {"barrier_id": 1}))["status"] == "CLOSED"
    keypad = await body(session, "keypad", "get_attribs", {"keypad_id": 2})
    assert (keypad["area"], keypad["device_id"]) == (2, "KP-0002")
    version = await body(session, "control", "get_version_info")
    assert list(version) == [
        "sn",
        "hw",
        "boot",
        "app",
        "SSP",
        "BUILD_DATETIME",
        "schema",
        "db1",
        "db1ver",
        "error_code",
    ]
    assert (await body(session, "system", "get_attribs"))["name"] == "Demo House"


@pytest.mark.parametrize("parameter", [True, {}, 1])
async def test_parameterless_forms(session: Session, parameter: object) -> None:
    reply = await session.request_body({"zone": {"get_all_zones_status": parameter}})
    assert reply.body["status"] == "22222222222222222200000000000000"
    reply = await session.request_body({"area": {"get_table_info": parameter}})
    assert reply.body["table_elements"] == 8


# Errors --------------------------------------------------------------------------------------


async def test_unknown_commands_get_11001(session: Session) -> None:
    assert await refusal(session, "zone", "levitate") == 11001
    assert await refusal(session, "nosuch", "get_status") == 11001
    assert await refusal(session, "keyfob", "get_table_info") == 11001


@pytest.mark.parametrize(
    ("domain", "command", "payload", "code"),
    [
        ("zone", "get_status", {"zone_id": 33}, 11006),  # outside the table
        ("zone", "get_status", {"zone_id": 19}, 11006),  # inside, not configured
        ("zone", "get_status", {"zone_id": 0}, 11006),
        ("zone", "get_status", {}, 11009),
        ("zone", "get_status", {"zone_id": "3"}, 11004),
        ("area", "get_attribs", {"area_id": 3}, 11006),
        ("area", "set_arm_state", {"area_id": 9, "arm_state": "ARMED_AWAY", "pin": 1234}, 11006),
        ("tstat", "get_status", {"tstat_id": 2}, 11006),
        ("light", "set_status", {"light_id": 9, "level": 5}, 11006),
        ("output", "get_attribs", {"output_id": 17}, 11006),
        ("zone", "get_configured", {"block_id": 3}, 11004),
        ("zone", "get_configured", {"block_id": 0}, 11004),
        ("rule", "get_rules", {"block_id": 4}, 11004),
        ("log", "get_log", {"log_id": 999}, 11006),
        ("zone", "get_def_flags", {"definition": "NOPE"}, 11004),
        ("area", "set_alarm_state", {"area_id": 1, "alarm_event": "ZOMBIES"}, 11004),
        ("area", "set_status", {"area_id": 1}, 11009),
    ],
)
async def test_refusals(session: Session, domain: str, command: str, payload: dict[str, Any], code: int) -> None:
    assert await refusal(session, domain, command, payload) == code


async def test_refusals_are_payload_level_and_echo_the_id(house: EmulatorPanel) -> None:
    client = await RawClient.connect(house)
    try:
        await client.go_online(house)
        reply = await client.call({"zone": {"get_status": {"zone_id": 33}}})
        assert reply["zone"] == {"get_status": {"zone_id": 33, "error_code": 11006, "error_message": "invalid_id"}}
        assert await client.call({"zone": {"warp": {}}}) == {
            "seq": client.seq,
            "error_code": 11001,
            "error_message": "unrecognized command",
        }
    finally:
        await client.close()


async def test_unallocated_table_is_11003(house: EmulatorPanel, session: Session) -> None:
    truth(house).tables["keypad"] = 0
    for command, payload in (
        ("get_table_info", {}),
        ("get_configured", {"block_id": 1}),
        ("get_attribs", {"keypad_id": 1}),
    ):
        assert await refusal(session, "keypad", command, payload) == 11003


# Paging ----------------------------------------------------------------------------------------


async def test_paging_with_numeric_and_string_block_fields(house: EmulatorPanel, session: Session) -> None:
    assert await body(session, "zone", "get_configured", {"block_id": 2}) == {
        "zones": [17, 18],
        "block_id": 2,
        "block_count": 2,
        "error_code": 0,
    }
    assert (await session.request_body({"zone": {"get_configured": True}})).body["zones"] == list(range(1, 17))
    truth(house).options.block_fields_as_strings = True
    reply = await body(session, "zone", "get_configured", {"block_id": 2})
    assert (reply["block_id"], reply["block_count"]) == ("2", "2")
    assert (await body(session, "zone", "get_configured", {"block_id": "1"}))["block_id"] == "1"


async def test_rule_blocks_start_at_zero(session: Session) -> None:
    assert await body(session, "rule", "get_rules", {"block_id": 0}) == {
        "block_id": 0,
        "block_count": 3,
        "error_code": 0,
    }
    blocks = [await body(session, "rule", "get_rules", {"block_id": n}) for n in (1, 2, 3)]
    assert [block["data"] for block in blocks] == ["0102030405060708", "1112131415161718", "2122232425262728"]


async def test_zone_definitions(house: EmulatorPanel, session: Session) -> None:
    defs = await body(session, "zone", "get_defs", {"block_id": 1})
    assert defs["definitions"] == [definition.name for definition in DEFINITIONS]
    assert (defs["block_id"], defs["block_count"]) == (1, 1)
    truth(house).options.block_size = 8
    second = await body(session, "zone", "get_defs", {"block_id": 2})
    assert (second["definitions"], second["block_count"]) == ([d.name for d in DEFINITIONS[8:]], 2)
    flags = await body(session, "zone", "get_def_flags", {"definition": "FIRE"})
    assert flags == {"definition": "FIRE", "flags": ["24HR", "FIRE", "NOT_BYPASSABLE"], "error_code": 0}


async def test_all_outputs_status_pages(house: EmulatorPanel, session: Session) -> None:
    truth(house).set_output(2, "ON")
    reply = await session.request_body({"output": {"get_all_outputs_status": True}})
    assert (reply.body["status"], reply.body["block_count"]) == ("0100000000000000", 1)
    truth(house).options.outputs_block_size = 10
    second = await body(session, "output", "get_all_outputs_status", {"block_id": 2})
    assert (second["status"], second["block_id"], second["block_count"]) == ("000000", 2, 2)
    available = await body(session, "output", "get_available")
    assert available["outputs"] == list(range(5, 17))


# Authentication and permission levels ------------------------------------------------------------


async def test_authenticate_reply(house: EmulatorPanel, session: Session) -> None:
    before = session.session_id
    reply = await session.authenticate(1234)
    inner = reply.raw["authenticate"]
    assert list(inner) == ["seq", "session_id", "installer", "user_id", "group_id", *CSM_KEYS_3_3, "error_code"]
    assert "seq" not in reply.raw
    assert (inner["installer"], inner["user_id"], inner["group_id"], inner["error_code"]) == (False, 1, 1, 0)
    assert inner["zone_csm"] == truth(house).csm("zone") != 0
    assert session.session_id == inner["session_id"] != before
    user = await body(session, "user", "get_attribs", {"user_id": 2})
    assert user == {"user_id": 2, "name": "Family", "pin": 2580, "group_id": 2, "flags": ["AREA1"], "error_code": 0}
    installer = (await session.authenticate(172839)).raw["authenticate"]
    assert (installer["installer"], installer["user_id"], installer["group_id"]) == (True, 4, 3)


@pytest.mark.parametrize(("pin", "code"), [(1111, 11037), ("1234", 11008), (None, 11008), (True, 11008)])
async def test_authenticate_refusals(session: Session, pin: object, code: int) -> None:
    before = session.session_id
    with pytest.raises(E27CommandError) as err:
        await session.request_body({"authenticate": {"pin": pin}}, priority=True)
    assert err.value.code == code
    assert session.session_id == before
    assert await refusal(session, "user", "get_attribs", {"user_id": 1}) == 11008


async def test_control_authenticate(session: Session) -> None:
    reply = await session.request("control", "authenticate", {"pin": 2580})
    assert (reply.domain, reply.command) == ("control", "authenticate")
    assert (reply.body["user_id"], reply.body["seq"], reply.seq) == (2, reply.seq, reply.seq)
    assert session.session_id == reply.body["session_id"]
    assert (await body(session, "user", "get_attribs", {"user_id": 1}))["name"] == "Master"
    assert await refusal(session, "control", "authenticate", {"pin": 1}) == 11037


class _Api:
    """PanelApi driven directly, with a hand-wound panel clock (panel seconds)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = PanelState.load("default")
        self.clock = 1000.0
        monkeypatch.setattr(self.state, "now", lambda: self.clock)
        self.api = PanelApi(self.state, new_session_id=lambda: 7)
        self.session = PanelSession(sn="s", identity={}, session_id=1, session_key=b"", hmac_key=b"")

    def call(self, domain: str, command: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        replies = self.api(self.session, {"seq": 5, domain: {command: params or {}}})
        assert replies is not None
        [reply] = replies
        assert reply["seq"] == 5
        return dict(reply[domain])

    def code(self, domain: str, command: str, params: dict[str, Any] | None = None) -> int:
        inner = self.call(domain, command, params)
        payload = inner.get(command, inner)
        return int(payload["error_code"])

    def login(self, pin: int) -> None:
        assert (
            self.api.authenticate(self.session, {"seq": 3, "authenticate": {"pin": pin}})["authenticate"]["error_code"]
            == 0
        )


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> _Api:
    return _Api(monkeypatch)


def test_privilege_slides_for_60_panel_seconds(direct: _Api) -> None:
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 11008
    direct.login(2580)
    assert direct.session.session_id == 7
    for _ in range(3):
        direct.clock += 59  # each privileged command restarts the window
        assert direct.code("user", "get_attribs", {"user_id": 1}) == 0
    direct.clock += 30
    assert direct.code("zone", "get_status", {"zone_id": 1}) == 0  # level-1 commands do not slide it
    direct.clock += 30
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 11008
    direct.state.options.privilege_seconds = 5
    direct.login(2580)
    direct.clock += 4
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 0
    direct.clock += 6
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 11008


def test_permission_levels(direct: _Api) -> None:
    time_body = {"tz_offset": 0, "city_index": 1, "gmt_seconds": 0, "dst_active": False}
    direct.login(2580)  # any user: U only
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 0
    assert direct.code("system", "set_system_time", time_body) == 11008
    assert direct.call("network", "get_ssid") == {"error_code": 11008, "error_message": "no authorization"}
    direct.login(1234)  # master: M
    assert direct.code("system", "set_system_time", time_body) == 0
    assert direct.code("network", "get_ssid") == 11008
    direct.state.arm(2, "ARMED_STAY", exit_delay_cancel=True)
    assert direct.code("system", "set_system_time", time_body) == 11028  # M/D needs every area disarmed
    assert direct.code("system", "reset_smokes", {"reset_smokes": True}) == 11028  # K/D too
    direct.state.arm(2, "DISARMED")
    assert direct.code("system", "reset_smokes", {"reset_smokes": True}) == 0
    direct.login(172839)  # installer: I (levels are ordinal)
    assert direct.call("network", "get_ssid") == {"get_ssid": ["DemoHouse", "Neighbour-5G"], "error_code": 0}
    assert direct.code("system", "set_system_time", time_body) == 0
    direct.state.change_config("user", 4, remove=True)  # a removed user's privilege ends
    assert direct.code("user", "get_attribs", {"user_id": 1}) == 11008


def test_masked_pins_option(direct: _Api) -> None:
    direct.login(1234)
    direct.state.options.mask_user_pins = True
    assert direct.call("user", "get_attribs", {"user_id": 1})["get_attribs"]["pin"] == 0


# CSMs -----------------------------------------------------------------------------------------


async def test_config_change_shows_in_csms(house: EmulatorPanel, session: Session) -> None:
    first = (await session.authenticate(1234)).body
    zone_info = await body(session, "zone", "get_table_info")
    house.change_config("zone", 3, name="Bay Window")
    house.change_config("light", 3, name="Hall Light", area=1)
    second = (await session.authenticate(1234)).body
    changed = sorted(key for key, _ in CSM_KEYS if first[key] != second[key])
    assert changed == ["light_csm", "zone_csm"]
    assert (await body(session, "zone", "get_table_info"))["table_csm"] == second["zone_csm"] != zone_info["table_csm"]
    assert (await body(session, "zone", "get_attribs", {"zone_id": 3}))["name"] == "Bay Window"
    assert (await body(session, "light", "get_configured", {"block_id": 1}))["lights"] == [1, 2, 3]


# Fault knobs and the control surface -------------------------------------------------------------


async def test_ignored_requests_get_no_reply(house: EmulatorPanel, session: Session) -> None:
    house.ignore_requests("log.get_index")
    with pytest.raises(E27TimeoutError):
        await session.request("log", "get_index", timeout=0.2)
    assert (await body(session, "log", "get_table_info"))["table_elements"] == 250
    house.ignore_requests("log.get_index", ignore=False)
    assert (await body(session, "log", "get_index"))["newest"] >= 1


async def test_reboot_drops_sessions_keeps_links_and_forgets_the_exit_delay(house: EmulatorPanel) -> None:
    async with connected(house) as session:
        await session.request("area", "set_arm_state", {"area_id": 1, "arm_state": "ARMED_AWAY", "pin": 1234})
        assert truth(house).areas[1].arm_cmd_state == "ARMED_AWAY"
        await house.reboot()
        with pytest.raises(E27ConnectionError):
            await session.request("system", "r_u_alive")
    state = truth(house)
    assert (state.areas[1].arm_state, state.areas[1].arm_cmd_state, state.areas[1].ee_timer) == (
        "DISARMED",
        "DISARMED",
        0,
    )
    async with connected(house) as again:
        assert (await body(again, "area", "get_status", {"area_id": 1}))["arm_cmd_state"] == "DISARMED"


async def test_silent_panel_sends_no_broadcasts(house: EmulatorPanel, session: Session) -> None:
    pushed = Pushed(session)
    house.go_silent()
    house.open_zone(3)
    house.go_silent(False)
    house.close_zone(3)
    await pushed.wait_for("zone", "get_status", lambda zone: zone["contact_state"] == "CLOSED")
    assert [zone["contact_state"] for zone in pushed.of("zone")] == ["CLOSED"]


async def test_a_repeated_seq_is_answered_again(house: EmulatorPanel) -> None:
    client = await RawClient.connect(house)
    try:
        await client.go_online(house)
        request = {"seq": 41, "session_id": client.session_id, "area": {"get_status": {"area_id": 2}}}
        client.send_message(request)
        client.send_message(request)
        first, second = await client.read_message(), await client.read_message()
        assert first == second
        assert first["seq"] == 41
    finally:
        await client.close()


async def test_control_surface_needs_a_state() -> None:
    panel = EmulatorPanel()
    with pytest.raises(RuntimeError, match="no panel state"):
        panel.open_zone(1)
    with pytest.raises(RuntimeError, match="no panel API"):
        panel.ignore_requests("log.get_index")


async def test_control_surface_delegates(house: EmulatorPanel, session: Session) -> None:
    house.set_zone_trouble(4)
    house.set_zone_tamper(6)
    house.set_low_battery(11)
    house.set_trouble("AC Fail")
    house.set_temperature(1, 64, humidity=55)
    house.trip_alarm(2, "PANIC", zone_id=17)
    state = truth(house)
    assert (state.zones[4].secure_state, state.zones[6].secure_state, state.zones[11].low_batt) == (
        "TROUBLE",
        "TAMPER",
        True,
    )
    assert state.troubles == ["AC Fail"]
    assert (state.areas[2].alarms, state.areas[2].alarm_zone) == (["PANIC"], "17")
    assert (await body(session, "tstat", "get_status", {"tstat_id": 1}))["humidity"] == 55
    bulk = (await body(session, "zone", "get_all_zones_status"))["status"]
    assert bulk[3] == "7"
    assert bulk[5] == "7"
    async with connected(house, OTHER) as other:
        assert (await body(other, "control", "get_trouble"))["modtbl"] == ["system", "area", "zone"]
