"""R3, R6: response ids are random UUIDv4 and neither the ids nor the physical order of the
`response`/`answer` rows reveal the order in which answers were submitted.

An attacker who knows the order of submissions (say, who handed in their phone first) tries to
line it up with the id order and the storage order. Each submission carries a marker in its free
text answer so the test (not the attacker) can recover the true submission order.

500 submissions (as in R3): with |rho| < 0.15 the chance that a truly random order fails one
check is 0.08 %, small enough for several checks per run; 200 would fail one run in ten.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from scipy.stats import spearmanr
from sqlalchemy import exc

from app.settings import Settings
from app.storage.engine import make_engine
from app.storage.flush import flush
from tests.conftest import TEST_SECRET, _reset_pg
from tests.factories import create_tokens
from tests.storage.helpers import (
    MARKER_QUESTION,
    marker,
    respondent_service,
    rows,
    scalar_rows,
    submit_in_order,
)

N = 500
LIMIT = 0.15


@dataclass
class Stored:
    dialect: str
    ids: list[uuid.UUID]  # response ids, in the order of submission
    physical: list[uuid.UUID]  # response ids in storage order (ctid / primary-key scan)
    answer_physical: list[uuid.UUID]  # response ids of `answer` rows in storage order
    inbox_physical_before: list[int]  # submission numbers of inbox rows in storage order
    no_rowid: bool


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def stored(request: pytest.FixtureRequest, sqlite_template: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Stored:
    tmp = tmp_path_factory.mktemp("order")
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp / "lyssna.db")
        url = f"sqlite:///{tmp / 'lyssna.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        _reset_pg(url)
    settings = Settings(database_url=url, secret_key=TEST_SECRET, var_dir=tmp / "var")
    engine = make_engine(url)
    try:
        _, tokens = create_tokens(engine, settings, N)
        submit_in_order(engine, respondent_service(settings), tokens)
        # PostgreSQL: heap order; SQLite (WITHOUT ROWID): a plain scan walks the primary key.
        physical = " ORDER BY ctid" if engine.dialect.name == "postgresql" else ""
        inbox_before = [
            int(json_text.split(marker(0)[:-4])[1][:4])
            for json_text in scalar_rows(
                engine, f"SELECT CAST(answers AS TEXT) FROM response_inbox{physical}"
            )
        ]
        moved = flush(engine, min_rows=settings.flush_min_rows, current_period="2000-01")
        assert moved == N
        order = {
            value: uuid.UUID(str(rid))
            for rid, value in rows(
                engine, "SELECT response_id, value FROM answer WHERE question = :q",
                q=MARKER_QUESTION,
            )
        }
        ids = [order[marker(i)] for i in range(N)]
        # SQLite: the table's own B-tree is keyed by (response_id, ...); a plain scan would
        # walk the (question, value) index instead, ordered by content (here: the markers).
        table_scan = physical or " ORDER BY response_id, question, value"
        answer_rows = [uuid.UUID(str(r)) for r in scalar_rows(
            engine, f"SELECT response_id FROM answer{table_scan}")]
        try:
            scalar_rows(engine, "SELECT rowid FROM response")
            no_rowid = False
        except exc.DBAPIError:
            no_rowid = True
        return Stored(
            dialect=engine.dialect.name,
            ids=ids,
            physical=[uuid.UUID(str(r)) for r in scalar_rows(
                engine, f"SELECT id FROM response{physical}")],
            answer_physical=list(dict.fromkeys(answer_rows)),
            inbox_physical_before=inbox_before,
            no_rowid=no_rowid,
        )
    finally:
        engine.dispose()


def rho(submission_order: list[uuid.UUID], other_order: list[uuid.UUID]) -> float:
    position = {rid: i for i, rid in enumerate(other_order)}
    return float(spearmanr(range(len(submission_order)),
                           [position[rid] for rid in submission_order]).statistic)


class TestResponseIdsAreRandom:
    def test_every_response_id_is_a_version_4_uuid(self, stored: Stored):
        assert len(set(stored.ids)) == N
        assert {rid.version for rid in stored.ids} == {4}
        assert {rid.variant for rid in stored.ids} == {uuid.RFC_4122}

    def test_id_order_does_not_follow_submission_order(self, stored: Stored):
        """The hex text order of a UUID is also its byte order."""
        assert abs(rho(stored.ids, sorted(stored.ids, key=str))) < LIMIT


class TestStorageOrderIsRandom:
    def test_response_rows_are_not_stored_in_submission_order(self, stored: Stored):
        assert sorted(stored.physical) == sorted(stored.ids)
        assert abs(rho(stored.ids, stored.physical)) < LIMIT

    def test_answer_rows_are_not_stored_in_submission_order(self, stored: Stored):
        assert sorted(stored.answer_physical) == sorted(stored.ids)
        assert abs(rho(stored.ids, stored.answer_physical)) < LIMIT

    @pytest.mark.parametrize("stored", ["sqlite"], indirect=True)
    def test_sqlite_tables_have_no_hidden_rowid_order(self, stored: Stored):
        assert stored.no_rowid

    @pytest.mark.parametrize("stored", ["postgresql"], indirect=True)
    def test_negative_control_the_postgresql_inbox_heap_does_keep_submission_order(
        self, stored: Stored
    ):
        """Why the flush exists: before it, storage order betrays submission order."""
        assert sorted(stored.inbox_physical_before) == list(range(N))
        order = stored.inbox_physical_before
        assert spearmanr(range(N), order).statistic > 0.9
