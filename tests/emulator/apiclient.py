"""Helpers for protocol-level tests: a panel with a state, real backend Sessions, a broadcast recorder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest

from custom_components.elke27.e27 import ClientIdentity, E27CommandError, Message, Session
from e27_emulator import EmulatorPanel, ManualClock, PanelConfig, PanelState

type JsonObject = dict[str, Any]

IDENTITY = ClientIdentity(mn="222", sn="5e55101100aa")
OTHER = ClientIdentity(mn="222", sn="5e55101100bb")
# A safety net for waits on broadcasts: they arrive at once unless something is broken.
PUSH_TIMEOUT = 20.0
# The same for requests the panel answers: a loaded machine never reaches it by accident (a test
# of a timeout sets a short one itself, where nothing can answer in time anyway).
REQUEST_TIMEOUT = 20.0


@asynccontextmanager
async def running_panel(name: str = "default") -> AsyncIterator[EmulatorPanel]:
    """An emulator on an ephemeral loopback port answering from a built-in panel.

    Its panel time is a ManualClock: delays end when a test calls `panel.state.advance(seconds)`.
    """
    state = PanelState.load(name, clock=ManualClock())
    async with EmulatorPanel(PanelConfig(discovery_port=None), state=state) as panel:
        yield panel


@asynccontextmanager
async def connected(
    panel: EmulatorPanel, identity: ClientIdentity = IDENTITY, **options: Any
) -> AsyncIterator[Session]:
    """A backend Session to the panel, online, whose first frame has been sent (so broadcasts flow)."""
    link = panel.links.get(identity.sn) or panel.add_link(identity.sn)
    session = Session("127.0.0.1", panel.port, identity, link.linkkey_hex, name="api test", **options)
    try:
        await session.connect()
        await session.request("system", "r_u_alive")
        yield session
    finally:
        await session.close()


async def body(session: Session, domain: str, command: str, payload: Mapping[str, Any] | None = None) -> JsonObject:
    """The reply payload of one request (an error raises E27CommandError)."""
    return (await session.request(domain, command, payload)).body


async def refusal(session: Session, domain: str, command: str, payload: Mapping[str, Any] | None = None) -> int:
    """The error code the panel answers one request with."""
    with pytest.raises(E27CommandError) as err:
        await session.request(domain, command, payload)
    return err.value.code


class Pushed:
    """Records a session's broadcasts; wait_for returns the next one that matches."""

    def __init__(self, session: Session) -> None:
        self.messages: list[Message] = []
        self._cursor = 0
        self._arrived = asyncio.Event()
        session.add_message_listener(self._on_message)

    def _on_message(self, message: Message) -> None:
        self.messages.append(message)
        self._arrived.set()

    async def wait_for(
        self,
        domain: str,
        command: str,
        match: Callable[[JsonObject], bool] = lambda body: True,
        timeout: float = PUSH_TIMEOUT,
    ) -> JsonObject:
        """The body of the next broadcast domain.command (after the last one returned) that matches."""
        async with asyncio.timeout(timeout):
            while True:
                for index in range(self._cursor, len(self.messages)):
                    message = self.messages[index]
                    if (message.domain, message.command) == (domain, command) and match(message.body):
                        self._cursor = index + 1
                        return message.body
                self._arrived.clear()
                await self._arrived.wait()

    def of(self, domain: str, command: str = "get_status") -> list[JsonObject]:
        """Bodies of every recorded domain.command broadcast so far."""
        return [m.body for m in self.messages if (m.domain, m.command) == (domain, command)]
