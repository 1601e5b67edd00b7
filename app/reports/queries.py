"""The only module that reads `response` and `answer` (ANONYMITY.md R15).

Reading happens once per month, when it closes: one SQL GROUP BY per lattice dimension turns the
month's answers into frozen counts in `result_count` (one row per cell x question x answer code).
Everything published is computed from those counts by app/reports/service.py, which applies
suppression. Free-text answers are never counted here. tests/reports/test_gate.py enforces that
no other module reads these tables.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal, or_, select, text
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.models import (
    Answer,
    Batch,
    BiasCount,
    ClosedPeriod,
    QuestionnaireVersion,
    Response,
    ResponseInbox,
    ResultCount,
    SuppressionPattern,
)
from app.questionnaires.schema import NON_SUBSTANTIVE, PREFER_NOT

# -- periods ----------------------------------------------------------------------------------

def closed_periods(session: Session) -> dict[str, bool]:
    """Closed months -> whether they hold demo data."""
    rows = session.execute(select(ClosedPeriod.period, ClosedPeriod.demo)).all()
    return {period: demo for period, demo in rows}


def watermark(session: Session) -> str | None:
    """The last closed month: every month up to it is closed."""
    return session.execute(select(func.max(ClosedPeriod.period))).scalar_one()


def earliest_data_month(session: Session) -> str | None:
    firsts = [
        session.execute(select(func.min(Response.period))).scalar_one(),
        session.execute(select(func.min(ResponseInbox.period))).scalar_one(),
    ]
    present = [p for p in firsts if p]
    return min(present) if present else None


# -- freezing ---------------------------------------------------------------------------------

def freeze_month(session: Session, *, period: str, closed_at: datetime, demo: bool,
                 free_text: dict[tuple[str, int], set[str]],
                 multiple: dict[tuple[str, int], set[str]],
                 issued: Iterable[dict[str, object]]) -> None:
    """Count one month's answers into `result_count` and mark the month closed.

    One GROUP BY over the finest cells (municipality x intervention x language x channel) is
    rolled up to the three lattice dimensions; cells partition respondents, so the sums are
    exact. An item's base is the sum of its substantive counts, except for multiple choice,
    where it counts distinct respondents.
    """
    session.execute(text("DELETE FROM result_count WHERE period = :p"), {"p": period})
    totals: dict[tuple[object, ...], int] = defaultdict(int)

    def add(cell: tuple[object, ...], language: str, channel: str, question: str, value: str,
            n: int) -> None:
        for dim, dim_value in (("all", ""), ("language", language), ("channel", channel)):
            totals[(*cell, dim, dim_value, question, value)] += n

    cell = "r.questionnaire_id, r.questionnaire_version, r.intervention_id, r.municipality_id"
    for *key, language, channel, n in session.execute(text(
        f"SELECT {cell}, r.language, r.channel, count(*) FROM response r WHERE r.period = :p "
        f"GROUP BY {cell}, r.language, r.channel"), {"p": period}):
        add(tuple(key), language, channel, "", "", n)
    versions = session.execute(text(
        "SELECT DISTINCT questionnaire_id, questionnaire_version FROM response "
        "WHERE period = :p"), {"p": period}).all()
    for qid, version in versions:
        skip = sorted(free_text.get((qid, version), set())) or ["\x00"]
        params = {"p": period, "qid": qid, "v": version,
                  **{f"f{i}": q for i, q in enumerate(skip)}}
        marks = ", ".join(f":f{i}" for i in range(len(skip)))
        where = (f"WHERE r.period = :p AND r.questionnaire_id = :qid "
                 f"AND r.questionnaire_version = :v AND a.question NOT IN ({marks})")
        join = "FROM response r JOIN answer a ON a.response_id = r.id"
        many = multiple.get((qid, version), set())
        for *key, language, channel, question, value, n in session.execute(text(
            f"SELECT {cell}, r.language, r.channel, a.question, a.value, count(*) {join} "
            f"{where} GROUP BY {cell}, r.language, r.channel, a.question, a.value"), params):
            add(tuple(key), language, channel, question, value, n)
            if question not in many and value not in NON_SUBSTANTIVE:
                add(tuple(key), language, channel, question, "*", n)
        if many:
            names = sorted(many)
            mparams = {**params, **{f"m{i}": q for i, q in enumerate(names)},
                       **{f"ns{i}": c for i, c in enumerate(sorted(NON_SUBSTANTIVE))}}
            mmarks = ", ".join(f":m{i}" for i in range(len(names)))
            for *key, language, channel, question, n in session.execute(text(
                f"SELECT {cell}, r.language, r.channel, a.question, "
                f"count(DISTINCT a.response_id) {join} {where} AND a.question IN ({mmarks}) "
                f"AND a.value NOT IN (:ns0, :ns1, :ns2) "
                f"GROUP BY {cell}, r.language, r.channel, a.question"), mparams):
                add(tuple(key), language, channel, question, "*", n)
    rows = [
        {"questionnaire_id": qid, "questionnaire_version": v, "intervention_id": i,
         "municipality_id": m, "period": period, "dim": dim, "dim_value": dv,
         "question": q, "value": value, "n": n}
        for (qid, v, i, m, dim, dv, q, value), n in sorted(totals.items())
    ]
    rows += list(issued)
    if rows:
        session.execute(insert(ResultCount.__table__), rows)  # type: ignore[arg-type]
    session.merge(ClosedPeriod(period=period, closed_at=closed_at, demo=demo))


def issued_in(session: Session, period: str) -> list[dict[str, object]]:
    """Tokens issued per cell in batches created in this month (for response rates)."""
    query = (
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version,
               Batch.intervention_id, Batch.municipality_id, Batch.channel, Batch.created_at,
               Batch.issued)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Batch.questionnaire_version_id)
    )
    totals: dict[tuple[object, ...], int] = {}
    for qid, version, intervention, municipality, channel, created, issued in session.execute(
        query
    ):
        if created.strftime("%Y-%m") != period:
            continue
        for dim, value in (("all", ""), ("channel", channel)):
            key = (qid, version, intervention, municipality, dim, value)
            totals[key] = totals.get(key, 0) + issued
    return [
        {"questionnaire_id": qid, "questionnaire_version": v, "intervention_id": i,
         "municipality_id": m, "period": period, "dim": dim, "dim_value": value,
         "question": "", "value": "issued", "n": n}
        for (qid, v, i, m, dim, value), n in sorted(totals.items())
    ]


# -- reading frozen counts --------------------------------------------------------------------

def structure_counts(session: Session, *, questionnaire_id: str, version: int,
                     intervention_id: int, months: Sequence[str],
                     codes: bool = True) -> list[tuple]:
    """Every frozen count of one intervention over some months, in every dimension: cell
    sizes, item bases, issued tokens and (with `codes`) answer-code counts."""
    if not months:
        return []
    rc = ResultCount
    query = select(rc.municipality_id, rc.period, rc.dim, rc.dim_value, rc.question,
                   rc.value, rc.n).where(
        rc.questionnaire_id == questionnaire_id, rc.questionnaire_version == version,
        rc.intervention_id == intervention_id, rc.period.in_(months),  # type: ignore[attr-defined]
    )
    if not codes:
        query = query.where(or_(rc.question == "", rc.value == "*"))
    return list(session.connection().execute(query).all())


def value_counts(session: Session, *, questionnaire_id: str, version: int,
                 intervention_id: int, months: Sequence[str], dim: str) -> list[tuple]:
    """Answer-code counts of one dimension, for the cells a page shows."""
    if not months:
        return []
    rc = ResultCount
    query = select(rc.municipality_id, rc.period, rc.dim_value, rc.question, rc.value,
                   rc.n).where(
        rc.questionnaire_id == questionnaire_id, rc.questionnaire_version == version,
        rc.intervention_id == intervention_id, rc.period.in_(months),  # type: ignore[attr-defined]
        rc.dim == dim, rc.question != "", rc.value != "*",
    )
    return list(session.connection().execute(query).all())


# -- frozen suppression patterns ---------------------------------------------------------------

Pattern = dict[str, list[tuple[int, str, str]]]  # family -> hidden (area, dim, dim value)


def pattern_scopes(session: Session) -> list[tuple[str, int, int, str]]:
    """(questionnaire, version, intervention, year) of every closed month with counts."""
    rc = ResultCount
    year = func.substr(rc.period, 1, 4)
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(rc.questionnaire_id, rc.questionnaire_version, rc.intervention_id, year)
        .where(rc.question == "", rc.value == "").distinct()
        .order_by(rc.questionnaire_id, rc.questionnaire_version, rc.intervention_id, year))]


def pattern_periods(session: Session, *, k: int) -> dict[tuple[str, int, int], set[str]]:
    """The periods with a stored pattern at this k, by (questionnaire, version, intervention)."""
    sp = SuppressionPattern
    out: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for qid, version, intervention_id, period in session.execute(select(
            sp.questionnaire_id, sp.questionnaire_version, sp.intervention_id, sp.period)
            .where(sp.k == k)):
        out[(qid, version, intervention_id)].add(period)
    return out


def patterns(session: Session, *, questionnaire_id: str, version: int, intervention_id: int,
             k: int, year: str) -> dict[str, Pattern]:
    """The stored patterns of one year's periods, by period."""
    sp = SuppressionPattern
    rows = session.execute(select(sp.period, sp.hidden).where(
        sp.questionnaire_id == questionnaire_id, sp.questionnaire_version == version,
        sp.intervention_id == intervention_id, sp.k == k,
        sp.period.startswith(year)))  # type: ignore[attr-defined]
    return {period: {family: [tuple(h) for h in hidden]  # type: ignore[misc]
                     for family, hidden in json.loads(text_).items()}
            for period, text_ in rows}


