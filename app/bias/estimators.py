"""Estimators of the dependency-bias toolkit: pure functions on counts and sums.

Every function takes sufficient statistics (n, sum, sum of squares, or counts) that the results
queries compute in SQL, so no respondent-level row ever leaves the database. The formulas are
documented here and, for analysts, in docs/methods.md. Confidence level: 95 % throughout.

Notation: a cell's statistic is built from `Moments(n, total, squares)` =
(n, Σx, Σx²) over the respondents (or answers) in the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

LEVEL = 0.95
Z = NormalDist().inv_cdf(0.5 + LEVEL / 2)  # 1.959964


# -- distributions (no SciPy at run time) ---------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(q: float, df: float) -> float:
    """Quantile of Student's t with `df` degrees of freedom (bisection on the exact CDF)."""
    if not 0.0 < q < 1.0:
        raise ValueError("q must be in (0, 1)")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < q:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2.0


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² of a cell: all a mean and its variance need."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """Sample variance s² (n − 1 in the denominator); 0 below two observations."""
        if self.n < 2:
            return 0.0
        return max(self.squares - self.total * self.total / self.n, 0.0) / (self.n - 1)

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.squares + other.squares)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    se: float
    n: int


def mean_interval(m: Moments) -> Estimate:
    """Mean with a t-interval: x̄ ± t(0.975, n−1) · s/√n (needs n ≥ 2)."""
    if m.n < 2:
        raise ValueError("a mean interval needs at least two observations")
    se = math.sqrt(m.variance / m.n)
    half = t_quantile(0.5 + LEVEL / 2, m.n - 1) * se
    return Estimate(m.mean, m.mean - half, m.mean + half, se, m.n)


@dataclass(frozen=True)
class Difference:
    value: float
    low: float
    high: float
    se: float
    df: float

    @property
    def significant(self) -> bool:
        """The 95 % interval excludes zero."""
        return self.low > 0 or self.high < 0


def welch_difference(a: Moments, b: Moments) -> Difference:
    """Δ = x̄_a − x̄_b with a Welch interval.

    SE = √(s_a²/n_a + s_b²/n_b); Welch–Satterthwaite
    df = SE⁴ / ((s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1)); Δ ± t(0.975, df)·SE.
    """
    if a.n < 2 or b.n < 2:
        raise ValueError("each group needs at least two observations")
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    delta = a.mean - b.mean
    if se == 0.0:
        return Difference(delta, delta, delta, 0.0, float(a.n + b.n - 2))
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    half = t_quantile(0.5 + LEVEL / 2, df) * se
    return Difference(delta, delta - half, delta + half, se, df)


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n."""
    if n <= 0:
        raise ValueError("n must be positive")
    phat = k / n
    denom = 1 + Z * Z / n
    centre = (phat + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(phat * (1 - phat) / n + Z * Z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(k: int, n: int) -> Estimate:
    """k/n with a Wilson interval and the binomial SE √(p̂(1−p̂)/n)."""
    low, high = wilson(k, n)
    phat = k / n
    return Estimate(phat, low, high, math.sqrt(phat * (1 - phat) / n), n)


@dataclass(frozen=True)
class CrosswiseEstimate:
    """Prevalence π of a sensitive attribute from crosswise answers.

    `raw` is the unbiased estimate (λ̂ + p − 1)/(2p − 1), which sampling error can push outside
    [0, 1]; `value` is it clipped to [0, 1] for display. `low`/`high` map the Wilson interval of
    λ to π and clip it. `n_eff` is the size of a direct-question sample with the same precision.
    `epsilon` is the local differential-privacy level of one answer.
    """

    value: float
    raw: float
    low: float
    high: float
    se: float
    n: int
    n_eff: float
    epsilon: float
    same_share: float


def crosswise(n_same: int, n: int, p: float) -> CrosswiseEstimate:
    """Crosswise model (Yu, Tian & Tang 2008), i.e. Warner's estimator with λ = P(same).

    λ = πp + (1−π)(1−p)  ⇒  π̂ = (λ̂ + p − 1)/(2p − 1),   λ̂ = n_same/n
    SE(π̂) = √(λ̂(1−λ̂)/n) / |2p − 1|
    95 % CI: the Wilson interval [λ_L, λ_U] of λ, mapped through the same (monotone) formula
             (p < 0.5 reverses the ends) and clipped to [0, 1].
    n_eff = n · π̂(1−π̂) / (λ̂(1−λ̂)/(2p−1)²)   (π̂ clipped; 0 when π̂ is 0 or 1)
    ε = |ln((1−p)/p)|
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 < p < 1 or p == 0.5:
        raise ValueError("p must be in (0, 1) and not 0.5")
    k = 2 * p - 1
    lam = n_same / n
    raw = (lam + p - 1) / k
    lam_low, lam_high = wilson(n_same, n)
    ends = sorted(((lam_low + p - 1) / k, (lam_high + p - 1) / k))
    se = math.sqrt(lam * (1 - lam) / n) / abs(k)
    shown = 0.0 if raw <= 0 else min(raw, 1.0)
    var_cw = lam * (1 - lam) / (k * k)
    n_eff = n * shown * (1 - shown) / var_cw if var_cw > 0 else 0.0
    return CrosswiseEstimate(
        value=shown,
        raw=raw + 0.0,
        low=min(max(ends[0], 0.0), 1.0),
        high=min(max(ends[1], 0.0), 1.0),
        se=se,
        n=n,
        n_eff=n_eff,
        epsilon=abs(math.log((1 - p) / p)),
        same_share=lam,
    )


def estimate_difference(a_value: float, a_se: float, b_value: float, b_se: float) -> Difference:
    """Difference of two independent estimates with a normal (Wald) interval:
    (a − b) ± z·√(SE_a² + SE_b²). Used for split-ballot: crosswise − direct."""
    se = math.sqrt(a_se * a_se + b_se * b_se)
    delta = a_value - b_value
    return Difference(delta, delta - Z * se, delta + Z * se, se, math.inf)
