"""The attacker's linear program, run on a suppression pattern before it is published
(ANONYMITY.md B.6 T-B4; the audit step of tau-ARGUS).

The remainder rule in suppression.py looks at one additive relation at a time. An attacker
looks at all of them at once: every published number is a sum of unknown non-negative counts
of the finest cells (municipality x month x language x channel), and a hidden number whose
minimum and maximum over that system are equal is given away. With three languages and three
channels that happened (a municipality's staff-channel quarter, pinned through months, other
municipalities, the language breakdown and published zeros), so every pattern is audited.

Response counts and every item are audited: an item's unknowns are its finest cells per
answer code, and its codes split the cell's response count (`partition_audit`).

Exact, without one linear program per hidden number:
1. Every finest cell inside a published 0 is 0; an interior point of the solutions (one
   interior point run, no crossover; Freund, Roundy and Todd's linear program if that is
   unclear) shows every other cell that is 0 in every solution.
2. On the remaining cells the solutions fill a relatively open polytope, so a hidden sum is
   fixed exactly when it is constant on the affine hull: when its vector is orthogonal to the
   null space of the published rows. Random null-space vectors test that: a free sum scores
   clearly above 0 (almost surely), and anything not clearly free is settled by its own two
   linear programs, minimum and maximum.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.linalg import splu

from app.reports import periods
from app.reports.suppression import REGION, Audit, Node, Stage

Row = tuple[np.ndarray, float]  # the finest cells a published number sums, and its value

_NULL_VECTORS = 3
_PINNED = 1e-7  # |target . z| below this for every null vector: fixed
_FREE = 1e-3  # above this for some null vector: free; in between, the exact LPs decide
_REGULARISE = 1e-10
_ZERO, _POSITIVE = 1e-9, 1e-5  # a cell at the interior point: 0, positive; in between: unsure


@dataclass(frozen=True)
class Cells:
    """The finest cells of one table: municipality x month x one axis per breakdown."""

    shape: tuple[int, ...]
    positions: tuple[dict[object, int], ...]
    dims: tuple[str, ...]

    @classmethod
    def of(cls, nodes: Iterable[Node], months: list[str]) -> Cells:
        nodes = list(nodes)
        municipalities = sorted({a for a, _t, _d, _v in nodes if a != REGION})
        values: dict[str, set[str]] = {}
        for _a, _t, dim, value in nodes:
            if dim != "all":
                values.setdefault(dim, set()).add(value)
        dims = tuple(sorted(values))
        axes = [municipalities, sorted(months), *(sorted(values[d]) for d in dims)]
        return cls(tuple(len(axis) for axis in axes),
                   tuple({x: i for i, x in enumerate(axis)} for axis in axes), dims)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def of_node(self, node: Node) -> np.ndarray:
        """Indices of the finest cells a node sums."""
        area, period, dim, value = node
        areas, months = self.positions[0], self.positions[1]
        select = [np.arange(self.shape[0]) if area == REGION else np.array([areas[area]]),
                  np.array([months[m] for m in periods.months_of(period) if m in months])]
        for i, name in enumerate(self.dims):
            axis = 2 + i
            select.append(np.array([self.positions[axis][value]]) if dim == name
                          else np.arange(self.shape[axis]))
        return np.ravel_multi_index(np.ix_(*select), self.shape).ravel()


def pinned(rows: list[Row], targets: dict[Hashable, np.ndarray], size: int) -> list[Hashable]:
    """The targets (sums of finest cells) whose value every solution of `rows` shares, except
    those fixed at 0 (hidden parts may sum to 0, B.5.4)."""
    if not targets:
        return []
    zero = np.zeros(size, dtype=bool)
    for cells, value in rows:
        if value == 0:
            zero[cells] = True
    nonzero = [(cells, value) for cells, value in rows if value != 0]
    free = np.flatnonzero(~zero)
    if nonzero and free.size:
        matrix, values, _column = _matrix(nonzero, free, size)
        free = free[~_always_zero(matrix, values)]
    matrix, values, column = _matrix(nonzero, free, size)
    null = _null_vectors(matrix)
    keys = list(targets)
    columns = [column[targets[key]] for key in keys]
    columns = [c[c >= 0] for c in columns]
    scores = np.full(len(keys), np.nan)
    if null is not None:
        lengths = np.array([c.size for c in columns])
        indices = np.concatenate(columns)
        by_target = sparse.csr_matrix(
            (np.ones(indices.size), indices, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(keys), matrix.shape[1]))
        scores = np.abs(by_target @ null.T).max(axis=1)
    out = []
    for key, cols, score in zip(keys, columns, scores, strict=True):
        if cols.size == 0 or score > _FREE:
            continue  # fixed at 0, or certainly free
        if score < _PINNED or _fixed_by_lp(matrix, values, cols):
            out.append(key)
    return out


def _matrix(rows: list[Row], free: np.ndarray,
            size: int) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    column = np.full(size, -1)
    column[free] = np.arange(free.size)
    r, c = [], []
    for i, (cells, _value) in enumerate(rows):
        cols = column[cells]
        cols = cols[cols >= 0]
        r.append(np.full(cols.size, i))
        c.append(cols)
    data = np.concatenate(c) if c else np.zeros(0, dtype=int)
    matrix = sparse.csr_matrix(
        (np.ones(data.size), (np.concatenate(r) if r else data, data)),
        shape=(len(rows), free.size))
    return matrix, np.array([v for _c, v in rows], dtype=float), column


def _always_zero(matrix: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Cells that are 0 in every solution. An interior point method without crossover (or
    presolve, which would move the point to a vertex) ends near the analytic centre of the
    solutions, where every cell that can be positive is: the others come out as 0 up to
    rounding. Should any cell land in between, or the method fail, the exact linear
    program decides."""
    highs = highspy._Highs()  # the plain binding: highspy.Highs() prints a banner on stdout
    for option, value in (("output_flag", False), ("solver", "ipm"), ("run_crossover", "off"),
                          ("presolve", "off"), ("random_seed", 20261128)):
        highs.setOptionValue(option, value)
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = matrix.shape
    lp.col_cost_ = np.zeros(lp.num_col_)
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.full(lp.num_col_, highspy.kHighsInf)
    lp.row_lower_ = lp.row_upper_ = values
    columns = matrix.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
        columns.indptr, columns.indices, columns.data)
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        x = np.asarray(highs.getSolution().col_value)
        if not np.any((x > _ZERO) & (x < _POSITIVE)):
            return x <= _ZERO
    return _always_zero_exact(matrix, values)


