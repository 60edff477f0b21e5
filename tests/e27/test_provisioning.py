"""Linking a client identity to the emulated panel, then using the credentials."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.elke27.e27 import (
    ClientIdentity,
    E27ConnectionError,
    E27LinkError,
    E27LinkTableFullError,
    Session,
    async_provision,
)
from e27_emulator import EmulatorPanel

from .conftest import ACCESS_CODE, PASSPHRASE


async def test_provision_then_connect(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    credentials = await async_provision("127.0.0.1", panel.port, ACCESS_CODE, PASSPHRASE, identity, timeout=20)
    assert credentials.linkkey == panel.links[identity.sn].linkkey_hex
    assert credentials.linkhmac == panel.links[identity.sn].linkhmac_hex
    assert "redacted" in repr(credentials)
    assert credentials.linkkey not in repr(credentials)
    assert credentials.linkhmac not in repr(credentials)
    session = Session("127.0.0.1", panel.port, identity, credentials.linkkey)
    try:
        await session.connect()
        assert (await session.request("system", "r_u_alive")).error is None
    finally:
        await session.close()


@pytest.mark.parametrize(
    ("access_code", "passphrase"),
    [(ACCESS_CODE, "wrong passphrase"), ("000000", PASSPHRASE)],
    ids=["wrong-passphrase", "wrong-access-code"],
)
async def test_wrong_secret_ends_in_a_link_error_after_the_timeout(
    panel: EmulatorPanel, identity: ClientIdentity, access_code: str, passphrase: str
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(E27LinkError) as err:
        await async_provision("127.0.0.1", panel.port, access_code, passphrase, identity, timeout=0.4)
    assert loop.time() - started >= 0.4
    message = str(err.value)
    assert "did not answer" in message
    assert "access code or passphrase may be wrong" in message
    assert access_code not in message
    assert passphrase not in message
    assert identity.sn not in panel.links


async def test_full_link_table_is_its_own_error(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    for index in range(panel.config.max_links):
        panel.add_link(f"other{index:07d}")
    with pytest.raises(E27LinkTableFullError, match="Not enough space"):
        await async_provision("127.0.0.1", panel.port, ACCESS_CODE, PASSPHRASE, identity, timeout=20)


async def test_relinking_replaces_the_credentials(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    first = await async_provision("127.0.0.1", panel.port, ACCESS_CODE, PASSPHRASE, identity, timeout=20)
    second = await async_provision("127.0.0.1", panel.port, ACCESS_CODE, PASSPHRASE, identity, timeout=20)
    assert first.linkkey != second.linkkey
    stale = Session("127.0.0.1", panel.port, identity, second.linkkey)
    try:
        await stale.connect()
    finally:
        await stale.close()


async def test_unreachable_panel_is_a_connection_error(identity: ClientIdentity) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(E27ConnectionError):
        await async_provision("127.0.0.1", port, ACCESS_CODE, PASSPHRASE, identity, timeout=1)


async def test_panel_closing_the_connection_is_a_link_error(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    async def drop_once_asked() -> None:
        await panel.wait_until(lambda: any("api_link" in request for request in panel.received), timeout=30)
        await panel.drop_connections()

    dropper = asyncio.create_task(drop_once_asked())
    with pytest.raises(E27LinkError, match="closed the connection"):
        await async_provision("127.0.0.1", panel.port, ACCESS_CODE, "wrong", identity, timeout=30)
    await dropper
