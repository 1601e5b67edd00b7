"""T-B4 on a wider table: 5 municipalities x 3 languages x 3 channels. Relation by relation,
the remainder rule left Ydre's staff-channel response count for the quarter (27) pinned in
seed 102 (and 4 of seeds 101-112): the language and channel breakdowns are two margins of one
cross-table. The audit (app/reports/audit.py) closed it. Its own file so the test runs beside
the narrow ones (pytest-xdist distributes files)."""

from __future__ import annotations

from tests.reports.test_lp_attack import WIDE, attack


def test_no_suppressed_number_is_pinned_in_a_wide_table(engine, client):
    attack(engine, client, 102, WIDE)
