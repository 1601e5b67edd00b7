"""The disclosure audit: what an attacker with every published number can pin exactly."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.optimize import linprog

from app.reports.audit import Cells, counts_audit, pinned
from app.reports.service import _nodes_and_stages
from app.reports.suppression import REGION, plan, suppress


def cells(*indices: int) -> np.ndarray:
    return np.array(indices)


class TestPinned:
    def test_a_cross_table_with_free_margins_pins_nothing(self):
        # x0 x1 / x2 x3 with row and column totals published: one degree of freedom left
        rows = [(cells(0, 1), 6.0), (cells(2, 3), 6.0), (cells(0, 2), 6.0), (cells(1, 3), 6.0)]
        assert pinned(rows, {"x0": cells(0), "x3": cells(3)}, 4) == []

    def test_a_published_zero_fixes_its_cells(self):
        rows = [(cells(0, 1), 6.0), (cells(2, 3), 6.0), (cells(0, 2), 6.0), (cells(1, 3), 6.0),
                (cells(1), 0.0)]
        assert pinned(rows, {"x0": cells(0), "x3": cells(3)}, 4) == ["x0", "x3"]

    def test_zeros_implied_by_non_negativity_are_found(self):
        # x0+x1 = 3 and x0+x1+x2+x3 = 3 force x2 = x3 = 0 (only because counts are not
        # negative); then x1+x2 = 1 gives x1 = 1 and x0 = 2. Linear algebra alone pins nothing.
        rows = [(cells(0, 1), 3.0), (cells(0, 1, 2, 3), 3.0), (cells(1, 2), 1.0)]
        assert pinned(rows, {"x0": cells(0), "x1": cells(1)}, 4) == ["x0", "x1"]

    def test_a_total_of_two_hidden_parts_leaves_each_free(self):
        rows = [(cells(0, 1), 9.0)]
        assert pinned(rows, {"x0": cells(0), "x1": cells(1)}, 2) == []

    def test_a_hidden_part_next_to_published_ones_is_pinned(self):
        rows = [(cells(0, 1, 2), 9.0), (cells(1), 3.0), (cells(2), 5.0)]
        assert pinned(rows, {"x0": cells(0)}, 3) == ["x0"]

    def test_a_hidden_number_pinned_at_zero_is_allowed(self):
        rows = [(cells(0, 1), 0.0)]
        assert pinned(rows, {"x0": cells(0)}, 2) == []


class TestCells:
    def test_nodes_map_to_their_finest_cells(self):
        nodes = [(a, t, d, v) for a in (REGION, 1, 2) for t in ("2026-01", "2026-02", "2026-Q1")
                 for d, v in (("all", ""), ("language", "sv"), ("language", "ar"),
                              ("channel", "staff_group"))]
        grid = Cells.of(nodes, ["2026-01", "2026-02"])
        assert grid.shape == (2, 2, 1, 2)  # municipality, month, channel, language
        assert grid.of_node((REGION, "2026-Q1", "all", "")).size == 8
        assert grid.of_node((1, "2026-01", "all", "")).size == 2
        assert grid.of_node((2, "2026-Q1", "language", "ar")).size == 2
        assert len(set(grid.of_node((1, "2026-01", "language", "sv")))
                   | set(grid.of_node((1, "2026-01", "language", "ar")))) == 2


class TestAuditedSuppression:
    """Three municipalities, one month, three languages x three channels (the finest counts
    below; nobody publishes them). The remainder rule is met relation by relation, yet all
    relations together pin a hidden count; the audit hides more until none is pinned."""

    LANGUAGES, CHANNELS = ("ar", "en", "sv"), ("peer", "staff", "poster")
    FINEST = {1: [[9, 0, 1], [6, 9, 2], [3, 9, 3]],  # rows: languages; columns: channels
              2: [[0, 0, 0], [9, 0, 3], [0, 0, 0]],
              3: [[1, 1, 0], [6, 9, 6], [0, 0, 0]]}

    def table(self):
        t = "2026-01"
        values: dict = defaultdict(int)
        for muni, rows in self.FINEST.items():
            for language, row in zip(self.LANGUAGES, rows, strict=True):
                for channel, n in zip(self.CHANNELS, row, strict=True):
                    for area in (muni, REGION):
                        for dim, value in (("all", ""), ("language", language),
                                           ("channel", channel)):
                            values[(area, t, dim, value)] += n
        slices = sorted({(d, v) for _a, _t, d, v in values})
        stages = plan(_nodes_and_stages([REGION, 1, 2, 3], slices, [t]))
        return dict(values), stages, Cells.of(stages[-1].known, [t])

    def given_away(self, values, grid, hidden) -> list:
        """The hidden positive counts whose min = max, by one pair of LPs each."""
        published = [n for n in values if n not in hidden]
        a_eq = np.zeros((len(published), grid.size))
        for i, node in enumerate(published):
            a_eq[i, grid.of_node(node)] = 1
        b_eq = [values[n] for n in published]
        out = []
        for node in sorted(n for n in hidden if values.get(n, 0) > 0):
            c = np.zeros(grid.size)
            c[grid.of_node(node)] = 1
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
            high = -linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
            if high - low < 1e-6:
                out.append(node)
        return out

    def test_the_remainder_rule_alone_leaves_a_count_pinned(self):
        values, stages, grid = self.table()
        hidden = suppress(values, stages, 5)
        assert self.given_away(values, grid, hidden) == [(3, "2026-01", "language", "ar")]

    def test_the_audited_pattern_pins_nothing(self):
        values, stages, grid = self.table()
        hidden = suppress(values, stages, 5, audit=counts_audit(values, grid))
        assert hidden > suppress(values, stages, 5)
        assert self.given_away(values, grid, hidden) == []
