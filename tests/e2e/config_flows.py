"""The browser test's config flows, as a user meets them: adding the panel, linking it again after the
panel forgot Home Assistant (reauth), and checking its address while it is loaded (reconfigure).

A user types the right access code and passphrase first, and a panel that gets them answers at once:
the dialog moves on within the submit. A wrong passphrase is a case of its own: the panel stays
silent, the dialog says how long it waits, then asks again with the access code still filled in.
"""

from __future__ import annotations

import json
import re
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .conftest import Screenshots, playwright_api
from .harness import ROOT, DemoProcess

expect = playwright_api.expect

TRANSLATIONS = json.loads((ROOT / "custom_components" / "elke27" / "strings.json").read_text())
STRINGS = TRANSLATIONS["config"]
_CORE = find_spec("homeassistant")  # found, not imported
assert _CORE is not None
assert _CORE.origin is not None
CORE_ABORTS = json.loads(
    (Path(_CORE.origin).parent / "components" / "homeassistant" / "translations" / "en.json").read_text()
)["config"]["abort"]
"""Home Assistant words the end of a reauth or reconfigure itself, from its own translations."""
# From e27_emulator/panels/default.toml, the demo's panel. What to type comes from the demo's banner.
PANEL_NAME = "Demo House"
AREA = "House"
LIGHT, ROOM = "Living Room Dimmer", "Living Room"
"""A device the user puts in one of Home Assistant's default areas when the panel is added."""
WRONG_PASSPHRASE = "not-the-passphrase"
LINKED_TIMEOUT_MS = 10_000
"""The right access code and passphrase: the panel answers at once, so the dialog moves on within 10 s."""
LINK_TIMEOUT_MS = 60_000
"""A wrong passphrase gets no answer: the integration gives up after its link timeout (15 s)."""
FLOW_API = "/api/config/config_entries/flow"
FINISH = re.compile(r"^(Finish|Skip and finish)$")
"""The created-entry step's button (its name depends on whether an area was picked)."""


def _linking_text() -> re.Pattern[str]:
    """The progress step's text for the demo's panel, whatever the link timeout."""
    template = STRINGS["progress"]["linking"].format(name=PANEL_NAME, seconds="SECONDS")
    return re.compile(re.escape(template).replace("SECONDS", r"\d+"))


def fill_link_form(flow: Any, access_code: str, passphrase: str) -> None:
    flow.get_by_role("textbox", name="Access code").fill(access_code)
    flow.get_by_role("textbox", name="Passphrase").fill(passphrase)


def add_integration(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """Settings → Devices & services → Add integration, with the right access code and passphrase."""
    page.locator("ha-sidebar").get_by_text("Settings").click()
    expect(page).to_have_url(re.compile(r"/config/dashboard"))
    page.get_by_text("Devices & services").first.click()
    expect(page).to_have_url(re.compile(r"/config/integrations/dashboard"))
    shot("devices and services")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Elk E27")
    brand = page.get_by_role("button", name="Elk E27", exact=True)
    expect(brand).to_be_visible()
    shot("add integration")
    # The dialog opens on the network scan (its title is STRINGS["step"]["user"]["title"]); it is on
    # screen only for the scan's few seconds, so the flow's first answer is checked, not the screen.
    with page.expect_response(lambda r: r.url.endswith(FLOW_API) and r.request.method == "POST") as started:
        brand.click()
    first = started.value.json()
    assert (first["step_id"], first["type"], first["progress_action"]) == ("user", "progress", "discovering")

    # Nothing answers discovery on this network, so the flow asks for the address.
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text(STRINGS["step"]["manual"]["title"])).to_be_visible()
    flow.get_by_role("textbox", name="Host").fill(demo.banner["host"])
    flow.get_by_role("spinbutton", name="Port").fill(demo.banner["port"])
    shot("panel address")
    flow.get_by_role("button", name="Submit").click()

    expect(flow.get_by_text(STRINGS["step"]["link"]["title"], exact=True)).to_be_visible()
    fill_link_form(flow, demo.banner["access_code"], demo.banner["passphrase"])
    shot("link")
    flow.get_by_role("button", name="Submit").click()
    # Linked: every device of the panel is listed, each with its name (to edit) and an area picker.
    expect(flow.get_by_role("button", name=FINISH)).to_be_visible(timeout=LINKED_TIMEOUT_MS)
    expect(flow.get_by_placeholder(AREA, exact=True)).to_have_value(AREA)
    light = flow.locator(".device").filter(has=page.get_by_placeholder(LIGHT, exact=True))
    expect(light.get_by_role("textbox", name="Device name")).to_have_value(LIGHT)
    shot("linked")
    light.locator("ha-area-picker").click()
    page.get_by_role("dialog", name="Area").get_by_text(ROOM, exact=True).click()
    expect(light.locator("ha-area-picker")).to_contain_text(ROOM)
    shot("area assigned")
    flow.get_by_role("button", name="Finish", exact=True).click()
    expect(flow.get_by_role("dialog")).to_be_hidden()


