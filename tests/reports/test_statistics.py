"""Confidence intervals checked against SciPy on known data."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from app.reports.statistics import mean_ci, t95, wilson


class TestTQuantile:
    @pytest.mark.parametrize("df", [1, 2, 4, 9, 29, 30, 31, 45, 100, 1000, 100000])
    def test_matches_scipy(self, df):
        assert t95(df) == pytest.approx(stats.t.ppf(0.975, df), abs=2e-4)


class TestMeanInterval:
    def test_known_data(self):
        # 1..5 once each: mean 3, sd sqrt(2.5), t(4) interval.
        mean, low, high = mean_ci({1: 1, 2: 1, 3: 1, 4: 1, 5: 1})
        half = stats.t.ppf(0.975, 4) * math.sqrt(2.5 / 5)
        assert (mean, low, high) == pytest.approx((3.0, 3 - half, 3 + half), abs=1e-4)

    def test_matches_scipy_on_a_skewed_sample(self):
        counts = {1: 3, 2: 5, 3: 11, 4: 40, 5: 22}
        values = [v for v, c in counts.items() for _ in range(c)]
        expected = stats.t.interval(0.95, len(values) - 1, loc=sum(values) / len(values),
                                    scale=stats.sem(values))
        mean, low, high = mean_ci(counts)
        assert mean == pytest.approx(sum(values) / len(values))
        assert (low, high) == pytest.approx(expected, abs=1e-4)

    def test_no_interval_below_two_answers(self):
        assert mean_ci({4: 1}) is None


class TestWilson:
    @pytest.mark.parametrize(("x", "n"), [(0, 5), (5, 5), (12, 40), (500, 1000)])
    def test_matches_the_closed_form(self, x, n):
        z = stats.norm.ppf(0.975)
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        share, low, high = wilson(x, n)
        assert share == pytest.approx(p)
        assert (low, high) == pytest.approx((max(0, centre - half), min(1, centre + half)))

    def test_coverage_is_near_nominal(self):
        # Exact coverage for p = 0.3, n = 50 by summing binomial probabilities.
        n, p = 50, 0.3
        covered = sum(stats.binom.pmf(x, n, p) for x in range(n + 1)
                      if wilson(x, n)[1] <= p <= wilson(x, n)[2])
        assert 0.93 <= covered <= 0.97