def store_patterns(session: Session, *, questionnaire_id: str, version: int,
                   intervention_id: int, k: int, stored: dict[str, Pattern]) -> None:
    if stored:
        session.execute(insert(SuppressionPattern.__table__), [  # type: ignore[arg-type]
            {"questionnaire_id": questionnaire_id, "questionnaire_version": version,
             "intervention_id": intervention_id, "k": k, "period": period,
             "hidden": json.dumps(pattern, sort_keys=True, separators=(",", ":"))}
            for period, pattern in sorted(stored.items())])


def free_texts(session: Session, *, questionnaire_id: str, version: int, intervention_id: int,
               months: Sequence[str], question: str) -> list[str]:
    """The written answers to one free-text question: the texts alone, never an id or any
    other field of the response (R20). The caller shuffles them."""
    if not months:
        return []
    query = (select(Answer.value).join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
             .where(Response.questionnaire_id == questionnaire_id,
                    Response.questionnaire_version == version,
                    Response.intervention_id == intervention_id,
                    Response.period.in_(months),  # type: ignore[attr-defined]
                    Answer.question == question, Answer.value.not_in(NON_SUBSTANTIVE)))  # type: ignore[attr-defined]
    return [v for v in session.execute(query).scalars() if v.strip()]


# -- writing synthetic data (demo) ------------------------------------------------------------

