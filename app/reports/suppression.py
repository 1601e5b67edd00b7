"""Primary and secondary cell suppression (ANONYMITY.md B.2, B.5; R16, R17).

Numbers live on nodes (area, period, dimension, dimension value); area 0 is the region. Every
additive relation the results publish (region = sum of municipalities, quarter = sum of months,
year = sum of quarters, all = sum of languages, all = sum of channels) is checked, and the
remainder rule is iterated to a fixpoint: the hidden parts of a relation sum to 0 or to at least
k, and a single hidden non-zero part is never left alone next to a visible total.

Stages make published periods frozen: a month is settled using month relations only, and a
quarter or year, when it closes, may hide only its own new nodes, never an already published
month. So a page shows the same numbers whenever it is computed.

For a municipal analyst (`invisible` = other municipalities' nodes) the cross-authorisation
rule applies to region = sum of municipalities: the region is shown only when region minus what
the analyst sees is 0 or at least k (B.3.2).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Node = tuple[int, str, str, str]  # (area, period, dim, dim value); area 0 = the region
REGION = 0


@dataclass(frozen=True, eq=False)  # identity hash: relations are built once per table
class Relation:
    total: Node
    parts: tuple[Node, ...]
    geographic: bool = False
    periodic: bool = False  # a quarter = the sum of its months (a year, of its quarters)


@dataclass
class Stage:
    period: str  # the month, quarter or year this stage publishes
    nodes: set[Node]  # the nodes this stage may hide (earlier stages' nodes are frozen)
    relations: list[Relation]
    by_node: dict[Node, list[Relation]]
    finer: dict[Node, tuple[Node, ...]]  # a period node's parts, frozen by earlier stages
    known: set[Node]  # every node published once this stage is: its own and earlier stages'


def plan(stages: Iterable[tuple[str, set[Node], list[Relation]]]) -> list[Stage]:
    """Index the relations once; the plan is shared by every statistic of a table."""
    out, fixed = [], set()
    for period, nodes, relations in stages:
        by_node: dict[Node, list[Relation]] = defaultdict(list)
        for relation in relations:
            for node in (relation.total, *relation.parts):
                by_node[node].append(relation)
        finer = {r.total: r.parts for r in relations if r.periodic}
        out.append(Stage(period, nodes - fixed, relations, dict(by_node), finer, fixed | nodes))
        fixed |= nodes
    return out


Rule = tuple[dict[Node, int], Callable[[Node], bool] | None]  # a family, its zero test
Audit = Callable[[set[Node], Stage], list[Node]]  # the hidden nodes a pattern still gives away
Settled = dict[str, set[Node]]  # period -> its hidden nodes, frozen when it closed


def suppress(
    values: dict[Node, int],
    stages: list[Stage],
    k: int,
    *,
    hidden: Iterable[Node] = (),
    invisible: frozenset[Node] = frozenset(),
    audit: Audit | None = None,
    settled: Settled | None = None,
) -> set[Node]:
    """The hidden nodes of one family of counts (response counts): those below k, and what
    their relations would give away. `hidden` are hidden up front."""
    return _suppress([(values, None)], stages, k, hidden=hidden, invisible=invisible,
                     audit=audit, settled=settled)


def _suppress(rules: list[Rule], stages: list[Stage], k: int, *, hidden: Iterable[Node],
              invisible: frozenset[Node], audit: Audit | None = None,
              settled: Settled | None = None) -> set[Node]:
    """Hide nodes until no relation gives a hidden number of any family away. The first
    family's small values are hidden for being small (the primary rule); the others' only for
    what their relations would give away (an option count in a visible item may be small).
    Stage by stage, so a month is settled before its quarter. With an `audit`, more is hidden
    until the audit finds nothing given away by all relations together. A stage in `settled`
    (frozen when its period closed) keeps exactly its stored pattern."""
    primary = rules[0][0]
    start = set(hidden) | set(invisible)
    start |= {node for node, value in primary.items() if 0 < value < k}

    fresh = [stage for stage in stages if settled is None or stage.period not in settled]

    def settle(forced: set[Node]) -> set[Node]:
        hidden_set = start | forced
        for stage in stages:
            if stage in fresh:
                _fixpoint(rules, stage, k, hidden_set, invisible)
            else:
                hidden_set -= stage.nodes
                hidden_set |= settled[stage.period]  # type: ignore[index]
        return hidden_set

    # The audit looks at the last stage only: what its numbers do not give away, no earlier
    # stage's do (an earlier stage publishes a subset of them and hides the same numbers).
    # Each round hides one more node per number given away and settles every new stage again.
    forced: set[Node] = set()
    hidden_set = settle(forced)
    published_before: set[Node] | None = set() if len(fresh) == len(stages) else None
    while audit is not None and fresh and (given_away := audit(hidden_set, stages[-1])):
        if published_before is None:  # what settled periods give away: nothing new can mend it
            everything_new = {node for stage in fresh for node in stage.nodes}
            published_before = set(audit(hidden_set | everything_new, stages[-1]))
            if published_before:
                log.warning("%d hidden numbers are given away by periods published before",
                            len(published_before))
        given_away = [node for node in given_away if node not in published_before]
        if not given_away:
            break
        forced |= {_unpin(primary, node, fresh, hidden_set) for node in given_away}
        hidden_set = settle(forced)
    return hidden_set - set(invisible)


def _unpin(values: dict[Node, int], given_away_node: Node, fresh: list[Stage],
           hidden: set[Node]) -> Node:
    """The node to hide so a number the audit found given away gets room: the smallest
    published neighbour in one of its relations; else, for a quarter or year its months give
    away (their sum was never published while they were settled), a month of it or a
    neighbour of one; else the smallest node a new stage may still hide (a pattern with
    everything new hidden gives nothing more away than the settled stages did, so this ends)."""
    def open_(nodes: Iterable[Node], where: Stage) -> list[Node]:
        return [n for n in nodes if n not in hidden and _can_hide(n, where, hidden)]

    def near(nodes: list[Node]) -> list[Node]:
        return [m for where in fresh for node in nodes
                for m in open_([*(x for r in where.by_node.get(node, ())
                                  for x in (r.total, *r.parts)),
                                node], where)]

    def key(node: Node) -> tuple[bool, int, Node]:
        return (values.get(node, 0) == 0, values.get(node, 0), node)

    if candidates := near([given_away_node]):
        return min(candidates, key=key)
    finer = {total: parts for where in fresh for total, parts in where.finer.items()}
    parts = list(finer.get(given_away_node, ()))
    while parts:
        if candidates := near(parts):
            return min(candidates, key=key)
        parts = sorted({f for p in parts for f in finer.get(p, ())})
    if anywhere := [n for where in fresh for n in open_(where.nodes, where)]:
        return min(anywhere, key=key)
    raise RuntimeError(f"suppression cannot protect {given_away_node}")


def _fixpoint(rules: list[Rule], stage: Stage, k: int, hidden: set[Node],
              invisible: frozenset[Node]) -> None:
    """Repair relations until none gives a hidden number away. Only relations that touch a
    hidden node can be broken."""
    by_node = stage.by_node
    seen: set[Relation] = set()
    work = []
    # Sorted: set order varies between processes (string hashing), and the pattern must not
    # (a published period is frozen: recomputing it anywhere gives the same bytes).
    for node in sorted(hidden.intersection(by_node)):
        for relation in by_node[node]:
            if relation not in seen:
                seen.add(relation)
                work.append(relation)
    queued = set(work)
    while work:
        relation = work.pop()
        queued.discard(relation)
        node = _repair(rules, relation, stage, k, hidden, invisible)
        if node is None:
            continue
        hidden.add(node)
        for other in by_node.get(node, ()):
            if other not in queued:
                queued.add(other)
                work.append(other)
        if relation not in queued:  # check again: one repair may not be enough
            queued.add(relation)
            work.append(relation)


def _repair(rules: list[Rule], relation: Relation, stage: Stage, k: int, hidden: set[Node],
            invisible: frozenset[Node]) -> Node | None:
    """The node to hide next so this relation no longer gives a hidden number of any family
    away, if any."""
    total = relation.total
    if total in invisible:
        return None
    hidden_parts = [p for p in relation.parts if p in hidden]
    if not hidden_parts and total not in hidden:
        return None

    open_parts = [p for p in relation.parts if p not in hidden and _can_hide(p, stage, hidden)]
    total_free = total not in hidden and _can_hide(total, stage, hidden)
    for values, zero_unsafe in rules:
        node = _repair_family(values, zero_unsafe, relation, hidden_parts, open_parts,
                              total_free, k, hidden, invisible)
        if node is not None:
            return node
    return None


def _can_hide(node: Node, stage: Stage, hidden: set[Node]) -> bool:
    """Whether hiding this node can protect anything. A quarter whose months are all published
    is their sum, so hiding it protects nothing (hiding it anyway is how a quarter breakdown
    once gave away hidden numbers)."""
    if node not in stage.nodes:
        return False
    finer = stage.finer.get(node)
    return finer is None or any(p in hidden for p in finer)


def _smallest(values: dict[Node, int], open_parts: list[Node]) -> Node | None:
    """The smallest part that can still be hidden (ties broken by node, deterministically)."""
    candidates = [p for p in open_parts if values.get(p, 0) > 0]
    return min(candidates, key=lambda p: (values.get(p, 0), p)) if candidates else None


def _repair_family(values: dict[Node, int], zero_unsafe: Callable[[Node], bool] | None,
                   relation: Relation, hidden_parts: list[Node], open_parts: list[Node],
                   total_free: bool, k: int, hidden: set[Node],
                   invisible: frozenset[Node]) -> Node | None:
    value = values.get
    total = relation.total
    if total in hidden:
        # A hidden total next to visible parts only is their sum: hide a part too. A hidden
        # part holding 0 counts as visible: a published 0 above it may give that 0 away (the
        # region's staff cell with nobody skipping makes every hidden staff cell's skips 0).
        if value(total, 0) > 0 and not any(value(p, 0) > 0 for p in hidden_parts):
            return _smallest(values, open_parts)
        return None
    if relation.geographic and invisible:
        outside = sum(value(p, 0) for p in hidden_parts if p in invisible)
        own = [p for p in hidden_parts if p not in invisible and value(p, 0) > 0]
        remainder = outside + sum(value(p, 0) for p in own)
        bad = 0 < remainder < k or (outside == 0 and len(own) == 1) or (
            remainder == 0 and zero_unsafe is not None and any(map(zero_unsafe, hidden_parts)))
        if not bad:
            return None
        return total if total_free else _smallest(values, open_parts)
    nonzero = [p for p in hidden_parts if value(p, 0) > 0]
    remainder = sum(value(p, 0) for p in nonzero)
    if remainder == 0 and (zero_unsafe is None or not any(map(zero_unsafe, hidden_parts))):
        return None
    if remainder >= k and len(nonzero) > 1:
        return None
    return _smallest(values, open_parts) or (total if total_free else None)


def suppress_item(families: list[dict[Node, int]], stages: list[Stage], k: int, *,
                  hidden: Iterable[Node], responses: dict[Node, int],
                  hidden_responses: set[Node],
                  invisible: frozenset[Node] = frozenset(),
                  audit: Audit | None = None,
                  settled: Settled | None = None) -> set[Node]:
    """Joint suppression of one item: its base (first family, with the primary rule) and each
    answer code's count (the others), all hidden together, iterated until no family needs
    more. Protects distributions, means (score sums) and "prefer not to answer" counts, not
    only the base.

    One more family links the item to the published response counts: per cell, responses =
    base + those without a substantive answer. Where the item is hidden but the cell's
    responses are shown, a derivable 0 for "without a substantive answer" gives the base away
    (a region cell where nobody declined makes every hidden municipality's base its response
    count), so there hidden parts summing to 0 are not enough."""
    base = families[0]
    unanswered = {node: n - base.get(node, 0) for node, n in responses.items()}
    families = [*families, unanswered]

    def unsafe(node: Node) -> bool:
        return base.get(node, 0) > 0 and node not in hidden_responses and node not in invisible

    return _suppress([(values, unsafe if values is unanswered else None) for values in families],
                     stages, k, hidden=hidden, invisible=invisible, audit=audit,
                     settled=settled)
