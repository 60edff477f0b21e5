"""The demo in a real browser: log in, add the Elk E27 panel through the UI, arm, watch a zone, disarm,
bypass a zone from its device page (with the area's default code), mistype the PIN, then an alarm: what set it off, and what the panel remembers after the disarm. Then
the panel's entry: its address checked while loaded (reconfigure), a restart that keeps the link, and
two restarts after which the panel has forgotten Home Assistant (reauth: right at once, then mistyped).

Each step saves a screenshot to artifacts/e2e/. Waits are on what the page shows, never on time.
The alarm is worked where Home Assistant's overview leads a user: its Security summary, a page of
tiles (areas, zones, locks), each opening the entity's more-info dialog with the arm and disarm modes.
The area's alarm type and cause are on its device page, which the dialog's menu opens (Device info).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from .config_flows import (
    AREA,
    LIGHT,
    PANEL_NAME,
    ROOM,
    TRANSLATIONS,
    WRONG_PASSPHRASE,
    add_integration,
    reauth,
    reauth_with_a_wrong_passphrase,
    reconfigure,
)
from .conftest import TIME_SCALE, Screenshots, playwright_api
from .harness import DemoProcess, Network

expect = playwright_api.expect

WRONG_CODE_MESSAGE = TRANSLATIONS["exceptions"]["wrong_code"]["message"]
# From e27_emulator/panels/default.toml, the demo's panel, as in config_flows.
ZONE_ID, ZONE = 17, "Garage Side Door"  # its tile shows the area's name in front of the zone's
GARAGE = "Garage"  # the zone's area
ZONES = 18
ARMING_TIMEOUT_MS = 60_000
"""The House's exit delay (6 s at the test's time scale), with room for a slow machine."""
WRONG_PIN = "9999"  # no user of the demo's panel has it
ALARM_ZONE_ID, ALARM_ZONE = 1, "Front Door"
ALARM_CAUSE = ALARM_ZONE  # the zone, by the panel's name (the kind is the Alarm type)
ALARM_LOGBOOK_LINE = re.compile(r"^Events Alarm \d")
"""The alarm on the area's device page (Activity): its event entity's line, "Events Alarm 3:31:38 PM"."""
KEYPAD_USER, KEYPAD = "Paul", 2
KEYPAD_LOG_LINE = f"Garage arming Stay by {KEYPAD_USER} (keypad {KEYPAD})"
"""The emulated panel's own log entry for an arm at a keypad (its wording, shown as the panel wrote it)."""


def _log_in(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    assert demo.banner["url"] == demo.url
    page.goto(demo.banner["url"])
    page.get_by_role("textbox", name="Username").fill(demo.banner["username"])
    page.get_by_role("textbox", name="Password").fill(demo.banner["password"])
    shot("login")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home/"))  # the overview, Home Assistant's default dashboard
    expect(page.locator("ha-sidebar").get_by_text("Settings")).to_be_visible()


def _see_entities(page: Any, shot: Screenshots) -> None:
    expect(page).to_have_url(re.compile(r"/config/integrations/integration/elke27"))
    expect(page.get_by_text(PANEL_NAME).first).to_be_visible()
    shot("integration")
    entities = page.get_by_role("link", name=re.compile(r"^\d+ entities$")).first
    count = int(entities.inner_text().split()[0])
    assert count >= ZONES  # at least one binary sensor per zone
    entities.click()
    expect(page).to_have_url(re.compile(r"/config/entities"))
    # The radio sweep that follows the first connection may still be finding wireless zones (each adds a
    # battery and a signal entity), so the list can hold more than the integration page counted a moment ago.
    # The table fills in as the entity registry arrives, so its count grows before it settles.
    search = page.get_by_placeholder(re.compile(r"^Search \d+ entities$"))
    expect(search).to_be_visible()
    page.wait_for_function(
        "([input, least]) => parseInt(input.placeholder.split(' ')[1]) >= least", arg=[search.element_handle(), count]
    )
    # Grouped by device: an entity's row shows its own name, its device's name in a cell beside it.
    expect(_entity_row(page, "Connection", PANEL_NAME)).to_be_visible()
    shot("entities")
    search.fill(LIGHT)  # further down the list, which shows only the rows in view
    expect(_entity_row(page, LIGHT, LIGHT)).to_contain_text(ROOM)  # in the area it was given
    shot("entity in its area")


def _entity_row(page: Any, entity: str, device: str) -> Any:
    """The row of the entities table for one entity of one device."""
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=entity, exact=True))
        .filter(has=page.get_by_role("cell", name=device, exact=True))
    )


