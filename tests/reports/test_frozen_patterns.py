"""A period's suppression pattern is computed (and audited) once, when the period closes, and
stored: pages read it, so what was published stays exactly as published, whatever later
answers, closes or code changes do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.main import create_app
from app.reports import suppression
from tests.reports.conftest import logged_in
from tests.reports.helpers import Cell, close, from_json, seed

MUNIS = ["linkoping", "motala", "ydre", "kinda", "boxholm", "finspang"]
PAGE = "/results/so/download?by=municipality&period=2026-01&format=json"


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


def cells(month: str) -> list[Cell]:
    sizes = {"linkoping": 31, "motala": 12, "ydre": 3, "kinda": 6, "boxholm": 2, "finspang": 9}
    return [Cell(municipality=m, month=month, count=n, language=lang,
                 answers={"course_useful": [code]})
            for m, n in sizes.items()
            for lang, code, share in (("sv", "4", 2), ("ar", "_pna", 1)) if n // share]


def fresh_page(settings, engine) -> dict:  # type: ignore[no-untyped-def]
    """The page as a newly started app serves it (nothing cached)."""
    for client in logged_in(settings, engine, "other@example.org", "regional_analyst"):
        return from_json(client.get(PAGE).content)
    raise AssertionError


def stored(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT period, hidden FROM suppression_pattern WHERE intervention_id = "
            "(SELECT id FROM intervention WHERE slug = 'so') AND k = 5")).all())


@pytest.fixture
def published(engine, client) -> dict:  # type: ignore[no-untyped-def]
    seed(engine, cells("2026-01"))
    close(engine, "2026-01")
    page = from_json(client.get(PAGE).content)
    assert page[("ydre", "2026-01", "", "responses")] is None  # something is hidden
    return page


def test_closing_a_month_stores_its_pattern(engine, published):
    assert list(stored(engine)) == ["2026-01"]


def test_pages_read_the_stored_pattern_instead_of_recomputing_it(engine, settings, published,
                                                                 monkeypatch):
    def recompute(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a closed period's suppression was recomputed")

    monkeypatch.setattr(suppression, "_fixpoint", recompute)
    assert fresh_page(settings, engine) == published


def test_later_closes_leave_published_patterns_alone(engine, settings, published):
    before = stored(engine)
    seed(engine, cells("2026-02") + [Cell(municipality="ydre", month="2026-02", count=40)])
    close(engine, "2026-03")  # closes February, March and the quarter
    after = stored(engine)
    assert sorted(after) == ["2026-01", "2026-02", "2026-03", "2026-Q1"]
    assert after["2026-01"] == before["2026-01"]
    assert fresh_page(settings, engine) == published


def test_the_stored_pattern_is_what_suppression_computes(engine, settings, published):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM suppression_pattern"))
    assert fresh_page(settings, engine) == published  # computed again at start-up


def test_periods_closed_before_patterns_were_stored_get_them_at_start_up(engine, settings,
                                                                         published):
    with engine.begin() as conn:  # as a database closed by an older version looks
        conn.execute(text("DELETE FROM suppression_pattern"))
    with TestClient(create_app(settings)):
        pass
    assert list(stored(engine)) == ["2026-01"]
