"""Timing options and the reconnect policy (capped exponential backoff with jitter)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

from .const import (
    COMMAND_DEADLINE,
    CONNECT_TIMEOUT,
    HELLO_TIMEOUT,
    KEEPALIVE_INTERVAL,
    KEEPALIVE_TIMEOUT,
    LINK_CHECK_TIMEOUT,
    LINK_TROUBLE_ATTEMPTS,
    LINK_TROUBLE_WINDOW,
    REQUEST_TIMEOUT,
)

# The panel is a device on the local network: a refused or failed connection costs it next to
# nothing, and an alarm owner expects it back within seconds of its port opening again. So the
# delays stay short (0.25 s doubling, at most 1.5 s ±10 %).
RECONNECT_INITIAL: Final = 0.25
RECONNECT_MAX: Final = 1.5
RECONNECT_FACTOR: Final = 2.0
RECONNECT_JITTER: Final = 0.1
# While the panel refuses the client's link, attempts are at least this far apart (the
# client never stops trying, so that a panel that takes the link back is used at once).
RELINK_RETRY_INTERVAL: Final = 30.0
# The configuration check while connected: one get_table_info per domain (7 small reads) whose
# checksum tells whether that domain changed (docs/api.md §5.10), so renames and new or removed
# elements show within about a minute.
CONFIG_CHECK_INTERVAL: Final = 60.0
# The reference client spaces its sends by at least 50 ms (docs/api.md §2.6); the radio sweep
# after ready keeps that distance so that other clients of the panel get their turns.
RADIO_SWEEP_PACE: Final = 0.05
_MAX_EXPONENT: Final = 64  # keeps factor**n finite however long the outage


@dataclass(slots=True)
class Backoff:
    """Delays before successive reconnect attempts: initial, initial·factor, … capped at maximum.

    Each delay is spread by ±jitter (a fraction) so that several clients do not
    hit a rebooted panel in lockstep. `reset()` after a successful reconnect.
    """

    initial: float = RECONNECT_INITIAL
    maximum: float = RECONNECT_MAX
    factor: float = RECONNECT_FACTOR
    jitter: float = RECONNECT_JITTER
    attempts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < self.initial or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("backoff needs 0 <= initial <= maximum, factor >= 1 and 0 <= jitter < 1")

    def next_delay(self) -> float:
        """The delay before the next attempt; each call counts one attempt."""
        base = min(self.maximum, self.initial * self.factor ** min(self.attempts, _MAX_EXPONENT))
        self.attempts += 1
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))  # noqa: S311 - not cryptographic

    def reset(self) -> None:
        """Start again from the initial delay."""
        self.attempts = 0


@dataclass(slots=True)
class LinkTrouble:
    """Evidence, gathered over time, that the panel no longer holds the client's link key.

    Each failed link check (hello worked, then nothing readable, twice) is one piece; a working
    session clears it. Only `attempts` pieces spread over at least `window` seconds make it
    conclusive: one silent panel (busy, rebooting) is a connection problem. Kept outside the
    client so that evidence survives a new client (a retried setup); `clock` is monotonic seconds.
    """

    window: float = LINK_TROUBLE_WINDOW
    attempts: int = LINK_TROUBLE_ATTEMPTS
    clock: Callable[[], float] = time.monotonic
    first: float | None = field(default=None, init=False)
    count: int = field(default=0, init=False)

    def add(self) -> bool:
        """Record one failed link check; True once the evidence is conclusive."""
        now = self.clock()
        if self.first is None:
            self.first = now
        self.count += 1
        return self.conclusive

    @property
    def conclusive(self) -> bool:
        """Enough failed checks over a long enough time."""
        return self.first is not None and self.count >= self.attempts and self.clock() - self.first >= self.window

    def clear(self) -> None:
        """A session worked: the link key is fine."""
        self.first, self.count = None, 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientTiming:
    """Timeouts, keepalive and reconnect backoff in seconds; E27Client takes each as a keyword override."""

    connect_timeout: float = CONNECT_TIMEOUT
    hello_timeout: float = HELLO_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    keepalive_interval: float = KEEPALIVE_INTERVAL
    keepalive_timeout: float = KEEPALIVE_TIMEOUT
    link_check_timeout: float = LINK_CHECK_TIMEOUT
    reconnect_initial: float = RECONNECT_INITIAL
    reconnect_max: float = RECONNECT_MAX
    reconnect_factor: float = RECONNECT_FACTOR
    reconnect_jitter: float = RECONNECT_JITTER
    config_check_interval: float | None = CONFIG_CHECK_INTERVAL
    """How often the configuration checksums (get_table_info of each domain) are re-read while
    connected to notice configuration changes (the panel does not push them, docs/api.md §5.10);
    None disables the check."""
    radio_sweep_pace: float = RADIO_SWEEP_PACE
    """Seconds between the zone reads of the radio sweep after ready (0: back to back)."""
    relink_retry_interval: float = RELINK_RETRY_INTERVAL
    """Seconds at least between attempts while the panel refuses the link."""
    command_deadline: float = COMMAND_DEADLINE
    """Seconds from a command being asked for until it must be on the wire, else it fails unsent."""

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> ClientTiming:
        """Defaults with the given fields replaced; TypeError names any unknown one."""
        unknown = set(overrides) - {item.name for item in fields(cls)}
        if unknown:
            raise TypeError(f"unknown timing option(s): {', '.join(sorted(unknown))}")
        return cls(**overrides)

    def session_options(self) -> dict[str, float]:
        """The keyword arguments Session takes."""
        names = ("connect_timeout", "hello_timeout", "request_timeout", "keepalive_interval", "keepalive_timeout")
        return {name: getattr(self, name) for name in names}

    def backoff(self) -> Backoff:
        """A fresh backoff policy with these delays."""
        return Backoff(self.reconnect_initial, self.reconnect_max, self.reconnect_factor, self.reconnect_jitter)
