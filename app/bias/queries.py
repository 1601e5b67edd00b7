"""SQL for the bias indicators: sufficient statistics per cell, never a respondent's row.

TO MOVE: results (issue 5) makes app/reports/queries.py the only module that reads `response`
and `answer`. These functions belong there and are written to be moved as they are: each takes a
session, a `Scope` (the lattice position) and the breakdown columns, and returns counts and sums
per cell. Respondent-level pairing (balanced pairs, per-respondent means) happens inside SQL with
a self-join of `answer` on response_id and a GROUP BY response_id sub-query, so no individual
answer pattern reaches Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.bias.estimators import Moments
from app.models import Answer, Response
from app.questionnaires.schema import DIFFERENT, DONT_KNOW, PREFER_NOT, SAME

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


@dataclass(frozen=True)
class ItemCell:
    """One Likert item in one cell: its substantive moments and its non-answers."""

    moments: Moments
    prefer_not: int
    dont_know: int
    shown: int  # answers stored for the item (substantive + PNA + DK + skipped)


def likert_cells(
    session: Session, scope: Scope, items: Iterable[str], by: Sequence[str]
) -> dict[tuple, ItemCell]:
    """Per (breakdown values…, item): n, Σx, Σx² of substantive answers, PNA and DK counts."""
    dims = _dims(by)
    score = _score(Answer.value)
    query = (
        select(
            *dims,
            Answer.question,
            func.count(score),
            func.coalesce(func.sum(score), 0),
            func.coalesce(func.sum(score * score), 0),
            func.sum(case((Answer.value == PREFER_NOT, 1), else_=0)),
            func.sum(case((Answer.value == DONT_KNOW, 1), else_=0)),
            func.count(),
        )
        .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
        .where(Answer.question.in_(list(items)), *scope.conditions())  # type: ignore[attr-defined]
        .group_by(*dims, Answer.question)
    )
    cells = {}
    for row in session.execute(query):
        *key, n, total, squares, pna, dk, shown = row
        cells[tuple(key)] = ItemCell(Moments(n, float(total), float(squares)), pna, dk, shown)
    return cells


@dataclass(frozen=True)
class BalancedCell:
    """Respondent-level acquiescence and balanced scores in one cell (ANONYMITY.md C.4)."""

    acquiescence: Moments  # of ars_i = mean over i's pairs of (x + y)/2 − 3
    balanced: Moments  # of b_i = mean over i's pairs of (x + (6 − y))/2


def balanced_cells(
    session: Session, scope: Scope, pairs: Sequence[tuple[str, str]], by: Sequence[str]
) -> dict[tuple, BalancedCell]:
    """Per breakdown cell: moments of the respondent-level ARS and balanced score.

    A respondent counts once, with the average over the pairs where they gave a substantive
    answer to both twins; respondents with no such pair are not in the base.
    """
    if not pairs:
        return {}
    x, y = aliased(Answer), aliased(Answer)
    xs, ys = _score(x.value), _score(y.value)
    matched = or_(*(and_(x.question == pos, y.question == neg) for pos, neg in pairs))
    per_respondent = (
        select(
            x.response_id.label("rid"),
            func.avg(cast(xs + ys, Float) / 2 - 3).label("ars"),
            func.avg(cast(xs + literal(6) - ys, Float) / 2).label("b"),
        )
        .join(y, y.response_id == x.response_id)
        .where(matched, x.value.in_(LIKERT_VALUES), y.value.in_(LIKERT_VALUES))
        .group_by(x.response_id)
        .subquery()
    )
    dims = _dims(by)
    query = (
        select(
            *dims,
            func.count(),
            func.sum(per_respondent.c.ars),
            func.sum(per_respondent.c.ars * per_respondent.c.ars),
            func.sum(per_respondent.c.b),
            func.sum(per_respondent.c.b * per_respondent.c.b),
        )
        .select_from(per_respondent)
        .join(Response, Response.id == per_respondent.c.rid)  # type: ignore[arg-type]
        .where(*scope.conditions())
        .group_by(*dims)
    )
    cells = {}
    for row in session.execute(query):
        *key, n, s_ars, ss_ars, s_b, ss_b = row
        cells[tuple(key)] = BalancedCell(
            Moments(n, float(s_ars), float(ss_ars)), Moments(n, float(s_b), float(ss_b))
        )
    return cells


@dataclass(frozen=True)
class CrosswiseCell:
    """Answers to one crosswise item in one cell, by split-ballot arm."""

    same: int = 0
    different: int = 0
    yes: int = 0  # direct arm
    no: int = 0  # direct arm
    prefer_not_crosswise: int = 0
    prefer_not_direct: int = 0
    skipped: int = 0


def crosswise_cells(
    session: Session, scope: Scope, item: str, by: Sequence[str]
) -> dict[tuple, CrosswiseCell]:
    """Per breakdown cell: same/different (crosswise arm) and yes/no (direct arm) counts."""
    dims = _dims(by)
    arm = Response.arms[item].as_string()  # type: ignore[index]
    is_direct = arm == "direct"

    def count(condition: ColumnElement[bool]) -> ColumnElement:
        return func.sum(case((condition, 1), else_=0))

    pna = Answer.value == PREFER_NOT
    query = (
        select(
            *dims,
            count(Answer.value == SAME),
            count(Answer.value == DIFFERENT),
            count(Answer.value == "yes"),
            count(Answer.value == "no"),
            count(and_(pna, or_(arm.is_(None), ~is_direct))),
            count(and_(pna, is_direct)),
            count(Answer.value.not_in([SAME, DIFFERENT, "yes", "no", PREFER_NOT])),  # type: ignore[attr-defined]
        )
        .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
        .where(Answer.question == item, *scope.conditions())
        .group_by(*dims)
    )
    cells = {}
    for row in session.execute(query):
        key, counts = tuple(row[: len(dims)]), row[len(dims):]
        cells[key] = CrosswiseCell(*(int(c or 0) for c in counts))
    return cells


@dataclass(frozen=True)
class VariantCell:
    """Respondent-level outcomes of one promise variant (ANONYMITY.md C.2)."""

    prefer_not_share: Moments  # of each respondent's share of items answered "prefer not"
    likert_mean: Moments  # of each respondent's mean substantive answer on the given items


def variant_cells(
    session: Session, scope: Scope, items: Sequence[str], likert_items: Sequence[str],
    by: Sequence[str] = ("promise_variant",),
) -> dict[tuple, VariantCell]:
    """Per promise variant: moments of respondent-level PNA share and mean Likert answer."""
    score = case((Answer.question.in_(list(likert_items)), _score(Answer.value)),  # type: ignore[attr-defined]
                 else_=None)
    per_respondent = (
        select(
            Answer.response_id.label("rid"),
            (cast(func.sum(case((Answer.value == PREFER_NOT, 1), else_=0)), Float)
             / func.count(func.distinct(Answer.question))).label("pna"),
            func.avg(cast(score, Float)).label("mean"),
        )
        .where(Answer.question.in_(list(items)))  # type: ignore[attr-defined]
        .group_by(Answer.response_id)
        .subquery()
    )
    dims = _dims(by)
    pna, mean = per_respondent.c.pna, per_respondent.c.mean
    query = (
        select(
            *dims,
            func.count(),
            func.sum(pna),
            func.sum(pna * pna),
            func.count(mean),
            func.coalesce(func.sum(mean), 0),
            func.coalesce(func.sum(mean * mean), 0),
        )
        .select_from(per_respondent)
        .join(Response, Response.id == per_respondent.c.rid)  # type: ignore[arg-type]
        .where(*scope.conditions())
        .group_by(*dims)
    )
    cells = {}
    for row in session.execute(query):
        *key, n, s_p, ss_p, n_m, s_m, ss_m = row
        cells[tuple(key)] = VariantCell(
            Moments(n, float(s_p), float(ss_p)), Moments(n_m, float(s_m), float(ss_m))
        )
    return cells
