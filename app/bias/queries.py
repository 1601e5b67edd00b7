"""SQL for the bias indicators: counts per cell, never a respondent's row.

TO MOVE: results (issue 5) makes app/reports/queries.py the only module that reads `response`
and `answer`. These functions belong there and are written to be moved as they are. Each returns
*counts* (how many respondents per answer code, or per respondent-level pattern) per breakdown
cell, the same shape as the frozen `result_count` rows of results, so every indicator is computed
from counts by the pure functions in app/bias/counts.py and estimators.py.

Respondent-level pairing (balanced pairs, per-respondent shares) happens inside SQL with a
self-join of `answer` on response_id and a GROUP BY response_id sub-query; what leaves the
database is how many respondents had each integer pattern, e.g. "Σ(x + y) over the respondent's
pairs = 14 with 2 pairs": 9 respondents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.models import Answer, Response
from app.questionnaires.schema import PREFER_NOT

LIKERT_VALUES = ("1", "2", "3", "4", "5")
DIMENSIONS = ("municipality_id", "intervention_id", "channel", "language", "period",
              "promise_variant", "questionnaire_version")


@dataclass(frozen=True)
class Scope:
    """Which responses a statistic is about: one lattice position (None = all)."""

    questionnaire_id: str
    questionnaire_version: int | None = None
    municipality_id: int | None = None  # None: the whole region
    intervention_id: int | None = None
    periods: tuple[str, ...] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [Response.questionnaire_id == self.questionnaire_id]
        if self.questionnaire_version is not None:
            found.append(Response.questionnaire_version == self.questionnaire_version)
        if self.municipality_id is not None:
            found.append(Response.municipality_id == self.municipality_id)
        if self.intervention_id is not None:
            found.append(Response.intervention_id == self.intervention_id)
        if self.periods is not None:
            found.append(Response.period.in_(self.periods))  # type: ignore[attr-defined]
        return found


def _dims(by: Sequence[str]) -> list[ColumnElement]:
    for name in by:
        if name not in DIMENSIONS:
            raise ValueError(f"not a cell dimension: {name}")
    return [getattr(Response, name) for name in by]


def _score(value: ColumnElement) -> ColumnElement:
    """A Likert answer as a number, NULL for anything else (PNA, DK, skipped)."""
    return case((value.in_(LIKERT_VALUES), cast(value, Integer)), else_=None)


def _collect(session: Session, query, width: int) -> dict[tuple, Counter]:  # type: ignore[no-untyped-def]
    """Rows (key…, pattern…, n) → {key: Counter(pattern → n)}; `width` = number of key columns."""
    found: dict[tuple, Counter] = {}
    for row in session.execute(query):
        key, pattern, n = tuple(row[:width]), tuple(row[width:-1]), row[-1]
        found.setdefault(key, Counter())[pattern if len(pattern) > 1 else pattern[0]] += n
    return found


def value_counts(
    session: Session, scope: Scope, items: Iterable[str], by: Sequence[str]
) -> dict[tuple, Counter]:
    """{(breakdown values…, item): Counter(answer code → respondents)}."""
    dims = _dims(by)
    query = (
        select(*dims, Answer.question, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
        .where(Answer.question.in_(list(items)), *scope.conditions())  # type: ignore[attr-defined]
        .group_by(*dims, Answer.question, Answer.value)
    )
    return _collect(session, query, len(dims) + 1)


def balanced_counts(
    session: Session, scope: Scope, pairs: Sequence[tuple[str, str]], by: Sequence[str]
) -> dict[tuple, Counter]:
    """{breakdown: Counter((Σ(x + y), Σ(x + 6 − y), pairs) → respondents)}.

    Sums run over the respondent's balanced pairs with a substantive answer to both twins;
    respondents with no such pair are not counted.
    """
    if not pairs:
        return {}
    x, y = aliased(Answer), aliased(Answer)
    xs, ys = _score(x.value), _score(y.value)
    matched = or_(*(and_(x.question == pos, y.question == neg) for pos, neg in pairs))
    per_respondent = (
        select(
            x.response_id.label("rid"),
            func.sum(xs + ys).label("agree"),
            func.sum(xs + literal(6) - ys).label("balanced"),
            func.count().label("pairs"),
        )
        .join(y, y.response_id == x.response_id)
        .where(matched, x.value.in_(LIKERT_VALUES), y.value.in_(LIKERT_VALUES))
        .group_by(x.response_id)
        .subquery()
    )
    dims = _dims(by)
    c = per_respondent.c
    query = (
        select(*dims, c.agree, c.balanced, c.pairs, func.count())
        .select_from(per_respondent)
        .join(Response, Response.id == c.rid)  # type: ignore[arg-type]
        .where(*scope.conditions())
        .group_by(*dims, c.agree, c.balanced, c.pairs)
    )
    return _collect(session, query, len(dims))


def crosswise_counts(
    session: Session, scope: Scope, item: str, by: Sequence[str]
) -> dict[tuple, Counter]:
    """{breakdown: Counter((arm, answer code) → respondents)}; arm 'direct' or 'crosswise'."""
    dims = _dims(by)
    drawn = Response.arms[item].as_string()  # type: ignore[index]
    arm = case((drawn == "direct", "direct"), else_="crosswise")
    query = (
        select(*dims, arm, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
        .where(Answer.question == item, *scope.conditions())
        .group_by(*dims, arm, Answer.value)
    )
    return _collect(session, query, len(dims))


def variant_counts(
    session: Session, scope: Scope, items: Sequence[str], likert_items: Sequence[str],
    by: Sequence[str] = ("promise_variant",),
) -> dict[tuple, Counter]:
    """{breakdown: Counter((PNA answers, items shown, Σ Likert, Likert answers) → respondents)}.

    Per respondent: how many of `items` they answered "prefer not to answer", how many of them
    were shown, and the sum and number of substantive answers to `likert_items`.
    """
    score = case((Answer.question.in_(list(likert_items)), _score(Answer.value)),  # type: ignore[attr-defined]
                 else_=None)
    per_respondent = (
        select(
            Answer.response_id.label("rid"),
            func.sum(case((Answer.value == PREFER_NOT, 1), else_=0)).label("pna"),
            func.count(func.distinct(Answer.question)).label("shown"),
            func.coalesce(func.sum(score), 0).label("total"),
            func.count(score).label("scored"),
        )
        .where(Answer.question.in_(list(items)))  # type: ignore[attr-defined]
        .group_by(Answer.response_id)
        .subquery()
    )
    dims = _dims(by)
    c = per_respondent.c
    query = (
        select(*dims, c.pna, c.shown, c.total, c.scored, func.count())
        .select_from(per_respondent)
        .join(Response, Response.id == c.rid)  # type: ignore[arg-type]
        .where(*scope.conditions())
        .group_by(*dims, c.pna, c.shown, c.total, c.scored)
    )
    return _collect(session, query, len(dims))
