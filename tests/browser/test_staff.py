"""Real Chromium at phone and laptop size: an ambassador logs in, creates a batch, prints it,
shows it on screen and revokes it.

Screenshots go to test-output/screenshots/. Skipped without Chromium unless
LYSSNA_REQUIRE_BROWSER=1, where a missing browser fails the run.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session, select

from app.main import create_app
from app.models import Batch
from app.settings import ROOT
from tests.issuance.pdftools import TOOLS, decode, render_page
from tests.staff_factories import PASSWORD, cheap_hashing, create_staff  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-output" / "screenshots"
SIZES = {"phone": (360, 740), "laptop": (1280, 800)}
@pytest.fixture
def server(settings) -> Iterator[str]:
    """The real app under uvicorn on a free port, in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.base_url = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield settings.base_url
    srv.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("size", list(SIZES))
def test_ambassador_logs_in_and_creates_a_batch(server, browser, engine, settings, size,
                                                tmp_path):
    create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
    width, height = SIZES[size]
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="en-GB", java_script_enabled=False,
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/staff/batches/new")
    assert page.url.startswith(f"{server}/staff/login")
    page.screenshot(path=SHOTS / f"staff-login-{size}.png", full_page=True)
    page.fill("#email", "amb@example.org")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{server}/staff/batches/new")
    assert page.locator("h1").inner_text() == "Create a batch of codes"
    # nothing may overflow the phone's width
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"page is {overflow}px wide at {width}px"
    page.screenshot(path=SHOTS / f"staff-batch-form-{size}.png", full_page=True)

    # a bad count first: the form comes back with the message, nothing created
    page.select_option("#intervention", label="Samhällsorientering (SO)")
    page.fill("#count", "0")
    page.click("button.primary")
    assert "from 1 to 5,000" in page.locator("#count-error").inner_text()
    page.screenshot(path=SHOTS / f"staff-batch-error-{size}.png", full_page=True)
    with Session(engine) as session:
        assert session.exec(select(Batch)).all() == []

    page.fill("#count", "12")
    page.fill("#label", "Tuesday class")
    page.check("input[name=languages][value=en]")
    page.click("button.primary")
    page.wait_for_load_state()
    main_text = page.locator("main").inner_text()
    assert "The batch is created." in main_text, main_text[:600]
    page.screenshot(path=SHOTS / f"staff-batch-created-{size}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"batch page is {overflow}px wide at {width}px"
    with Session(engine) as session:
        batch = session.exec(select(Batch)).one()
    assert (batch.issued, batch.label, batch.languages) == (12, "Tuesday class", "sv,en")

    # the printable sheet, downloaded through the page: its codes decode to this batch
    with page.expect_download() as download:
        page.click("text=PDF sheet to print")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    if all(shutil.which(t) for t in TOOLS):
        from app.issuance.plaintext import batch_tokens
        from app.keys import Keys

        with Session(engine) as session:
            codes = batch_tokens(session, Keys.from_secret(settings.secret_key), batch,
                                 datetime.now(UTC))
        decoded = decode(render_page(pdf, 2, tmp_path), tmp_path)
        assert decoded and set(decoded) <= {f"{server}/r/{c}" for c in codes}

    # show on screen: one big code, next code on tap
    page.click("text=Show on screen")
    page.wait_for_url(f"{server}/staff/batches/{batch.id}/screen/1")
    page.screenshot(path=SHOTS / f"staff-screen-{size}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"screen page is {overflow}px wide at {width}px"
    box = page.locator(".qr svg").bounding_box()
    assert box and box["width"] >= min(width - 40, 300)
    page.click(".qr")
    page.wait_for_url(f"{server}/staff/batches/{batch.id}/screen/2")

    page.goto(f"{server}/staff/batches")
    assert "Tuesday class" in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"batch list is {overflow}px wide at {width}px"
    page.screenshot(path=SHOTS / f"staff-batches-{size}.png", full_page=True)

    # revoking asks first, then stops the codes
    page.goto(f"{server}/staff/batches/{batch.id}")
    page.get_by_role("button", name="Revoke the batch", exact=True).click()
    page.wait_for_url(f"{server}/staff/batches/{batch.id}/revoke")
    assert "Revoke this batch?" in page.locator("main").inner_text()
    assert "Codes not answered yet: 12." in page.locator("main").inner_text()
    page.screenshot(path=SHOTS / f"staff-revoke-confirm-{size}.png", full_page=True)
    with Session(engine) as session:
        assert not session.get(Batch, batch.id).revoked
    page.get_by_role("button", name="Yes, revoke the batch").click()
    page.wait_for_url(f"{server}/staff/batches/{batch.id}")
    assert "Revoked" in page.locator("main").inner_text()
    context.close()
