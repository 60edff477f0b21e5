"""Panel time: real (on the asyncio loop, scaled) for the demo, or manual for tests that advance it explicitly."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    """What call_later returns: something that can be cancelled."""

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""


class PanelClock(ABC):
    """Where the panel's timers (exit and entry delays, door travel, …) take their time from, in panel seconds."""

    @abstractmethod
    def now(self) -> float:
        """The current panel time (monotonic)."""

    @abstractmethod
    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        """Run callback once `seconds` of panel time have passed."""


class LoopClock(PanelClock):
    """Panel time on the running asyncio loop: `time_scale` real seconds per panel second."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale

    def now(self) -> float:
        """Loop time, in panel seconds."""
        return asyncio.get_running_loop().time() / self.time_scale

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        """An asyncio timer, scaled."""
        return asyncio.get_running_loop().call_later(seconds * self.time_scale, callback)


class _ManualTimer:
    __slots__ = ("callback", "cancelled", "deadline")

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock(PanelClock):
    """Panel time that moves only when `advance` is called: timers fire then, in deadline order.

    Tests use it so that nothing depends on how fast the machine is: a 60 s exit delay
    passes exactly when the test says so, and not a moment before.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """The panel time reached so far."""
        return self._now

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        """A timer that fires during the advance that reaches now + seconds."""
        timer = _ManualTimer(self._now + max(seconds, 0.0), callback)
        heapq.heappush(self._timers, (timer.deadline, next(self._order), timer))
        return timer

    @property
    def pending(self) -> int:
        """Timers still to fire."""
        return sum(not timer.cancelled for _, _, timer in self._timers)

    def next_deadline(self) -> float | None:
        """When the next pending timer fires, or None."""
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance(self, seconds: float) -> int:
        """Move panel time forward, firing every timer that falls due on the way (timers set by
        those callbacks included); return how many fired."""
        if seconds < 0:
            raise ValueError("panel time cannot go backwards")
        target = self._now + seconds
        fired = 0
        while (deadline := self.next_deadline()) is not None and deadline <= target:
            _, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, deadline)
            fired += 1
            timer.callback()
        self._now = target
        return fired
