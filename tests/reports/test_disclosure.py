"""Attack tests T-B1..T-B3, T-B7, T-B8 (ANONYMITY.md B.6) over every published format."""

from __future__ import annotations

import pytest

from tests.reports.conftest import logged_in
from tests.reports.helpers import Cell, all_formats, close, from_json, seed

MUNICIPALITIES = ["boxholm", "finspang", "kinda", "linkoping", "mjolby", "motala",
                  "norrkoping", "soderkoping", "vadstena", "valdemarsvik", "ydre",
                  "atvidaberg", "odeshog"]


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


def _all(formats: dict[str, dict]) -> set:
    return set().union(*(set(f) for f in formats.values()))


class TestDirect:
    """T-B1: a cell with 4 responses shows no count, distribution or mean anywhere."""

    def test_cell_of_four_is_hidden_everywhere(self, engine, client):
        seed(engine, [Cell(municipality="linkoping", count=20),
                      Cell(municipality="ydre", count=4, answers={"course_useful": ["1"]}),
                      Cell(municipality="motala", count=6)])
        close(engine, "2026-01")
        formats = all_formats(client, "/results/so?by=municipality&period=2026-01")
        for name, published in formats.items():
            assert not [k for k in published if k[0] == "ydre"], name
        data = from_json(client.get(
            "/results/so/download?by=municipality&period=2026-01&format=json").content)
        assert data[("ydre", "2026-01", "", "responses")] is None
        page = client.get("/results/so?by=municipality&period=2026-01").text
        assert "färre än 5" in page or "fewer than 5" in page


class TestComplement:
    """T-B2: 13 municipalities, one with 3 responses: region minus the visible 12 must not
    give it away, so a second municipality is hidden too."""

    def test_region_total_does_not_pin_the_small_municipality(self, engine, client):
        cells = [Cell(municipality=m, count=10 + i) for i, m in enumerate(MUNICIPALITIES)]
        cells[0] = Cell(municipality="boxholm", count=3)
        seed(engine, cells)
        close(engine, "2026-01")
        published = from_json(client.get(
            "/results/so/download?by=municipality&period=2026-01&format=json").content)
        hidden = [k[0] for k, v in published.items()
                  if k[2:] == ("", "responses") and v is None]
        assert "boxholm" in hidden and len(hidden) >= 2
        region = published[("region", "2026-01", "", "responses")]
        visible = sum(v for k, v in published.items()
                      if k[2:] == ("", "responses") and v is not None and k[0] != "region")
        assert region is not None and region - visible >= 5


class TestBreakdownRemainder:
    """T-B3: a language breakdown where one language has 2 responses."""

    def test_small_language_is_not_derivable(self, engine, client):
        seed(engine, [Cell(language="sv", count=30), Cell(language="en", count=2),
                      Cell(municipality="motala", language="sv", count=8)])
        close(engine, "2026-01")
        published = from_json(client.get(
            "/results/so/download?by=language&period=2026-01&format=json").content)
        total = published[("total", "2026-01", "", "responses")]
        assert published[("en", "2026-01", "", "responses")] is None
        # Either the total or the other language is hidden too: no subtraction gives 2.
        assert total is None or published[("sv", "2026-01", "", "responses")] is None


class TestConditionalItem:
    """T-B7: an item answered by 3 of 30 is suppressed while the rest of the cell is shown."""

    def test_small_item_base_hides_the_item_only(self, engine, client):
        seed(engine, [
            Cell(count=27, answers={"course_useful": ["4"], "intern_done": ["no"]}),
            Cell(count=3, answers={"course_useful": ["2"], "intern_done": ["yes"],
                                   "intern_learned": ["1"]}),
        ])
        close(engine, "2026-01")
        for name, published in all_formats(client, "/results/so?period=2026-01").items():
            assert ("region", "2026-01", "", "responses") in published, name
            assert published[("region", "2026-01", "course_useful", "4")] == 27, name
            assert not [k for k in published if k[2] == "intern_learned"], name


