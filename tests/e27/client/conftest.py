"""Fixtures of the client tests: the emulated demo panel and a client connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.elke27.e27 import ClientIdentity, E27Client, LinkCredentials
from e27_emulator import EmulatorPanel, PanelState

from ..emulated import assert_in_sync, make_client, make_state, running


@pytest.fixture
def state() -> PanelState:
    """The default demo panel's state, which the test changes to make the panel push."""
    return make_state()


@pytest.fixture
async def panel(state: PanelState) -> AsyncIterator[EmulatorPanel]:
    """The emulator serving state on loopback."""
    async with running(state) as emulator:
        yield emulator


@pytest.fixture
async def client(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> AsyncIterator[E27Client]:
    """A client connected to the panel, its model already equal to the panel's state."""
    connected = make_client(panel, identity, credentials)
    await connected.async_connect()
    await assert_in_sync(connected, state)
    yield connected
    await connected.async_close()
