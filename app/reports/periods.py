"""Calendar periods of the lattice: months (YYYY-MM), quarters (YYYY-Qn) and years (YYYY)."""

from __future__ import annotations

import re

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^(\d{4})$")


def is_period(value: str) -> bool:
    return bool(MONTH.match(value) or QUARTER.match(value) or YEAR.match(value))


def kind(period: str) -> str:
    if MONTH.match(period):
        return "month"
    if QUARTER.match(period):
        return "quarter"
    if YEAR.match(period):
        return "year"
    raise ValueError(period)


def months_of(period: str) -> list[str]:
    if m := MONTH.match(period):
        return [period]
    if m := QUARTER.match(period):
        q = int(m.group(2))
        return [f"{m.group(1)}-{month:02d}" for month in range(3 * q - 2, 3 * q + 1)]
    if m := YEAR.match(period):
        return [f"{m.group(1)}-{month:02d}" for month in range(1, 13)]
    raise ValueError(period)


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def latest_closed_quarter(watermark: str) -> str:
    """The last quarter whose every month is closed (the previous year's Q4 in January and
    February)."""
    quarter = quarter_of(watermark)
    if is_closed(quarter, watermark):
        return quarter
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def parts_of(period: str) -> list[str]:
    """The next finer level: a year's quarters, a quarter's months."""
    k = kind(period)
    if k == "year":
        return [f"{period}-Q{q}" for q in range(1, 5)]
    if k == "quarter":
        return months_of(period)
    return []


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    out = []
    current = first
    while current <= last:
        out.append(current)
        current = next_month(current)
    return out


def is_closed(period: str, watermark: str | None) -> bool:
    """All months up to and including the watermark are closed."""
    return watermark is not None and months_of(period)[-1] <= watermark
