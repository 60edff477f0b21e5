"""A list of listeners: add one and get its unsubscribe, tell them all, one failing listener contained."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

_LOGGER = logging.getLogger(__package__)


class Listeners[T]:
    """Callbacks that each hear every value told, in the order they were added.

    A listener that raises is logged (with its traceback) and skipped: the others still hear
    the value, and the one telling it goes on. A listener may unsubscribe itself, or another,
    while being told.
    """

    def __init__(self, owner: str, kind: str) -> None:
        """owner and kind name a failing listener in the log ("<owner>: <kind> listener failed")."""
        self._owner = owner
        self._kind = kind
        self._entries: list[Callable[[T], None]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Add listener; return a callable that removes it again (calling it more than once does nothing more)."""
        self._entries.append(listener)
        added = True

        def unsubscribe() -> None:
            nonlocal added
            if added:
                added = False
                with contextlib.suppress(ValueError):  # already gone with clear()
                    self._entries.remove(listener)

        return unsubscribe

    def clear(self) -> None:
        """Remove every listener."""
        self._entries.clear()

    def notify(self, value: T) -> None:
        """Call every listener with value; an exception from one is logged and the others still run."""
        for listener in tuple(self._entries):
            try:
                listener(value)
            except Exception:
                _LOGGER.exception("%s: %s listener failed", self._owner, self._kind)