def _tile(page: Any, name: str) -> Any:
    """The tile of one entity on the Security page, by the name it shows."""
    return page.locator("hui-tile-card").filter(has=page.get_by_text(name, exact=True))


def _shown_state(more_info: Any, state: str) -> Any:
    """The state in large type at the top of a more-info dialog, if it is this one."""
    return more_info.get_by_role("paragraph").get_by_text(state, exact=True)


def _open_security(page: Any, shot: Screenshots) -> Any:
    page.locator("ha-sidebar").get_by_text("Overview").click()
    expect(page).to_have_url(re.compile(r"/home/"))
    summary = page.get_by_role("button", name=re.compile(r"^Security\b"))
    expect(summary).to_have_accessible_name("Security 2 disarmed")  # the House and the Garage
    shot("overview")
    summary.click()
    expect(page).to_have_url(re.compile(r"/security"))
    house = _tile(page, AREA)
    expect(house).to_contain_text("Disarmed")
    shot("security")
    return house


def _arm_from_more_info(page: Any, demo: DemoProcess, house: Any, shot: Screenshots) -> None:
    house.click()
    more_info = page.locator("ha-more-info-dialog")
    expect(more_info.get_by_role("radio", name="Disarmed")).to_be_checked()
    shot("more info")
    more_info.get_by_role("radio", name="Home").click()
    code = page.locator("dialog-enter-code")
    code.get_by_role("textbox", name="Code").fill(demo.banner["pin"])
    shot("arm code")
    code.get_by_role("button", name="Arm", exact=True).click()
    expect(code.get_by_role("dialog")).to_be_hidden()
    expect(_shown_state(more_info, "Arming")).to_be_visible()
    shot("arming")
    expect(_shown_state(more_info, "Armed home")).to_be_visible(timeout=ARMING_TIMEOUT_MS)
    expect(more_info.get_by_role("radio", name="Home")).to_be_checked()
    shot("armed home")
    more_info.get_by_role("button", name="Close").click()
    expect(more_info.get_by_role("dialog")).to_be_hidden()
    expect(house).to_contain_text("Armed home")


