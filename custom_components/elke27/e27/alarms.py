"""Reading an area's alarms (docs/api.md §5.1): which kinds are active and which the panel remembers.

Pure and tolerant. The element format of `alarms`/`alarm_mem` and the alarm vocabulary are
[UNK]: the panel is known to send the two arrays; the published client also looks for an
`alarm_state` string (idle value "no_alarm_active") and an `alarm_event` (only "FIRE" is
known). So a string is read by the words in it, an object by its type-like key, and anything
else counts as an alarm of unknown kind (OTHER) rather than being dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .model import AlarmType
from .values import as_strings

# Word prefixes → kind, first match wins: "BURG BOX TAMPER" is a tamper, "HILO TEMP" a temperature alarm.
_WORDS: Final = (
    (("FIRE", "SMOKE"), AlarmType.FIRE),
    (("CARBON", "MONOXIDE"), AlarmType.CO),
    (("WATER", "FLOOD", "LEAK"), AlarmType.WATER),
    (("TEMP", "FREEZ", "HILO"), AlarmType.TEMPERATURE),
    (("MEDIC",), AlarmType.MEDICAL),
    (("PANIC", "POLICE", "HOLDUP"), AlarmType.PANIC),
    (("TAMPER",), AlarmType.TAMPER),
    (("BURG", "INTRU", "PERIM", "INTERIOR", "ENTRY"), AlarmType.BURGLARY),
)
_EXACT: Final = {"CO": AlarmType.CO}
# Tokens that say "no alarm" (alarm_state's idle value is "no_alarm_active").
_IDLE_WORDS: Final = frozenset({"", "NO", "NONE", "IDLE", "NORMAL", "OK", "CLEAR", "FALSE", "0"})
_TYPE_KEYS: Final = ("type", "alarm_type", "alarm", "event", "kind", "name")
# Most urgent first: the order of Area.alarm_types.
URGENCY: Final = (
    AlarmType.FIRE,
    AlarmType.CO,
    AlarmType.MEDICAL,
    AlarmType.PANIC,
    AlarmType.BURGLARY,
    AlarmType.TAMPER,
    AlarmType.WATER,
    AlarmType.TEMPERATURE,
    AlarmType.OTHER,
)


def alarm_kind(token: Any) -> AlarmType | None:
    """The kind an alarm token names; OTHER for an unknown one, None for an idle token ("no_alarm_active")."""
    if token is None or isinstance(token, bool):
        return AlarmType.OTHER if token else None
    if isinstance(token, Mapping):
        value = next((token[key] for key in _TYPE_KEYS if key in token), None)
        return (alarm_kind(value) or AlarmType.OTHER) if value is not None else AlarmType.OTHER
    if not isinstance(token, str):
        return AlarmType.OTHER
    words = [word for word in re.split(r"[^A-Z0-9]+", token.upper()) if word]
    if not words or words[0] in _IDLE_WORDS:
        return None
    for word in words:
        if word in _EXACT:
            return _EXACT[word]
    for prefixes, kind in _WORDS:
        if any(word.startswith(prefix) for word in words for prefix in prefixes):
            return kind
    return AlarmType.OTHER


def _kinds(value: Any) -> list[AlarmType]:
    if not isinstance(value, list | tuple):
        return []
    return [kind for item in value if (kind := alarm_kind(item)) is not None]


def _word_kind(value: Any) -> AlarmType | None:
    """alarm_state and alarm_event are single words: any other JSON type is ignored."""
    return alarm_kind(value) if isinstance(value, str) else None


def _ordered(kinds: list[AlarmType]) -> tuple[AlarmType, ...]:
    return tuple(kind for kind in URGENCY if kind in kinds)


def _event_reports(status: Mapping[str, Any], others: bool) -> bool:
    """Whether the area's `alarm_event` word stands for an active alarm.

    Its life cycle is [UNK]. Beside another active alarm (or the sounders on) it names that
    alarm's kind. On its own it is the alarm only when nothing else in the status speaks of
    alarms: a status whose `alarms` or `alarm_state` says "none" makes the event history.
    """
    return others or status.get("alrm_snd") is True or not any(key in status for key in ("alarms", "alarm_state"))


def _state_word(status: Mapping[str, Any], key: str) -> str | None:
    """alarm_state or alarm_event, stripped, when it is a word naming an alarm (not an idle one)."""
    word = status.get(key)
    return word.strip() if isinstance(word, str) and alarm_kind(word) is not None else None


def active_alarms(status: Mapping[str, Any]) -> tuple[AlarmType, ...]:
    """The kinds of the area's active alarms, most urgent first.

    `alarms` elements and a non-idle `alarm_state` each name an alarm; `alarm_event` as
    _event_reports says (an unknown word adds an alarm of unknown kind only on its own).
    """
    kinds = _kinds(status.get("alarms"))
    if (state := _word_kind(status.get("alarm_state"))) is not None:
        kinds.append(state)
    event = _word_kind(status.get("alarm_event"))
    if event is not None and _event_reports(status, bool(kinds)):
        if event is not AlarmType.OTHER:
            kinds = [*(kind for kind in kinds if kind is not AlarmType.OTHER), event]
        elif not kinds:
            kinds = [event]
    return _ordered(kinds)


def alarm_words(status: Mapping[str, Any]) -> tuple[str, ...]:
    """The area's active alarms as the panel words them: `alarms`' strings, then alarm_state and alarm_event
    where they report an alarm (by the rule of active_alarms); each word once."""
    words = list(as_strings(status.get("alarms")))
    state = _state_word(status, "alarm_state")
    event = _state_word(status, "alarm_event")
    others = bool(_kinds(status.get("alarms"))) or state is not None
    for word in (state, event if event is not None and _event_reports(status, others) else None):
        if word is not None and word not in words:
            words.append(word)
    return tuple(words)


def alarm_memory(status: Mapping[str, Any]) -> tuple[AlarmType, ...]:
    """The kinds of the alarms the panel holds in memory (`alarm_mem`), most urgent first."""
    return _ordered(_kinds(status.get("alarm_mem")))
