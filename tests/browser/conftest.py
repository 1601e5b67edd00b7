"""Real headless Chromium (Debian's `chromium`, never a downloaded one) against the real server.

Without Chromium these tests are skipped, unless LYSSNA_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from app.settings import ROOT
from tests.live_server import LiveServer, live_server, prepare_database

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "en-GB"}
SCREENSHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("LYSSNA_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (LYSSNA_REQUIRE_BROWSER=1) but `chromium` is "
                        "not installed: run scripts/install-system-deps")
        pytest.skip("chromium not installed (scripts/install-system-deps)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("browser-server")
    database = prepare_database(directory / "lyssna.db")
    with live_server(database, directory / "logs") as server:
        yield server


@pytest.fixture
def phone(browser, server: LiveServer):  # type: ignore[no-untyped-def]
    """A fresh phone-sized browser context, JavaScript on."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def phone_without_js(browser, server: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(**PHONE, java_script_enabled=False)
    yield context
    context.close()
