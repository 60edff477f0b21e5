"""The backend's listener lists and background tasks: a failure in one is logged and contained, nothing is lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from custom_components.elke27.e27 import E27Error, E27ProtocolError
from custom_components.elke27.e27.listeners import Listeners
from custom_components.elke27.e27.tasks import TaskSet

LOGGER = "custom_components.elke27.e27"


def test_a_raising_listener_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    listeners = Listeners[int]("panel 1", "event")
    heard: list[tuple[str, int]] = []

    def broken(value: int) -> None:
        raise RuntimeError("listener bug")

    listeners.add(lambda value: heard.append(("first", value)))
    listeners.add(broken)
    listeners.add(lambda value: heard.append(("last", value)))
    with caplog.at_level(logging.ERROR, LOGGER):
        listeners.notify(7)
        listeners.notify(8)
    assert heard == [("first", 7), ("last", 7), ("first", 8), ("last", 8)]
    failures = [record for record in caplog.records if record.getMessage() == "panel 1: event listener failed"]
    assert len(failures) == 2
    assert all(record.exc_info is not None and record.exc_info[0] is RuntimeError for record in failures)


def test_unsubscribe_stops_the_listener_and_twice_is_harmless() -> None:
    listeners = Listeners[int]("panel 1", "event")
    heard: list[int] = []
    unsubscribe = listeners.add(heard.append)
    listeners.notify(1)
    unsubscribe()
    unsubscribe()
    listeners.notify(2)
    assert heard == [1]
    assert len(listeners) == 0


def test_unsubscribe_twice_leaves_another_registration_of_the_same_listener() -> None:
    listeners = Listeners[int]("panel 1", "event")
    heard: list[int] = []
    first = listeners.add(heard.append)
    listeners.add(heard.append)
    first()
    first()  # already done: must not take the second registration with it
    listeners.notify(3)
    assert heard == [3]


def test_unsubscribe_after_clear_and_during_notify() -> None:
    listeners = Listeners[int]("panel 1", "event")
    heard: list[str] = []
    unsubscribe_later = listeners.add(lambda value: heard.append("later"))

    def leave(value: int) -> None:
        heard.append("leaver")
        unsubscribe_leaver()
        unsubscribe_later()

    unsubscribe_leaver = listeners.add(leave)
    listeners.notify(1)  # told from a copy: everyone added before notify hears it once
    listeners.notify(2)
    assert heard == ["later", "leaver"]
    unsubscribe = listeners.add(lambda value: None)
    listeners.clear()
    unsubscribe()
    assert not listeners


async def test_a_failing_task_is_logged_handed_on_and_dropped(caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSet("panel 1")
    aborted: list[E27Error] = []

    async def broken() -> None:
        await asyncio.sleep(0)
        raise ValueError("task bug")

    with caplog.at_level(logging.DEBUG, LOGGER):
        task = tasks.spawn(broken(), "the reader", aborted.append)
        assert list(tasks) == [task]
        await task
    assert task.exception() is None  # contained: the exception went to abort, not into the task
    assert len(tasks) == 0
    assert [type(err) for err in aborted] == [E27ProtocolError]
    assert str(aborted[0]) == "unexpected ValueError in the reader: task bug"
    (record,) = [
        record for record in caplog.records if record.getMessage() == "panel 1: unexpected error in the reader"
    ]
    assert record.levelno == logging.DEBUG
    assert record.exc_info is not None
    assert record.exc_info[0] is ValueError


async def test_tasks_that_end_or_are_cancelled_are_dropped_without_abort() -> None:
    tasks = TaskSet("panel 1")
    aborted: list[E27Error] = []
    done = tasks.spawn(asyncio.sleep(0), "a short task", aborted.append)
    forever = asyncio.Event()
    waiting = tasks.spawn(forever.wait(), "a waiting task", aborted.append)
    never_started = tasks.spawn(forever.wait(), "a task cancelled before it ran", aborted.append)
    await done
    assert set(tasks) == {waiting, never_started}
    await tasks.cancel_and_wait()
    assert waiting.cancelled()
    assert never_started.cancelled()
    assert len(tasks) == 0
    assert aborted == []


async def test_cancel_spares_the_task_that_asks() -> None:
    tasks = TaskSet("panel 1")
    aborted: list[E27Error] = []
    forever = asyncio.Event()
    other = tasks.spawn(forever.wait(), "another task", aborted.append)

    async def ending() -> str:
        tasks.cancel()
        await asyncio.sleep(0)
        return "finished"

    asker = tasks.spawn(ending(), "the task that ends the session", aborted.append)
    await asker
    assert not asker.cancelled()
    await asyncio.gather(other, return_exceptions=True)
    assert other.cancelled()
    assert aborted == []
