"""Fixtures for backend tests: an emulated panel on loopback and a linked client identity."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_socket

from custom_components.elke27.e27 import ClientIdentity, LinkCredentials, Session
from e27_emulator import EmulatorPanel, PanelConfig
from tests.secrets_guard import assert_no_secrets

ACCESS_CODE = "73519046"  # long enough never to turn up by chance in a logged timestamp or id
PASSPHRASE = "correct horse battery"
PIN = 802417


@pytest.fixture(autouse=True)
def _loopback_sockets() -> None:
    """These tests talk to the emulator over 127.0.0.1 (the HA test plugin blocks sockets by default)."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1"])


@pytest.fixture
def identity() -> ClientIdentity:
    return ClientIdentity(mn="222", sn="0a1b2c3d4e5f", fwver="0.1.0", hwver="1", osver="1")


@pytest.fixture
async def panel() -> AsyncIterator[EmulatorPanel]:
    config = PanelConfig(access_code=ACCESS_CODE, passphrase=PASSPHRASE, pins={PIN: 1})
    async with EmulatorPanel(config) as emulator:
        yield emulator


@pytest.fixture
def credentials(panel: EmulatorPanel, identity: ClientIdentity) -> LinkCredentials:
    link = panel.add_link(identity.sn)
    return LinkCredentials(link.linkkey_hex, link.linkhmac_hex)


type SessionFactory = Callable[..., Session]


@pytest.fixture
async def make_session(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> AsyncIterator[SessionFactory]:
    """Sessions to the emulator with test-friendly timings; all are closed at teardown."""
    made: list[Session] = []

    def factory(**overrides: Any) -> Session:
        options: dict[str, Any] = {
            "name": "test panel",
            "request_timeout": 10.0,
            "keepalive_interval": 60.0,
            "keepalive_timeout": 10.0,
        }
        session = Session("127.0.0.1", panel.port, identity, credentials.linkkey, **(options | overrides))
        made.append(session)
        return session

    yield factory
    for session in made:
        await session.close()


@pytest.fixture
async def session(make_session: SessionFactory) -> Session:
    connected = make_session()
    await connected.connect()
    return connected


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every backend test doubles as a check that no secret reaches a log at DEBUG level."""
    emulator: EmulatorPanel | None = request.getfixturevalue("panel") if "panel" in request.fixturenames else None
    yield
    secrets = [ACCESS_CODE, PASSPHRASE, str(PIN)]
    if emulator is not None:
        for link in emulator.links.values():
            secrets += [link.linkkey_hex, link.linkhmac_hex]
        secrets += [key.hex() for key in emulator.session_keys]
    records = [record for when in ("setup", "call", "teardown") for record in caplog.get_records(when)]
    assert_no_secrets(records, secrets)


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What reaches asyncio's exception handler ("Task exception was never retrieved", …) during the test."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    seen: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: seen.append(context))
    yield seen
    gc.collect()  # an unretrieved task exception is reported when the task is collected
    loop.set_exception_handler(previous)
