"""Right-to-left and Ethiopic pages in real headless Chromium, at 360×740 (a small phone).

Screenshots go to test-output/screenshots/. Skipped without Chromium, unless
LYSSNA_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import ROOT, Settings
from tests.factories import create_tokens
from tests.i18n.helpers import FIXTURE_INTERVENTION, install_fixture, questionnaire_dir

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-output" / "screenshots"
@pytest.fixture(scope="module")
def chromium(browser):  # type: ignore[no-untyped-def]
    """The session's one Chromium (tests/browser/conftest.py): Playwright's sync API allows
    only one running instance per thread."""
    return browser


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """The app with the multilingual fixture, served by uvicorn on a free loopback port."""
    import uvicorn

    from app.main import create_app
    from app.storage.engine import make_engine

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    live = settings.model_copy(update={"questionnaire_dir": questionnaire_dir(tmp_path),
                                       "base_url": f"http://127.0.0.1:{port}"})
    engine = make_engine(live.database_url)
    install_fixture(engine)
    engine.dispose()
    uv = uvicorn.Server(uvicorn.Config(create_app(live), host="127.0.0.1", port=port,
                                       log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", live
    uv.should_exit = True
    thread.join(timeout=10)


def open_first_page(chromium, server, language: str):  # type: ignore[no-untyped-def]
    base, live = server
    engine_url = live.database_url
    from app.storage.engine import make_engine

    engine = make_engine(engine_url)
    _, [token] = create_tokens(engine, live, intervention=FIXTURE_INTERVENTION)
    engine.dispose()
    context = chromium.new_context(viewport={"width": 360, "height": 740},
                                   locale="sv-SE")
    page = context.new_page()
    page.goto(f"{base}/r/{token}")
    assert page.url.endswith("/s/language")
    page.click(f'button[value="lang:{language}"]')
    page.wait_for_url("**/s/welcome")  # waits for the load event too: the form posts, redirects
    page.click('button[value="next"]')
    page.wait_for_url("**/s/page/1")
    return context, page


def centre_x(page, selector: str) -> float:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2


class TestRightToLeft:
    @pytest.mark.parametrize("language", ["ar", "ckb", "ps"])
    def test_page_is_laid_out_right_to_left(self, chromium, server, language):
        context, page = open_first_page(chromium, server, language)
        try:
            assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
            assert page.evaluate("document.documentElement.lang") == language
            # Next (the way forward) sits at the inline end: the left in RTL; Back at the right.
            next_x, back_x = centre_x(page, 'button[value="next"]'), centre_x(
                page, 'button[value="back"]')
            assert next_x < back_x
            assert next_x < 180 < back_x
            # Headings and questions start at the right edge.
            h1 = page.locator("h1").bounding_box()
            assert h1 is not None and h1["x"] + h1["width"] > 330
            # The page number is isolated, so "1" and "2" keep their order.
            assert page.locator(".progress bdi").all_inner_texts() == ["1", "2"]
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"rtl-{language}-page1.png"), full_page=True)
            page.click('button[value="next"]')
            page.wait_for_url("**/s/page/2")
            page.screenshot(path=str(SHOTS / f"rtl-{language}-page2.png"), full_page=True)
        finally:
            context.close()

    def test_left_to_right_pages_put_next_on_the_right(self, chromium, server):
        context, page = open_first_page(chromium, server, "sv")
        try:
            assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
            assert centre_x(page, 'button[value="next"]') > 180 > centre_x(
                page, 'button[value="back"]')
        finally:
            context.close()

    def test_switching_language_in_the_footer_keeps_the_answer(self, chromium, server):
        context, page = open_first_page(chromium, server, "ar")
        try:
            page.check('input[name="course_understood"][value="4"]')
            page.click("details.langs summary")
            page.click('button[value="lang:ckb"]')
            assert page.evaluate("document.documentElement.lang") == "ckb"
            assert page.is_checked('input[name="course_understood"][value="4"]')
        finally:
            context.close()


class TestTigrinya:
    def test_ethiopic_text_renders_with_an_ethiopic_font(self, chromium, server):
        context, page = open_first_page(chromium, server, "ti")
        try:
            assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
            page.evaluate("document.fonts.ready")
            families = page.evaluate(
                "[...document.fonts].map(f => f.family.replaceAll('\"', '') + ':' + f.status)"
            )
            assert "Lyssna Ethiopic:loaded" in families
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "ti-page1.png"), full_page=True)
        finally:
            context.close()


class TestAudio:
    def test_the_question_clip_plays_in_a_plain_audio_element(self, chromium, server):
        context, page = open_first_page(chromium, server, "ar")
        try:
            page.click('button[value="next"]')
            page.wait_for_url("**/s/page/2")
            duration = page.evaluate(
                """() => new Promise((resolve, reject) => {
                    const audio = document.querySelector('audio.listen');
                    audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
                    audio.addEventListener('error', () => reject(audio.error.code));
                    audio.preload = 'metadata';
                    audio.load();
                })"""
            )
            assert 0.3 < duration < 0.5  # the 0.4 s clip written by the fixture
        finally:
            context.close()
