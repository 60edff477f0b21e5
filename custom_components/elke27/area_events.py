"""What happened in each area, told as typed events: the story behind the panel's state changes.

The panel pushes states, not events, and never says who armed or disarmed (docs/api.md has
no source field). The tracker compares consecutive snapshots of each area and turns the
differences into events. What Home Assistant itself asked for (an Intent, registered
before the command is sent, because the panel's broadcasts can arrive before its ack)
tells which changes Home Assistant caused and whether Away became Stay by auto-stay
when no exit delay was seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from .e27 import AlarmType, Area, ArmState, Panel


class AreaEventType(StrEnum):
    """The event types of an area's event entity."""

    ARMED = "armed"
    DISARMED = "disarmed"
    AUTO_STAY = "auto_stay"
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    EXIT_DELAY = "exit_delay"
    ENTRY_DELAY = "entry_delay"


class Source(StrEnum):
    """Who caused a change: Home Assistant, or the panel itself (a keypad, another app, a schedule)."""

    HOME_ASSISTANT = "home_assistant"
    PANEL = "panel"


# Why the panel armed Stay although Away was asked (docs/api.md §5.1, auto-stay).
AUTO_STAY_REASON: Final = "no_exit_door_opened"
MODES: Final = {ArmState.ARMED_AWAY: "away", ArmState.ARMED_STAY: "stay"}


@dataclass(frozen=True, slots=True)
class Intent:
    """A command Home Assistant sends to an area: arm to a mode, or disarm; user is a person's name."""

    arm_state: ArmState
    user: str | None = None


@dataclass(frozen=True, slots=True)
class AreaEvent:
    """One typed event of one area; data holds the event entity's attributes."""

    area_id: int
    type: AreaEventType
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Cause:
    """The last alarm's kind and zone, kept while the panel holds the alarm in memory."""

    alarm_type: AlarmType
    zone_id: int | None
    active: bool


@dataclass(slots=True)
class _Story:
    intent: Intent | None = None
    arming: tuple[ArmState, Source, str | None] | None = None
    """The running exit delay: the mode asked for, who asked, the person."""
    changed: tuple[Source, str | None] | None = None
    changed_to_armed: bool = False
    delay_ends_at: datetime | None = None
    cause: Cause | None = None
    events: list[AreaEvent] = field(default_factory=list)


def already_armed(area: Area, mode: ArmState) -> bool:
    """Arming an area that is armed (or arming) that way is a no-op; it must never toggle to disarmed."""
    return area.arm_state is mode or area.arming_to is mode


def bypassed_names(panel: Panel, area_id: int) -> list[str]:
    """The names of the area's bypassed zones, in zone order."""
    return [zone.name for _, zone in sorted(panel.zones.items()) if zone.area_id == area_id and zone.bypassed]


def _delay(area: Area) -> tuple[str, int] | None:
    if area.arming_to is not None and area.exit_delay is not None:
        return "exit", area.exit_delay
    if area.entry_delay is not None:
        return "entry", area.entry_delay
    return None


