"""The bias indicators are computed from counts frozen when a month closes (`bias_count`),
like every other result: a published month never changes, and reading it does not touch the
answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.bias.report import bias_publication
from app.main import create_app
from app.questionnaires.loader import Registry
from app.reports.queries import Scope
from app.settings import ROOT
from tests.reports.helpers import Cell, close, seed

BATTERY = ("regional-followup", 2)
REGION = Scope(*BATTERY, periods=("2026-01",))


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


def answers(useful: str, pressure: str) -> dict[str, list[str]]:
    """Every balanced pair answered, so yes-saying has complete cases to count."""
    return {"course_useful": [useful], "course_waste": ["2"], "muni_info_clear": ["4"],
            "muni_info_hard": ["2"], "welcome": ["4"], "stranger": ["2"],
            "felt_pressure": [pressure], "felt_pressure_ctl": ["same"]}


def published(engine) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    battery = Registry.from_directory(ROOT / "questionnaires").get(*BATTERY)
    with Session(engine) as session:
        return bias_publication(session, REGION, battery, k=5, language="en",
                                period="2026-Q1").rows()


@pytest.fixture
def closed_month(engine) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    seed(engine, [
        Cell(count=8, channel="staff_group", answers=answers("5", "same")),
        Cell(count=9, channel="peer_ambassador", answers=answers("3", "different")),
        Cell(count=6, channel="peer_ambassador", language="ar", answers=answers("2", "same")),
    ])
    close(engine, "2026-01")
    rows = published(engine)
    shown = [r for r in rows if not r["suppressed"]]
    assert any(r["breakdown"] == "bias_channel" for r in shown)
    assert any(r["breakdown"] == "bias_acquiescence" for r in shown)
    return rows


def test_reading_a_closed_month_never_touches_the_answers(engine, closed_month):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM answer"))
        conn.execute(text("DELETE FROM response"))
    assert published(engine) == closed_month


def test_months_closed_before_bias_counts_existed_get_them_at_start_up(engine, settings,
                                                                      closed_month):
    with engine.begin() as conn:  # as a database closed by an older version looks
        conn.execute(text("DELETE FROM bias_count"))
        conn.execute(text("UPDATE closed_period SET bias_frozen = false"))
    assert not [r for r in published(engine) if not r["suppressed"]]
    with TestClient(create_app(settings)):
        pass
    assert published(engine) == closed_month
