"""Background tasks that never die silently: kept referenced until done, an unexpected exception reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from .errors import E27Error, E27ProtocolError

_LOGGER = logging.getLogger(__package__)

type Abort = Callable[[E27Error], None]


def unexpected(owner: str, where: str, err: Exception) -> E27ProtocolError:
    """Log an unexpected exception at DEBUG with its traceback; return the E27ProtocolError that ends the session."""
    _LOGGER.debug("%s: unexpected error in %s", owner, where, exc_info=err)
    return E27ProtocolError(f"unexpected {type(err).__name__} in {where}: {err}")


class TaskSet:
    """The background tasks of one owner (a session, a client), each referenced until it is done.

    An unexpected exception (not a cancellation) in a task is logged at DEBUG and handed, as an
    E27ProtocolError, to the abort callable it was spawned with: the session it worked on ends
    and the owner's usual recovery follows, instead of the task ending unnoticed.
    """

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[None]] = set()

    def __iter__(self) -> Iterator[asyncio.Task[None]]:
        return iter(tuple(self._tasks))

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], where: str, abort: Abort) -> asyncio.Task[None]:
        """Run coro as a task; where names it in the log and in the error abort is called with."""
        task = asyncio.get_running_loop().create_task(
            self._guarded(coro, where, abort), name=f"e27 {self._owner} {where}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: coro.close())  # cancelled before it started: never awaited
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, Any], where: str, abort: Abort) -> None:
        try:
            await coro
        except Exception as err:
            abort(unexpected(self._owner, where, err))

    def cancel(self) -> None:
        """Cancel every task except the one running this (it is ending by itself)."""
        current = asyncio.current_task()
        for task in tuple(self._tasks):
            if task is not current:
                task.cancel()

    async def cancel_and_wait(self) -> None:
        """Cancel every task and wait until all have ended."""
        tasks = tuple(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
