"""A link key the panel no longer holds: hello works, nothing after it does. The client must ask for a new link,
and only then: a panel that is merely slow, silent or unreachable is a connection problem. Evidence is judged
over time (LinkTrouble, on a controlled clock here), and the client never stops trying."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from custom_components.elke27.e27 import (
    ClientIdentity,
    E27ConnectionError,
    E27LinkKeyDoubtError,
    E27ProvisioningRequired,
    E27TimeoutError,
    LinkCredentials,
    LinkTrouble,
)
from custom_components.elke27.e27.session import Session
from e27_emulator import EmulatorPanel, PanelState

from ..emulated import FAST_CLIENT, WAIT_TIMEOUT, Recorder, assert_in_sync, make_client, wait_until

OTHER_KEY = LinkCredentials("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "a0" * 20)
# The timeouts that must run out for the client to conclude; short, since nothing can answer.
# Only where nothing can: a request or probe the panel does answer keeps FAST_CLIENT's timeout,
# which a loaded machine never reaches by accident.
QUICK = {"request_timeout": 0.5, "link_check_timeout": 0.5}


def hellos(panel: EmulatorPanel) -> int:
    return len([request for request in panel.received if "hello" in request])


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def trouble(clock: Clock) -> LinkTrouble:
    return LinkTrouble(clock=clock)


async def test_a_link_key_the_panel_does_not_hold_asks_for_a_new_link_after_repeated_checks(
    panel: EmulatorPanel, identity: ClientIdentity
) -> None:
    panel.add_link(identity.sn)  # the panel holds a link for us, with another key
    clock = Clock()
    evidence = trouble(clock)
    for check in range(1, evidence.attempts):
        client = make_client(panel, identity, OTHER_KEY, link_trouble=evidence, **QUICK)
        with pytest.raises(E27ConnectionError, match=f"check {check} of {evidence.attempts}") as err:
            await client.async_connect()
        assert not isinstance(err.value, E27ProvisioningRequired)
        assert hellos(panel) == 2 * check  # each attempt confirms once on a fresh session, no more
        clock.now += evidence.window / 2
    client = make_client(panel, identity, OTHER_KEY, link_trouble=evidence, **QUICK)
    with pytest.raises(E27LinkKeyDoubtError, match="no longer accepts this link key; link again"):
        await client.async_connect()
    assert panel.frame_errors >= 2 * evidence.attempts  # the panel could open none of our frames
    assert not client.connected


async def test_repeated_checks_within_a_short_time_are_not_enough(
    panel: EmulatorPanel, identity: ClientIdentity
) -> None:
    panel.add_link(identity.sn)
    clock = Clock()
    evidence = trouble(clock)
    for _ in range(evidence.attempts + 2):
        client = make_client(panel, identity, OTHER_KEY, link_trouble=evidence, **QUICK)
        with pytest.raises(E27ConnectionError) as err:
            await client.async_connect()
        assert not isinstance(err.value, E27ProvisioningRequired)
        clock.now += evidence.window / (evidence.attempts + 3)


async def test_a_panel_silent_after_hello_at_setup_is_a_connection_problem_until_it_answers(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    clock = Clock()
    evidence = trouble(clock)
    panel.go_silent_after_hello()
    client = make_client(panel, identity, credentials, link_trouble=evidence, **QUICK)
    with pytest.raises(E27ConnectionError) as err:
        await client.async_connect()
    assert not isinstance(err.value, E27ProvisioningRequired)
    clock.now += evidence.window / 2
    panel.go_silent_after_hello(False)
    client = make_client(panel, identity, credentials, link_trouble=evidence)
    try:
        await client.async_connect()
        await assert_in_sync(client, state)
        assert evidence.count == 0  # a working session clears the evidence
    finally:
        await client.async_close()


async def test_frames_that_cannot_be_opened_are_enough(panel: EmulatorPanel, identity: ClientIdentity) -> None:
    """The panel speaks, but not with the session key we took from hello: no timeout needs to run out."""
    panel.add_link(identity.sn)
    conclusive = LinkTrouble(window=0, attempts=1)  # this test is about the evidence, not about time
    client = make_client(panel, identity, OTHER_KEY, link_trouble=conclusive, request_timeout=60, link_check_timeout=60)

    async def speak_whenever_asked() -> None:
        answered = 0
        while True:
            await panel.wait_until(lambda seen=answered: panel.frame_errors > seen, timeout=WAIT_TIMEOUT)
            answered = panel.frame_errors
            await panel.inject({"seq": 0, "area": {"get_status": {"area_id": 1}}})

    speaker = asyncio.create_task(speak_whenever_asked())
    try:
        async with asyncio.timeout(WAIT_TIMEOUT):  # well below the 2 × 60 s the timeouts would take
            with pytest.raises(E27ProvisioningRequired):
                await client.async_connect()
    finally:
        speaker.cancel()
    assert hellos(panel) == 2


async def test_an_unanswered_first_request_with_an_answered_probe_is_a_connection_problem(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """A panel that answers the probe but not the first bootstrap request is slow or broken, not unlinked."""
    panel.ignore_requests("area.get_table_info")
    client = make_client(panel, identity, credentials, request_timeout=QUICK["request_timeout"])  # the probe answers
    with pytest.raises(E27TimeoutError, match=r"area\.get_table_info"):
        await client.async_connect()
    assert hellos(panel) == 2  # the check ran, and the key proved good


async def test_a_panel_that_answers_late_is_not_an_unlinked_one(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    """The first request goes unanswered, then the panel answers again: the client carries on on the fresh session."""
    client = make_client(panel, identity, credentials, request_timeout=QUICK["request_timeout"])
    original = client._new_session

    def new_session() -> Session:
        # Only the first session's first request goes unanswered; the fresh session's probe and
        # bootstrap are answered, so they get the usual timeout.
        session = original()
        client.timing = replace(client.timing, request_timeout=FAST_CLIENT["request_timeout"])
        return session

    client._new_session = new_session  # type: ignore[method-assign]
    panel.ignore_requests("area.get_table_info")
    connecting = asyncio.create_task(client.async_connect())
    try:
        # Woken by the panel's own event for the second hello: before the fresh session asks anything.
        await panel.wait_until(lambda: hellos(panel) == 2, timeout=WAIT_TIMEOUT)
        panel.ignore_requests("area.get_table_info", ignore=False)
        await connecting
        await assert_in_sync(client, state)
    finally:
        await client.async_close()


@pytest.mark.parametrize("fault", ["silent", "hello refused", "closed"])
async def test_missing_greeting_or_hello_is_a_connection_problem(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials, fault: str
) -> None:
    client = make_client(panel, identity, credentials, connect_timeout=0.5, hello_timeout=0.5, **QUICK)
    if fault == "silent":
        panel.go_silent()
    elif fault == "hello refused":
        panel.refuse_hello()
    else:
        await panel.stop()
    with pytest.raises(E27ConnectionError) as err:
        await client.async_connect()
    assert not isinstance(err.value, E27ProvisioningRequired)


async def test_a_link_key_replaced_while_running_says_link_again_and_keeps_trying(
    panel: EmulatorPanel, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    clock = Clock()
    evidence = trouble(clock)
    client = make_client(panel, identity, credentials, link_trouble=evidence)
    recorder = Recorder(client)
    try:
        await client.async_connect()
        # Short timeouts only for the sessions to come, which nothing can answer: the bootstrap above
        # was answered.
        client.timing = replace(client.timing, **QUICK)
        link = panel.add_link(identity.sn)  # linked again elsewhere: the panel now holds a new key for us
        await panel.drop_connections()
        await wait_until(lambda: evidence.count >= evidence.attempts)
        assert [event.connected for event in recorder.connection] == [True, False]  # not yet conclusive
        clock.now += evidence.window
        await recorder.wait_for(lambda: any(isinstance(e.error, E27ProvisioningRequired) for e in recorder.connection))
        assert [event.connected for event in recorder.connection] == [True, False, False]
        assert isinstance(recorder.connection[-1].error, E27LinkKeyDoubtError)
        # It keeps trying: with a key that works again (here the panel takes back the old one) it is back by itself.
        attempts = hellos(panel)
        await wait_until(lambda: hellos(panel) > attempts)
        supervisor = client._supervisor
        assert supervisor is not None
        assert not supervisor.done()
        panel.revoke_link(identity.sn)
        panel.add_link(identity.sn, linkkey_hex=credentials.linkkey, linkhmac_hex=credentials.linkhmac)
        client.timing = replace(client.timing, request_timeout=FAST_CLIENT["request_timeout"])
        await recorder.wait_for(lambda: recorder.connection[-1].connected)
        assert client.connected
        assert evidence.count == 0
        assert link.linkkey_hex != credentials.linkkey
    finally:
        await client.async_close()


async def test_a_panel_silent_after_hello_at_runtime_is_waited_for_not_unlinked(
    panel: EmulatorPanel, state: PanelState, identity: ClientIdentity, credentials: LinkCredentials
) -> None:
    clock = Clock()
    evidence = trouble(clock)
    client = make_client(panel, identity, credentials, link_trouble=evidence)
    recorder = Recorder(client)
    try:
        await client.async_connect()
        client.timing = replace(client.timing, **QUICK)
        panel.go_silent_after_hello()
        await panel.drop_connections()
        start = hellos(panel)
        # Several checks fail (each two hellos) while the panel stays busy, well within the window.
        await wait_until(lambda: evidence.count >= evidence.attempts + 1)
        assert hellos(panel) - start >= 2 * (evidence.attempts + 1)
        assert not [e for e in recorder.connection if isinstance(e.error, E27ProvisioningRequired)]
        client.timing = replace(client.timing, request_timeout=FAST_CLIENT["request_timeout"])
        panel.go_silent_after_hello(False)
        await recorder.wait_for(lambda: recorder.connection[-1].connected)
        assert [event.connected for event in recorder.connection] == [True, False, True]
        await assert_in_sync(client, state)
    finally:
        await client.async_close()
