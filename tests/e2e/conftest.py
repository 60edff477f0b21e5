"""Fixtures for the browser tests: the running demo, and a Chromium page that can reach it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DemoProcess, Network

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing: run scripts/test, which installs it"
)

UI_TIMEOUT_MS = 30_000
"""Any one step in the UI; slow steps (linking, exit delay) pass their own."""
TIME_SCALE = 0.1
"""The emulated panel runs ten times faster: the House's 60 s exit delay takes 6 s."""


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Let fixtures know whether the test failed (for the failure screenshot)."""
    report = yield
    setattr(item, f"e2e_{report.when}", report)
    return report


@pytest.fixture
def network(socket_enabled: None, tmp_path: Path) -> Iterator[Network]:
    """A network namespace of the test's own where it can make one, else this machine's loopback."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed ({CHROMIUM}); scripts/test installs it with apt-get when it can")
    network = Network(tmp_path)
    try:
        yield network
    finally:
        network.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots and logs of this run only: cleared once, so a later test does not wipe an earlier one's."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@pytest.fixture
def demo(network: Network, tmp_path: Path) -> Iterator[DemoProcess]:
    """scripts/demo.py running in a fresh config dir, with the panel at 10x speed; stopped afterwards."""
    config = tmp_path / "config"
    config.mkdir()
    process = DemoProcess(network, config, time_scale=TIME_SCALE)
    try:
        process.wait_until_running()
        yield process
    finally:
        process.close()


def _save(png: bytes, name: str) -> None:
    """Write a screenshot here rather than through Playwright's ``path=``, which writes it from a worker
    thread of Playwright's own event loop: that thread can outlive the test on a busy machine, and Home
    Assistant's test plugin fails any test that leaves a thread behind."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(png)


class Screenshots:
    """Numbered screenshots of each step in artifacts/e2e/."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def __call__(self, name: str) -> None:
        """Save the page as NN-name.png, with animations run to their end."""
        self.count += 1
        safe = re.sub(r"[^a-z0-9-]+", "-", name.lower())
        _save(self.page.screenshot(animations="disabled"), f"{self.count:02d}-{safe}.png")


@pytest.fixture
def page(network: Network, demo: DemoProcess, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Chromium page in the demo's network."""
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(network.chromium), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            playwright_api.expect.set_options(timeout=UI_TIMEOUT_MS)
            yield page
            report = getattr(request.node, "e2e_call", None)
            if report is not None and report.failed:
                _save(page.screenshot(), "failure.png")
        finally:
            browser.close()


@pytest.fixture
def shot(page: Any) -> Screenshots:
    """Takes the numbered step screenshots."""
    return Screenshots(page)
