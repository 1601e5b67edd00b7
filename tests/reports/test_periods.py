"""R19 / T-B6: results are published for closed months only and then frozen; closing a month
early sends later answers to the next open month. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.models import ClosedPeriod, ResponseInbox
from app.storage.flush import close_and_freeze, flush
from tests.factories import Respondent, create_tokens
from tests.reports.helpers import Cell, close, registry, seed

URLS = [
    "/results/so/download?by=municipality&period=2026-01&format=json",
    "/results/so/download?by=language&period=2026-01&format=csv",
    "/results/so/download?period=2026-Q1&by=period&format=json",
]


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def published(engine):
    seed(engine, [Cell(count=14), Cell(municipality="motala", count=6),
                  Cell(municipality="ydre", count=2, language="en"),
                  Cell(month="2026-02", count=9), Cell(month="2026-03", count=7)])
    close(engine, "2026-03")


def _fetch(client) -> list[bytes]:
    out = []
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, response.text
        out.append(response.content)
    return out


class TestFrozen:
    def test_new_answers_and_flushes_change_nothing_published(self, engine, settings, client,
                                                              published):
        before = _fetch(client)
        _, tokens = create_tokens(engine, settings, 2)
        for token in tokens:
            assert Respondent(client).answer_all(token, {"course_useful": "1"}).status_code \
                == 303
        assert _fetch(client) == before
        assert flush(engine, min_rows=1, current_period="2999-01", force=True) == 2
        assert _fetch(client) == before

    def test_recomputing_gives_identical_bytes(self, settings, engine, client, published):
        before = _fetch(client)
        client.app.state.results_cache.clear()
        assert _fetch(client) == before

    def test_open_month_is_not_published(self, client, published):
        assert client.get("/results/so?period=2026-04").status_code == 404
        assert client.get("/results/so?period=2026").status_code == 404


class TestCloseEarly:
    def test_answers_after_closing_count_in_the_next_month(self, engine, settings, client):
        month = client.app.state.clock.period()
        closed = close_and_freeze(engine, period=month, registry=registry(),
                                  current_period=month, k=5)
        assert closed[-1] == month
        _, tokens = create_tokens(engine, settings, 1)
        Respondent(client).answer_all(tokens[0])
        with Session(engine) as session:
            periods = session.execute(select(ResponseInbox.period)).scalars().all()
            assert periods and all(p > month for p in periods)

    def test_flush_moves_late_inbox_rows_to_the_open_month(self, engine, settings, client):
        month = client.app.state.clock.period()
        _, tokens = create_tokens(engine, settings, 1)
        Respondent(client).answer_all(tokens[0])  # stored in this (open) month
        with Session(engine) as session:
            # The month closes between submit and flush (the race close_and_freeze avoids).
            close(engine, month)
            assert session.execute(select(func.count()).select_from(ClosedPeriod)).scalar_one()
        flush(engine, min_rows=1, current_period=month, force=True)
        with Session(engine) as session:
            from app.reports import queries

            assert queries.earliest_data_month(session) > month

    def test_closing_is_audited(self, engine, client):
        from app.models import AuditEvent

        month = client.app.state.clock.period()
        close_and_freeze(engine, period=month, registry=registry(), current_period=month,
                         k=5)
        with Session(engine) as session:
            actions = session.execute(select(AuditEvent.action)).scalars().all()
        assert "period_close" in actions


class TestDefaultPeriod:
    """A results page opens on the latest closed quarter: a municipality's single months are
    mostly too small to show."""

    @pytest.mark.parametrize(("watermark", "expected"), [
        ("2026-01", "2026-01"), ("2026-02", "2026-02"), ("2026-03", "2026-Q1"),
        ("2026-05", "2026-Q1"), ("2026-10", "2026-Q3"), ("2026-12", "2026"),
    ])
    def test_latest_closed_quarter(self, watermark, expected):
        from app.reports.service import _default_period

        assert _default_period(watermark) == expected

    def test_page_without_a_period_shows_the_quarter(self, engine, client):
        seed(engine, [Cell(month="2026-02", count=12), Cell(month="2026-04", count=9)])
        close(engine, "2026-04")
        page = client.get("/results/so")
        assert page.status_code == 200
        assert "<option selected>2026-Q1</option>" in page.text


class TestWarmCache:
    def test_fills_the_cache_for_every_intervention_with_data(self, engine, published):
        from app.reports.service import warm_cache

        cache: dict = {}
        with Session(engine) as session:
            assert warm_cache(session, registry=registry(), k=5, cache=cache) >= 1
        assert cache
