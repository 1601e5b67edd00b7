"""Promise variants compared at region level: PNA share and mean per variant (R24)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session

from app.bias.report import promise_variants
from app.questionnaires.loader import Registry
from app.reports.queries import Scope
from app.settings import ROOT
from tests.bias.simulate import QUESTIONNAIRE, VERSION, Store

REGION = Scope(QUESTIONNAIRE, VERSION)
ITEMS = ["course_understood", "course_useful", "course_waste", "welcome"]


@pytest.fixture(scope="module")
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION)


def people(rng, store: Store, variant: int, n: int, pna: float, mean_shift: int) -> list[dict]:
    rows = []
    for _ in range(n):
        answers = {}
        for item in ITEMS:
            if rng.random() < pna:
                answers[item] = ["_pna"]
            else:
                answers[item] = [str(int(np.clip(rng.integers(2, 5) + mean_shift, 1, 5)))]
        rows.append(store.row("2026-10", answers, variant=variant))
    return rows


class TestPromiseVariants:
    def test_a_variant_that_frightens_shows_more_declines(self, engine, battery):
        rng = np.random.default_rng(24)
        store = Store(engine)
        store.bulk(people(rng, store, 1, 300, 0.05, 0)
                   + people(rng, store, 2, 300, 0.25, 0))
        with Session(engine) as session:
            first, second = promise_variants(session, REGION, battery, k=5)
        assert (first.variant, second.variant) == (1, 2)
        assert first.n == 300 and second.n == 300
        assert first.prefer_not_share.high < second.prefer_not_share.low
        assert second.prefer_not_vs_first.significant and second.prefer_not_vs_first.value > 0
        assert first.mean_vs_first is None
        # same answer distribution: the mean difference interval covers 0
        assert second.mean_vs_first.low < 0 < second.mean_vs_first.high

    def test_reverse_keyed_items_do_not_enter_the_mean(self, engine, battery):
        store = Store(engine)
        rows = [store.row("2026-10", {"course_useful": ["4"], "course_waste": ["1"]}, variant=v)
                for v in (1, 2) for _ in range(6)]
        store.bulk(rows)
        with Session(engine) as session:
            first, _ = promise_variants(session, REGION, battery, k=5)
        assert first.likert_mean.value == pytest.approx(4.0)

    def test_only_at_region_level_and_k_per_variant(self, engine, battery):
        store = Store(engine)
        m, _ = store.ids()
        rows = ([store.row("2026-10", {"course_useful": ["4"]}, variant=1) for _ in range(9)]
                + [store.row("2026-10", {"course_useful": ["4"]}, variant=2) for _ in range(4)])
        store.bulk(rows)
        with Session(engine) as session:
            municipal = promise_variants(session, Scope(QUESTIONNAIRE, VERSION,
                                                        municipality_id=m), battery, k=5)
            first, second = promise_variants(session, REGION, battery, k=5)
        assert municipal == []
        # variant 2 has 4 respondents: hidden, and so is variant 1, since the region's
        # published total minus variant 1 would be variant 2
        assert second.prefer_not_share is None and second.n == 0
        assert first.prefer_not_share is None and first.n == 0