def _open_zone(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    zone = _tile(page, ZONE)
    expect(zone).to_contain_text("Closed")
    demo.console(f"open {ZONE_ID}", rf"{ZONE}\s.*OPEN")
    expect(zone).to_contain_text("Open")
    zone.scroll_into_view_if_needed()
    shot("zone opened from the emulator")
    demo.console(f"close {ZONE_ID}", rf"{ZONE}\s.*closed")
    expect(zone).to_contain_text("Closed")


def _zone_device_page(page: Any, shot: Screenshots, name: str) -> None:
    """From the zone's tile on the Security page to its device page (more-info → menu → Device info)."""
    _tile(page, ZONE).click()
    more_info = page.locator("ha-more-info-dialog")
    more_info.get_by_role("button", name="Menu").click()
    page.get_by_role("menuitem", name="Device info").click()
    expect(page).to_have_url(re.compile(r"/config/devices/device/"))
    # "Zone by Elk Products, connected via Garage": its area's device.
    expect(page.get_by_role("link", name=GARAGE, exact=True).first).to_be_visible()
    expect(_device_row(page, "Bypass")).to_be_visible()
    shot(name)


def _set_default_code(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """The Garage's alarm panel → more-info → Settings → Default code: what the bypass controls send."""
    _tile(page, GARAGE).click()
    more_info = page.locator("ha-more-info-dialog")
    more_info.get_by_role("button", name="Settings").click()
    expect(more_info.get_by_text("Default code")).to_be_visible()
    more_info.locator('input[type="password"]').fill(demo.banner["pin"])  # a password field has no role
    shot("garage default code")
    more_info.get_by_role("button", name="Update").click()
    expect(more_info.get_by_role("dialog")).to_be_hidden()


def _bypass_toggle(page: Any) -> tuple[Any, Any]:
    """The Bypass row's switch (its state) and the toggle to click (the switch's thumb covers its input)."""
    row = _device_row(page, "Bypass")
    return row.get_by_role("switch"), row.locator("ha-switch")


def _bypass_from_the_zone_device(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """The zone's Bypass switch on its own device page: first without a default code (the message says how
    to set one), then with the Garage's default code; the panel bypasses the zone and the switch says so.
    """
    _zone_device_page(page, shot, "zone device page")
    bypass, toggle = _bypass_toggle(page)
    expect(bypass).not_to_be_checked()
    toggle.click()
    message = page.get_by_role("status").filter(has_text="Default code")
    expect(message).to_be_visible()
    shot("bypass without a default code")
    expect(bypass).not_to_be_checked()
    _open_security(page, shot)
    _set_default_code(page, demo, shot)
    _zone_device_page(page, shot, "zone device page again")
    bypass, toggle = _bypass_toggle(page)
    toggle.click()
    expect(bypass).to_be_checked()
    demo.console("show zones", rf"{ZONE}\s.*BYPASSED")  # the panel has it bypassed
    shot("zone bypassed")
    toggle.click()  # and back: the Garage must arm as before in the steps that follow
    expect(bypass).not_to_be_checked()
    demo.console("show areas", r"Garage: .*bypassed=0")
    expect(message).to_have_count(0)  # the message has gone (the steps that follow read the next one)


def _disarm_from_more_info(page: Any, demo: DemoProcess, house: Any, shot: Screenshots) -> None:
    house.click()
    more_info = page.locator("ha-more-info-dialog")
    expect(_shown_state(more_info, "Armed home")).to_be_visible()
    more_info.get_by_role("radio", name="Disarmed").click()
    code = page.locator("dialog-enter-code")
    code.get_by_role("textbox", name="Code").fill(demo.banner["pin"])
    shot("disarm code")
    code.get_by_role("button", name="Disarm", exact=True).click()
    expect(code.get_by_role("dialog")).to_be_hidden()
    expect(_shown_state(more_info, "Disarmed")).to_be_visible()
    expect(more_info.get_by_role("radio", name="Disarmed")).to_be_checked()
    shot("disarmed")
    more_info.get_by_role("button", name="Close").click()
    expect(more_info.get_by_role("dialog")).to_be_hidden()
    expect(house).to_contain_text("Disarmed")


def _wrong_code(page: Any, demo: DemoProcess, house: Any, shot: Screenshots) -> int:
    """Arm with a PIN the panel does not know: a message, no change. Where the log stood before it."""
    log_before = (demo.config / "home-assistant.log").stat().st_size
    house.click()
    more_info = page.locator("ha-more-info-dialog")
    expect(more_info.get_by_role("radio", name="Disarmed")).to_be_checked()
    more_info.get_by_role("radio", name="Home").click()
    code = page.locator("dialog-enter-code")
    code.get_by_role("textbox", name="Code").fill(WRONG_PIN)
    shot("wrong code")
    code.get_by_role("button", name="Arm", exact=True).click()
    expect(code.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text(WRONG_CODE_MESSAGE)
    expect(_shown_state(more_info, "Disarmed")).to_be_visible()
    expect(more_info.get_by_role("radio", name="Disarmed")).to_be_checked()
    shot("wrong code refused")
    more_info.get_by_role("button", name="Close").click()
    expect(more_info.get_by_role("dialog")).to_be_hidden()
    expect(house).to_contain_text("Disarmed")
    return log_before


def _device_row(page: Any, name: str) -> Any:
    """The row of one entity on a device page."""
    return page.locator("ha-device-entities-card hui-generic-entity-row").filter(
        has=page.get_by_title(name, exact=True)
    )


def _expect_on_device_page(page: Any, name: str, state: str) -> None:
    """The entity's row on the device page reads its name, then exactly this state."""
    expect(_device_row(page, name)).to_match_aria_snapshot(f"- text: {json.dumps(f'{name} {state}')}")


def _alarm(page: Any, demo: DemoProcess, house: Any, shot: Screenshots) -> None:
    """A burglary at the Front Door: the House's tile, then its device page, say what happened."""
    demo.console(f"alarm 1 burglary {ALARM_ZONE_ID}", rf"{AREA}: .* ALARM BURGLARY zone {ALARM_ZONE_ID}")
    expect(house).to_contain_text("Triggered")
    shot("alarm")
    house.click()
    more_info = page.locator("ha-more-info-dialog")
    expect(_shown_state(more_info, "Triggered")).to_be_visible()
    expect(more_info.get_by_role("button", name="Disarm")).to_be_visible()
    shot("alarm more info")
    more_info.get_by_role("button", name="Menu").click()
    page.get_by_role("menuitem", name="Device info").click()
    expect(page).to_have_url(re.compile(r"/config/devices/device/"))
    _expect_on_device_page(page, AREA, "Triggered")
    _expect_on_device_page(page, "Alarm type", "Burglary")
    _expect_on_device_page(page, "Alarm cause", ALARM_CAUSE)
    expect(page.get_by_role("button", name=ALARM_LOGBOOK_LINE)).to_have_count(1)  # told once
    shot("alarm on the device page")


def _disarm_alarm(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """Disarm from the device page: no alarm any more, but the cause stays while the panel remembers it."""
    _device_row(page, AREA).click()
    more_info = page.locator("ha-more-info-dialog")
    expect(_shown_state(more_info, "Triggered")).to_be_visible()
    more_info.get_by_role("button", name="Disarm").click()
    code = page.locator("dialog-enter-code")
    code.get_by_role("textbox", name="Code").fill(demo.banner["pin"])
    shot("alarm disarm code")
    code.get_by_role("button", name="Disarm", exact=True).click()
    expect(code.get_by_role("dialog")).to_be_hidden()
    expect(_shown_state(more_info, "Disarmed")).to_be_visible()
    more_info.get_by_role("button", name="Close").click()
    expect(more_info.get_by_role("dialog")).to_be_hidden()
    _expect_on_device_page(page, AREA, "Disarmed")
    _expect_on_device_page(page, "Alarm type", "None")
    _expect_on_device_page(page, "Alarm cause", ALARM_CAUSE)  # the panel's alarm memory
    shot("alarm disarmed, cause remembered")


def _keypad_arm_in_the_logbook(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """Someone arms the Garage at a keypad: the panel's log entry names them in Activity, and the Garage says who."""
    demo.console(f"arm 2 stay by {KEYPAD_USER} keypad {KEYPAD}", r"Garage: .*arming ARMED_STAY")
    page.goto(f"{demo.url}/logbook")  # the sidebar's Activity
    expect(page.get_by_role("button", name=re.compile(r"Garage→Armed home"))).to_be_visible(timeout=ARMING_TIMEOUT_MS)
    # The entry carries the panel's time, a moment before the page opened: it is read from the history.
    page.reload()
    expect(page.get_by_text(KEYPAD_LOG_LINE)).to_be_visible()
    shot("keypad arm in the logbook")
    demo.console(f"disarm 2 by {KEYPAD_USER} keypad {KEYPAD}", r"Garage: DISARMED")


def _assert_refusal_logged_quietly(demo: DemoProcess, since: int) -> None:
    """From the wrong PIN to the demo's stop (its log is complete then): the PIN's one error line, no traceback."""
    with (demo.config / "home-assistant.log").open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    assert WRONG_CODE_MESSAGE.rstrip(".") in text  # logged as the service's error, without the full stop
    assert "Traceback" not in text, text


@contextlib.contextmanager
def _started_again(network: Network, demo: DemoProcess, name: str) -> Iterator[DemoProcess]:
    """The demo started again on the same config dir (the first run has stopped); stopped at the end."""
    again = DemoProcess(network, demo.config, time_scale=TIME_SCALE, name=name)
    try:
        assert again.wait_until_running() == demo.banner
        yield again
        assert again.quit() == 0
    finally:
        again.close()
    _assert_no_secrets_logged(demo)


def _restart_demo(
    page: Any, network: Network, demo: DemoProcess, house: Any, shot: Screenshots, log_before: int
) -> None:
    """Stop the demo and start it again, keeping the panel's links: the page, reloaded, shows the House as before.

    The stopped run's log, from log_before on, is checked for the wrong PIN's line.
    """
    assert demo.quit() == 0
    assert "Demo stopped." in demo.output
    _assert_refusal_logged_quietly(demo, log_before)
    _assert_no_secrets_logged(demo)
    with _started_again(network, demo, "demo-again"):
        where = page.url
        page.reload()
        expect(page).to_have_url(where)
        expect(house).to_contain_text("Disarmed")  # "Unavailable" if the panel had refused the old link
        shot("after a restart of the demo")
    assert "could not authenticate" not in (demo.config / "home-assistant.log").read_text()


def _link_again(page: Any, network: Network, demo: DemoProcess, shot: Screenshots, *, mistyped: bool) -> None:
    """The panel forgets Home Assistant's link while the demo is stopped: link again from the dashboard."""
    (demo.config / "panel-links.json").unlink()
    name = "demo-relinked-after-a-mistyped-passphrase" if mistyped else "demo-relinked"
    with _started_again(network, demo, name) as again:
        (reauth_with_a_wrong_passphrase if mistyped else reauth)(page, again, shot)
        _open_security(page, shot)  # the entities are back: the House reads Disarmed


def _assert_no_secrets_logged(demo: DemoProcess) -> None:
    """The passphrases typed so far are in none of the logs the runs have left."""
    for log in demo.config.glob("home-assistant*.log*"):
        text = log.read_text()
        for secret in (demo.banner["passphrase"], WRONG_PASSPHRASE):
            assert secret not in text, log.name


def _assert_no_secrets_kept(demo: DemoProcess) -> None:
    entries = json.loads((demo.config / ".storage" / "core.config_entries").read_text())["data"]["entries"]
    (entry,) = [entry for entry in entries if entry["domain"] == "elke27"]
    assert not {"access_code", "passphrase"} & set(entry["data"])
    assert demo.banner["passphrase"] not in json.dumps(entry)


@pytest.mark.timeout(900)
def test_demo_in_a_browser(network: Network, demo: DemoProcess, page: Any, shot: Screenshots) -> None:
    """A newcomer's first session with the demo, step by step, then the panel's entry over restarts."""
    _log_in(page, demo, shot)
    add_integration(page, demo, shot)
    _see_entities(page, shot)
    house = _open_security(page, shot)
    _arm_from_more_info(page, demo, house, shot)
    _open_zone(page, demo, shot)
    _disarm_from_more_info(page, demo, house, shot)
    _bypass_from_the_zone_device(page, demo, shot)
    house = _open_security(page, shot)
    log_before = _wrong_code(page, demo, house, shot)
    _alarm(page, demo, house, shot)
    _disarm_alarm(page, demo, shot)
    _keypad_arm_in_the_logbook(page, demo, shot)
    reconfigure(page, demo, shot)
    house = _open_security(page, shot)  # still loaded: the House as it was
    _restart_demo(page, network, demo, house, shot, log_before)
    _link_again(page, network, demo, shot, mistyped=False)
    _link_again(page, network, demo, shot, mistyped=True)
    _assert_no_secrets_kept(demo)
