"""The demo in a real browser: log in, add the Elk E27 panel through the UI, arm, watch a zone, disarm.

Each step saves a screenshot to artifacts/e2e/. Waits are on what the page shows, never on time.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import TIME_SCALE, Screenshots, playwright_api
from .harness import ROOT, DemoProcess, Network

expect = playwright_api.expect

STRINGS = json.loads((ROOT / "custom_components" / "elke27" / "strings.json").read_text())["config"]
# From e27_emulator/panels/default.toml, the demo's panel. What to type comes from the demo's banner.
PANEL_NAME = "Demo House"
AREA = "House"
ZONE_ID, ZONE = 17, "Garage Side Door"
ZONE_ROW = "Side Door"  # on the Garage area card, under its name without the area prefix
ZONES = 18
WRONG_PASSPHRASE = "not-the-passphrase"
LINK_TIMEOUT_MS = 60_000
"""A wrong passphrase gets no answer: the integration gives up after its 15 s link timeout."""
ARMING_TIMEOUT_MS = 60_000
"""The House's exit delay (6 s at the test's time scale), with room for a slow machine."""


def _log_in(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    assert demo.banner["url"] == demo.url
    page.goto(demo.banner["url"])
    page.get_by_role("textbox", name="Username").fill(demo.banner["username"])
    page.get_by_role("textbox", name="Password").fill(demo.banner["password"])
    shot("login")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/lovelace/"))
    expect(page.locator("ha-sidebar").get_by_text("Settings")).to_be_visible()


def _add_integration(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    page.locator("ha-sidebar").get_by_text("Settings").click()
    expect(page).to_have_url(re.compile(r"/config/dashboard"))
    page.get_by_text("Devices & services").first.click()
    expect(page).to_have_url(re.compile(r"/config/integrations/dashboard"))
    shot("devices and services")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_role("textbox", name="Search for a brand name").fill("Elk E27")
    brand = page.get_by_text("Elk E27", exact=True)
    expect(brand).to_be_visible()
    shot("add integration")
    brand.click()

    # Nothing answers discovery on this network, so the flow asks for the address.
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text(STRINGS["step"]["manual"]["title"])).to_be_visible()
    flow.get_by_role("textbox", name="Host").fill(demo.banner["host"])
    flow.get_by_label("Port").fill(demo.banner["port"])
    shot("panel address")
    flow.get_by_role("button", name="Submit").click()

    link_title = STRINGS["step"]["link"]["title"].format(name=PANEL_NAME)
    expect(flow.get_by_text(link_title)).to_be_visible()
    _fill_link_form(flow, demo.banner["access_code"], WRONG_PASSPHRASE)
    shot("link with a wrong passphrase")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text(STRINGS["progress"]["linking"].split("{name}")[0].strip())).to_be_visible()
    shot("linking")
    expect(flow.get_by_text(STRINGS["error"]["no_answer"])).to_be_visible(timeout=LINK_TIMEOUT_MS)
    shot("wrong passphrase error")

    _fill_link_form(flow, demo.banner["access_code"], demo.banner["passphrase"])
    flow.get_by_role("button", name="Submit").click()
    finish = flow.get_by_role("button", name="Finish")
    expect(finish).to_be_visible(timeout=LINK_TIMEOUT_MS)
    expect(flow.get_by_text(AREA, exact=True)).to_be_visible()
    shot("linked")
    finish.click()
    expect(flow).to_be_hidden()


def _fill_link_form(flow: Any, access_code: str, passphrase: str) -> None:
    flow.get_by_role("textbox", name="Access code").fill(access_code)
    flow.get_by_role("textbox", name="Passphrase").fill(passphrase)


def _see_entities(page: Any, shot: Screenshots) -> None:
    expect(page).to_have_url(re.compile(r"/config/integrations/integration/elke27"))
    expect(page.get_by_text(PANEL_NAME).first).to_be_visible()
    shot("integration")
    entities = page.get_by_role("link", name=re.compile(r"^\d+ entities$")).first
    count = int(entities.inner_text().split()[0])
    assert count >= ZONES  # at least one binary sensor per zone
    entities.click()
    expect(page).to_have_url(re.compile(r"/config/entities"))
    expect(page.get_by_role("textbox", name=f"Search {count} entities")).to_be_visible()
    expect(page.get_by_role("rowheader", name=f"{PANEL_NAME} Connection")).to_be_visible()
    shot("entities")


def _arm_from_card(page: Any, demo: DemoProcess, shot: Screenshots) -> Any:
    page.locator("ha-sidebar").get_by_text("Overview").click()
    expect(page).to_have_url(re.compile(r"/lovelace/"))
    card = page.locator("hui-alarm-panel-card").filter(has_text=AREA).filter(has_not_text="Garage")
    expect(card).to_contain_text("Disarmed")
    card.scroll_into_view_if_needed()
    shot("overview")
    card.get_by_role("textbox", name="Code").fill(demo.banner["pin"])
    card.get_by_role("button", name="Arm home").click()
    expect(card).to_contain_text("Arming")
    shot("arming")
    expect(card).to_contain_text("Armed home", timeout=ARMING_TIMEOUT_MS)
    shot("armed home")
    return card


def _open_zone(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    row = page.locator("hui-generic-entity-row").filter(has_text=ZONE_ROW)
    expect(row).to_contain_text("Closed")
    demo.console(f"open {ZONE_ID}", rf"{ZONE}\s.*OPEN")
    expect(row).to_contain_text("Open")
    row.scroll_into_view_if_needed()
    shot("zone opened from the emulator")
    demo.console(f"close {ZONE_ID}", rf"{ZONE}\s.*closed")
    expect(row).to_contain_text("Closed")


def _disarm_from_more_info(page: Any, demo: DemoProcess, card: Any, shot: Screenshots) -> None:
    card.scroll_into_view_if_needed()
    card.get_by_text("Armed home").click()
    more_info = page.locator("ha-more-info-dialog")
    expect(more_info.get_by_text("Armed home").first).to_be_visible()
    shot("more info")
    more_info.get_by_role("option", name="Disarmed").click()
    code = page.locator("dialog-enter-code")
    code.get_by_role("textbox", name="Code").fill(demo.banner["pin"])
    shot("disarm code")
    code.get_by_role("button", name="Disarm").click()
    expect(code).to_be_hidden()
    expect(more_info.get_by_text("Disarmed").first).to_be_visible()
    shot("disarmed")
    more_info.get_by_role("button", name="Close").click()
    expect(more_info).to_be_hidden()
    expect(card).to_contain_text("Disarmed")


def _restart_demo(page: Any, network: Network, demo: DemoProcess, shot: Screenshots) -> None:
    assert demo.quit() == 0
    assert "Demo stopped." in demo.output
    again = DemoProcess(network, demo.config, time_scale=TIME_SCALE, name="demo-again")
    try:
        assert again.wait_until_running() == demo.banner
        page.reload()
        card = page.locator("hui-alarm-panel-card").filter(has_text=AREA).filter(has_not_text="Garage")
        expect(card).to_contain_text("Disarmed")  # "Unavailable" if the panel had refused the old link
        card.scroll_into_view_if_needed()
        shot("after a restart of the demo")
        assert again.quit() == 0
    finally:
        again.close()
    assert "could not authenticate" not in (demo.config / "home-assistant.log").read_text()


def _assert_no_secrets_kept(demo: DemoProcess) -> None:
    config, passphrase = demo.config, demo.banner["passphrase"]
    for log in config.glob("home-assistant*.log*"):
        text = log.read_text()
        for secret in (passphrase, WRONG_PASSPHRASE):
            assert secret not in text, log.name
    entries = json.loads((config / ".storage" / "core.config_entries").read_text())["data"]["entries"]
    (entry,) = [entry for entry in entries if entry["domain"] == "elke27"]
    assert not {"access_code", "passphrase"} & set(entry["data"])
    assert passphrase not in json.dumps(entry)


@pytest.mark.timeout(600)
def test_demo_in_a_browser(network: Network, demo: DemoProcess, page: Any, shot: Screenshots) -> None:
    """A newcomer's first session with the demo, step by step, then a second start of the demo."""
    _log_in(page, demo, shot)
    _add_integration(page, demo, shot)
    _see_entities(page, shot)
    card = _arm_from_card(page, demo, shot)
    _open_zone(page, demo, shot)
    _disarm_from_more_info(page, demo, card, shot)
    _restart_demo(page, network, demo, shot)
    _assert_no_secrets_kept(demo)
