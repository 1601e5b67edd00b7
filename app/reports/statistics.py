"""Estimates with 95 % confidence intervals, computed from frozen answer counts.

Means use the t interval (exact for the counts given; the t quantile is tabulated to 30 degrees
of freedom and approximated beyond with the Cornish-Fisher expansion, error < 1e-4); shares
(top-2-box) use the Wilson score interval, which behaves at 0 %, 100 % and small n.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

Z95 = 1.959963984540054
_T95 = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
        2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
        2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
        2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272]


def t95(df: int) -> float:
    """Two-sided 95 % quantile of Student's t with df degrees of freedom."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T95):
        return _T95[df - 1]
    z = Z95
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


def mean_ci(counts: Mapping[float, int]) -> tuple[float, float, float] | None:
    """Mean and its 95 % t interval from value -> count; None below two answers."""
    n = sum(counts.values())
    if n < 2:
        return None
    mean = sum(v * c for v, c in counts.items()) / n
    var = sum(c * (v - mean) ** 2 for v, c in counts.items()) / (n - 1)
    half = t95(n - 1) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def wilson(successes: int, n: int) -> tuple[float, float, float] | None:
    """Share and its 95 % Wilson score interval; None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)
