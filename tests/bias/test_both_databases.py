"""The bias queries give the same, hand-checked numbers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.bias.report import (
    acquiescence,
    channel_comparison,
    crosswise_result,
    promise_variants,
)
from app.questionnaires.loader import Registry
from app.reports.queries import Scope
from app.settings import ROOT
from tests.bias.simulate import QUESTIONNAIRE, VERSION, Store

REGION = Scope(QUESTIONNAIRE, VERSION)


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION)


class TestSameNumbersOnBothDatabases:
    def test_every_indicator(self, engine, battery):
        store = Store(engine)
        rows = []
        for i in range(10):
            channel = "staff_group" if i < 5 else "peer_ambassador"
            rows.append(store.row("2026-10", {
                "course_useful": ["5" if channel == "staff_group" else str(1 + i % 3)],
                "course_waste": ["4"],
                "muni_info_clear": ["4"], "muni_info_hard": ["2"],
                "welcome": ["4"], "stranger": ["2"],
                "felt_pressure": ["same" if i % 2 else "different"] if i < 8 else ["yes"],
                "felt_pressure_ctl": ["same"],
            }, channel=channel, variant=1 + i % 2,
                arms={"felt_pressure": "crosswise" if i < 8 else "direct"}))
        store.submit(rows)
        with Session(engine) as session:
            useful = next(r for r in channel_comparison(session, REGION, battery, k=5)[()]
                          if r.item == "course_useful")
            [cell] = acquiescence(session, REGION, battery, k=5)
            cw = crosswise_result(session, REGION, battery, "felt_pressure", k=5)
            variants = promise_variants(session, REGION, battery, k=5)
        # staff: five 5s; peer: 3, 1, 2, 3, 1 (i = 5..9 → 1 + i % 3)
        assert useful.staff.value == 5 and useful.peer.value == pytest.approx(2.0)
        assert useful.difference.value == pytest.approx(3.0) and useful.staff_more_positive
        # every pair answered; per respondent the mean over three pairs, of which two are
        # (4, 2): ars 0, balanced 4; the first is (x, 4): ars (x + 4)/2 − 3, balanced (x + 2)/2
        mean_x = (5 * 5 + 10) / 10
        assert cell.n == 10
        assert cell.acquiescence.value == pytest.approx(((mean_x + 4) / 2 - 3) / 3)
        assert cell.balanced.value == pytest.approx(((mean_x + 2) / 2 + 8) / 3)
        # crosswise arm: 4 same of 8, so λ = 0.5 and π = (0.5 − 0.8)/(−0.6) = 0.5
        assert cw.n == 8 and cw.estimate.raw == pytest.approx(0.5)
        # control all "same": λ = 1, π = −1/3, shown as 0
        assert cw.control.value == 0 and cw.control.raw < 0
        assert cw.direct is None  # 2 direct answers < k
        assert [v.n for v in variants] == [5, 5]
