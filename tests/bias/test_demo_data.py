"""The demo data gives every bias indicator something true to show (`make run`): stored with
the demo's own bulk insert (COPY on PostgreSQL), counted as a month close counts, and read
back through the published estimators."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.bias.report import crosswise_result, promise_variants
from app.models import Channel
from app.questionnaires.loader import Registry
from app.reports.demo import (
    CROSSWISE_TRUTH,
    DENIAL,
    RANDOM_ANSWERS,
    VARIANT_PNA,
    insert_demo,
    respondent,
)
from app.reports.queries import Scope
from app.settings import ROOT
from tests.bias.simulate import QUESTIONNAIRE, VERSION, Store

MONTH = "2026-09"
N = 1600


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def seeded(engine, battery):
    """N demo respondents in one month, peer and staff channels alternating."""
    store = Store(engine)
    municipality, intervention = store.ids()
    rng = random.Random(7)
    responses, answers = [], []
    for i in range(N):
        response, rows = respondent(
            rng, battery, channel=(Channel.peer_ambassador, Channel.staff_group)[i % 2],
            language="sv", month=MONTH, municipality_id=municipality,
            intervention_id=intervention)
        responses.append(response)
        answers += rows
    insert_demo(engine, responses, answers)
    store.close([MONTH])
    return engine


@pytest.fixture
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION)


class TestStored:
    def test_arms_and_variants_are_drawn_and_each_arm_stores_only_its_answers(self, seeded):
        with seeded.connect() as conn:
            rows = conn.execute(text("SELECT promise_variant, arms FROM response")).all()
            pairs = conn.execute(text(
                "SELECT r.arms, a.value FROM answer a JOIN response r ON r.id = a.response_id "
                "WHERE a.question = 'felt_pressure'")).all()

        def arm(arms: object) -> str:
            return (json.loads(arms) if isinstance(arms, str) else arms)["felt_pressure"]  # type: ignore[arg-type,index]

        variants = Counter(v for v, _ in rows)
        arms = Counter(arm(a) for _, a in rows)
        assert set(variants) == {1, 2} and min(variants.values()) > 0.4 * N
        assert set(arms) == {"direct", "crosswise"} and min(arms.values()) > 0.4 * N
        by_arm: dict[str, set[str]] = {"direct": set(), "crosswise": set()}
        for arms_, value in pairs:
            by_arm[arm(arms_)].add(value)
        assert by_arm["direct"] <= {"yes", "no", "_pna", "_skip"}
        assert by_arm["crosswise"] <= {"same", "different", "_pna", "_skip"}
        assert {"yes", "no"} <= by_arm["direct"] and {"same", "different"} <= by_arm["crosswise"]


class TestIndicatorsShowTheDemoTruth:
    def test_crosswise_direct_control_and_promise_versions(self, seeded, battery):
        with Session(seeded) as session:
            result = crosswise_result(session, Scope(QUESTIONNAIRE, VERSION), battery,
                                      "felt_pressure", k=5)
            variants = promise_variants(session, Scope(QUESTIONNAIRE, VERSION), battery, k=5)
        assert result.estimate is not None and result.direct is not None
        assert result.control is not None
        # Within 3.3 standard errors (a fixed seed, and 1 seed in 1,000 would fall outside):
        # random answerers pull the estimate towards (0.5 + p - 1)/(2p - 1) = 0.5, and the
        # control (truth 0) up to half their share; asked directly, some deny it.
        expected = (1 - RANDOM_ANSWERS) * CROSSWISE_TRUTH + RANDOM_ANSWERS * 0.5
        denied = CROSSWISE_TRUTH * (1 - (DENIAL[True] + DENIAL[False]) / 2)
        for estimate, truth in ((result.estimate, expected),
                                (result.control, RANDOM_ANSWERS * 0.5)):
            assert abs(estimate.raw - truth) < 3.3 * estimate.se
        assert abs(result.direct.value - denied) < 3.3 * result.direct.se
        assert result.difference is not None and result.difference.low > 0
        # the detailed promise lowers "prefer not to answer"
        assert [v.variant for v in variants] == [1, 2] and VARIANT_PNA[2] < VARIANT_PNA[1]
        first, second = variants
        assert second.prefer_not_share.value < first.prefer_not_share.value
