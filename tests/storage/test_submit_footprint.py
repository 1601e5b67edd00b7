"""R12: the submit transaction writes only the token, the inbox and the draft. No per-batch
counter or anything else is written when a respondent submits, so "which batch just changed"
cannot date an answer; batch "answered" counts come from token states and move only at flush.

The SQL is captured from the running app's engine (SQLAlchemy events), on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from app.storage.flush import flush
from tests.factories import Respondent, create_tokens
from tests.storage.helpers import rows

WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
READ = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)", re.IGNORECASE)
SUBMIT_WRITES = {"token", "response_inbox", "draft"}
SUBMIT_READS = {"token", "batch", "draft", "questionnaire_version"}


def walk_to_review(client, token: str) -> None:
    respondent = Respondent(client)
    location = respondent.start(token).headers["location"]
    while location.startswith("/s/page/"):
        location = respondent.post(location, {"nav": "next"}).headers["location"]
    assert location == "/s/review"


@pytest.fixture
def transactions(client) -> Iterator[list[list[str]]]:
    """The statements the app sends, one list per database transaction."""
    engine = client.app.state.engine
    found: list[list[str]] = []
    open_: dict[int, list[str]] = {}

    def begin(conn):  # type: ignore[no-untyped-def]
        open_[id(conn)] = []

    def execute(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("BEGIN"):
            open_.setdefault(id(conn), []).append(statement)

    def end(conn):  # type: ignore[no-untyped-def]
        found.append(open_.pop(id(conn), []))

    listeners = [("begin", begin), ("before_cursor_execute", execute), ("commit", end),
                 ("rollback", end)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    yield found
    for name, fn in listeners:
        event.remove(engine, name, fn)


def tables(pattern: re.Pattern, statements: list[str]) -> set[str]:
    return {t.lower() for s in statements for t in pattern.findall(s)}


def token_counts(engine) -> dict[str, int]:
    return dict(rows(engine, "SELECT state, count(*) FROM token GROUP BY state"))


class TestSubmitWritesOnlyTokenInboxAndDraft:
    def test_the_submit_transaction_touches_only_the_allowed_tables(self, client, engine,
                                                                    settings, transactions):
        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token)
        transactions.clear()
        assert client.post("/s/review", data={"nav": "submit"}).status_code == 303
        [submit] = [t for t in transactions if "response_inbox" in tables(WRITE, t)]
        assert tables(WRITE, submit) == SUBMIT_WRITES
        assert tables(READ, submit) <= SUBMIT_READS
        assert any(re.match(r"\s*UPDATE token\b", s) for s in submit)

    def test_no_transaction_of_the_request_writes_anything_else(self, client, engine,
                                                                 settings, transactions):
        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token)
        transactions.clear()
        client.post("/s/review", data={"nav": "submit"})
        client.get("/s/thanks")
        written = set().union(*(tables(WRITE, t) for t in transactions))
        assert written == SUBMIT_WRITES


class TestBatchCountsMoveOnlyAtFlush:
    def test_answered_count_is_unchanged_by_submit_and_grows_at_flush(self, client, engine,
                                                                      settings):
        batch, [token] = create_tokens(engine, settings)
        batch_row = f"SELECT * FROM batch WHERE id = {batch.id}"
        before = rows(engine, batch_row)
        xmin = engine.dialect.name == "postgresql"
        if xmin:
            batch_xmin = rows(engine, f"SELECT xmin::text FROM batch WHERE id = {batch.id}")
        walk_to_review(client, token)
        assert token_counts(engine).get("used", 0) == 0
        assert client.post("/s/review", data={"nav": "submit"}).status_code == 303
        assert token_counts(engine) == {"consumed": 1}
        assert rows(engine, batch_row) == before
        if xmin:  # the batch row was not even rewritten
            assert rows(engine, f"SELECT xmin::text FROM batch WHERE id = {batch.id}") \
                == batch_xmin
        assert flush(engine, min_rows=1, current_period="2000-01") == 1
        assert token_counts(engine) == {"used": 1}
        assert rows(engine, batch_row) == before
