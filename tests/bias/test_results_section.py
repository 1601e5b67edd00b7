"""The bias section that results pages include (app/templates/reports/_bias.html), rendered
from real stored answers, and the methods page it links to."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.bias.report import bias_publication
from app.bias.routes import methods_html
from app.questionnaires.loader import Registry
from app.reports.periods import months_of
from app.reports.queries import Scope
from app.settings import ROOT
from tests.bias.simulate import QUESTIONNAIRE, VERSION, Store

REGION = Scope(QUESTIONNAIRE, VERSION)


@pytest.fixture
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION)


def render(client, publication) -> str:
    """The section in English (the staff default when no language is chosen)."""
    client.app.state.i18n.activate_staff("en")
    env = client.app.state.templates.env
    return str(env.get_template("reports/_bias.html").module.bias_section(publication))


class TestBiasSection:
    def test_renders_every_indicator_with_k_rules(self, client, engine, battery):
        store = Store(engine)
        rows = []
        for i in range(240):
            staff = i < 20
            rows.append(store.row("2026-10", {
                "course_useful": ["5" if staff else str(2 + i % 3)],
                "course_waste": ["2"],
                "felt_pressure": ["same" if i % 3 else "different"],
                "felt_pressure_ctl": ["same"],
            }, channel="staff_group" if staff else "peer_ambassador", variant=1 + i % 2,
                language="ar" if i < 3 else "sv", arms={"felt_pressure": "crosswise"}))
        store.bulk(rows)
        with Session(engine) as session:
            pub = bias_publication(session, REGION, battery, k=5, language="en",
                                   period="2026-Q4")
        html = render(client, pub)
        assert "The course was useful to me." in html
        # staff all 5s vs peer 2–4 (pages render in Swedish or English)
        assert "a sign of dependency bias" in html or "ett tecken på beroendebias" in html
        assert "fewer than 5" in html  # the 3 Arabic-language respondents
        assert "Estimated share (crosswise question)" in html
        assert "Control question (true share 0)" in html
        assert 'href="/methods"' in html
        assert html.count("<table>") == 3

    def test_municipal_crosswise_below_200_says_why_it_is_hidden(self, client, engine, battery):
        store = Store(engine)
        m, _ = store.ids()
        store.bulk([store.row("2026-10", {"felt_pressure": ["same"]}) for _ in range(50)])
        with Session(engine) as session:
            pub = bias_publication(session, Scope(QUESTIONNAIRE, VERSION, municipality_id=m),
                                   battery, k=5, language="sv", period="2026-Q4")
        html = render(client, pub)
        assert "at least 200 answers" in html or "minst 200 svar" in html
        assert "Estimated share" not in html
        assert pub.variants == []  # promise variants only at region level

    def test_region_crosswise_below_k_says_fewer_than_k_not_the_200_rule(self, client, engine,
                                                                         battery):
        store = Store(engine)
        store.bulk([store.row("2026-10", {"felt_pressure": ["same"]}) for _ in range(4)])
        with Session(engine) as session:
            pub = bias_publication(session, REGION, battery, k=5, language="en",
                                   period="2026-Q4")
        html = render(client, pub)
        heading = f"<h3>{pub.labels['felt_pressure']}</h3>"
        after = html[html.index(heading) + len(heading):].lstrip()
        assert after.startswith("<p><em>fewer than 5</em></p>")
        assert "at least 200 answers" not in html


class TestMethodsPage:
    def test_shows_the_half_in_the_staff_language_with_a_link_to_the_other(self, client):
        client.cookies.set("lang", "sv")
        page = client.get("/methods")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Varför indikatorerna finns" in page.text
        assert "Why these indicators exist" not in page.text
        assert 'href="/methods?language=en"' in page.text

    def test_language_can_be_chosen_in_the_address(self, client):
        page = client.get("/methods?language=en")
        assert "Why these indicators exist" in page.text
        assert "Varför indikatorerna finns" not in page.text
        assert 'href="/methods?language=sv"' in page.text

    def test_formulas_are_preformatted_and_tables_are_tables(self, client):
        page = client.get("/methods?language=en").text
        assert "<pre><code class=\"language-text\">π̂ = (λ̂ + p − 1)/(2p − 1)" in page
        assert "<th>95 % CI coverage</th>" in page
        assert "<script" not in page

    def test_both_halves_have_the_same_structure(self):
        """The Swedish and English halves are kept in step: same sections, formulas, tables."""
        halves = [methods_html(language) for language in ("en", "sv")]
        for tag in ("<h2>", "<h3>", "<pre>", "<table>", "<tr>"):
            assert halves[0].count(tag) == halves[1].count(tag), tag

    def test_an_unknown_language_is_a_clear_400(self, client):
        page = client.get("/methods?language=xx")
        assert page.status_code == 400
        assert "Traceback" not in page.text


class TestNumbers:
    @pytest.mark.parametrize(("value", "digits", "shown"), [
        (-0.001, 2, "0.00"), (-0.004, 1, "0.0"), (-0.006, 2, "-0.01"), (0.24, 2, "0.24")])
    def test_a_value_that_rounds_to_zero_has_no_minus_sign(self, client, value, digits, shown):
        module = client.app.state.templates.env.get_template("reports/_bias.html").module
        assert str(module.num(value, digits)) == shown

    def test_a_share_that_rounds_to_zero_has_no_minus_sign(self, client):
        module = client.app.state.templates.env.get_template("reports/_bias.html").module
        assert str(module.pct(-0.001)) == "0 %"


PAIRS = [("course_useful", "course_waste"), ("muni_info_clear", "muni_info_hard"),
         ("welcome", "stranger")]


def complete(value: str = "4") -> dict[str, list[str]]:
    """Every balanced pair answered: a complete case for yes-saying."""
    return {item: [value] for pair in PAIRS for item in pair}


class TestRespondentLevelIndicators:
    """Yes-saying and promise variants combine each respondent's answers: a month could be
    subtracted from its quarter and a municipality from the region, so they are shown for the
    region's quarters, and for a year only where every quarter shows them."""

    def seed(self, engine) -> Store:  # type: ignore[no-untyped-def]
        store = Store(engine)
        rows = ([store.row("2026-01", complete(), language="ar", variant=1 + i % 2)
                 for i in range(6)]
                + [store.row("2026-01", complete(), variant=1 + i % 2) for i in range(30)]
                + [store.row("2026-04", complete(), language="ar", variant=2) for _ in range(3)]
                + [store.row("2026-04", complete(), variant=1) for _ in range(30)])
        store.bulk(rows)
        return store

    def publish(self, engine, battery, period: str, **scope):  # type: ignore[no-untyped-def]
        with Session(engine) as session:
            return bias_publication(
                session, Scope(QUESTIONNAIRE, VERSION, periods=tuple(months_of(period)),
                               **scope), battery, k=5, language="en", period=period)

    def test_a_quarter_of_the_region_shows_them(self, engine, battery):
        assert battery.balanced_pairs() == PAIRS
        self.seed(engine)
        q1 = self.publish(engine, battery, "2026-Q1")
        assert q1.respondent_level
        assert {c.key[0]: c.acquiescence is not None for c in q1.acquiescence} == \
            {"ar": True, "sv": True}
        assert all(v.prefer_not_share is not None for v in q1.variants)

    def test_a_month_or_a_municipality_does_not(self, client, engine, battery):
        store = self.seed(engine)
        m, _ = store.ids()
        for pub in (self.publish(engine, battery, "2026-01"),
                    self.publish(engine, battery, "2026-Q1", municipality_id=m)):
            assert not pub.respondent_level
            assert pub.acquiescence == [] and pub.variants == []
            html = render(client, pub)
            assert html.count("Shown for the whole region, per quarter or whole year") == 2

    def test_a_year_hides_what_one_of_its_quarters_hides(self, engine, battery):
        self.seed(engine)
        q2 = self.publish(engine, battery, "2026-Q2")
        assert {c.key[0]: c.acquiescence is not None for c in q2.acquiescence} == \
            {"ar": False, "sv": True}  # 3 Arabic-language respondents
        assert all(v.prefer_not_share is None for v in q2.variants)  # variant 2: 3 people
        year = self.publish(engine, battery, "2026")
        # 9 Arabic-language respondents in the year, but the year minus Q1 would be Q2's 3
        assert {c.key[0]: c.acquiescence is not None for c in year.acquiescence} == \
            {"ar": False, "sv": True}
        assert all(v.prefer_not_share is None for v in year.variants)
