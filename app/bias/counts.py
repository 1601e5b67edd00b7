"""From counts to the inputs of the estimators: pure functions, no database.

The bias indicators are computed from counts only: answer code → respondents for an item, or
respondent-level integer pattern → respondents for the indicators that pair a respondent's
answers. The same counts come from live SQL (the bias section of app/reports/queries.py)
or from frozen monthly counts,
so every published bias number goes through one path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.bias.estimators import Moments
from app.questionnaires.schema import DIFFERENT, DONT_KNOW, PREFER_NOT, SAME

LIKERT = {str(v): v for v in range(1, 6)}


def weighted(pairs: Iterable[tuple[float, int]]) -> Moments:
    """Moments of values given as (value, how many respondents)."""
    n, total, squares = 0, 0.0, 0.0
    for value, count in pairs:
        n += count
        total += value * count
        squares += value * value * count
    return Moments(n, total, squares)


@dataclass(frozen=True)
class ItemCell:
    """One Likert item in one cell: substantive moments and the non-answers."""

    moments: Moments
    prefer_not: int
    dont_know: int
    shown: int  # answers stored for the item (substantive + PNA + DK + skipped)

    def __add__(self, other: ItemCell) -> ItemCell:
        return ItemCell(self.moments + other.moments, self.prefer_not + other.prefer_not,
                        self.dont_know + other.dont_know, self.shown + other.shown)


EMPTY_ITEM = ItemCell(Moments(0, 0.0, 0.0), 0, 0, 0)


def item_cell(counts: Mapping[str, int]) -> ItemCell:
    """Answer code → respondents, for a 1–5 item."""
    return ItemCell(
        weighted((LIKERT[code], n) for code, n in counts.items() if code in LIKERT),
        counts.get(PREFER_NOT, 0),
        counts.get(DONT_KNOW, 0),
        sum(counts.values()),
    )


@dataclass(frozen=True)
class BalancedCell:
    """Respondent-level acquiescence and balanced scores in one cell (ANONYMITY.md C.4)."""

    acquiescence: Moments  # of ars_i = mean over i's pairs of (x + y)/2 − 3
    balanced: Moments  # of b_i = mean over i's pairs of (x + (6 − y))/2


def balanced_cell(counts: Mapping[tuple[int, int, int], int]) -> BalancedCell:
    """(Σ(x + y), Σ(x + 6 − y), pairs) → respondents.

    ars_i = Σ(x + y) / (2 · pairs) − 3 and b_i = Σ(x + 6 − y) / (2 · pairs).
    """
    return BalancedCell(
        weighted((agree / (2 * pairs) - 3, n) for (agree, _, pairs), n in counts.items()),
        weighted((bal / (2 * pairs), n) for (_, bal, pairs), n in counts.items()),
    )


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


def crosswise_cell(counts: Mapping[tuple[str, str], int]) -> CrosswiseCell:
    """(arm, answer code) → respondents."""
    def get(arm: str, code: str) -> int:
        return counts.get((arm, code), 0)

    known = {SAME, DIFFERENT, "yes", "no", PREFER_NOT}
    return CrosswiseCell(
        same=get("crosswise", SAME) + get("direct", SAME),
        different=get("crosswise", DIFFERENT) + get("direct", DIFFERENT),
        yes=get("direct", "yes") + get("crosswise", "yes"),
        no=get("direct", "no") + get("crosswise", "no"),
        prefer_not_crosswise=get("crosswise", PREFER_NOT),
        prefer_not_direct=get("direct", PREFER_NOT),
        skipped=sum(n for (_, code), n in counts.items() if code not in known),
    )


@dataclass(frozen=True)
class VariantCell:
    """Respondent-level outcomes of one promise variant (ANONYMITY.md C.2)."""

    prefer_not_share: Moments  # of each respondent's share of items answered "prefer not"
    likert_mean: Moments  # of each respondent's mean substantive answer on the given items


def variant_cell(counts: Mapping[tuple[int, int, int, int], int]) -> VariantCell:
    """(PNA answers, items shown, Σ Likert, Likert answers) → respondents."""
    return VariantCell(
        weighted((pna / shown, n) for (pna, shown, _, _), n in counts.items() if shown),
        weighted((total / scored, n) for (_, _, total, scored), n in counts.items() if scored),
    )
