"""Alarm kinds and alarm memory from an area's status (docs/api.md §5.1): every representation the evidence allows."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.elke27.e27 import AlarmType, AreaState
from custom_components.elke27.e27.alarms import URGENCY, active_alarms, alarm_kind, alarm_memory
from custom_components.elke27.e27.wire import area_from_wire

from .test_model import AREA_IDLE


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("BURGLARY", AlarmType.BURGLARY),
        ("burglar_alarm", AlarmType.BURGLARY),
        ("Intrusion", AlarmType.BURGLARY),
        ("FIRE", AlarmType.FIRE),  # the one alarm_event value the published client knows
        ("SMOKE_ALARM", AlarmType.FIRE),
        ("CO", AlarmType.CO),
        ("CARBON MONOXIDE", AlarmType.CO),
        ("co_alarm_active", AlarmType.CO),
        ("WATER", AlarmType.WATER),
        ("Flood", AlarmType.WATER),
        ("PANIC", AlarmType.PANIC),
        ("Police", AlarmType.PANIC),
        ("MEDICAL", AlarmType.MEDICAL),
        ("TAMPER", AlarmType.TAMPER),
        ("BURG BOX TAMPER", AlarmType.TAMPER),  # a definition name: tamper wins over burglary
        ("TEMPERATURE", AlarmType.TEMPERATURE),
        ("HILO TEMP", AlarmType.TEMPERATURE),
        ("freeze", AlarmType.TEMPERATURE),
        ("AUX 3", AlarmType.OTHER),  # unknown words: an alarm of unknown kind, never dropped
        ("ALARM", AlarmType.OTHER),
        (7, AlarmType.OTHER),  # element format [UNK]: a number still means an alarm
        (True, AlarmType.OTHER),
        ({"type": "FIRE", "zone": 7}, AlarmType.FIRE),
        ({"alarm_type": "panic"}, AlarmType.PANIC),
        ({"zone": 7}, AlarmType.OTHER),
        ({"name": "Something New"}, AlarmType.OTHER),
    ],
)
def test_alarm_kind(token: Any, kind: AlarmType) -> None:
    assert alarm_kind(token) is kind


@pytest.mark.parametrize("token", ["no_alarm_active", "NONE", "", "  ", "idle", "Normal", None, False])
def test_idle_tokens_are_no_alarm(token: Any) -> None:
    assert alarm_kind(token) is None


def test_active_alarms_from_the_alarms_array_most_urgent_first() -> None:
    assert active_alarms({"alarms": ["BURGLARY", "FIRE", "BURGLARY"]}) == (AlarmType.FIRE, AlarmType.BURGLARY)
    assert active_alarms({"alarms": []}) == ()
    assert active_alarms({"alarms": "FIRE"}) == ()  # not an array: the format is unknown, nothing is invented
    assert active_alarms({}) == ()
    assert list(URGENCY) == sorted(URGENCY, key=URGENCY.index)
    assert set(URGENCY) == set(AlarmType)


def test_alarm_state_and_alarm_event() -> None:
    """Names the published client looks for; not in the hardware key list, so read but not required."""
    assert active_alarms({"alarm_state": "no_alarm_active", "alarm_event": "FIRE"}) == ()  # event alone: history
    assert active_alarms({"alarm_state": "FIRE_ALARM"}) == (AlarmType.FIRE,)
    assert active_alarms({"alarm_state": "alarm_active"}) == (AlarmType.OTHER,)
    assert active_alarms({"alarm_state": "alarm_active", "alarm_event": "FIRE"}) == (AlarmType.FIRE,)
    assert active_alarms({"alarms": [3], "alarm_event": "FIRE"}) == (AlarmType.FIRE,)  # the event names it
    assert active_alarms({"alarms": [], "alrm_snd": True, "alarm_event": "CO"}) == (AlarmType.CO,)
    assert active_alarms({"alarms": ["BURGLARY"], "alarm_event": "FIRE"}) == (AlarmType.FIRE, AlarmType.BURGLARY)


def test_alarm_memory() -> None:
    assert alarm_memory({"alarm_mem": ["TAMPER", "FIRE"]}) == (AlarmType.FIRE, AlarmType.TAMPER)
    assert alarm_memory({"alarm_mem": []}) == ()
    assert alarm_memory({"alarm_mem": None}) == ()


def test_area_carries_alarm_kinds_and_memory() -> None:
    fire = area_from_wire(1, {}, AREA_IDLE | {"alarms": ["FIRE"], "alarm_mem": ["FIRE"], "alarm_zone": "7"})
    assert (fire.state, fire.alarm_type, fire.alarm_types, fire.alarm_memory) == (
        AreaState.TRIGGERED,
        AlarmType.FIRE,
        (AlarmType.FIRE,),
        (AlarmType.FIRE,),
    )
    after_disarm = area_from_wire(1, {}, AREA_IDLE | {"alarm_mem": ["FIRE"]})
    assert (after_disarm.state, after_disarm.alarm_type, after_disarm.alarm_memory) == (
        AreaState.DISARMED,
        None,
        (AlarmType.FIRE,),
    )
    siren_only = area_from_wire(1, {}, AREA_IDLE | {"alrm_snd": True})
    assert (siren_only.state, siren_only.alarm_type) == (AreaState.TRIGGERED, AlarmType.OTHER)
    by_state = area_from_wire(1, {}, AREA_IDLE | {"alarm_state": "CO_ALARM"})
    assert (by_state.state, by_state.alarm_type) == (AreaState.TRIGGERED, AlarmType.CO)
