"""Reading the panel's event log through the client, against the emulated panel (docs/api.md §4.12)."""

from __future__ import annotations

import pytest

from custom_components.elke27.e27 import E27Client
from e27_emulator import EmulatorPanel, PanelState


async def test_read_the_log_since_the_last_entry_seen(client: E27Client, state: PanelState) -> None:
    newest = await client.async_log_index()
    assert newest == state.log_newest
    (last,) = await client.async_read_log(None, None, 1)
    assert last.id == newest
    for number in range(25):  # more than two pages of the panel's list
        state.add_log(f"event {number}")
    entries = await client.async_read_log(last.time, last.id, 100)
    assert [entry.text for entry in entries] == [f"event {number}" for number in range(25)]
    assert await client.async_log_index() == newest + 25
    # Bounded: only the newest are read; nothing new after the newest.
    assert [entry.text for entry in await client.async_read_log(last.time, last.id, 3)] == [
        "event 22",
        "event 23",
        "event 24",
    ]
    assert await client.async_read_log(entries[-1].time, entries[-1].id, 100) == []


async def test_a_pushed_index_is_heard(client: E27Client, panel: EmulatorPanel, state: PanelState) -> None:
    heard: list[int] = []
    client.subscribe_log_index(heard.append)
    state.options.broadcast_log_index = True
    entry = state.add_log("Trouble: AC Fail")
    await panel.wait_until(lambda: heard == [entry.id], 10)


async def test_a_failing_index_listener_is_contained(
    client: E27Client, panel: EmulatorPanel, state: PanelState, caplog: pytest.LogCaptureFixture
) -> None:
    """A listener's bug is logged; the others still hear the index and the session stays up."""

    def broken(newest: int) -> None:
        raise RuntimeError("listener bug")

    heard: list[int] = []
    client.subscribe_log_index(broken)
    client.subscribe_log_index(heard.append)
    state.options.broadcast_log_index = True
    entry = state.add_log("Trouble: AC Fail")
    await panel.wait_until(lambda: heard == [entry.id], 10)
    assert "log index listener failed" in caplog.text
    assert client.connected
    assert client.last_error is None
