"""The panel's event log (docs/api.md §4.12): its index, its entries, and what is safe to read in their text.

Pure: no I/O. `log.get_index` says the id of the newest entry; `log.get_list` returns
parallel arrays `id`, `time` (epoch seconds), `text`, newest first. The text of an
entry is not documented: `parse_arming` recognises only an arm or disarm that names
its area at the start and, optionally, "by USER" and "(keypad K)"/"(app)" at the
end; anything else is shown verbatim by the caller. Nothing in here raises on what
the panel sends: malformed items are skipped, texts are cut to a bounded length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from .values import as_int

# One entry's text is kept to this many characters (the panel's frames are under 1 KiB anyway).
LOG_TEXT_MAX: Final = 200
# Entries of one get_list reply looked at, whatever the panel sends.
LOG_LIST_MAX: Final = 50
# Panel times before this (an unset clock) or far in the future are not believed.
_EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
_LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC).timestamp()

# "<area> armed|arming|disarmed [Away|Stay] [by <user>] [(keypad <n>)|(app)]", case-insensitive.
_ARMING: Final = re.compile(
    r"^(?P<area>\S.*?)\s+(?P<action>armed|arming|disarmed)"
    r"(?:\s+(?P<mode>away|stay))?"
    r"(?:\s+by\s+(?P<user>\S.*?))?"
    r"(?:\s*\((?P<via>keypad\s*(?P<keypad>\d{1,3})|app)\))?\s*$",
    re.IGNORECASE,
)


class LogAction(StrEnum):
    """What a log entry says happened to an area's arming."""

    ARM = "arm"
    DISARM = "disarm"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of the panel's event log; time is None when the panel's clock is not believable."""

    id: int
    time: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class LogArming:
    """An arm or disarm read from a log entry's text; user and keypad only when the text names them."""

    area: str
    action: LogAction
    mode: str | None
    user: str | None
    keypad: int | None
    app: bool


def parse_index(body: Mapping[str, Any]) -> int | None:
    """The id of the newest entry from a log.get_index reply or broadcast (None: not stated or malformed)."""
    return as_int(body.get("newest"))


def parse_list(body: Mapping[str, Any]) -> list[LogEntry]:
    """The entries of a log.get_list reply, as sent (newest first); malformed items are left out."""
    ids, times, texts = body.get("id"), body.get("time"), body.get("text")
    if not isinstance(ids, list) or not isinstance(texts, list):
        return []
    times = times if isinstance(times, list) else []
    entries: list[LogEntry] = []
    for index, raw_id in enumerate(ids[: min(len(texts), LOG_LIST_MAX)]):
        entry_id, text = as_int(raw_id), texts[index]
        if entry_id is None or not isinstance(text, str):
            continue
        entries.append(LogEntry(entry_id, _time(times[index] if index < len(times) else None), _clean(text)))
    return entries


def parse_arming(text: str) -> LogArming | None:
    """The arm or disarm an entry's text tells, if it has the recognised shape; None otherwise."""
    match = _ARMING.match(text[:LOG_TEXT_MAX])
    if match is None:
        return None
    keypad = match["keypad"]
    mode = match["mode"]
    return LogArming(
        area=match["area"].strip(),
        action=LogAction.DISARM if match["action"].lower() == "disarmed" else LogAction.ARM,
        mode=mode.lower() if mode else None,
        user=match["user"].strip() if match["user"] else None,
        keypad=int(keypad) if keypad else None,
        app=(match["via"] or "").lower() == "app",
    )


def _time(value: object) -> datetime | None:
    seconds = as_int(value)
    if seconds is None or not _EARLIEST <= seconds < _LATEST:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _clean(text: str) -> str:
    """The text as shown: control characters replaced, whitespace trimmed, length bounded."""
    printable = "".join(char if char.isprintable() else " " for char in text[: LOG_TEXT_MAX * 2])
    return printable.strip()[:LOG_TEXT_MAX]
