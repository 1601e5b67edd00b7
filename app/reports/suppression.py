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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

Node = tuple[int, str, str, str]  # (area, period, dim, dim value); area 0 = the region
REGION = 0


@dataclass(frozen=True, eq=False)  # identity hash: relations are built once per table
class Relation:
    total: Node
    parts: tuple[Node, ...]
    geographic: bool = False


@dataclass
class Stage:
    nodes: set[Node]  # the nodes this stage may hide (earlier stages' nodes are frozen)
    relations: list[Relation]
    by_node: dict[Node, list[Relation]]


def plan(stages: Iterable[tuple[set[Node], list[Relation]]]) -> list[Stage]:
    """Index the relations once; the plan is shared by every statistic of a table."""
    out, fixed = [], set()
    for nodes, relations in stages:
        by_node: dict[Node, list[Relation]] = defaultdict(list)
        for relation in relations:
            for node in (relation.total, *relation.parts):
                by_node[node].append(relation)
        out.append(Stage(nodes - fixed, relations, dict(by_node)))
        fixed |= nodes
    return out


def suppress(
    values: dict[Node, int],
    stages: list[Stage],
    k: int,
    *,
    hidden: Iterable[Node] = (),
    invisible: frozenset[Node] = frozenset(),
    primary: bool = True,
    changed: set[Node] | None = None,
) -> set[Node]:
    """The hidden nodes. `hidden` are hidden up front (an item inside a hidden cell).
    Without `primary`, small values are not hidden for being small (an option count in a
    visible item), only for what their relations would give away."""
    hidden_set = set(hidden) | set(invisible)
    if primary:
        hidden_set |= {node for node, value in values.items() if 0 < value < k}
    if primary:
        changed = None
    for stage in stages:
        _fixpoint(values, stage, k, hidden_set, invisible,
                  None if changed is None else changed | (hidden_set - set(hidden)))
    return hidden_set - set(invisible)


def _fixpoint(values: dict[Node, int], stage: Stage, k: int, hidden: set[Node],
              invisible: frozenset[Node], changed: set[Node] | None) -> None:
    """Repair relations until none gives a hidden number away. Only relations that touch a
    hidden node can be broken; with `changed`, only those touching a node hidden since this
    family was last settled."""
    by_node, free = stage.by_node, stage.nodes
    seen: set[Relation] = set()
    work = []
    # Sorted: set order varies between processes (string hashing), and the pattern must not
    # (a published period is frozen: recomputing it anywhere gives the same bytes).
    for node in sorted((hidden if changed is None else changed).intersection(by_node)):
        for relation in by_node[node]:
            if relation not in seen:
                seen.add(relation)
                work.append(relation)
    queued = set(work)
    while work:
        relation = work.pop()
        queued.discard(relation)
        node = _repair(values, relation, free, k, hidden, invisible)
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


def _repair(values: dict[Node, int], relation: Relation, free: set[Node], k: int,
            hidden: set[Node], invisible: frozenset[Node]) -> Node | None:
    """The node to hide next so this relation no longer gives a hidden number away, if any."""
    total = relation.total
    if total in invisible:
        return None
    value = values.get
    hidden_parts = [p for p in relation.parts if p in hidden]
    visible_parts = [p for p in relation.parts if p not in hidden and p in free
                     and value(p, 0) > 0]
    smallest = min(visible_parts, key=lambda p: (value(p, 0), p)) if visible_parts else None
    total_free = total in free and total not in hidden
    if total in hidden:
        # A hidden total next to visible parts only is their sum: hide a part too.
        if not hidden_parts and value(total, 0) > 0:
            return smallest
        return None
    if not hidden_parts:
        return None
    if relation.geographic and invisible:
        outside = sum(value(p, 0) for p in hidden_parts if p in invisible)
        own = [p for p in hidden_parts if p not in invisible and value(p, 0) > 0]
        remainder = outside + sum(value(p, 0) for p in own)
        bad = 0 < remainder < k or (outside == 0 and len(own) == 1)
        if not bad:
            return None
        return total if total_free else smallest
    nonzero = [p for p in hidden_parts if value(p, 0) > 0]
    remainder = sum(value(p, 0) for p in nonzero)
    if remainder == 0 or (remainder >= k and len(nonzero) > 1):
        return None
    if smallest is not None:
        return smallest
    return total if total_free else None


def suppress_item(families: list[dict[Node, int]], stages: list[Stage], k: int, *,
                  hidden: Iterable[Node], invisible: frozenset[Node] = frozenset()) -> set[Node]:
    """Joint suppression of one item: its base (first family, with the primary rule) and each
    answer code's count (the others), all hidden together, iterated until no family needs
    more. Protects distributions, means (score sums) and "prefer not to answer" counts, not
    only the base."""
    hidden_set = set(hidden)
    settled: list[set[Node] | None] = [None] * len(families)  # hidden set at last settling
    while True:
        before = len(hidden_set)
        for i, values in enumerate(families):
            last = settled[i]
            if last is not None and len(last) == len(hidden_set):
                continue
            changed = None if last is None else hidden_set - last
            hidden_set |= suppress(values, stages, k, hidden=hidden_set, invisible=invisible,
                                   primary=i == 0 and last is None, changed=changed)
            settled[i] = set(hidden_set)
        if len(hidden_set) == before:
            return hidden_set
