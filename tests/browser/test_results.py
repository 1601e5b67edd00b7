"""Real Chromium at phone and laptop size: a regional analyst reads the dependency-bias section
of a results page (data from the demo's respondents, closed like a real month) and opens the
methods page it links to."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.models import Channel, Intervention, Municipality
from app.reports.demo import insert_demo, respondent
from app.reports.service import close_period
from tests.browser.test_staff import SHOTS, SIZES, server  # noqa: F401  (the live app)
from tests.reports.helpers import registry
from tests.staff_factories import PASSWORD, cheap_hashing, create_staff  # noqa: F401

pytestmark = pytest.mark.browser
MONTH, QUARTER = "2026-09", "2026-Q3"


def seed_month(engine, count: int = 900) -> None:  # type: ignore[no-untyped-def]
    """`count` demo respondents of SO in three municipalities, peer and staff channels; the
    month is then closed (frozen counts, bias counts, audited suppression pattern)."""
    battery = registry().latest("regional-followup")
    with Session(engine) as session:
        munis = [m.id for m in session.execute(select(Municipality).where(
            Municipality.slug.in_(["linkoping", "norrkoping", "motala"]))).scalars()]
        so = session.execute(select(Intervention).where(Intervention.slug == "so")).scalar_one()
    rng = random.Random(11)
    responses, answers = [], []
    for i in range(count):
        response, rows = respondent(
            rng, battery, channel=(Channel.peer_ambassador, Channel.staff_group)[i % 2],
            language="sv", month=MONTH, municipality_id=munis[i % 3],
            intervention_id=so.id)  # type: ignore[arg-type]
        responses.append(response)
        answers += rows
    insert_demo(engine, responses, answers)
    with Session(engine) as session:
        close_period(session, period=MONTH, registry=registry(), now=datetime.now(UTC), k=5)
        session.commit()


@pytest.mark.parametrize("size", list(SIZES))
def test_analyst_reads_the_bias_section_and_the_methods(server, browser, engine, size):  # noqa: F811
    seed_month(engine)
    create_staff(engine, "region@example.org", "regional_analyst")
    width, height = SIZES[size]
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/results/so?period={QUARTER}")
    page.fill("#email", "region@example.org")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{server}/results/so?period={QUARTER}")
    bias = page.locator("section.bias")
    text = bias.inner_text()
    assert "Signs of dependency bias" in text
    assert "a sign of dependency bias" in text  # the demo's staff channel says yes more often
    assert "Estimated share (crosswise question)" in text
    assert "Control question (true share 0)" in text
    assert "Asked directly" in text
    assert bias.locator("table").count() == 3  # channels, yes-saying, promise versions
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"results page is {overflow}px wide at {width}px"
    bias.screenshot(path=SHOTS / f"results-bias-{size}.png")

    # A month of the quarter: yes-saying and promise versions could be subtracted from it
    page.goto(f"{server}/results/so?period={MONTH}")
    assert bias.locator("table").count() == 1
    assert bias.inner_text().count("Shown for the whole region, per quarter or whole year") == 2
    page.goto(f"{server}/results/so?period={QUARTER}")

    page.click("section.bias a[href='/methods']")
    page.wait_for_url(f"{server}/methods")
    assert page.locator("h1").inner_text() == "Methods: reading the bias indicators"
    assert page.locator("pre").count() >= 3  # the formulas, as written
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"methods page is {overflow}px wide at {width}px"
    page.screenshot(path=SHOTS / f"methods-{size}.png", full_page=True)
    page.click("a[hreflang='sv']")
    assert page.locator("h2").first.inner_text() == "Varför indikatorerna finns"
    context.close()
