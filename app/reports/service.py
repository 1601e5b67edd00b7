"""The single aggregation gate (ANONYMITY.md R15): `publication()` computes every published
number and its suppression. The HTML page, charts, CSV, XLSX, JSON and the API all render a
`Publication`; nothing else turns counts into numbers.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, select, update
from sqlmodel import Session

from app.bias.report import BiasPublication, Shown, bias_plan, bias_publication
from app.errors import LyssnaError
from app.i18n.templating import current_language
from app.i18n.templating import gettext as _
from app.models import ClosedPeriod, Intervention, Municipality
from app.questionnaires.loader import Registry
from app.questionnaires.schema import (
    DONT_KNOW,
    NON_SUBSTANTIVE,
    PREFER_NOT,
    SKIPPED,
    Crosswise,
    FreeText,
    Likert,
    MultipleChoice,
    Number,
    Question,
    Questionnaire,
    SingleChoice,
    YesNo,
)
from app.reports import periods, queries
from app.reports.audit import Cells, counts_audit, partition_audit
from app.reports.lattice import LatticeError, Query
from app.reports.queries import Scope
from app.reports.statistics import mean_ci, wilson
from app.reports.suppression import (
    REGION,
    Audit,
    Node,
    Relation,
    Stage,
    plan,
    suppress,
    suppress_item,
)


@dataclass(frozen=True)
class Viewer:
    """What a viewer may see: some municipalities (and the region total under the
    cross-authorisation rule), or the whole region (None)."""

    municipalities: frozenset[int] | None = None

    @property
    def is_region(self) -> bool:
        return self.municipalities is None

    def sees(self, area: int) -> bool:
        return self.municipalities is None or area == REGION or area in self.municipalities


REGION_VIEWER = Viewer(None)


@dataclass
class OptionResult:
    code: str
    count: int
    share: float | None


@dataclass
class ItemResult:
    question: str
    kind: str
    base: int | None  # None: suppressed
    options: list[OptionResult] = field(default_factory=list)
    special: list[OptionResult] = field(default_factory=list)  # _pna, _dk, _skip
    mean: tuple[float, float, float] | None = None
    top2: tuple[float, float, float] | None = None

    @property
    def suppressed(self) -> bool:
        return self.base is None


@dataclass
class Group:
    key: str
    label: str
    area: int
    period: str
    dim: str
    dim_value: str
    intervention: str
    n: int | None  # None: fewer than k
    issued: int | None = None
    items: list[ItemResult] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        if self.n is None or not self.issued:
            return None
        return self.n / self.issued


@dataclass
class Publication:
    query: Query
    questionnaire: Questionnaire
    intervention: Intervention
    period: str
    breakdown: str
    groups: list[Group]
    k: int
    demo: bool
    closed: list[str]
    bias: BiasPublication | None = None  # the dependency-bias indicators (issue 6), if asked

    def rows(self) -> list[dict[str, object]]:
        """Tidy long form, one row per group x question x option: the content of every
        export. Suppressed numbers are None with suppressed=True."""
        out: list[dict[str, object]] = []
        for g in self.groups:
            base = {"breakdown": self.breakdown, "group": g.key, "period": g.period,
                    "intervention": g.intervention}
            out.append({**base, "question_id": "", "option": "responses", "count": g.n,
                        "share": None, "base": g.n, "suppressed": g.n is None,
                        "ci_low": None, "ci_high": None})
            if g.dim != "language":
                rate = g.rate
                out.append({**base, "question_id": "", "option": "issued",
                            "count": g.issued if g.n is not None else None,
                            "share": _r(rate), "base": g.n, "suppressed": g.n is None,
                            "ci_low": None, "ci_high": None})
            for item in g.items:
                row = {**base, "question_id": item.question, "base": item.base,
                       "suppressed": item.suppressed, "ci_low": None, "ci_high": None}
                for opt in item.options + item.special:
                    out.append({**row, "option": opt.code,
                                "count": None if item.suppressed else opt.count,
                                "share": None if item.suppressed else _r(opt.share)})
                if item.kind in ("likert", "number"):
                    m = item.mean
                    out.append({**row, "option": "mean", "count": None,
                                "share": _r(m[0], 2) if m else None,
                                "ci_low": _r(m[1], 2) if m else None,
                                "ci_high": _r(m[2], 2) if m else None})
                if item.kind == "likert":
                    t = item.top2
                    out.append({**row, "option": "top2", "count": None,
                                "share": _r(t[0]) if t else None,
                                "ci_low": _r(t[1]) if t else None,
                                "ci_high": _r(t[2]) if t else None})
        if self.bias is not None:
            out += [{**row, "period": self.period, "intervention": self.intervention.slug}
                    for row in self.bias.rows()]
        return out


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# -- the structure of published numbers ------------------------------------------------------

@dataclass
class Structure:
    """Cell sizes, item bases and issued counts of one intervention-year, with suppression."""

    n: dict[Node, int]
    issued: dict[Node, int]
    bases: dict[str, dict[Node, int]]
    hidden_n: set[Node]
    hidden_items: dict[str, set[Node]]
    families: dict[str, list[dict[Node, int]]]  # per item: base, then each answer code
    fresh: dict[str, queries.Pattern] = field(default_factory=dict)  # periods not stored yet


def _nodes_and_stages(areas: list[int], slices: list[tuple[str, str]],
                      months: list[str]) -> list[tuple[str, set[Node], list[Relation]]]:
    municipalities = [a for a in areas if a != REGION]
    by_dim: dict[str, list[str]] = defaultdict(list)
    for dim, value in slices:
        if dim != "all":
            by_dim[dim].append(value)

    def level(t: str, finer: list[str]) -> tuple[str, set[Node], list[Relation]]:
        nodes = {(a, t, d, v) for a in areas for d, v in slices}
        relations = [Relation((REGION, t, d, v), tuple((m, t, d, v) for m in municipalities),
                              geographic=True) for d, v in slices]
        for a in areas:
            for dim, values in by_dim.items():
                relations.append(Relation((a, t, "all", ""),
                                          tuple((a, t, dim, v) for v in values)))
            if finer:
                for d, v in slices:
                    relations.append(Relation((a, t, d, v), tuple((a, f, d, v) for f in finer),
                                              periodic=True))
        return t, nodes, relations

    stages = []
    for month in months:
        stages.append(level(month, []))
        if month.endswith(("-03", "-06", "-09", "-12")):
            quarter = periods.quarter_of(month)
            stages.append(level(quarter, periods.months_of(quarter)))
        if month.endswith("-12"):
            stages.append(level(month[:4], periods.parts_of(month[:4])))
    return stages


def _stage_periods(months: list[str]) -> list[str]:
    """The periods published once `months` are closed, in the order they are settled."""
    return [t for t, _n, _r in _nodes_and_stages([REGION], [("all", "")], months)]


def _structure(session: Session, *, questionnaire: Questionnaire, intervention_id: int,
               year: str, watermark: str, viewer: Viewer, k: int,
               cache: dict | None, codes: bool = False) -> Structure:
    key = (questionnaire.key, intervention_id, year, watermark, viewer, k, codes)
    if cache is not None and key in cache:
        return cache[key]
    if not viewer.is_region:  # the cross-authorisation rule needs the answer-code counts
        base = _structure(session, questionnaire=questionnaire, intervention_id=intervention_id,
                          year=year, watermark=watermark, viewer=REGION_VIEWER, k=k, cache=cache,
                          codes=True)
        result = _restrict(base, viewer, year, watermark, k)
    else:
        result = _region_structure(session, questionnaire, intervention_id, year, watermark, k,
                                   codes=codes)
    if cache is not None:
        if len(cache) > 256:
            cache.clear()
        cache[key] = result
    return result


def _times(month: str, watermark: str) -> list[str]:
    out = [month]
    quarter = periods.quarter_of(month)
    if periods.is_closed(quarter, watermark):
        out.append(quarter)
    if periods.is_closed(month[:4], watermark):
        out.append(month[:4])
    return out


def _region_structure(session: Session, questionnaire: Questionnaire, intervention_id: int,
                      year: str, watermark: str, k: int, *, codes: bool = True) -> Structure:
    """Counts and suppression of one intervention-year as the region sees it. Stored
    patterns are read; periods without one are computed (with the audit). Answer-code counts
    are read only where something needs them (`codes`, or a period to compute): a page needs
    bases and cell sizes, and the codes are most of the rows."""
    months = [m for m in periods.months_of(year) if m <= watermark]
    stored = queries.patterns(session, questionnaire_id=questionnaire.id,
                              version=questionnaire.version, intervention_id=intervention_id,
                              k=k, year=year)
    complete = set(_stage_periods(months)) <= set(stored)
    rows = queries.structure_counts(session, questionnaire_id=questionnaire.id,
                                    version=questionnaire.version,
                                    intervention_id=intervention_id, months=months,
                                    codes=codes or not complete)
    n: dict[Node, int] = defaultdict(int)
    issued: dict[Node, int] = defaultdict(int)
    bases: dict[str, dict[Node, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, dict[str, dict[Node, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    times = {m: _times(m, watermark) for m in months}
    areas, slices = {REGION}, {("all", "")}
    for muni, month, dim, dim_value, question, value, count in rows:
        areas.add(muni)
        slices.add((dim, dim_value))
        if question == "":
            target = n if value == "" else issued
        elif value == "*":
            target = bases[question]
        else:
            target = counts[question][value]
        for t in times[month]:
            target[(muni, t, dim, dim_value)] += count
            target[(REGION, t, dim, dim_value)] += count
    families = {q.id: [dict(bases[q.id])] + [dict(v) for _c, v in sorted(counts[q.id].items())]
                for q in questionnaire.questions() if not isinstance(q, FreeText)}

    def settled(family: str) -> dict[str, set[Node]]:
        return {period: {(a, period, d, v) for a, d, v in pattern.get(family, ())}
                for period, pattern in stored.items()}

    if complete:  # the usual page: every period's pattern was stored when it closed
        hidden_n = set().union(*settled("").values())
        hidden_items = {q: set().union(*settled(q).values()) for q in families}
        return Structure(dict(n), dict(issued), {q: f[0] for q, f in families.items()},
                         hidden_n, hidden_items, families)
    stages = plan(_nodes_and_stages(sorted(areas), sorted(slices), months))
    cells = Cells.of(stages[-1].known, months)
    hidden_n = suppress(n, stages, k, audit=counts_audit(n, cells), settled=settled(""))
    counts = {q: dict(codes) for q, codes in counts.items()}  # read by several threads

    def suppressed(q: Question) -> tuple[str, set[Node]]:
        audit = _item_audit(q, questionnaire, counts, families[q.id][0], n, hidden_n,
                            hidden_items, cells)
        return q.id, suppress_item(families[q.id], stages, k, hidden=hidden_n, responses=n,
                                   hidden_responses=hidden_n, audit=audit,
                                   settled=settled(q.id))

    # Items are independent, except that an item shown after certain answers needs the
    # pattern of the question it depends on; the audit's solver runs outside the GIL.
    hidden_items: dict[str, set[Node]] = {}
    waiting = [q for q in questionnaire.questions() if q.id in families]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        while waiting:
            ready = [q for q in waiting if q.show_if is None or q.show_if.question in hidden_items]
            if not ready:
                raise ValueError(f"conditions form a cycle: {[q.id for q in waiting]}")
            hidden_items.update(pool.map(suppressed, ready))
            waiting = [q for q in waiting if q.id not in hidden_items]
    hidden_items = {q: hidden_items[q] for q in families}  # questionnaire order
    fresh = [stage.period for stage in stages if stage.period not in stored]
    return Structure(dict(n), dict(issued), {q: f[0] for q, f in families.items()},
                     hidden_n, hidden_items, families,
                     _patterns(fresh, {"": hidden_n, **hidden_items}))


def _item_audit(q: Question, questionnaire: Questionnaire,
                counts: dict[str, dict[str, dict[Node, int]]], base: dict[Node, int],
                n: dict[Node, int], hidden_n: set[Node], hidden_items: dict[str, set[Node]],
                cells: Cells) -> Audit:
    """The LP audit of one item. Everyone the item was shown to has exactly one of its codes
    ("skipped" included), so the codes split the response count, or, for an item shown only
    after certain answers, the count of those answers to the earlier question. A multiple
    choice item is audited option by option: chosen, substantive but not chosen, and each
    non-substantive code split the response count (an analyst sees the base, so "not
    chosen" is published wherever the option is)."""
    # Every code the item offers is an unknown, also one nobody chose: a hidden cell may hold it.
    given = counts[q.id]
    codes = sorted({*option_codes(q), *_specials(q), *given})
    parts = {code: given.get(code, {}) for code in codes}
    total: dict[Node, int] | None = n
    total_hidden: set[Node] = hidden_n
    if q.show_if is not None:
        earlier = next(p for p in questionnaire.questions() if p.id == q.show_if.question)
        if isinstance(earlier, MultipleChoice):  # several chosen codes: no sum gives the total
            total, total_hidden = None, set()
        else:
            total = defaultdict(int)
            for code in q.show_if.any_of:
                for node, count in counts[earlier.id].get(code, {}).items():
                    total[node] += count
            total_hidden = hidden_items[earlier.id]
    specials = [parts[code] for code in codes if code in NON_SUBSTANTIVE]
    split = [base, *specials] if isinstance(q, MultipleChoice) else list(parts.values())
    if isinstance(q, Number) and not option_codes(q):
        split.append({})  # a value from a range too wide to list, which nobody gave
    if total is not None and any(total.get(node, 0) != sum(f.get(node, 0) for f in split)
                                 for node in total if node[0] == REGION and node[2] == "all"):
        total, total_hidden = None, set()  # someone has no code: data not stored as answers.py does
    if not isinstance(q, MultipleChoice):
        substantive = [i for i, code in enumerate(codes) if code not in NON_SUBSTANTIVE]
        substantive += list(range(len(codes), len(split)))  # the unlisted value
        return partition_audit(split, cells, total=total, total_hidden=total_hidden,
                               sums=[substantive])
    audits = [partition_audit([chosen, {node: b - chosen.get(node, 0) for node, b in base.items()},
                               *specials], cells, total=total, total_hidden=total_hidden,
                              sums=[[0, 1]])
              for code, chosen in parts.items() if code not in NON_SUBSTANTIVE]

    def audit(hidden: set[Node], stage: Stage) -> list[Node]:
        return sorted({node for one in audits for node in one(hidden, stage)})

    return audit


def _patterns(periods_: list[str], hidden: dict[str, set[Node]]) -> dict[str, queries.Pattern]:
    """The hidden nodes of some periods, as stored: per period, per family."""
    out: dict[str, queries.Pattern] = {p: {family: [] for family in hidden} for p in periods_}
    for family, nodes in hidden.items():
        for area, period, dim, value in nodes:
            if period in out:
                out[period][family].append((area, dim, value))
    for pattern in out.values():
        for nodes_ in pattern.values():
            nodes_.sort()
    return out


def _restrict(region: Structure, viewer: Viewer, year: str, watermark: str,
              k: int) -> Structure:
    """Cross-authorisation for a municipal analyst, on top of the region's suppression."""
    assert viewer.municipalities is not None
    all_nodes = set(region.n) | {node for b in region.bases.values() for node in b}
    areas = sorted({a for a, _t, _d, _v in all_nodes} | {REGION})
    slices = sorted({(d, v) for _a, _t, d, v in all_nodes} | {("all", "")})
    months = [m for m in periods.months_of(year) if m <= watermark]
    stages = plan(_nodes_and_stages(areas, slices, months))
    invisible = frozenset(
        node for stage in stages for node in stage.nodes if not viewer.sees(node[0])
    )
    hidden_n = suppress(region.n, stages, k, hidden=region.hidden_n, invisible=invisible)
    hidden_items = {
        q: suppress_item(region.families[q], stages, k,
                         hidden=region.hidden_items[q] | hidden_n, responses=region.n,
                         hidden_responses=hidden_n, invisible=invisible)
        for q in region.hidden_items
    }
    return Structure(region.n, region.issued, region.bases, hidden_n, hidden_items,
                     region.families)


# -- the gate --------------------------------------------------------------------------------

def publication(session: Session, *, registry: Registry, query: Query, viewer: Viewer, k: int,
                cache: dict | None = None, with_bias: bool = False) -> Publication:
    """Every published number for one lattice query, as this viewer may see it; with
    `with_bias`, also the dependency-bias indicators of its area and period."""
    interventions = {i.slug: i for i in session.execute(select(Intervention)).scalars()}
    intervention = interventions.get(query.intervention)
    if intervention is None:
        raise LatticeError(_("Unknown intervention."), 404)
    try:
        questionnaire = (registry.get(intervention.questionnaire_id, query.version)
                         if query.version else registry.latest(intervention.questionnaire_id))
    except KeyError as exc:
        raise LatticeError(_("Unknown questionnaire version."), 404) from exc
    closed = queries.closed_periods(session)
    watermark = max(closed) if closed else None
    period = query.period or _default_period(watermark)
    if period is None or not periods.is_closed(period, watermark):
        raise LatticeError(_(
            "Results are published only for closed periods. This period is not closed yet."
        ), 404)
    municipalities = {m.id: m for m in session.execute(select(Municipality)).scalars()}
    area = REGION
    if query.area != "region":
        match = [m for m in municipalities.values() if m.slug == query.area]
        if not match:
            raise LatticeError(_("Unknown municipality."), 404)
        area = match[0].id
    if not viewer.sees(area):
        raise LyssnaError("forbidden", 403)
    if query.by == "municipality" and area != REGION:
        raise LatticeError(_("Only one breakdown at a time is allowed, to protect "
                             "respondents."))
    assert watermark is not None
    groups: list[Group] = []
    targets = list(interventions.values()) if query.by == "intervention" else [intervention]
    targets = [i for i in targets if i.questionnaire_id == questionnaire.id]
    for target in sorted(targets, key=lambda i: i.slug):
        groups += _groups(session, questionnaire=questionnaire, intervention=target,
                          period=period, area=area, by=query.by, viewer=viewer, k=k,
                          watermark=watermark, municipalities=municipalities, cache=cache)
    demo = any(closed.get(m, False) for m in periods.months_of(period))
    bias = None
    # A municipal analyst never gets region-level bias numbers: they are not suppressed
    # jointly with the municipality's own, so "region minus own" could be derived.
    bias_key = ("bias", questionnaire.key, intervention.id, area, period, watermark, viewer, k,
                current_language().code)
    if with_bias and cache is not None and bias_key in cache:
        bias = cache[bias_key]  # closed months only: the same until the next close
    elif with_bias and (area != REGION or viewer.is_region):
        scope = Scope(questionnaire.id, questionnaire.version,
                      municipality_id=None if area == REGION else area,
                      intervention_id=intervention.id, periods=tuple(periods.months_of(period)))
        structure = _structure(session, questionnaire=questionnaire,
                               intervention_id=intervention.id,  # type: ignore[arg-type]
                               year=period[:4], watermark=watermark, viewer=viewer, k=k,
                               cache=cache)

        def shown_in(part: str) -> Shown:
            def shown(dim: str, value: str, item: str) -> bool:
                node = (area, part, dim, value)
                return node not in structure.hidden_n and \
                    node not in structure.hidden_items.get(item, set())
            return shown

        bias = bias_publication(session, scope, questionnaire, k=k,
                                language=current_language().code, period=period,
                                shown_in=shown_in)
        if cache is not None:
            cache[bias_key] = bias
    return Publication(query=query, questionnaire=questionnaire, intervention=intervention,
                       period=period, breakdown=query.by or "none", groups=groups, k=k,
                       demo=demo, closed=sorted(closed), bias=bias)


def _default_period(watermark: str | None) -> str | None:
    """The year's latest closed quarter (the year once December has closed), a month only in
    January and February: single months of a municipality are mostly too small to show
    (ANONYMITY.md B.3.7), and a page opens on what it can show."""
    if watermark is None:
        return None
    if watermark.endswith("-12"):
        return watermark[:4]
    quarter = periods.latest_closed_quarter(watermark)
    return quarter if quarter[:4] == watermark[:4] else watermark


def _groups(session: Session, *, questionnaire: Questionnaire, intervention: Intervention,
            period: str, area: int, by: str | None, viewer: Viewer, k: int, watermark: str,
            municipalities: dict[int, Municipality], cache: dict | None) -> list[Group]:
    assert intervention.id is not None
    structure = _structure(session, questionnaire=questionnaire, intervention_id=intervention.id,
                           year=period[:4], watermark=watermark, viewer=viewer, k=k, cache=cache)
    dim = by if by in ("language", "channel") else "all"
    area_name = {REGION: _("Region")} | {i: m.name for i, m in municipalities.items()}
    nodes: list[tuple[str, str, Node]] = []  # key, label, node
    if by == "municipality":
        for mid, muni in sorted(municipalities.items(), key=lambda x: x[1].name):
            if viewer.sees(mid):
                nodes.append((muni.slug, muni.name, (mid, period, "all", "")))
        nodes.append(("region", _("Region"), (REGION, period, "all", "")))
    elif by in ("language", "channel"):
        values = sorted({v for (a, t, d, v) in structure.n if d == dim})
        for value in values:
            nodes.append((value, value, (area, period, dim, value)))
        nodes.append(("total", _("Total"), (area, period, "all", "")))
    elif by == "period":
        for part in periods.parts_of(period):
            nodes.append((part, part, (area, part, "all", "")))
        nodes.append((period, _("Total"), (area, period, "all", "")))
    elif by == "intervention":
        nodes.append((intervention.slug, intervention.name, (area, period, "all", "")))
    else:
        nodes.append((_slug(area, municipalities), area_name.get(area, "?"),
                      (area, period, "all", "")))
    counts = _value_counts(session, questionnaire, intervention.id, period, dim,
                           {node for _k, _l, node in nodes}, watermark)
    groups = []
    for key, label, node in nodes:
        a, t, d, v = node
        hidden = node in structure.hidden_n
        n = None if hidden else structure.n.get(node, 0)
        group = Group(key=key, label=label, area=a, period=t, dim=d, dim_value=v,
                      intervention=intervention.slug, n=n,
                      issued=None if hidden else structure.issued.get(node, 0))
        for q in questionnaire.questions():
            if isinstance(q, FreeText):
                continue
            item_hidden = hidden or node in structure.hidden_items.get(q.id, set())
            base = None if item_hidden else structure.bases.get(q.id, {}).get(node, 0)
            group.items.append(_item(q, base, counts.get((node, q.id), {})))
        groups.append(group)
    return groups


def _slug(area: int, municipalities: dict[int, Municipality]) -> str:
    return "region" if area == REGION else municipalities[area].slug


def _value_counts(session: Session, questionnaire: Questionnaire, intervention_id: int,
                  period: str, dim: str, wanted: set[Node],
                  watermark: str) -> dict[tuple[Node, str], dict[str, int]]:
    months = periods.months_of(period)
    rows = queries.value_counts(session, questionnaire_id=questionnaire.id,
                                version=questionnaire.version, intervention_id=intervention_id,
                                months=months, dim=dim)
    out: dict[tuple[Node, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    times = {m: _times(m, watermark) for m in months}
    for muni, month, dim_value, question, value, count in rows:
        for t in times[month]:
            for a in (muni, REGION):
                # A breakdown's parts add up to its total (all = sum of languages).
                for node in {(a, t, dim, dim_value), (a, t, "all", "")}:
                    if node in wanted:
                        out[(node, question)][value] += count
    return out


def _kind(q: Question) -> str:
    return {Likert: "likert", SingleChoice: "single", MultipleChoice: "multiple", YesNo: "yesno",
            Number: "number", Crosswise: "crosswise"}[type(q)]


def option_codes(q: Question) -> list[str]:
    if isinstance(q, SingleChoice | MultipleChoice):
        return [o.code for o in q.options]
    if isinstance(q, Likert):
        return ["1", "2", "3", "4", "5"]
    if isinstance(q, YesNo):
        return ["yes", "no"]
    if isinstance(q, Crosswise):  # counts of the stored codes; the estimate is in app/bias
        return ["same", "different", "yes", "no"] if q.split else ["same", "different"]
    if isinstance(q, Number) and q.max - q.min <= 20:
        return [str(v) for v in range(q.min, q.max + 1)]
    return []


def _specials(q: Question) -> list[str]:
    return [PREFER_NOT] + ([DONT_KNOW] if getattr(q, "dont_know", False) else []) + [SKIPPED]


def _item(q: Question, base: int | None, counts: dict[str, int]) -> ItemResult:
    kind = _kind(q)
    specials = _specials(q)
    if base is None:
        return ItemResult(question=q.id, kind=kind, base=None,
                          options=[OptionResult(c, 0, None) for c in option_codes(q)],
                          special=[OptionResult(c, 0, None) for c in specials])
    shown = base + sum(counts.get(c, 0) for c in specials)
    options = [OptionResult(c, counts.get(c, 0), counts.get(c, 0) / base if base else None)
               for c in option_codes(q)]
    special = [OptionResult(c, counts.get(c, 0), counts.get(c, 0) / shown if shown else None)
               for c in specials]
    item = ItemResult(question=q.id, kind=kind, base=base, options=options, special=special)
    if isinstance(q, Likert | Number):
        values = {float(c): n for c, n in counts.items() if c.lstrip("-").isdigit()}
        item.mean = mean_ci(values)
    if isinstance(q, Likert):
        item.top2 = wilson(counts.get("4", 0) + counts.get("5", 0), base)
    return item


# -- closing periods -------------------------------------------------------------------------

def close_period(session: Session, *, period: str, registry: Registry, now: datetime, k: int,
                 demo: bool = False) -> list[str]:
    """Freeze every month up to `period` that is not closed yet, with its suppression
    pattern at minimum group size k; returns the months closed.

    The caller flushes the inbox first, so every answer of those months is counted.
    """
    if not periods.MONTH.match(period):
        raise ValueError("a period to close is a month, YYYY-MM")
    queries.refresh_statistics(session)
    closed = queries.closed_periods(session)
    mark = max(closed) if closed else None
    first = periods.next_month(mark) if mark else (queries.earliest_data_month(session) or period)
    months = periods.month_range(min(first, period), period) if first <= period else []
    free_text = {(q.id, q.version): {x.id for x in q.questions() if isinstance(x, FreeText)}
                 for q in registry.versions.values()}
    multiple = {(q.id, q.version): {x.id for x in q.questions()
                                    if isinstance(x, MultipleChoice)}
                for q in registry.versions.values()}
    for month in months:
        if month in closed:
            continue
        queries.freeze_month(session, period=month, closed_at=now, demo=demo,
                             free_text=free_text, multiple=multiple,
                             issued=queries.issued_in(session, month))
    session.flush()
    freeze_pending_bias(session, registry=registry)
    freeze_patterns(session, registry=registry, k=k)
    return [m for m in months if m not in closed]


def bias_pending(session: Session) -> list[str]:
    """Closed months whose bias counts are not frozen yet."""
    return list(session.execute(select(ClosedPeriod.period).where(
        ClosedPeriod.bias_frozen == false())).scalars())


def freeze_pending_bias(session: Session, *, registry: Registry) -> list[str]:
    """Freeze the bias counts of closed months that lack them: the months just closed, or,
    once, the months closed before `bias_count` existed. Returns those months."""
    pending = bias_pending(session)
    if pending:
        plans = {(q.id, q.version): bias_plan(q) for q in registry.versions.values()}
        queries.freeze_bias(session, periods=pending, plans=plans)
        session.execute(update(ClosedPeriod).where(ClosedPeriod.period.in_(pending))  # type: ignore[attr-defined]
                        .values(bias_frozen=True))
        session.flush()
    return pending


def patterns_pending(session: Session, *, registry: Registry,
                     k: int) -> list[tuple[Questionnaire, int, str, str]]:
    """(questionnaire, intervention, year, watermark) of closed data whose periods lack a
    stored suppression pattern at this k."""
    mark = queries.watermark(session)
    if mark is None:
        return []
    have = queries.pattern_periods(session, k=k)
    out = []
    for qid, version, intervention_id, year in queries.pattern_scopes(session):
        if (qid, version) not in registry.versions:
            continue
        watermark = min(mark, f"{year}-12")
        months = [m for m in periods.months_of(year) if m <= watermark]
        if set(_stage_periods(months)) - have.get((qid, version, intervention_id), set()):
            out.append((registry.get(qid, version), intervention_id, year, watermark))
    return out


def freeze_patterns(session: Session, *, registry: Registry, k: int) -> int:
    """Store the suppression pattern of every closed period that lacks one: the periods just
    closed, or, once, those closed before patterns were stored. From then on pages read the
    pattern instead of recomputing it (and its audit), so a published period cannot change.
    Returns how many periods were stored."""
    done = 0
    for questionnaire, intervention_id, year, watermark in patterns_pending(
            session, registry=registry, k=k):
        structure = _region_structure(session, questionnaire, intervention_id, year, watermark, k)
        queries.store_patterns(session, questionnaire_id=questionnaire.id,
                               version=questionnaire.version, intervention_id=intervention_id,
                               k=k, stored=structure.fresh)
        done += len(structure.fresh)
    session.flush()
    return done


def first_open_period(session: Session, month: str) -> str:
    """The month a new answer counts in: this month, or the first one after the closed ones."""
    mark = queries.watermark(session)
    if mark is not None and month <= mark:
        return periods.next_month(mark)
    return month


def due_for_closing(session: Session, *, today_month: str, day: int, grace_days: int) -> str | None:
    """The last month that has ended and whose grace period has passed, if not yet closed."""
    year, mon = int(today_month[:4]), int(today_month[5:7])
    previous = f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
    target = previous if day > grace_days else None
    if target is None:
        return None
    mark = queries.watermark(session)
    if mark is not None and mark >= target:
        return None
    if mark is None and queries.earliest_data_month(session) is None:
        return None
    return target


def iter_questions(questionnaire: Questionnaire) -> Iterable[Question]:
    return (q for q in questionnaire.questions() if not isinstance(q, FreeText))


def warm_cache(session: Session, *, registry: Registry, k: int, cache: dict) -> int:
    """Compute the region view of every intervention for the default period (frozen data, so
    the cached result is exact until the next close); returns how many were computed."""
    from app.reports.lattice import Query as LatticeQuery

    done = 0
    for intervention in session.execute(select(Intervention)).scalars():
        try:
            publication(session, registry=registry, query=LatticeQuery(intervention.slug),
                        viewer=REGION_VIEWER, k=k, cache=cache)
            done += 1
        except LyssnaError:
            continue
    return done
