"""Fixtures for the emulator's protocol tests: real loopback sockets and a running panel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from e27_emulator import EmulatorPanel, PanelConfig

from .rawclient import RawClient


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Allow real sockets: the Home Assistant test plugin disables them (pytest-socket) for every test."""


@pytest.fixture
def panel_config() -> PanelConfig:
    """The emulator's configuration; override in a test module to change it."""
    return PanelConfig()


@pytest.fixture
async def panel(panel_config: PanelConfig) -> AsyncIterator[EmulatorPanel]:
    """A running emulator on ephemeral loopback ports."""
    async with EmulatorPanel(panel_config) as emulator:
        yield emulator


@pytest.fixture
async def client(panel: EmulatorPanel) -> AsyncIterator[RawClient]:
    """A raw connection to the panel that has read the greeting."""
    raw = await RawClient.connect(panel)
    try:
        yield raw
    finally:
        await raw.close()


@pytest.fixture
async def online(panel: EmulatorPanel) -> AsyncIterator[RawClient]:
    """A raw connection with a linked identity and a completed hello."""
    raw = await RawClient.connect(panel)
    try:
        await raw.go_online(panel)
        yield raw
    finally:
        await raw.close()
