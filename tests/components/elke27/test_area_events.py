"""The area tracker on its own: snapshots in, typed events out; delays, intents, alarm causes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from custom_components.elke27.area_events import AreaEventType, AreaTracker, Cause, Intent, Source
from custom_components.elke27.e27 import AlarmType, ArmState, Panel
from custom_components.elke27.e27.wire import area_from_wire
from tests.e27.test_model import AREA_IDLE

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def panel(**status: Any) -> Panel:
    area = area_from_wire(1, {"name": "House"}, AREA_IDLE | status)
    return Panel("P", None, MappingProxyType({1: area}), *(MappingProxyType({}),) * 6, (), ())


def types(events: list[Any]) -> list[AreaEventType]:
    return [event.type for event in events]


def test_first_snapshot_tells_nothing_but_learns_the_delay_and_memory() -> None:
    tracker = AreaTracker()
    arming = panel(arm_cmd_state="ARMED_AWAY", ee_timer=40, alarm_mem=["FIRE"])
    assert tracker.update(None, arming, NOW) == []
    assert tracker.delay_ends_at(1) == NOW + timedelta(seconds=40)
    assert tracker.cause(1) == Cause(AlarmType.FIRE, None, active=False)
    assert tracker.changed_by(1) is None


def test_a_delay_end_is_set_once_and_moves_only_when_the_delay_restarts() -> None:
    tracker = AreaTracker()
    idle = panel()
    tracker.update(None, idle, NOW)
    arming = panel(arm_cmd_state="ARMED_STAY", ee_timer=60)
    assert types(tracker.update(idle, arming, NOW)) == [AreaEventType.EXIT_DELAY]
    ends = tracker.delay_ends_at(1)
    tick = panel(arm_cmd_state="ARMED_STAY", ee_timer=59)
    assert tracker.update(arming, tick, NOW + timedelta(seconds=7)) == []  # a late tick: the end stays
    assert tracker.delay_ends_at(1) == ends
    restarted = panel(arm_cmd_state="ARMED_STAY", ee_timer=60)
    assert tracker.update(tick, restarted, NOW + timedelta(seconds=8)) == []
    assert tracker.delay_ends_at(1) == NOW + timedelta(seconds=68)
    armed = panel(arm_state="ARMED_STAY", arm_cmd_state="ARMED_STAY")
    assert types(tracker.update(restarted, armed, NOW)) == [AreaEventType.ARMED]
    assert tracker.delay_ends_at(1) is None


def test_an_intent_explains_only_the_change_it_asked_for() -> None:
    tracker = AreaTracker()
    idle = panel()
    tracker.update(None, idle, NOW)
    disarm = Intent(ArmState.DISARMED, "Ann")
    tracker.expect(1, disarm)
    armed = panel(arm_state="ARMED_AWAY", arm_cmd_state="ARMED_AWAY")
    (event,) = tracker.update(idle, armed, NOW)  # someone armed at the keypad meanwhile
    assert (event.type, event.data["source"]) == (AreaEventType.ARMED, Source.PANEL)
    assert tracker.changed_by(1) == (Source.PANEL, None)
    tracker.forget(1, Intent(ArmState.DISARMED, "Ann"))  # another intent: this one stays
    (event,) = tracker.update(armed, idle, NOW)
    assert (event.type, event.data["source"], event.data["user"]) == (AreaEventType.DISARMED, "home_assistant", "Ann")
    tracker.forget(1, disarm)
    assert tracker.changed_by(1) == (Source.HOME_ASSISTANT, "Ann")


def test_an_aborted_exit_delay_is_a_disarm() -> None:
    tracker = AreaTracker()
    idle = panel()
    arming = panel(arm_cmd_state="ARMED_AWAY", ee_timer=60)
    tracker.update(None, idle, NOW)
    tracker.update(idle, arming, NOW)
    assert types(tracker.update(arming, idle, NOW)) == [AreaEventType.DISARMED]


def test_sounders_without_a_kind_are_an_alarm_of_another_kind() -> None:
    tracker = AreaTracker()
    idle = panel()
    tracker.update(None, idle, NOW)
    siren = panel(alrm_snd=True)
    (event,) = tracker.update(idle, siren, NOW)
    assert (event.type, event.data["alarm_type"], event.data["zone_id"]) == (AreaEventType.ALARM, "other", None)
    assert tracker.cause(1) == Cause(AlarmType.OTHER, None, active=True)


def test_the_cause_keeps_its_zone_in_memory_and_follows_a_more_urgent_alarm() -> None:
    tracker = AreaTracker()
    idle = panel()
    tracker.update(None, idle, NOW)
    burglary = panel(alarms=["BURGLARY"], alarm_mem=["BURGLARY"], alarm_zone="3")
    tracker.update(idle, burglary, NOW)
    assert tracker.cause(1) == Cause(AlarmType.BURGLARY, 3, active=True)
    fire = panel(alarms=["BURGLARY", "FIRE"], alarm_mem=["BURGLARY", "FIRE"], alarm_zone="7")
    assert types(tracker.update(burglary, fire, NOW)) == [AreaEventType.ALARM]
    assert tracker.cause(1) == Cause(AlarmType.FIRE, 7, active=True)
    disarmed = panel(alarm_mem=["BURGLARY", "FIRE"])
    assert types(tracker.update(fire, disarmed, NOW)) == [AreaEventType.ALARM_CLEARED]
    assert tracker.cause(1) == Cause(AlarmType.FIRE, 7, active=False)
    forgotten = replace(disarmed.areas[1], alarm_memory=())
    cleared = Panel("P", None, MappingProxyType({1: forgotten}), *(MappingProxyType({}),) * 6, (), ())
    assert tracker.update(disarmed, cleared, NOW) == []
    assert tracker.cause(1) is None