DEMO_RESPONSE_COLUMNS = ("id", "questionnaire_id", "questionnaire_version", "municipality_id",
                         "intervention_id", "channel", "language", "period", "promise_variant",
                         "arms")


def insert_responses(session: Session, responses: list[dict[str, object]],
                     answers: list[dict[str, object]]) -> None:
    """Bulk insert for demo data (SQLite), sorted by the random ids so B-tree inserts are
    sequential; ids are stored as SQLAlchemy stores a Uuid on SQLite (32 hex digits), arms as
    JSON text."""
    cols = DEMO_RESPONSE_COLUMNS
    rows = sorted(tuple(r[c].hex if c == "id" else r[c] for c in cols)  # type: ignore[union-attr]
                  for r in responses)
    conn = session.connection()
    conn.exec_driver_sql(
        f"INSERT INTO response ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    conn.exec_driver_sql(
        "INSERT INTO answer (response_id, question, value) VALUES (?, ?, ?)",
        sorted((a["response_id"].hex, a["question"], a["value"])  # type: ignore[union-attr]
               for a in answers))


# -- bias toolkit (issue 6) -------------------------------------------------------------------
# Counts behind the bias indicators (app/bias/report.py), frozen into `bias_count` when a month
# closes, like `result_count`: per finest cell (BIAS_DIMENSIONS) an answer code, or a
# respondent-level integer pattern, and how many respondents have it. Respondent-level pairing
# (balanced pairs, per-respondent tallies) happens inside SQL with a self-join of `answer` on
# response_id and a GROUP BY response_id sub-query: no respondent's answer pattern leaves the
# database. Pages read the frozen counts, so reading them costs the same at a million answers as
# at a thousand, and a published month never changes.

LIKERT_VALUES = ("1", "2", "3", "4", "5")
BIAS_DIMENSIONS = ("municipality_id", "intervention_id", "channel", "language", "period",
                   "promise_variant", "questionnaire_version")


