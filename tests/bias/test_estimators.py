"""The estimator formulas against SciPy and hand-computed values (docs/methods.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from app.bias.estimators import (
    Moments,
    crosswise,
    estimate_difference,
    mean_interval,
    t_quantile,
    welch_difference,
    wilson,
)


def moments(xs) -> Moments:
    xs = np.asarray(xs, dtype=float)
    return Moments(len(xs), float(xs.sum()), float((xs * xs).sum()))


class TestStudentT:
    @pytest.mark.parametrize("df", [1, 2, 3, 4.5, 7, 29, 120, 5000])
    @pytest.mark.parametrize("q", [0.6, 0.975, 0.995, 0.025])
    def test_quantile_matches_scipy(self, df, q):
        assert t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-9, abs=1e-9)


class TestMeans:
    def test_t_interval_matches_scipy(self):
        xs = [1, 2, 2, 3, 4, 4, 5, 5, 5]
        est = mean_interval(moments(xs))
        low, high = stats.t.interval(0.95, len(xs) - 1, loc=np.mean(xs), scale=stats.sem(xs))
        assert (est.low, est.high) == pytest.approx((low, high))

    def test_welch_interval_matches_scipy(self):
        a, b = [5, 5, 4, 4, 4, 3, 5, 5], [3, 2, 4, 3, 1, 3, 2, 4, 5, 3, 2]
        d = welch_difference(moments(a), moments(b))
        res = stats.ttest_ind(a, b, equal_var=False)
        ci = res.confidence_interval(0.95)
        assert (d.low, d.high) == pytest.approx((ci.low, ci.high))
        assert d.df == pytest.approx(res.df)
        assert d.significant

    def test_identical_answers_give_a_zero_width_difference(self):
        d = welch_difference(moments([4] * 6), moments([4] * 6))
        assert (d.value, d.low, d.high) == (0, 0, 0) and not d.significant


class TestCrosswise:
    def test_wilson_matches_the_textbook_value(self):
        # Wilson 95 % for 8/10 (Newcombe 1998): 0.490 to 0.943
        assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)

    def test_estimate_se_interval_neff_epsilon(self):
        # n = 200, p = 0.2, 128 "same": λ = 0.64, π = (0.64 − 0.8)/(−0.6) = 0.2667
        e = crosswise(128, 200, 0.2)
        assert e.raw == pytest.approx(0.26667, abs=1e-5) and e.value == e.raw
        assert e.se == pytest.approx(math.sqrt(0.64 * 0.36 / 200) / 0.6)
        lam_low, lam_high = wilson(128, 200)
        assert e.low == pytest.approx((lam_high - 0.8) / -0.6)
        assert e.high == pytest.approx((lam_low - 0.8) / -0.6)
        assert e.n_eff == pytest.approx(200 * 0.26667 * 0.73333 / (0.64 * 0.36 / 0.36),
                                        rel=1e-4)
        assert e.epsilon == pytest.approx(math.log(4))

    def test_interval_is_clipped_to_zero_one(self):
        none = crosswise(170, 200, 0.2)  # λ̂ = 0.85 > 1 − p: π̂ < 0
        assert none.raw < 0 and none.value == 0 and none.low == 0 and none.high > 0
        everyone = crosswise(0, 200, 0.2)
        assert everyone.raw > 1 and everyone.value == 1 and everyone.high == 1

    def test_p_above_one_half_works_too(self):
        e = crosswise(120, 200, 0.8)  # λ = 0.6: π = (0.6 − 0.2)/0.6
        assert e.raw == pytest.approx(2 / 3)
        assert e.low < e.raw < e.high

    @pytest.mark.parametrize("p", [0.5, 0, 1])
    def test_p_one_half_is_refused(self, p):
        with pytest.raises(ValueError):
            crosswise(10, 20, p)

    def test_split_ballot_difference(self):
        d = estimate_difference(0.30, 0.05, 0.15, 0.03)
        se = math.sqrt(0.05**2 + 0.03**2)
        assert (d.value, d.se) == pytest.approx((0.15, se))
        assert d.low == pytest.approx(0.15 - 1.959964 * se, abs=1e-6)
