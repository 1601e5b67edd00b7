"""R6: the flush moves inbox rows into `response` in random order, in one transaction, only
when enough rows wait or a period has ended; and on PostgreSQL it breaks the xmin link between a
consumed token and its answers.

The xmin tests play the strongest insider: the operator with a database dump, the server key
and the printed tokens. Before a flush the xmin join finds every (token, answers) pair (the
negative control); after it, each token is linked to the whole flush and nothing finer.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.issuance.tokens import token_hash
from app.keys import Keys
from app.storage.flush import flush
from tests.factories import create_tokens
from tests.storage.helpers import (
    MARKER_QUESTION,
    FixedClock,
    marker,
    respondent_service,
    rows,
    scalar_rows,
    start_draft,
    submit,
    submit_in_order,
)

PERIOD = datetime.now(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")


def count(engine, table: str, where: str = "") -> int:
    return scalar_rows(engine, f"SELECT count(*) FROM {table} {where}")[0]


def submit_many(engine, settings, n: int) -> list[str]:
    _, tokens = create_tokens(engine, settings, n)
    submit_in_order(engine, respondent_service(settings), tokens)
    return tokens


def do_flush(engine, settings, **kwargs) -> int:
    return flush(engine, min_rows=settings.flush_min_rows, current_period=PERIOD, **kwargs)


class TestFlushRunsOnlyWhenDue:
    def test_below_the_minimum_nothing_moves(self, engine, settings):
        submit_many(engine, settings, settings.flush_min_rows - 1)
        assert do_flush(engine, settings) == 0
        assert count(engine, "response_inbox") == settings.flush_min_rows - 1
        assert count(engine, "response") == 0
        assert count(engine, "token", "WHERE state = 'consumed'") == settings.flush_min_rows - 1
        assert count(engine, "token", "WHERE state = 'used'") == 0

    def test_at_the_minimum_every_waiting_answer_moves_and_its_token_is_finalised(
        self, engine, settings
    ):
        n = settings.flush_min_rows
        submit_many(engine, settings, n)
        assert do_flush(engine, settings) == n
        assert count(engine, "response_inbox") == 0
        assert count(engine, "response") == n
        assert sorted(scalar_rows(
            engine, "SELECT value FROM answer WHERE question = :q", q=MARKER_QUESTION
        )) == [marker(i) for i in range(n)]
        assert count(engine, "token", "WHERE state = 'used'") == n
        assert count(engine, "token", "WHERE state = 'consumed'") == 0

    def test_an_answer_from_an_ended_period_forces_a_flush(self, engine, settings):
        _, [token] = create_tokens(engine, settings)
        january = FixedClock(ZoneInfo("Europe/Stockholm"), datetime(2026, 1, 31, 23, 59, 59))
        submit(engine, respondent_service(settings, january), token)
        assert flush(engine, min_rows=10, current_period="2026-01") == 0
        assert flush(engine, min_rows=10, current_period="2026-02") == 1
        assert scalar_rows(engine, "SELECT period FROM response") == ["2026-01"]

    def test_force_flushes_below_the_minimum(self, engine, settings):
        submit_many(engine, settings, 2)
        assert do_flush(engine, settings, force=True) == 2


class TestConcurrentFlushes:
    def test_two_flushes_at_the_same_instant_never_move_a_row_twice(self, engine, settings):
        n = settings.flush_min_rows + 2
        for _ in range(3):  # a few rounds, so the two threads really overlap at least once
            submit_many(engine, settings, n)
            barrier = threading.Barrier(2)
            moved: list[int] = []

            def run(barrier: threading.Barrier = barrier, moved: list[int] = moved) -> None:
                barrier.wait()
                moved.append(do_flush(engine, settings))

            threads = [threading.Thread(target=run) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(moved)[-1] == n and sum(moved) == n
        assert count(engine, "response") == 3 * n
        assert count(engine, "answer", f"WHERE question = '{MARKER_QUESTION}'") == 3 * n
        assert count(engine, "response_inbox") == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
class TestFlushDuringASubmit:
    def test_an_answer_committed_while_the_flush_runs_is_never_lost(self, engine, settings):
        """A submit that has written its inbox row but not yet committed when a flush starts
        must end up either still in the inbox or flushed, never erased by the flush."""
        tokens = submit_many(engine, settings, settings.flush_min_rows)
        _, [late] = create_tokens(engine, settings)
        service = respondent_service(settings)
        device = start_draft(engine, service, late, {MARKER_QUESTION: ["late answer"]})
        written, release = threading.Event(), threading.Event()

        def late_submit() -> None:
            with Session(engine) as session:
                @event.listens_for(session, "after_flush")
                def hold(*_: object) -> None:  # inbox row inserted, transaction still open
                    written.set()
                    release.wait(20)

                service.submit(session, late, device)

        submitter = threading.Thread(target=late_submit)
        submitter.start()
        assert written.wait(20)
        flusher = threading.Thread(target=lambda: do_flush(engine, settings))
        flusher.start()
        self._wait_until_a_backend_waits_for_a_lock(engine)
        release.set()
        submitter.join(20)
        flusher.join(20)
        in_inbox = count(engine, "response_inbox")
        in_results = count(engine, "answer", "WHERE value = 'late answer'")
        assert in_inbox + in_results == 1
        digest = token_hash(Keys.from_secret(settings.secret_key).token_hmac, late)
        state = scalar_rows(engine, "SELECT state FROM token WHERE hash = :h", h=digest)
        assert state == (["consumed"] if in_inbox else ["used"])
        assert count(engine, "response") == len(tokens) + in_results

    @staticmethod
    def _wait_until_a_backend_waits_for_a_lock(engine) -> None:
        for _ in range(200):
            waiting = scalar_rows(
                engine, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            )[0]
            if waiting:
                return
            time.sleep(0.05)
        pytest.fail("the flush never waited for the open submit")


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
class TestFlushBreaksTheXminLink:
    N = 30

    @pytest.fixture
    def submitted(self, engine, settings) -> dict:
        """30 submits; for each printed token, the transaction id that consumed it."""
        tokens = submit_many(engine, settings, self.N)
        key = Keys.from_secret(settings.secret_key).token_hmac
        digests = {token: token_hash(key, token) for token in tokens}
        xids = {
            token: scalar_rows(engine, "SELECT xmin::text FROM token WHERE hash = :h", h=d)[0]
            for token, d in digests.items()
        }
        assert len(set(xids.values())) == self.N  # one transaction per submit
        return {"tokens": tokens, "digests": digests, "xids": xids}

    def _join_on_xmin(self, engine, table: str, digest: bytes) -> list:
        column = "CAST(r.answers AS TEXT)" if table == "response_inbox" else "r.id::text"
        return rows(
            engine,
            f"SELECT {column} FROM token t JOIN {table} r ON r.xmin = t.xmin WHERE t.hash = :h",
            h=digest,
        )

    def test_negative_control_before_the_flush_the_join_finds_every_pair(
        self, engine, submitted
    ):
        for i, token in enumerate(submitted["tokens"]):
            [(answers,)] = self._join_on_xmin(engine, "response_inbox", submitted["digests"][token])
            assert f'"{marker(i)}"' in answers

    def test_after_the_flush_no_answer_keeps_a_submit_transaction_id(
        self, engine, settings, submitted
    ):
        assert do_flush(engine, settings) == self.N
        assert count(engine, "response_inbox") == 0
        submit_xids = set(submitted["xids"].values())
        for table in ("response", "answer"):
            found = set(scalar_rows(engine, f"SELECT DISTINCT xmin::text FROM {table}"))
            assert found and not found & submit_xids, table

    def test_after_the_flush_every_used_token_carries_the_flush_transaction_id(
        self, engine, settings, submitted
    ):
        assert do_flush(engine, settings) == self.N
        token_xids = scalar_rows(engine, "SELECT DISTINCT xmin::text FROM token "
                                         "WHERE state = 'used'")
        response_xids = scalar_rows(engine, "SELECT DISTINCT xmin::text FROM response")
        assert len(token_xids) == 1 and token_xids == response_xids
        assert token_xids[0] not in set(submitted["xids"].values())

    def test_after_the_flush_a_token_joins_a_whole_flush_never_one_answer(
        self, engine, settings, submitted
    ):
        assert do_flush(engine, settings) == self.N
        groups = rows(engine, """
            SELECT x, sum(tokens), sum(responses) FROM (
                SELECT xmin::text AS x, 1 AS tokens, 0 AS responses FROM token
                    WHERE state = 'used'
                UNION ALL
                SELECT xmin::text, 0, 1 FROM response) g
            GROUP BY x HAVING sum(tokens) > 0""")
        assert groups and all(responses >= settings.flush_min_rows for _, _, responses in groups)
        for token in submitted["tokens"]:
            candidates = self._join_on_xmin(engine, "response", submitted["digests"][token])
            assert len(candidates) >= settings.flush_min_rows