@dataclass(frozen=True)
class Scope:
    """Which responses a statistic is about: one lattice position (None = all)."""

    questionnaire_id: str
    questionnaire_version: int | None = None
    municipality_id: int | None = None  # None: the whole region
    intervention_id: int | None = None
    periods: tuple[str, ...] | None = None  # None: every frozen month

    def conditions(self, table: type = Response) -> list[ColumnElement[bool]]:
        found = [table.questionnaire_id == self.questionnaire_id]
        if self.questionnaire_version is not None:
            found.append(table.questionnaire_version == self.questionnaire_version)
        if self.municipality_id is not None:
            found.append(table.municipality_id == self.municipality_id)
        if self.intervention_id is not None:
            found.append(table.intervention_id == self.intervention_id)
        if self.periods is not None:
            found.append(table.period.in_(self.periods))
        return found


@dataclass(frozen=True)
class BiasPlan:
    """What one questionnaire version's bias indicators count (built by app/bias/report.py)."""

    likert: tuple[str, ...]  # answer codes of these items, for the channel comparison
    pairs: tuple[tuple[str, str], ...]  # balanced (reverse-keyed) pairs
    crosswise: tuple[str, ...]  # crosswise items and their controls
    questions: tuple[str, ...]  # every question, for the promise-variant tallies (if any)
    scored: tuple[str, ...]  # Likert items that are not reverse-keyed twins


def _dims(table: type, by: Sequence[str]) -> list[ColumnElement]:
    for name in by:
        if name not in BIAS_DIMENSIONS:
            raise ValueError(f"not a cell dimension: {name}")
    return [getattr(table, name) for name in by]


def _likert_score(value: ColumnElement) -> ColumnElement:
    """A Likert answer as a number, NULL for anything else (PNA, DK, skipped)."""
    return case((value.in_(LIKERT_VALUES), cast(value, Integer)), else_=None)


