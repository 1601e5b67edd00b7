"""The attacker's linear program, run on a suppression pattern before it is published
(ANONYMITY.md B.6 T-B4; the audit step of tau-ARGUS).

The remainder rule in suppression.py looks at one additive relation at a time. An attacker
looks at all of them at once: every published number is a sum of unknown non-negative counts
of the finest cells (municipality x month x language x channel), and a hidden number whose
minimum and maximum over that system are equal is given away. With three languages and three
channels that happened (a municipality's staff-channel quarter, pinned through months, other
municipalities, the language breakdown and published zeros), so every pattern is audited.

Exact, without one linear program per hidden number:
1. Every finest cell inside a published 0 is 0; one homogenised linear program (Freund, Roundy
   and Todd 1985) finds every other cell that is 0 in every solution.
2. On the remaining cells the solutions fill a relatively open polytope, so a hidden sum is
   fixed exactly when it is constant on the affine hull: when its vector is orthogonal to the
   null space of the published rows. A random null-space vector (least squares) tests that: a
   free sum scores clearly above 0 (almost surely), and anything not clearly free is settled by
   its own two linear programs, minimum and maximum.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.linalg import lsqr

from app.reports import periods
from app.reports.suppression import REGION, Audit, Node, Stage

Row = tuple[np.ndarray, float]  # the finest cells a published number sums, and its value

_NULL_VECTORS = 1
_PINNED = 1e-7  # |target . z| below this for every null vector: fixed
_FREE = 1e-3  # above this for some null vector: free; in between, the exact LPs decide


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
    out = []
    for key, cells in targets.items():
        columns = column[cells]
        columns = columns[columns >= 0]
        if columns.size == 0:
            continue  # fixed at 0
        score = None if null is None else float(np.max(np.abs(null[:, columns].sum(axis=1))))
        if score is not None and score > _FREE:
            continue  # certainly free
        if (score is not None and score < _PINNED) or _fixed_by_lp(matrix, values, columns):
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
    """Cells that are 0 in every solution: maximise sum(t) over A x = l b, t <= x, 0 <= t <= 1,
    l >= 1. Scaling lets every cell that can be positive reach t = 1 at once."""
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
    """A few random vectors of the null space of the published rows, or None when least
    squares did not converge (every target then gets the exact test)."""
    rng = np.random.default_rng(20261127)  # fixed: a pattern is computed the same everywhere
    n = matrix.shape[1]
    out = []
    for _ in range(_NULL_VECTORS):
        r = rng.standard_normal(n)
        if matrix.shape[0]:
            y = lsqr(matrix.T, r, atol=1e-14, btol=1e-14, iter_lim=50 * n)[0]
            r = r - matrix.T @ y
            if np.linalg.norm(matrix @ r) > 1e-8 * max(1.0, np.linalg.norm(r)):
                return None
        out.append(r)
    return np.array(out)


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
    memo: dict[Node, np.ndarray] = {}

    def of(node: Node) -> np.ndarray:
        if node not in memo:
            memo[node] = cells.of_node(node)
        return memo[node]

    def audit(hidden: set[Node], stage: Stage) -> list[Node]:
        known = sorted(stage.known)
        rows = [(of(n), float(values.get(n, 0))) for n in known if n not in hidden]
        targets = {n: of(n) for n in known if n in hidden and values.get(n, 0) > 0}
        return pinned(rows, targets, cells.size)  # type: ignore[return-value]

    return audit