class TestCrossAuthorisation:
    """T-B8: an analyst of A, with only one other municipality B in the cell, cannot derive
    B: the region total is hidden from A's analyst while the region sees it."""

    def test_analyst_cannot_subtract_own_from_region(self, engine, settings):
        seed(engine, [Cell(municipality="linkoping", count=20),
                      Cell(municipality="motala", count=3)])
        close(engine, "2026-01")
        url = "/results/so/download?by=municipality&period=2026-01&format=json"
        for client in logged_in(settings, engine, "a@example.org", ("analyst", "linkoping")):
            seen = from_json(client.get(url).content)
            own = seen[("linkoping", "2026-01", "", "responses")]
            region = seen[("region", "2026-01", "", "responses")]
            assert own is None or region is None
            assert not [k for k in seen if k[0] == "motala"]
            assert client.get("/results/so?area=motala&period=2026-01").status_code == 403

    def test_rule_hides_the_region_when_the_rest_is_small(self):
        from app.reports.suppression import Relation, plan, suppress

        region, a, b = (0, "2026-01", "all", ""), (1, "2026-01", "all", ""), \
            (2, "2026-01", "all", "")
        stages = plan([("2026-01", {region, a, b}, [Relation(region, (a, b), geographic=True)])])
        values = {region: 23, a: 20, b: 3}
        hidden = suppress(values, stages, 5, hidden=set(), invisible=frozenset({b}))
        assert region in hidden and a not in hidden
        values = {region: 27, a: 20, b: 7}
        hidden = suppress(values, stages, 5, invisible=frozenset({b}))
        assert region not in hidden

    def test_region_shown_when_the_rest_is_large(self, engine, settings):
        seed(engine, [Cell(municipality="linkoping", count=20),
                      Cell(municipality="motala", count=7),
                      Cell(municipality="norrkoping", count=9)])
        close(engine, "2026-01")
        for client in logged_in(settings, engine, "a@example.org", ("analyst", "linkoping")):
            seen = from_json(client.get(
                "/results/so/download?period=2026-01&format=json").content)
            assert seen[("region", "2026-01", "", "responses")] == 36


class TestSecondaryPartners:
    """Secondary suppression only counts when the hidden partner cannot be recomputed from
    what is published elsewhere (both found by the LP attack, test_lp_attack.py)."""

    def test_a_quarter_whose_months_are_all_published_is_not_a_partner(self):
        from app.reports.suppression import Relation, plan, suppress

        def node(area: int, period: str) -> tuple[int, str, str, str]:
            return (area, period, "all", "")

        months = {a: [node(a, "2026-01"), node(a, "2026-02")] for a in (1, 2, 3)}
        quarter = {a: node(a, "2026-Q1") for a in (0, 1, 2, 3)}
        values = {quarter[0]: 63, quarter[1]: 10, quarter[2]: 3, quarter[3]: 50,
                  months[1][0]: 5, months[1][1]: 5, months[2][0]: 3, months[2][1]: 0,
                  months[3][0]: 2, months[3][1]: 48}
        stages = plan([
            ("2026-02", {m for ms in months.values() for m in ms}, []),  # months, settled first
            ("2026-Q1", set(quarter.values()),
             [Relation(quarter[0], (quarter[1], quarter[2], quarter[3]), geographic=True),
              *(Relation(quarter[a], tuple(months[a]), periodic=True) for a in (1, 2, 3))]),
        ])
        hidden = suppress(values, stages, 5)
        # Area 2's quarter (3) needs a partner. Area 1's quarter is smaller than area 3's
        # but is the sum of two published months; area 3 has a hidden month.
        assert quarter[2] in hidden and quarter[3] in hidden
        assert quarter[1] not in hidden

    def test_a_published_zero_does_not_give_away_a_hidden_base(self):
        """Region: 30 responses, nobody declined. Two municipalities' item is hidden but their
        response counts are shown: base = responses - 0 would give their bases away."""
        from app.reports.suppression import Relation, plan, suppress_item

        region, a, b, c = ((area, "2026-01", "all", "") for area in range(4))
        stages = plan([("2026-01", {region, a, b, c},
                        [Relation(region, (a, b, c), geographic=True)])])
        base = {region: 30, a: 10, b: 10, c: 10}
        fours = dict(base)  # everyone answered 4
        hidden = suppress_item([base, fours], stages, 5, hidden={b, c}, responses=dict(base),
                               hidden_responses=set())
        assert region in hidden
        # Where the response counts are hidden too, the zero gives nothing away.
        hidden = suppress_item([base, fours], stages, 5, hidden={b, c}, responses=dict(base),
                               hidden_responses={b, c})
        assert region not in hidden


class TestFreeText:
    """R20: free text is never shown or exported."""

    def test_no_free_text_anywhere(self, engine, client):
        seed(engine, [Cell(count=12, answers={"course_useful": ["5"],
                                              "anything_else": ["Mitt namn är Kalle"]})])
        close(engine, "2026-01")
        for fmt in ("csv", "json"):
            body = client.get(f"/results/so/download?period=2026-01&format={fmt}").content
            assert b"anything_else" not in body and b"Kalle" not in body
        page = client.get("/results/so?period=2026-01").text
        assert "Kalle" not in page
