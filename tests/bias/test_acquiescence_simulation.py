"""Acquiescence index and balanced scores recover a known yes-saying tendency (R26)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from sqlmodel import Session

from app.bias.report import acquiescence
from app.questionnaires.loader import Registry
from app.reports.queries import Scope
from app.settings import ROOT
from tests.bias.simulate import (
    QUESTIONNAIRE,
    SURVEYS,
    VERSION,
    Store,
    assert_calibrated,
    coverage,
    survey,
)

REGION = Scope(QUESTIONNAIRE, VERSION)
ATTITUDE_SD, STYLE_SD, NOISE_SD = 0.7, 0.3, 0.6
SD = math.sqrt(ATTITUDE_SD**2 + STYLE_SD**2 + NOISE_SD**2)


@pytest.fixture(scope="module")
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION)


def true_ars(a: float) -> float:
    """E[(x + y)/2 − 3] exactly: x and y are both 3 + N(a, SD) rounded and clipped to 1..5."""
    phi = NormalDist(a, SD).cdf
    cuts = [-1.5, -0.5, 0.5, 1.5]
    inner = [phi(hi) - phi(lo) for lo, hi in zip(cuts, cuts[1:], strict=False)]
    probs = [phi(cuts[0]), *inner, 1 - phi(cuts[-1])]
    return sum(p * point for p, point in zip(probs, range(1, 6), strict=True)) - 3


def respondents(rng: np.random.Generator, n: int, a: float, pairs, pna: float) -> list[dict]:
    """Neutral attitudes on average; yes-saying a_i ~ N(a, 0.3) lifts both twins of a pair."""
    theta = rng.normal(0, ATTITUDE_SD, n)
    style = rng.normal(a, STYLE_SD, n)
    people = [{} for _ in range(n)]
    for positive, negative in pairs:
        for item, sign in ((positive, 1), (negative, -1)):
            raw = 3 + sign * theta + style + rng.normal(0, NOISE_SD, n)
            values = np.clip(np.rint(raw), 1, 5).astype(int).astype(str)
            declined = rng.random(n) < pna
            for person, v, d in zip(people, values, declined, strict=True):
                person[item] = ["_pna" if d else str(v)]
    return people


class TestAcquiescenceIsRecovered:
    @pytest.mark.parametrize(("a", "n"), [(0.0, 400), (0.5, 400), (1.0, 400), (0.5, 6)])
    def test_index_and_balanced_score(self, engine, battery, a, n):
        """n = 6: just above k = 5 respondents per cell."""
        rng = np.random.default_rng(26 + int(a * 10) + n)
        store = Store(engine)
        pairs = battery.balanced_pairs()
        assert len(pairs) >= 2
        rows = []
        pna = 0.1 if n > 6 else 0.0
        for s in range(SURVEYS):
            rows += [store.row(survey(s), answers)
                     for answers in respondents(rng, n, a, pairs, pna)]
        store.bulk(rows)
        with Session(engine) as session:
            cells = acquiescence(session, REGION, battery, k=5, by=("period",))
        assert len(cells) == SURVEYS
        ars = [c.acquiescence for c in cells]
        assert all(e is not None for e in ars)
        c = coverage(true_ars(a), [(e.value, e.low, e.high) for e in ars])
        print(f"ARS a={a} n={n} (truth {true_ars(a):+.3f}): {c}")
        assert_calibrated(c)
        balanced = coverage(3.0, [(e.value, e.low, e.high) for e in (c.balanced for c in cells)])
        print(f"balanced a={a} n={n}: {balanced}")
        assert_calibrated(balanced)
        if n > 6:
            assert abs(balanced.mean_error) < 0.02


class TestCells:
    def test_breakdown_by_intervention_and_language(self, engine, battery):
        store = Store(engine)
        pairs = battery.balanced_pairs()
        yes = {item: ["5"] for pair in pairs for item in pair}
        rows = ([store.row("2026-10", yes, language="ar") for _ in range(6)]
                + [store.row("2026-10", yes, language="sv") for _ in range(4)])
        store.bulk(rows)
        with Session(engine) as session:
            cells = {c.key[1]: c for c in acquiescence(session, REGION, battery, k=5)}
        assert cells["ar"].acquiescence.value == pytest.approx(2.0)  # (5 + 5)/2 − 3
        assert cells["ar"].balanced.value == pytest.approx(3.0)  # (5 + 6 − 5)/2
        assert cells["sv"].acquiescence is None  # 4 < k

    def test_respondents_who_declined_every_pair_are_not_in_the_base(self, engine, battery):
        store = Store(engine)
        pairs = battery.balanced_pairs()
        declined = {item: ["_pna"] for pair in pairs for item in pair}
        half = {pairs[0][0]: ["4"], pairs[0][1]: ["_dk"]}  # one twin only: not a complete case
        store.bulk([store.row("2026-10", declined) for _ in range(30)]
                   + [store.row("2026-10", half) for _ in range(30)])
        with Session(engine) as session:
            assert acquiescence(session, REGION, battery, k=5) == []

    def test_a_respondent_counts_once_with_the_mean_over_the_pairs(self, engine, battery):
        store = Store(engine)
        (p1, n1), (p2, n2), (p3, n3) = battery.balanced_pairs()
        person = {p1: ["5"], n1: ["5"], p2: ["3"], n2: ["1"], p3: ["3"], n3: ["3"]}
        store.bulk([store.row("2026-10", person) for _ in range(5)])
        with Session(engine) as session:
            [cell] = acquiescence(session, REGION, battery, k=5)
        assert cell.n == 5
        assert cell.acquiescence.value == pytest.approx((2 - 1 + 0) / 3)  # ars 2, −1, 0
        assert cell.balanced.value == pytest.approx((3 + 4 + 3) / 3)  # (5+1)/2, (3+5)/2, 3

    def test_only_respondents_who_answered_every_pair_are_counted(self, engine, battery):
        store = Store(engine)
        (p1, n1), (p2, n2), (p3, n3) = battery.balanced_pairs()
        complete = {p1: ["5"], n1: ["5"], p2: ["5"], n2: ["5"], p3: ["5"], n3: ["5"]}
        partial = {p1: ["1"], n1: ["5"], p2: ["_pna"], n2: ["_pna"]}
        store.bulk([store.row("2026-10", complete) for _ in range(8)]
                   + [store.row("2026-10", partial) for _ in range(6)])
        with Session(engine) as session:
            [cell] = acquiescence(session, REGION, battery, k=5)
        assert cell.n == 8 and cell.acquiescence.value == pytest.approx(2.0)

    def test_hidden_when_fewer_than_k_answered_a_pair_item_but_not_every_pair(self, engine,
                                                                             battery):
        """8 complete cases and 2 who answered only the first pair: the first pair's published
        answer sums minus n times the index would give those 2 people's answers."""
        store = Store(engine)
        (p1, n1), (p2, n2), (p3, n3) = battery.balanced_pairs()
        complete = {p1: ["4"], n1: ["2"], p2: ["4"], n2: ["2"], p3: ["4"], n3: ["2"]}
        partial = {p1: ["5"], n1: ["5"]}
        store.bulk([store.row("2026-10", complete) for _ in range(8)]
                   + [store.row("2026-10", partial) for _ in range(2)])
        with Session(engine) as session:
            [cell] = acquiescence(session, REGION, battery, k=5)
        assert cell.n == 8
        assert cell.acquiescence is None and cell.balanced is None
