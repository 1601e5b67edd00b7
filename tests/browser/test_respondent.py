"""A respondent on a 360 × 740 phone in real Chromium: the whole path from the link to the thanks
page, with and without JavaScript, on one origin only, with tap targets a thumb can hit."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.models import ResponseInbox
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

MIN_TAP = 44  # px, WCAG 2.5.5 / platform guidelines


@dataclass
class Walk:
    """What happened on the way: the pages seen (step names) and every request made."""

    pages: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def press(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Tap a form button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).first.click()


def step_name(page) -> str:  # type: ignore[no-untyped-def]
    return urlsplit(page.url).path.removeprefix("/s/").replace("/", "-") or "start"


def walk_the_path(page, server, token: str, *, on_each_page=None) -> Walk:  # type: ignore[no-untyped-def]
    """Open the link, choose English, accept the promise, answer every page (going back once,
    skipping a page once and choosing "Prefer not to answer" once), review, send."""
    walk = Walk()
    page.on("request", lambda request: walk.requests.append(request.url))

    def arrived() -> None:
        walk.pages.append(step_name(page))
        if on_each_page:
            on_each_page(page, walk.pages[-1])

    page.goto(server.url(f"/r/{token}"))
    assert urlsplit(page.url).path == "/s/language"
    arrived()
    press(page, "English")
    assert urlsplit(page.url).path == "/s/welcome"
    arrived()
    press(page, "Start")
    went_back = skipped = declined = False
    while urlsplit(page.url).path.startswith("/s/page/"):
        arrived()
        number = int(urlsplit(page.url).path.rsplit("/", 1)[1])
        first = page.locator("fieldset.q").first
        if number == 1:
            first.locator(".scale label").nth(3).click()  # "Agree" on the first question
        elif number == 2 and not went_back:
            went_back = True
            press(page, "Back")
            assert urlsplit(page.url).path == "/s/page/1"
            assert page.locator("fieldset.q").first.locator("input:checked").count() == 1
            press(page, "Next")
            continue
        elif number == 3 and not declined:
            declined = True
            first.get_by_text("Prefer not to answer", exact=True).click()
        elif number == 5 and not skipped:
            skipped = True
            press(page, "Skip this page")
            continue
        if page.get_by_role("button", name="Continue", exact=True).count():
            press(page, "Continue")
        else:
            press(page, "Next")
    assert went_back and skipped and declined
    assert urlsplit(page.url).path == "/s/review"
    arrived()
    press(page, "Send my answers")
    assert urlsplit(page.url).path == "/s/thanks"
    arrived()
    assert "Thank you" in page.locator("h1").inner_text()
    return walk


def stored_answers(server) -> list[dict]:  # type: ignore[no-untyped-def]
    with Session(server.engine) as session:
        return [row.answers for row in session.execute(select(ResponseInbox)).scalars()]


def horizontal_overflow(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.scrollingElement.scrollWidth")


class TestTheWholePathOnAPhone:
    def test_every_page_fits_360_px_and_the_answer_is_stored(self, phone, server):
        [token] = server.tokens(1)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        widths: dict[str, int] = {}

        def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
            widths[name] = horizontal_overflow(page)
            page.screenshot(path=SCREENSHOTS / f"{len(widths):02d}-{name}.png", full_page=True)

        before = len(stored_answers(server))
        walk = walk_the_path(phone.new_page(), server, token, on_each_page=check)
        assert walk.pages[:3] == ["language", "welcome", "page-1"]
        assert walk.pages[-2:] == ["review", "thanks"]
        assert len({p for p in walk.pages if p.startswith("page-")}) >= 7
        assert {name: w for name, w in widths.items() if w > 360} == {}
        answers = stored_answers(server)
        assert len(answers) == before + 1
        mine = answers[-1] if len(answers) == 1 else next(
            a for a in answers if a.get("course_understood") == ["4"])
        assert mine["course_understood"] == ["4"]  # chosen, then kept through "Back"
        assert "_pna" in {v[0] for v in mine.values()}

    def test_works_the_same_without_javascript(self, phone_without_js, server):
        [token] = server.tokens(1)
        page = phone_without_js.new_page()
        walk = walk_the_path(page, server, token)
        assert walk.pages[-2:] == ["review", "thanks"]
        assert len({p for p in walk.pages if p.startswith("page-")}) >= 7


class TestNothingLeavesTheServer:
    def test_no_request_goes_to_another_origin(self, phone, server):
        [token] = server.tokens(1)
        walk = walk_the_path(phone.new_page(), server, token)
        origin = urlsplit(server.base_url)
        assert len(walk.requests) >= 20
        others = [u for u in walk.requests
                  if (urlsplit(u).scheme, urlsplit(u).netloc) != (origin.scheme, origin.netloc)]
        assert others == []


class TestTapTargets:
    def test_choices_and_buttons_are_at_least_44_px_high(self, phone, server):
        [token] = server.tokens(1)
        too_small: dict[str, list[str]] = {}
        measured = 0

        def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
            nonlocal measured
            for target in page.locator("main label:has(input), main button").all():
                box = target.bounding_box()
                if box is None:  # not rendered (e.g. inside a closed <details>)
                    continue
                measured += 1
                if box["height"] < MIN_TAP:
                    too_small.setdefault(name, []).append(
                        f"{target.inner_text()[:30]!r}: {box['height']:.0f}px")

        walk_the_path(phone.new_page(), server, token, on_each_page=check)
        assert measured >= 50
        assert too_small == {}


class TestAccessibility:
    def test_no_serious_or_critical_axe_violations(self, phone, server):
        axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
        axe = axe_module.Axe()
        [token] = server.tokens(1)
        found: dict[str, list[str]] = {}

        def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
            results = axe.run(page)
            serious = [f"{v['id']}: {v['help']}" for v in results.response["violations"]
                       if v["impact"] in ("serious", "critical")]
            if serious:
                found[name] = serious

        walk_the_path(phone.new_page(), server, token, on_each_page=check)
        assert found == {}


def sensitive_page(context, server, language: str):  # type: ignore[no-untyped-def]
    """A new respondent in `language`, on the page of the split-ballot crosswise item."""
    [token] = server.tokens(1)
    page = context.new_page()
    page.goto(server.url(f"/r/{token}"))
    for value in (f"lang:{language}", "next"):  # the language, then "Start" on the promise
        with page.expect_navigation():
            page.click(f'button[value="{value}"]')
    while not page.locator('input[name="felt_pressure"]').count():
        assert urlsplit(page.url).path.startswith("/s/page/"), page.url
        with page.expect_navigation():
            page.click('button[name="nav"][value="next"]')
    return page


class TestTheSensitiveQuestionOnAPhone:
    @pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("ti", "ltr")])
    def test_both_arms_fit_and_read_in_the_language_direction(self, phone, server, language,
                                                              direction):
        """The arm is drawn at random per respondent, so respondents are opened until both
        the crosswise and the direct version have been seen (2^-16 odds of missing one)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        seen: set[str] = set()
        for _ in range(16):
            page = sensitive_page(phone, server, language)
            arm = ("crosswise" if page.locator('input[name="felt_pressure"][value="same"]').count()
                   else "direct")
            if arm in seen:
                page.close()
                continue
            seen.add(arm)
            assert page.evaluate("getComputedStyle(document.documentElement).direction") \
                == direction
            assert horizontal_overflow(page) <= 360
            if arm == "crosswise":
                # explanation, a practice pair with its answer, then the real pair A and B
                assert page.locator(".crosswise .practice").count() == 1
                assert page.locator('input[name="felt_pressure.practice"]').count() == 2
                assert page.locator(".practice .pair li").count() == 2
                assert page.locator("#q-felt_pressure .pair li").count() == 2
            else:
                assert page.locator('input[name="felt_pressure"][value="yes"]').count() == 1
            # The legend of the answer starts at the reading side: the right edge in RTL.
            box = page.locator("#q-felt_pressure legend").bounding_box()
            assert box is not None
            assert (box["x"] + box["width"] > 320) if direction == "rtl" else (box["x"] < 40)
            page.screenshot(path=SCREENSHOTS / f"sensitive-{language}-{arm}.png",
                            full_page=True)
            page.close()
            if len(seen) == 2:
                break
        assert seen == {"crosswise", "direct"}
