"""The single request-in-flight slot of a session (docs/protocol.md §9.3)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class RequestSlot:
    """The single request-in-flight slot, handed out first come first served (probes jump the queue)."""

    def __init__(self) -> None:
        self._busy = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, priority: bool = False) -> None:
        """Wait for the slot; priority waiters go to the front of the queue."""
        if not self._busy and not self._waiters:
            self._busy = True
            return
        waiter = asyncio.get_running_loop().create_future()
        if priority:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # handed the slot as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the slot to the next waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._busy = False

    def fail_all(self, exc: BaseException) -> None:
        """Fail every waiter with exc (the session ended)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)
