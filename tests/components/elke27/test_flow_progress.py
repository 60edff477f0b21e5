"""A progress step's end reaches a dialog that subscribed late: linking cannot leave a spinner turning.

The frontend subscribes to `data_entry_flow_progressed` only after it has drawn a progress
step, and fetches the flow only when that event arrives. ProgressWatcher plays that dialog.
"""

from __future__ import annotations

import asyncio
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.elke27 import const
from custom_components.elke27.const import CONF_CLIENT, DOMAIN
from e27_emulator import EmulatorPanel

from .conftest import WAIT_TIMEOUT
from .flows import GOOD, WRONG, ProgressWatcher, link_form

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


# A wait for a dialog that no test waits out: noticing the dialog is what ends the wait in time.
NEVER = 2 * WAIT_TIMEOUT


async def _until(predicate: object, timeout: float = WAIT_TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)


def _step(hass: HomeAssistant, flow_id: str) -> str:
    return hass.config_entries.flow.async_get(flow_id)["step_id"]


async def _reauth_form(hass: HomeAssistant, panel: EmulatorPanel, entry: MockConfigEntry) -> str:
    entry.add_to_hass(hass)
    panel.revoke_link(entry.data[CONF_CLIENT]["sn"])
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    return result["flow_id"]


@pytest.mark.parametrize("source", ["user", "reauth"])
async def test_a_link_that_ends_before_the_dialog_subscribes_is_announced_after_it_does(
    hass: HomeAssistant, panel: EmulatorPanel, linked_entry: MockConfigEntry, source: str
) -> None:
    flow_id = (await link_form(hass))["flow_id"] if source == "user" else await _reauth_form(hass, panel, linked_entry)
    links = len(panel.links)
    watcher = ProgressWatcher(hass)
    with patch.object(const, "LINK_QUICK_WAIT", 0), patch.object(const, "PROGRESS_WATCHER_WAIT", NEVER):
        result = await hass.config_entries.flow.async_configure(flow_id, GOOD)
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        progress_step = result["step_id"]
        assert progress_step == ("provision" if source == "user" else "reauth_provision")
        # The panel has linked (and the link connection is closed) before the dialog has drawn the step.
        await panel.wait_until(lambda: len(panel.links) == links + 1 and panel.connection_count == 0, WAIT_TIMEOUT)
        await asyncio.sleep(0.2)
        assert _step(hass, flow_id) == progress_step  # nobody was told yet: nobody would have heard
        watcher.subscribe()
        await _until(lambda: watcher.flows == [flow_id])
    result = await hass.config_entries.flow.async_configure(flow_id)  # what the dialog then does
    assert result["type"] is (FlowResultType.CREATE_ENTRY if source == "user" else FlowResultType.ABORT)
    watcher.unsubscribe()


async def test_without_a_dialog_the_end_is_announced_after_a_bounded_wait(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    flow_id = (await link_form(hass))["flow_id"]
    watcher = ProgressWatcher(hass)
    watcher.subscribe()  # present before the step: it does not count as the dialog arriving
    with patch.object(const, "LINK_QUICK_WAIT", 0), patch.object(const, "PROGRESS_WATCHER_WAIT", 0.3):
        await hass.config_entries.flow.async_configure(flow_id, GOOD)
        await _until(lambda: watcher.flows == [flow_id])
    assert _step(hass, flow_id) == "finish"
    watcher.unsubscribe()


@pytest.mark.parametrize("when", ["after the link", "during the link"])
async def test_a_dialog_that_closes_while_another_opens_is_still_noticed(
    hass: HomeAssistant, panel: EmulatorPanel, when: str
) -> None:
    flow_id = (await link_form(hass))["flow_id"]
    links = len(panel.links)
    other_dialog, ours = ProgressWatcher(hass), ProgressWatcher(hass)
    other_dialog.subscribe()
    if when == "during the link":
        panel.reply_delay = NEVER  # the panel holds its answer until the dialogs have changed over
    with (
        patch.object(const, "LINK_QUICK_WAIT", 0),
        patch.object(const, "LINK_TIMEOUT", NEVER),
        patch.object(const, "PROGRESS_WATCHER_WAIT", NEVER),
    ):
        await hass.config_entries.flow.async_configure(flow_id, GOOD)
        if when == "after the link":
            await panel.wait_until(lambda: len(panel.links) == links + 1 and panel.connection_count == 0, WAIT_TIMEOUT)
        else:
            await panel.wait_until(lambda: any("api_link" in request for request in panel.received), WAIT_TIMEOUT)
        other_dialog.unsubscribe()
        # The flow looks at the subscribers every PROGRESS_WATCHER_POLL: a timer due before this one.
        await asyncio.sleep(0.2)
        assert _step(hass, flow_id) == "provision"
        ours.subscribe()
        panel.reply_delay = 0
        await _until(lambda: ours.flows == [flow_id])
    ours.unsubscribe()


async def test_a_dialog_that_already_listens_hears_the_second_attempt_at_once(
    hass: HomeAssistant, panel: EmulatorPanel
) -> None:
    flow_id = (await link_form(hass))["flow_id"]
    dialog = ProgressWatcher(hass)
    with patch.object(const, "LINK_QUICK_WAIT", 0), patch.object(const, "PROGRESS_WATCHER_WAIT", NEVER):
        await hass.config_entries.flow.async_configure(flow_id, WRONG)
        dialog.subscribe()  # drawn the first progress step
        await _until(lambda: dialog.flows == [flow_id])
        result = await hass.config_entries.flow.async_configure(flow_id)
        assert result["errors"] == {"base": "no_answer"}

        # The dialog stays subscribed: the second attempt's end is announced without waiting.
        result = await hass.config_entries.flow.async_configure(flow_id, GOOD)
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        await _until(lambda: dialog.flows == [flow_id, flow_id])  # long before PROGRESS_WATCHER_WAIT
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    dialog.unsubscribe()