def _close(flow: Any) -> None:
    """The Close button under the dialog's message (the one in its title bar closes it too)."""
    flow.get_by_role("button", name="Close").last.click()
    expect(flow.get_by_role("dialog")).to_be_hidden()


def _open_reauth(page: Any, demo: DemoProcess, shot: Screenshots, name: str) -> Any:
    """The integrations dashboard's card for the panel that wants a new link; its dialog."""
    page.goto(f"{demo.url}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=PANEL_NAME)
    button = card.get_by_role("button", name="Reconfigure")
    expect(button).to_be_visible()
    shot(name)
    button.click()
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text(STRINGS["step"]["reauth_confirm"]["title"], exact=True)).to_be_visible()
    return flow


def _expect_reauth_success(flow: Any, shot: Screenshots, name: str) -> None:
    expect(flow.get_by_text(CORE_ABORTS["reauth_successful"])).to_be_visible(timeout=LINKED_TIMEOUT_MS)
    shot(name)
    _close(flow)


def reauth(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """The panel forgot Home Assistant's link: link again, with the right access code and passphrase."""
    flow = _open_reauth(page, demo, shot, "link again")
    fill_link_form(flow, demo.banner["access_code"], demo.banner["passphrase"])
    shot("link again form")
    flow.get_by_role("button", name="Submit").click()
    _expect_reauth_success(flow, shot, "linked again")


def reauth_with_a_wrong_passphrase(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """A mistyped passphrase: the wait says how long it takes, then the form asks again, code kept."""
    flow = _open_reauth(page, demo, shot, "link again, mistyped")
    title = flow.get_by_text(STRINGS["step"]["reauth_confirm"]["title"], exact=True)
    fill_link_form(flow, demo.banner["access_code"], WRONG_PASSPHRASE)
    shot("wrong passphrase")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text(_linking_text())).to_be_visible()
    shot("waiting for the panel")
    expect(flow.get_by_text(STRINGS["error"]["no_answer"])).to_be_visible(timeout=LINK_TIMEOUT_MS)
    expect(title).to_be_visible()
    expect(flow.get_by_role("textbox", name="Access code")).to_have_value(demo.banner["access_code"])
    expect(flow.get_by_role("textbox", name="Passphrase")).to_have_value("")
    shot("wrong passphrase error")
    flow.get_by_role("textbox", name="Passphrase").fill(demo.banner["passphrase"])
    flow.get_by_role("button", name="Submit").click()
    _expect_reauth_success(flow, shot, "linked again after a mistyped passphrase")


def reconfigure(page: Any, demo: DemoProcess, shot: Screenshots) -> None:
    """The loaded, connected entry's Reconfigure: its address prefilled, accepted as it is."""
    page.goto(f"{demo.url}/config/integrations/integration/elke27")
    expect(page.get_by_text(PANEL_NAME).first).to_be_visible()
    page.get_by_role("button", name="Menu").nth(1).click()
    page.get_by_role("menuitem", name="Reconfigure").click()
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text(STRINGS["step"]["reconfigure"]["title"], exact=True)).to_be_visible()
    expect(flow.get_by_role("textbox", name="Host")).to_have_value(demo.banner["host"])
    expect(flow.get_by_role("spinbutton", name="Port")).to_have_value(demo.banner["port"])
    shot("reconfigure")
    flow.get_by_role("button", name="Submit").click()
    success = flow.get_by_text(CORE_ABORTS["reconfigure_successful"])
    expect(success).to_be_visible(timeout=LINKED_TIMEOUT_MS)
    shot("reconfigured")
    _close(flow)
