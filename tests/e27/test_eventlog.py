"""The panel's event log: index and list replies, and what is read from an entry's text (docs/api.md §4.12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27.eventlog import (
    LOG_LIST_MAX,
    LOG_TEXT_MAX,
    LogAction,
    LogArming,
    LogEntry,
    parse_arming,
    parse_index,
    parse_list,
)

SETTINGS = settings(max_examples=300, deadline=None)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


def test_index() -> None:
    assert parse_index({"newest": 5, "max": 500, "total": 500}) == 5
    assert parse_index({"newest": "7"}) == 7
    assert parse_index({"newest": True}) is None
    assert parse_index({}) is None


def test_list_keeps_good_items_and_drops_bad_ones() -> None:
    now = 1_796_000_000
    body = {
        "id": [9, "8", None, 6, 5],
        "time": [now, now - 1, now - 2, 0, "soon"],
        "text": ["House armed Away", "Trouble: AC Fail\x00", "x", 42, "Panel started"],
    }
    assert parse_list(body) == [
        LogEntry(9, datetime.fromtimestamp(now, UTC), "House armed Away"),
        LogEntry(8, datetime.fromtimestamp(now - 1, UTC), "Trouble: AC Fail"),
        LogEntry(5, None, "Panel started"),  # a time that is not a believable epoch is left out
    ]
    assert parse_list({"id": 1, "text": "a"}) == []
    assert parse_list({"id": [1], "text": ["a" * 5000]})[0].text == "a" * LOG_TEXT_MAX
    assert len(parse_list({"id": list(range(500)), "text": ["a"] * 500})) == LOG_LIST_MAX


def test_arming_texts() -> None:
    assert parse_arming("House arming Away by Paul (keypad 2)") == LogArming(
        "House", LogAction.ARM, "away", "Paul", 2, app=False
    )
    assert parse_arming("Garage disarmed by Anna Maria (app)") == LogArming(
        "Garage", LogAction.DISARM, None, "Anna Maria", None, app=True
    )
    assert parse_arming("Upstairs Bedrooms armed stay") == LogArming(
        "Upstairs Bedrooms", LogAction.ARM, "stay", None, None, app=False
    )
    for text in ("Trouble: AC Fail", "Panel started", "armed Away", "House Burglary alarm: Front Door (zone 1)", ""):
        assert parse_arming(text) is None


@SETTINGS
@given(st.dictionaries(st.sampled_from(["id", "time", "text", "newest"]), json_values))
def test_any_reply_is_read_without_error(body: dict[str, Any]) -> None:
    for entry in parse_list(body):
        assert len(entry.text) <= LOG_TEXT_MAX
        assert entry.text.isprintable()
    parse_index(body)


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_is_read_without_error(text: str) -> None:
    arming = parse_arming(text)
    if arming is not None:
        assert arming.area
        assert arming.area in text


@SETTINGS
@given(st.text(alphabet="ab (keypad)12 byarmedAwaySt", max_size=200))
def test_texts_near_the_recognised_shape(text: str) -> None:
    parse_arming(text)
