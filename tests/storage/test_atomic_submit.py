"""R5: consuming the token and storing the answers is one transaction. A crash at any point
leaves the answer either stored once or not submitted, and the respondent sees which.

Faults are injected into the real database path of the running app (SQLAlchemy events), on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlmodel import Session

from tests.factories import Respondent, create_tokens
from tests.storage.helpers import scalar_rows

MARK = "atomic-submit-marker"


class InjectedFault(RuntimeError):
    pass


def walk_to_review(client, token: str) -> None:
    respondent = Respondent(client)
    location = respondent.start(token).headers["location"]
    while location.startswith("/s/page/"):
        response = respondent.post(location, {"nav": "next", "anything_else": MARK})
        assert response.status_code == 303, response.text
        location = response.headers["location"]
    assert location == "/s/review"


def state(engine) -> dict:
    return {
        "tokens": scalar_rows(engine, "SELECT state FROM token"),
        "inbox": scalar_rows(engine, "SELECT count(*) FROM response_inbox")[0],
        "drafts": scalar_rows(engine, "SELECT count(*) FROM draft")[0],
    }


@pytest.fixture
def app_engine(client):
    return client.app.state.engine


@pytest.fixture
def fail_at(app_engine, request) -> Iterator[dict]:
    """Arm one fault in the app's submit transaction; `armed["on"] = False` disarms it."""
    armed = {"on": True, "fired": 0}

    def before_execute(conn, cursor, statement, parameters, *args):  # type: ignore[no-untyped-def]
        if re.match(r"\s*UPDATE token\b", statement) and "consumed" in str(parameters):
            conn.info["consumed"] = armed["consumed"] = True
        if armed["on"] and request.param == "inbox insert" and \
                re.match(r"\s*INSERT INTO response_inbox\b", statement):
            armed["fired"] += 1
            raise InjectedFault("inbox insert")

    def before_commit(conn):  # type: ignore[no-untyped-def]
        if armed["on"] and request.param == "commit" and conn.info.pop("consumed", False):
            armed["fired"] += 1
            raise InjectedFault("commit")

    def after_commit(session):  # type: ignore[no-untyped-def]
        if armed["on"] and request.param == "after commit" and armed.pop("consumed", False):
            armed["fired"] += 1
            raise InjectedFault("after commit")

    event.listen(app_engine, "before_cursor_execute", before_execute)
    event.listen(app_engine, "commit", before_commit)
    event.listen(Session, "after_commit", after_commit)
    yield armed
    event.remove(app_engine, "before_cursor_execute", before_execute)
    event.remove(app_engine, "commit", before_commit)
    event.remove(Session, "after_commit", after_commit)


def assert_error_page(response) -> None:
    assert response.status_code == 500
    assert "<html" in response.text
    assert "Traceback" not in response.text and "InjectedFault" not in response.text
    assert MARK not in response.text


class TestAFailedSubmitStoresNothing:
    @pytest.mark.parametrize("fail_at", ["inbox insert", "commit"], indirect=True)
    def test_the_token_stays_usable_and_the_draft_is_kept(self, client, engine, settings,
                                                          fail_at):
        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token)
        before = state(engine)
        assert before == {"tokens": ["opened"], "inbox": 0, "drafts": 1}
        assert_error_page(client.post("/s/review", data={"nav": "submit"}))
        assert fail_at["fired"] == 1
        assert state(engine) == before

    @pytest.mark.parametrize("fail_at", ["inbox insert", "commit"], indirect=True)
    def test_the_respondent_can_then_submit_once(self, client, engine, settings, fail_at):
        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token)
        assert_error_page(client.post("/s/review", data={"nav": "submit"}))
        fail_at["on"] = False
        again = client.post("/s/review", data={"nav": "submit"})
        assert again.status_code == 303 and again.headers["location"] == "/s/thanks"
        assert state(engine) == {"tokens": ["consumed"], "inbox": 1, "drafts": 0}
        assert MARK in scalar_rows(engine, "SELECT CAST(answers AS TEXT) FROM response_inbox")[0]


class TestAFailureAfterTheCommitIsNotCountedTwice:
    @pytest.mark.parametrize("fail_at", ["after commit"], indirect=True)
    def test_retrying_shows_the_answers_were_received(self, client, engine, settings, fail_at):
        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token)
        assert_error_page(client.post("/s/review", data={"nav": "submit"}))
        assert fail_at["fired"] == 1
        fail_at["on"] = False
        assert state(engine) == {"tokens": ["consumed"], "inbox": 1, "drafts": 0}
        retry = client.post("/s/review", data={"nav": "submit"})
        assert retry.status_code == 410
        assert "they were received" in retry.text or "har vi fått dem" in retry.text
        reopened = client.get(f"/r/{token}")
        assert reopened.status_code == 410
        assert state(engine)["inbox"] == 1
