"""E27Client.async_refresh: re-reading the panel's state on request finds what a lost push missed."""

from __future__ import annotations

import asyncio
from unittest.mock import patch

import pytest

from custom_components.elke27.e27 import ClientIdentity, E27Client, E27ConnectionError, LinkCredentials
from e27_emulator import EmulatorPanel

from ..emulated import Recorder, make_client, radio_sweep_done


async def test_refresh_finds_a_change_whose_push_was_lost(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client = make_client(panel, identity, credentials)
    await client.async_connect()
    try:
        # The radio sweep after ready re-reads every zone: until it is over, its read could carry the
        # change below instead of the refresh.
        await radio_sweep_done(client)
        recorder = Recorder(client)
        with patch.object(panel, "_push_now", lambda body: None):  # the panel's broadcast never arrives
            panel.open_zone(1)
            await asyncio.sleep(0)
        assert not client.panel.zones[1].violated

        await client.async_refresh()

        assert client.panel.zones[1].violated
        assert ("zone", 1) in recorder.changed
    finally:
        await client.async_close()


async def test_refresh_needs_a_connection(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    client: E27Client = make_client(panel, identity, credentials)
    with pytest.raises(E27ConnectionError):
        await client.async_refresh()