def refresh_statistics(session: Session) -> None:
    """PostgreSQL: fresh planner statistics before the freezes. A month of answers may be new
    since autovacuum last looked (a seeded demo has none at all), and the freeze's GROUP BYs
    ran for minutes on a plan made without them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE response, answer"))


def freeze_bias(session: Session, *, periods: Sequence[str],
                plans: dict[tuple[str, int], BiasPlan]) -> None:
    """Count the bias patterns of some months into `bias_count` (replacing what was there)."""
    if not periods:
        return
    session.execute(delete(BiasCount).where(BiasCount.period.in_(list(periods))))  # type: ignore[attr-defined]
    dims = _dims(Response, BIAS_DIMENSIONS)
    rows: list[dict[str, object]] = []

    def add(query, qid: str, kind: str) -> None:  # type: ignore[no-untyped-def]
        """Rows (cell dimensions…, item, pattern parts…, n)."""
        for row in session.execute(query):
            cell = dict(zip(BIAS_DIMENSIONS, row[:len(dims)], strict=True))
            item, *pattern = row[len(dims):-1]
            rows.append({**cell, "questionnaire_id": qid, "kind": kind, "item": item,
                         "pattern": "|".join(map(str, pattern)), "n": row[-1]})

    for (qid, version), plan in sorted(plans.items()):
        where = Scope(qid, version, periods=tuple(periods)).conditions()
        if plan.likert:
            add(select(*dims, Answer.question, Answer.value, func.count())
                .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
                .where(Answer.question.in_(plan.likert), *where)  # type: ignore[attr-defined]
                .group_by(*dims, Answer.question, Answer.value), qid, "value")
        if plan.pairs:
            add(_balanced_query(plan.pairs, dims, where), qid, "balanced")
        for item in plan.crosswise:
            drawn = Response.arms[item].as_string()  # type: ignore[index]
            arm = case((drawn == "direct", "direct"), else_="crosswise")
            add(select(*dims, Answer.question, arm, Answer.value, func.count())
                .join(Response, Response.id == Answer.response_id)  # type: ignore[arg-type]
                .where(Answer.question == item, *where)
                .group_by(*dims, Answer.question, arm, Answer.value), qid, "crosswise")
        if plan.questions:
            add(_variant_query(plan.questions, plan.scored, dims, where), qid, "variant")
    if rows:
        session.execute(insert(BiasCount.__table__), rows)  # type: ignore[arg-type]


def _balanced_query(pairs: Sequence[tuple[str, str]], dims: list[ColumnElement],
                    where: list[ColumnElement[bool]]):  # type: ignore[no-untyped-def]
    """Per cell: (Σ(x + y), Σ(x + 6 − y), pairs) → respondents, over each respondent's balanced
    pairs with a substantive answer to both twins (respondents with no such pair: none)."""
    x, y = aliased(Answer), aliased(Answer)
    xs, ys = _likert_score(x.value), _likert_score(y.value)
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
    c = per_respondent.c
    return (
        select(*dims, literal(""), c.agree, c.balanced, c.pairs, func.count())
        .select_from(per_respondent)
        .join(Response, Response.id == c.rid)  # type: ignore[arg-type]
        .where(*where)
        .group_by(*dims, c.agree, c.balanced, c.pairs)
    )


def _variant_query(questions: Sequence[str], scored: Sequence[str], dims: list[ColumnElement],
                   where: list[ColumnElement[bool]]):  # type: ignore[no-untyped-def]
    """Per cell: (PNA answers, questions shown, Σ Likert, Likert answers) → respondents."""
    score = case((Answer.question.in_(list(scored)), _likert_score(Answer.value)),  # type: ignore[attr-defined]
                 else_=None)
    per_respondent = (
        select(
            Answer.response_id.label("rid"),
            func.sum(case((Answer.value == PREFER_NOT, 1), else_=0)).label("pna"),
            func.count(func.distinct(Answer.question)).label("shown"),
            func.coalesce(func.sum(score), 0).label("total"),
            func.count(score).label("scored"),
        )
        .where(Answer.question.in_(list(questions)))  # type: ignore[attr-defined]
        .group_by(Answer.response_id)
        .subquery()
    )
    c = per_respondent.c
    return (
        select(*dims, literal(""), c.pna, c.shown, c.total, c.scored, func.count())
        .select_from(per_respondent)
        .join(Response, Response.id == c.rid)  # type: ignore[arg-type]
        .where(*where)
        .group_by(*dims, c.pna, c.shown, c.total, c.scored)
    )


def _frozen(session: Session, scope: Scope, kind: str, by: Sequence[str],
            items: Sequence[str] | None = None) -> list[tuple]:
    """Rows (breakdown values…, item, pattern, n) of frozen bias counts, summed over the rest."""
    bc = BiasCount
    dims = _dims(bc, by)
    conditions = [bc.kind == kind, *scope.conditions(bc)]
    if items is not None:
        conditions.append(bc.item.in_(list(items)))  # type: ignore[attr-defined]
    query = (select(*dims, bc.item, bc.pattern, func.sum(bc.n))
             .where(*conditions).group_by(*dims, bc.item, bc.pattern))
    return list(session.execute(query).all())


def _ints(pattern: str) -> tuple[int, ...]:
    return tuple(int(part) for part in pattern.split("|"))


def bias_value_counts(
    session: Session, scope: Scope, items: Iterable[str], by: Sequence[str]
) -> dict[tuple, Counter]:
    """{(breakdown values…, item): Counter(answer code → respondents)} for Likert items."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for *key, item, pattern, n in _frozen(session, scope, "value", by, list(items)):
        found[(*key, item)][pattern] += n
    return dict(found)


def balanced_counts(session: Session, scope: Scope, by: Sequence[str]) -> dict[tuple, Counter]:
    """{breakdown: Counter((Σ(x + y), Σ(x + 6 − y), pairs) → respondents)}, over the
    questionnaire's balanced pairs."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for *key, _item, pattern, n in _frozen(session, scope, "balanced", by):
        found[tuple(key)][_ints(pattern)] += n
    return dict(found)


def crosswise_counts(
    session: Session, scope: Scope, item: str, by: Sequence[str]
) -> dict[tuple, Counter]:
    """{breakdown: Counter((arm, answer code) → respondents)}; arm 'direct' or 'crosswise'."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for *key, _item, pattern, n in _frozen(session, scope, "crosswise", by, [item]):
        arm, value = pattern.split("|")
        found[tuple(key)][(arm, value)] += n
    return dict(found)


def variant_counts(
    session: Session, scope: Scope, by: Sequence[str] = ("promise_variant",),
) -> dict[tuple, Counter]:
    """{breakdown: Counter((PNA answers, questions shown, Σ Likert, Likert answers) →
    respondents)}: per respondent, over every question, Likert sums over the non-reversed
    Likert items."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for *key, _item, pattern, n in _frozen(session, scope, "variant", by):
        found[tuple(key)][_ints(pattern)] += n
    return dict(found)