class AreaTracker:
    """Per-area memory between snapshots: intents, who changed the arm state, delay end, alarm cause."""

    def __init__(self) -> None:
        self._stories: dict[int, _Story] = {}

    def expect(self, area_id: int, intent: Intent) -> None:
        """Home Assistant is about to send this command to the area."""
        self._story(area_id).intent = intent

    def forget(self, area_id: int, intent: Intent) -> None:
        """The command is over (carried out, refused or lost): its intent no longer explains changes."""
        story = self._story(area_id)
        if story.intent is intent:
            story.intent = None

    def changed_by(self, area_id: int) -> tuple[Source, str | None] | None:
        """Who caused the area's last arm or disarm seen by this tracker (None: not seen)."""
        return self._story(area_id).changed

    def learn_user(self, area_id: int, *, armed: bool, user: str) -> bool:
        """The panel's log names who armed (armed=True) or disarmed the area at the panel; True if that is news.

        It names the person behind the running exit delay, or behind the last change if that
        was the panel's and of the same kind and nobody was named yet.
        """
        story = self._story(area_id)
        news = False
        if armed and story.arming is not None and story.arming[1] is Source.PANEL and story.arming[2] is None:
            story.arming = (story.arming[0], Source.PANEL, user)
            news = True
        if story.changed == (Source.PANEL, None) and story.changed_to_armed is armed:
            story.changed = (Source.PANEL, user)
            news = True
        return news

    def delay_ends_at(self, area_id: int) -> datetime | None:
        """When the running exit or entry delay ends; set once when the delay starts."""
        return self._story(area_id).delay_ends_at

    def cause(self, area_id: int) -> Cause | None:
        """The active alarm's kind and zone, or the remembered one while the panel's alarm memory holds it."""
        return self._story(area_id).cause

    def restore_zone(self, area_id: int, alarm_type: AlarmType, zone_id: int) -> bool:
        """Give a remembered alarm its zone again (known before a restart or reload); True if it did.

        Only when the panel still holds an alarm of that kind in memory and no zone is known for it.
        """
        story = self._story(area_id)
        cause = story.cause
        if cause is None or cause.zone_id is not None or cause.alarm_type is not alarm_type:
            return False
        story.cause = Cause(alarm_type, zone_id, cause.active)
        return True

    def _story(self, area_id: int) -> _Story:
        return self._stories.setdefault(area_id, _Story())

    def update(self, before: Panel | None, after: Panel, now: datetime) -> list[AreaEvent]:
        """Learn from a new snapshot; the events of every area, in the order they happened."""
        events: list[AreaEvent] = []
        for area_id, area in after.areas.items():
            old = before.areas.get(area_id) if before is not None else None
            story = self._story(area_id)
            story.events = []
            self._delays(story, old, area, after, now)
            if old is not None:
                self._arm_state(story, old, area, after)
                self._alarms(story, old, area, after)
            story.cause = _cause(story.cause, area)
            events += story.events
        return events

    def _emit(self, story: _Story, area: Area, kind: AreaEventType, **data: Any) -> None:
        story.events.append(AreaEvent(area.id, kind, data))

    def _delays(self, story: _Story, old: Area | None, area: Area, panel: Panel, now: datetime) -> None:
        delay, before = _delay(area), _delay(old) if old is not None else None
        if delay is None:
            story.delay_ends_at = None
            return
        kind, seconds = delay
        restarted = before is not None and before[0] == kind and seconds > before[1]
        if before is not None and before[0] == kind and not restarted and story.delay_ends_at is not None:
            return  # a tick of the same delay: the end does not move
        story.delay_ends_at = now + timedelta(seconds=seconds)
        if old is None or restarted:
            return  # first sight (startup, reconnect) or the same delay again: no new story
        ends_at = story.delay_ends_at.isoformat()
        if kind == "exit":
            assert area.arming_to is not None
            intent = _take(story, arm=True)
            source, user = (Source.HOME_ASSISTANT, intent.user) if intent else (Source.PANEL, None)
            story.arming = (intent.arm_state if intent else area.arming_to, source, user)
            self._emit(
                story,
                area,
                AreaEventType.EXIT_DELAY,
                mode=MODES.get(area.arming_to),
                ends_at=ends_at,
                source=source.value,
                user=user,
            )
        else:
            zone = panel.zones.get(area.alarm_zone) if area.alarm_zone is not None else None
            self._emit(
                story,
                area,
                AreaEventType.ENTRY_DELAY,
                zone=zone.name if zone else None,
                zone_id=area.alarm_zone,
                ends_at=ends_at,
            )

    def _arm_state(self, story: _Story, old: Area, area: Area, panel: Panel) -> None:
        if area.arm_state in MODES and area.arm_state is not old.arm_state:
            intent = _take(story, arm=True) if story.arming is None else None
            if story.arming is not None:
                requested, source, user = story.arming
            elif intent is not None:
                requested, source, user = intent.arm_state, Source.HOME_ASSISTANT, intent.user
            else:
                requested, source, user = area.arm_state, Source.PANEL, None
            story.arming = None
            story.changed, story.changed_to_armed = (source, user), True
            if requested is ArmState.ARMED_AWAY and area.arm_state is ArmState.ARMED_STAY:
                self._emit(
                    story,
                    area,
                    AreaEventType.AUTO_STAY,
                    requested_mode=MODES[requested],
                    mode=MODES[area.arm_state],
                    reason=AUTO_STAY_REASON,
                    source=source.value,
                    user=user,
                )
            self._emit(
                story,
                area,
                AreaEventType.ARMED,
                mode=MODES[area.arm_state],
                source=source.value,
                user=user,
                bypassed_zones=area.bypassed_count,
                bypassed=bypassed_names(panel, area.id),
            )
            return
        was_armed = old.arm_state in MODES or old.arming_to is not None
        if area.arm_state is ArmState.DISARMED and area.arming_to is None and was_armed:
            intent = _take(story, arm=False)
            source, user = (Source.HOME_ASSISTANT, intent.user) if intent else (Source.PANEL, None)
            story.arming = None
            story.changed, story.changed_to_armed = (source, user), False
            self._emit(story, area, AreaEventType.DISARMED, source=source.value, user=user)

    def _alarms(self, story: _Story, old: Area, area: Area, panel: Panel) -> None:
        if area.in_alarm:
            known = set(old.alarm_types) if old.in_alarm else set()
            new = [kind for kind in area.alarm_types if kind not in known]
            if not old.in_alarm and not new:
                new = [AlarmType.OTHER]  # sounders on, kind not reported
            zone = panel.zones.get(area.alarm_zone) if area.alarm_zone is not None else None
            for kind in new:
                self._emit(
                    story,
                    area,
                    AreaEventType.ALARM,
                    alarm_type=kind.lower(),
                    zone=zone.name if zone else None,
                    zone_id=area.alarm_zone,
                )
        elif old.in_alarm:
            kind = old.alarm_type or AlarmType.OTHER
            self._emit(story, area, AreaEventType.ALARM_CLEARED, alarm_type=kind.lower())


def _take(story: _Story, *, arm: bool) -> Intent | None:
    """The pending intent if it is an arm (arm=True) or a disarm command; it explains one change only."""
    intent = story.intent
    if intent is None or (intent.arm_state in MODES) is not arm:
        return None
    story.intent = None
    return intent


def _cause(previous: Cause | None, area: Area) -> Cause | None:
    """The cause to show: the active alarm; after it, the remembered one while the panel's memory holds it."""
    if area.in_alarm:
        kind = area.alarm_type or AlarmType.OTHER
        zone = area.alarm_zone
        if zone is None and previous is not None and previous.alarm_type is kind:
            zone = previous.zone_id
        return Cause(kind, zone, active=True)
    if not area.alarm_memory:
        return None
    if previous is not None and previous.alarm_type in area.alarm_memory:
        return Cause(previous.alarm_type, previous.zone_id, active=False)
    return Cause(area.alarm_memory[0], None, active=False)
