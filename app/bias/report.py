"""The bias indicators as published numbers, with the minimum-group-size rules applied.

Each function reads cell counts (the bias section of app/reports/queries.py), applies the
same k rules as every
other result (a cell with fewer than k substantive answers shows nothing but "fewer than k"), and
runs the estimators (app/bias/estimators.py). The results pages and exports call these; nothing
else computes a bias number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session

from app.bias.counts import (
    EMPTY_ITEM,
    LIKERT,
    CrosswiseCell,
    ItemCell,
    balanced_cell,
    crosswise_cell,
    item_cell,
    variant_cell,
)
from app.bias.estimators import (
    CrosswiseEstimate,
    Difference,
    Estimate,
    crosswise,
    estimate_difference,
    mean_interval,
    proportion,
    welch_difference,
)
from app.models import Channel
from app.questionnaires.schema import Crosswise, Likert, Questionnaire
from app.reports import periods, queries
from app.reports.queries import BiasPlan, Scope

STAFF = (Channel.staff_group.value, Channel.staff_individual.value)
PEER = (Channel.peer_ambassador.value,)
MIN_CROSSWISE_N = 200  # ANONYMITY.md C.5: below this a crosswise estimate is mostly noise


# Whether the results publish an item in one cell of the page's area and period:
# shown(dim, dim value, item), dim "all", "language" or "channel". The bias section shows a
# number only when the cells behind it are published there, so it can never be subtracted from
# the results to recover a cell that secondary suppression hid (ANONYMITY.md B.2).
Shown = Callable[[str, str, str], bool]


def likert_items(questionnaire: Questionnaire) -> list[str]:
    return [q.id for q in questionnaire.questions() if isinstance(q, Likert)]


def bias_plan(questionnaire: Questionnaire) -> BiasPlan:
    """What to count when a month closes, so every indicator below can be computed later."""
    reversed_ids = {neg for _, neg in questionnaire.balanced_pairs()}
    likert = likert_items(questionnaire)
    return BiasPlan(
        likert=tuple(likert),
        pairs=tuple(questionnaire.balanced_pairs()),
        crosswise=tuple(q.id for q in questionnaire.crosswise_items()),
        questions=tuple(q.id for q in questionnaire.questions()) if questionnaire.promises
        else (),
        scored=tuple(i for i in likert if i not in reversed_ids),
    )


# -- channel comparison (ANONYMITY.md C.1, R23) ----------------------------------------------


@dataclass(frozen=True)
class ChannelItem:
    item: str
    staff: Estimate | None  # None: fewer than k substantive answers (suppressed)
    peer: Estimate | None
    difference: Difference | None  # staff − peer, Welch 95 % CI
    staff_rates: tuple[Estimate, Estimate] | None  # (PNA rate, DK rate) among shown
    peer_rates: tuple[Estimate, Estimate] | None
    reverse_keyed: bool = False  # agreeing is the negative answer ("the course was a waste")

    @property
    def staff_more_positive(self) -> bool:
        """The whole interval on the positive side: above 0, or below 0 for a reverse-keyed
        item, where yes-saying to staff shows as *more* agreement with the negative statement."""
        if self.difference is None:
            return False
        return self.difference.high < 0 if self.reverse_keyed else self.difference.low > 0


def _pooled(cells: dict[tuple, ItemCell], key: tuple, channels: Sequence[str], item: str
            ) -> ItemCell:
    pooled = EMPTY_ITEM
    for channel in channels:
        pooled = pooled + cells.get((*key, channel, item), EMPTY_ITEM)
    return pooled


def compare_channels(item: str, staff_cell: ItemCell, peer_cell: ItemCell, *, k: int,
                     staff_shown: bool = True, peer_shown: bool = True,
                     reverse_keyed: bool = False) -> ChannelItem:
    """The channel comparison of one item from its counts (pooled over staff channels).
    `*_shown`: whether the results publish those channel cells of the item (see Shown)."""
    staff_m, peer_m = staff_cell.moments, peer_cell.moments
    staff = mean_interval(staff_m) if staff_m.n >= max(k, 2) and staff_shown else None
    peer = mean_interval(peer_m) if peer_m.n >= max(k, 2) and peer_shown else None

    def rates(cell: ItemCell) -> tuple[Estimate, Estimate]:
        return proportion(cell.prefer_not, cell.shown), proportion(cell.dont_know, cell.shown)

    return ChannelItem(
        item=item,
        staff=staff,
        peer=peer,
        difference=welch_difference(staff_m, peer_m) if staff and peer else None,
        staff_rates=rates(staff_cell) if staff else None,
        peer_rates=rates(peer_cell) if peer else None,
        reverse_keyed=reverse_keyed,
    )


def channel_comparison(
    session: Session, scope: Scope, questionnaire: Questionnaire, *, k: int,
    by: Sequence[str] = (), shown: Shown | None = None,
) -> dict[tuple, list[ChannelItem]]:
    """Per breakdown cell and Likert item: staff mean, peer mean and staff − peer (Welch).

    "Staff" pools the staff_group and staff_individual channels. A channel whose item base is
    below k shows nothing, and then neither does the difference.
    """
    items = likert_items(questionnaire)
    reversed_ids = {negative for _, negative in questionnaire.balanced_pairs()}
    counts = queries.bias_value_counts(session, scope, items, by=(*by, "channel"))
    cells = {key: item_cell(c) for key, c in counts.items()}
    keys = sorted({key[: len(by)] for key in cells}, key=lambda t: tuple(map(str, t)))
    def published(channels: Sequence[str], item: str) -> bool:
        return shown is None or all(shown("channel", c, item) for c in channels)

    return {
        key: [compare_channels(item, _pooled(cells, key, STAFF, item),
                               _pooled(cells, key, PEER, item), k=k,
                               staff_shown=published(STAFF, item),
                               peer_shown=published(PEER, item),
                               reverse_keyed=item in reversed_ids) for item in items]
        for key in keys
    }


# -- acquiescence and balanced scores (ANONYMITY.md C.4, R26) --------------------------------


@dataclass(frozen=True)
class AcquiescenceCell:
    key: tuple
    n: int
    acquiescence: Estimate | None  # None: fewer than k respondents with a complete pair
    balanced: Estimate | None


def acquiescence(
    session: Session, scope: Scope, questionnaire: Questionnaire, *, k: int,
    by: Sequence[str] = ("intervention_id", "language"), shown: Shown | None = None,
) -> list[AcquiescenceCell]:
    """Per breakdown cell, over complete cases: respondents with a substantive answer to both
    twins of every pair (the balanced score cancels yes-saying only over balanced answers).

    A respondent's index is then linear in the item answers, so n times the index is the pair
    items' published answer sums minus the sums of those left out. Published only where, for
    every pair item, those left out (answered the item, not every pair) are none or at least k,
    so the difference is never about fewer than k people.
    """
    pairs = questionnaire.balanced_pairs()
    items = [item for pair in pairs for item in pair]
    if shown is not None and tuple(by) != ("language",):
        raise ValueError("published cells are known for the language breakdown only")
    counts = queries.balanced_counts(session, scope, by)
    bases = {key: sum(n for code, n in codes.items() if code in LIKERT) for key, codes in
             queries.bias_value_counts(session, scope, items, by=by).items()}
    found = []
    for key in sorted(counts, key=lambda t: tuple(map(str, t))):
        complete = {pattern: n for pattern, n in counts[key].items() if pattern[2] == len(pairs)}
        if not complete:
            continue
        cell = balanced_cell(complete)
        n = cell.acquiescence.n
        left_out = [bases.get((*key, item), 0) - n for item in items]
        ok = (n >= max(k, 2) and all(m == 0 or m >= k for m in left_out)
              and (shown is None or all(shown("language", str(key[0]), item) for item in items)))
        found.append(AcquiescenceCell(
            key, n,
            mean_interval(cell.acquiescence) if ok else None,
            mean_interval(cell.balanced) if ok else None,
        ))
    return found


# -- crosswise and split-ballot (ANONYMITY.md C.5, R27–R29) ----------------------------------


@dataclass(frozen=True)
class CrosswiseResult:
    item: str
    n: int  # same + different answers in the crosswise arm
    prefer_not: int
    estimate: CrosswiseEstimate | None  # None: not publishable at this level / size
    control: CrosswiseEstimate | None  # the zero-prevalence control: false-positive rate
    direct: Estimate | None  # split-ballot direct arm: share of "yes"
    difference: Difference | None  # crosswise − direct


def publishable_crosswise(scope: Scope, n: int, *, k: int) -> bool:
    """Region level (with at least k answers), or at least 200 answers pooled."""
    return n >= MIN_CROSSWISE_N or (scope.municipality_id is None and n >= k)


def crosswise_results(
    session: Session, scope: Scope, questionnaire: Questionnaire, item_id: str, *, k: int,
    by: Sequence[str] = (),
) -> dict[tuple, CrosswiseResult]:
    """Per breakdown cell: the crosswise estimate, its control and the split-ballot comparison."""
    item = questionnaire.question(item_id)
    if not isinstance(item, Crosswise):
        raise ValueError(f"{item_id} is not a crosswise item")
    cells = {key: crosswise_cell(c)
             for key, c in queries.crosswise_counts(session, scope, item_id, by).items()}
    control_item = questionnaire.control_for(item_id)
    controls: dict[tuple, CrosswiseCell] = {}
    if control_item is not None:
        controls = {key: crosswise_cell(c) for key, c in
                    queries.crosswise_counts(session, scope, control_item.id, by).items()}
    found = {}
    for key in sorted(cells, key=lambda t: tuple(map(str, t))):
        cell = cells[key]
        n = cell.same + cell.different
        estimate = (crosswise(cell.same, n, item.p)
                    if publishable_crosswise(scope, n, k=k) else None)
        control = None
        c = controls.get(key)
        if control_item is not None and c is not None:
            cn = c.same + c.different
            if publishable_crosswise(scope, cn, k=k):
                control = crosswise(c.same, cn, control_item.p)
        direct = difference = None
        dn = cell.yes + cell.no
        if dn >= k and publishable_crosswise(scope, dn + n, k=k):
            direct = proportion(cell.yes, dn)
            if estimate is not None:
                difference = estimate_difference(estimate.raw, estimate.se, direct.value,
                                                 direct.se)
        found[key] = CrosswiseResult(item_id, n, cell.prefer_not_crosswise, estimate, control,
                                     direct, difference)
    return found


def crosswise_result(
    session: Session, scope: Scope, questionnaire: Questionnaire, item_id: str, *, k: int,
    shown: Shown | None = None,
) -> CrosswiseResult:
    empty = CrosswiseResult(item_id, 0, 0, None, None, None, None)
    found = crosswise_results(session, scope, questionnaire, item_id, k=k).get((), empty)
    control = questionnaire.control_for(item_id)
    if shown is not None and not (shown("all", "", item_id) and (
            control is None or shown("all", "", control.id))):
        return CrosswiseResult(item_id, found.n, found.prefer_not, None, None, None, None)
    return found


# -- promise variants (ANONYMITY.md C.2, R24) ------------------------------------------------


@dataclass(frozen=True)
class VariantResult:
    variant: int
    n: int
    prefer_not_share: Estimate | None
    likert_mean: Estimate | None
    mean_vs_first: Difference | None  # this variant − variant 1 (Welch)
    prefer_not_vs_first: Difference | None
    hidden: bool = False  # has respondents, not shown (fewer than k, or another variant is)


def promise_variants(
    session: Session, scope: Scope, questionnaire: Questionnaire, *, k: int
) -> list[VariantResult]:
    """Region level only: the variants are a randomised experiment, not a breakdown."""
    if scope.municipality_id is not None or not questionnaire.promises:
        return []
    cells = {key: variant_cell(c) for key, c in queries.variant_counts(session, scope).items()}
    first = cells.get((1,))

    def has_respondents(number: int) -> bool:
        return (number,) in cells and cells[(number,)].prefer_not_share.n > 0

    found = []
    for number in range(1, len(questionnaire.promises) + 1):
        cell = cells.get((number,))
        if cell is None or cell.prefer_not_share.n < max(k, 2):
            found.append(VariantResult(number, 0, None, None, None, None,
                                       hidden=has_respondents(number)))
            continue
        ok_mean = cell.likert_mean.n >= max(k, 2)
        compare = number > 1 and first is not None and first.prefer_not_share.n >= max(k, 2)
        found.append(VariantResult(
            number,
            cell.prefer_not_share.n,
            mean_interval(cell.prefer_not_share),
            mean_interval(cell.likert_mean) if ok_mean else None,
            welch_difference(cell.likert_mean, first.likert_mean)  # type: ignore[union-attr]
            if compare and ok_mean and first.likert_mean.n >= max(k, 2) else None,  # type: ignore[union-attr]
            welch_difference(cell.prefer_not_share, first.prefer_not_share)  # type: ignore[union-attr]
            if compare else None,
        ))
    # The variants split the region's respondents: one hidden variant next to shown ones
    # would be the total minus them, so then all are hidden.
    if any(v.hidden for v in found):
        return [VariantResult(v.variant, 0, None, None, None, None,
                              hidden=has_respondents(v.variant)) for v in found]
    return found


# -- everything for one results page ---------------------------------------------------------


@dataclass(frozen=True)
class BiasPublication:
    """The bias section of a results page: what app/templates/reports/_bias.html renders."""

    k: int
    region: bool  # the whole region (crosswise estimates need 200 answers elsewhere)
    respondent_level: bool  # yes-saying and promise variants may be shown (region, not a month)
    promises: bool  # the questionnaire has randomised promise variants
    labels: dict[str, str]  # item id -> question text in the page language
    channels: list[ChannelItem]
    acquiescence: list[AcquiescenceCell]
    crosswise: list[CrosswiseResult]
    variants: list[VariantResult]

    def rows(self) -> list[dict[str, object]]:
        """The same numbers in the exports' tidy long form (breakdown `bias_*`): an estimate's
        value is in `share`, its 95 % interval in `ci_low`/`ci_high`, its sample size in
        `base`. A suppressed estimate has no numbers and suppressed=true, as on the page."""
        out: list[dict[str, object]] = []

        def add(breakdown: str, group: str, question: str, option: str,
                estimate: Estimate | Difference | CrosswiseEstimate | None,
                base: int | None = None, digits: int = 4) -> None:
            shown = estimate is not None
            out.append({
                "breakdown": breakdown, "group": group, "question_id": question,
                "option": option, "count": None,
                "share": round(estimate.value, digits) if shown else None,  # type: ignore[union-attr]
                "ci_low": round(estimate.low, digits) if shown else None,  # type: ignore[union-attr]
                "ci_high": round(estimate.high, digits) if shown else None,  # type: ignore[union-attr]
                "base": base if shown else None, "suppressed": not shown})

        for row in self.channels:
            for group, est, rates in (("staff", row.staff, row.staff_rates),
                                      ("peer", row.peer, row.peer_rates)):
                add("bias_channel", group, row.item, "mean", est, est.n if est else None, 2)
                pna = rates[0] if rates and row.staff_rates and row.peer_rates else None
                add("bias_channel", group, row.item, "prefer_not_rate", pna,
                    pna.n if pna else None)
            add("bias_channel", "staff_minus_peer", row.item, "mean_difference",
                row.difference, None, 2)
        for cell in self.acquiescence:
            group = str(cell.key[0]) if cell.key else "all"
            add("bias_acquiescence", group, "", "acquiescence_index", cell.acquiescence,
                cell.n, 2)
            add("bias_acquiescence", group, "", "balanced_score", cell.balanced, cell.n, 2)
        for result in self.crosswise:
            shown = result.estimate is not None
            add("bias_crosswise", "crosswise", result.item, "prevalence", result.estimate,
                result.n)
            if shown:
                assert result.estimate is not None
                out.append({"breakdown": "bias_crosswise", "group": "crosswise",
                            "question_id": result.item, "option": "effective_n",
                            "count": round(result.estimate.n_eff), "share": None,
                            "ci_low": None, "ci_high": None, "base": result.n,
                            "suppressed": False})
                add("bias_crosswise", "control", result.item, "prevalence", result.control,
                    result.control.n if result.control else None)
                add("bias_crosswise", "direct", result.item, "yes_share", result.direct,
                    result.direct.n if result.direct else None)
                add("bias_crosswise", "crosswise_minus_direct", result.item, "difference",
                    result.difference)
        for variant in self.variants:
            group = f"variant_{variant.variant}"
            shown = variant.prefer_not_share is not None
            add("bias_promise", group, "", "prefer_not_share", variant.prefer_not_share,
                variant.n)
            add("bias_promise", group, "", "likert_mean",
                variant.likert_mean if shown else None, variant.n, 2)
            add("bias_promise", group, "", "mean_vs_first",
                variant.mean_vs_first if shown else None, None, 2)
            add("bias_promise", group, "", "prefer_not_vs_first",
                variant.prefer_not_vs_first if shown else None)
        return out


def bias_publication(
    session: Session, scope: Scope, questionnaire: Questionnaire, *, k: int, language: str,
    period: str, shown_in: Callable[[str], Shown] | None = None,
) -> BiasPublication:
    """All bias indicators of one lattice position (`scope` covers the months of `period`),
    with the k rules applied and, given `shown_in(period)`, only where the results publish
    the cells behind them.

    Yes-saying and the promise variants are built from each respondent's answers together,
    so they are not sums of published cells, and two of them over nested groups could be
    subtracted: a municipality from the region, a month from its quarter. They are shown only
    for the whole region and for a quarter, and for a year only where each of its quarters
    shows them too (then the year is their sum and gives nothing new away)."""
    labels = {q.id: q.text.get(language) or q.text["sv"] for q in questionnaire.questions()}
    sensitive = [q.id for q in questionnaire.crosswise_items() if q.control_of is None]
    shown = shown_in(period) if shown_in else None
    respondent_level = scope.municipality_id is None and periods.kind(period) != "month"
    yes_saying: list[AcquiescenceCell] = []
    variants: list[VariantResult] = []
    if respondent_level:
        yes_saying = acquiescence(session, scope, questionnaire, k=k, by=("language",),
                                  shown=shown)
        variants = promise_variants(session, scope, questionnaire, k=k)
    if respondent_level and periods.kind(period) == "year":
        for quarter in periods.parts_of(period):
            part = replace(scope, periods=tuple(periods.months_of(quarter)))
            rows = {cell.key: cell for cell in acquiescence(
                session, part, questionnaire, k=k, by=("language",),
                shown=shown_in(quarter) if shown_in else None)}
            yes_saying = [cell if cell.key not in rows or rows[cell.key].acquiescence
                          else AcquiescenceCell(cell.key, cell.n, None, None)
                          for cell in yes_saying]
            if any(v.hidden for v in promise_variants(session, part, questionnaire, k=k)):
                variants = [VariantResult(v.variant, 0, None, None, None, None,
                                          hidden=v.hidden or v.prefer_not_share is not None)
                            for v in variants]
    return BiasPublication(
        k=k,
        region=scope.municipality_id is None,
        respondent_level=respondent_level,
        promises=bool(questionnaire.promises),
        labels=labels,
        channels=channel_comparison(session, scope, questionnaire, k=k,
                                    shown=shown).get((), []),
        acquiescence=yes_saying,
        crosswise=[crosswise_result(session, scope, questionnaire, item, k=k, shown=shown)
                   for item in sensitive],
        variants=variants,
    )