def _always_zero_exact(matrix: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """The same by one linear program (Freund, Roundy and Todd): maximise sum(t) over
    A x = l b, t <= x, 0 <= t <= 1, l >= 1. Scaling lets every cell that can be positive
    reach t = 1 at once."""
    m, n = matrix.shape
    equal = sparse.hstack([matrix, sparse.csr_matrix((m, n)),
                           sparse.csr_matrix(-values.reshape(-1, 1))]).tocsr()
    eye = sparse.identity(n, format="csr")
    below = sparse.hstack([-eye, eye, sparse.csr_matrix((n, 1))]).tocsr()
    cost = np.concatenate([np.zeros(n), -np.ones(n), [0.0]])
    bounds = [(0, None)] * n + [(0, 1)] * n + [(1, None)]
    result = linprog(cost, A_ub=below, b_ub=np.zeros(n), A_eq=equal, b_eq=np.zeros(m),
                     bounds=bounds, method="highs")
    if result.status != 0:
        raise RuntimeError(f"disclosure audit failed: {result.message}")
    return result.x[n:2 * n] < 0.5


def _null_vectors(matrix: sparse.csr_matrix) -> np.ndarray | None:
    """A few random vectors of the null space of the published rows, or None when the
    projection came out inexact (every target then gets the exact test). Projection through
    one sparse factorisation of A A' (regularised: published rows may depend on each other),
    with two refinement steps."""
    rng = np.random.default_rng(20261127)  # fixed: a pattern is computed the same everywhere
    m, n = matrix.shape
    vectors = rng.standard_normal((n, _NULL_VECTORS))
    if m == 0:
        return vectors.T
    gram = (matrix @ matrix.T).tocsc() + _REGULARISE * sparse.identity(m, format="csc")
    factor = splu(gram)
    for _ in range(3):
        vectors = vectors - matrix.T @ factor.solve(matrix @ vectors)
    if np.linalg.norm(matrix @ vectors) > 1e-8 * max(1.0, np.linalg.norm(vectors)):
        return None
    return vectors.T


def _fixed_by_lp(matrix: sparse.csr_matrix, values: np.ndarray, columns: np.ndarray) -> bool:
    target = np.zeros(matrix.shape[1])
    target[columns] = 1.0
    ends = []
    for sign in (1.0, -1.0):
        result = linprog(sign * target, A_eq=matrix if matrix.shape[0] else None,
                         b_eq=values if matrix.shape[0] else None, bounds=(0, None),
                         method="highs")
        if result.status == 3:  # unbounded above: not fixed
            return False
        if result.status != 0:
            raise RuntimeError(f"disclosure audit failed: {result.message}")
        ends.append(sign * result.fun)
    return abs(ends[0] - ends[1]) < 1e-6


def counts_audit(values: dict[Node, int], cells: Cells) -> Audit:
    """An audit of one family of counts (response counts): which hidden positive counts the
    numbers published once a stage is published would give away."""
    return partition_audit([values], cells)


def partition_audit(parts: list[dict[Node, int]], cells: Cells, *,
                    total: dict[Node, int] | None = None,
                    total_hidden: Collection[Node] = frozenset(),
                    sums: Sequence[Sequence[int]] = ()) -> Audit:
    """An audit of families that split one total: the answer codes of an item (each
    respondent the item was shown to has exactly one code, "skipped" included) split the
    response count. The unknowns are each part's finest cells; a visible node publishes every
    part, a node whose total is visible publishes the sum of all parts. Protected: each
    hidden part, each hidden sum in `sums` (an item's base: its substantive codes) and each
    hidden total."""
    finest: dict[Node, np.ndarray] = {}  # a node's finest cells
    memo: dict[tuple[Node, tuple[int, ...]], np.ndarray] = {}  # ... in some parts
    offsets = np.arange(len(parts)) * cells.size

    def of(node: Node, which: Sequence[int]) -> np.ndarray:
        key = (node, tuple(which))
        if key not in memo:
            if node not in finest:
                finest[node] = cells.of_node(node)
            memo[key] = (finest[node][None, :] + offsets[list(which), None]).ravel()
        return memo[key]

    every = range(len(parts))

    def audit(hidden: set[Node], stage: Stage) -> list[Node]:
        known = sorted(stage.known)
        rows: list[Row] = []
        targets: dict[Hashable, np.ndarray] = {}
        for node in known:
            if node not in hidden:
                rows += [(of(node, [i]), float(part.get(node, 0))) for i, part in enumerate(parts)]
            else:
                for i, part in enumerate(parts):
                    if part.get(node, 0) > 0:
                        targets[(node, i)] = of(node, [i])
                for j, which in enumerate(sums):
                    if len(which) > 1 and sum(parts[i].get(node, 0) for i in which) > 0:
                        targets[(node, "sum", j)] = of(node, which)
            if total is None or node not in hidden:
                continue  # a visible node's parts already sum to its total
            if node not in total_hidden:
                rows.append((of(node, every), float(total.get(node, 0))))
            elif total.get(node, 0) > 0:
                targets[(node, "total")] = of(node, every)
        given_away = pinned(rows, targets, cells.size * len(parts))
        return sorted({key[0] for key in given_away})  # type: ignore[index]

    return audit
