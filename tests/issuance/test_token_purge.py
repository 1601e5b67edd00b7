"""Spent token rows are deleted (ANONYMITY.md R13): once a batch has expired and every period
its answers can land in is published, its tokens (hash, state, batch) have no use left and are
only a link between a batch and its answers' timing. The batch keeps its counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlmodel import Session

from app.cli import main
from app.issuance.service import (
    batch_counts,
    find_intervention,
    find_municipality,
    issue_batch,
    purge_spent_tokens,
)
from app.keys import Keys
from app.models import Batch, ClosedPeriod, Token
from app.models.token import TokenState
from app.settings import get_settings
from tests.conftest import TEST_SECRET

EXPIRES = date(2026, 10, 20)
AFTER = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)  # when the purge runs


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def store(engine):  # type: ignore[no-untyped-def]
    return engine


def batch_with_answers(engine, expires_on: date = EXPIRES) -> Batch:  # type: ignore[no-untyped-def]
    """10 tokens: 3 answered (flushed), 2 opened, 5 never used."""
    with Session(engine, expire_on_commit=False) as session:
        batch, _tokens = issue_batch(
            session, token_key=Keys.from_secret(TEST_SECRET).token_hmac,
            municipality=find_municipality(session, "linkoping"),
            intervention=find_intervention(session, "so"), count=10,
            channel="peer_ambassador",  # type: ignore[arg-type]
            expires_on=expires_on, today=date(2026, 9, 1))
        hashes = session.execute(select(Token.hash).where(Token.batch_id == batch.id)
                                 ).scalars().all()
        for state, chosen in ((TokenState.used, hashes[:3]), (TokenState.opened, hashes[3:5])):
            session.execute(update(Token).where(Token.hash.in_(chosen)).values(state=state))  # type: ignore[attr-defined]
        session.commit()
    return batch


def close(engine, period: str, closed_at: datetime) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        session.add(ClosedPeriod(period=period, closed_at=closed_at))
        session.commit()


def tokens_of(engine, batch: Batch) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Token)
                               .where(Token.batch_id == batch.id)).scalar_one()


def purge(engine, now: datetime = AFTER) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        n = purge_spent_tokens(session, now=now)
        session.commit()
    return n


class TestPurge:
    def test_expired_and_published_batch_loses_its_tokens_but_keeps_its_counts(self, store):
        batch = batch_with_answers(store)
        with Session(store) as session:
            before = batch_counts(session, [batch.id])  # type: ignore[list-item]
        close(store, "2026-10", datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
        assert purge(store) == 1
        assert tokens_of(store, batch) == 0
        with Session(store) as session:
            assert batch_counts(session, [batch.id]) == before  # type: ignore[list-item]
            assert before[batch.id] == {"opened": 5, "answered": 3}  # type: ignore[index]
            assert session.get(Batch, batch.id).issued == 10
        assert purge(store) == 0  # once

    def test_a_batch_still_valid_is_kept(self, store):
        batch = batch_with_answers(store, expires_on=date(2026, 12, 31))
        close(store, "2026-10", datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
        assert purge(store) == 0 and tokens_of(store, batch) == 10

    def test_kept_while_its_last_month_is_open(self, store):
        batch = batch_with_answers(store)
        close(store, "2026-09", datetime(2026, 10, 7, 9, 0, tzinfo=UTC))
        assert purge(store) == 0 and tokens_of(store, batch) == 10

    def test_kept_when_the_month_was_closed_early_before_the_last_day(self, store):
        """October closed on the 15th: answers given until the 20th count in November."""
        batch = batch_with_answers(store)
        close(store, "2026-10", datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
        assert purge(store) == 0 and tokens_of(store, batch) == 10

    def test_the_purge_command_reports_it(self, store, settings, monkeypatch):
        batch = batch_with_answers(store)
        close(store, "2026-10", datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
        monkeypatch.setenv("LYSSNA_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("LYSSNA_SECRET_KEY", settings.secret_key)
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(main, ["purge"])
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert "token rows deleted for 1 spent batch" in result.output
        assert tokens_of(store, batch) == 0


class TestExtendAfterPurge:
    def test_a_purged_batch_cannot_be_extended(self, store):
        from app.issuance.service import IssueError, extend_batch

        batch = batch_with_answers(store)
        close(store, "2026-10", datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
        purge(store)
        with Session(store) as session:
            purged = session.get(Batch, batch.id)
            with pytest.raises(IssueError):
                extend_batch(purged, expires_on=date(2026, 12, 31), today=AFTER.date())

    def test_the_batch_page_shows_the_counts_and_no_change_form(self, store, client):
        from tests.staff_factories import Staff, create_staff

        batch = batch_with_answers(store)
        close(store, "2026-10", datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
        purge(store)
        create_staff(store, "admin@example.org", "admin")
        assert Staff(client).login("admin@example.org").status_code == 303
        page = client.get(f"/staff/batches/{batch.id}")
        assert page.status_code == 200
        assert "/extend" not in page.text and "/revoke" not in page.text
        listing = client.get("/staff/batches").text
        assert f"/staff/batches/{batch.id}" in listing
        refused = Staff(client).post(f"/staff/batches/{batch.id}/extend",
                                     {"expires_on": "2026-12-31"},
                                     form_url=f"/staff/batches/{batch.id}")
        assert refused.status_code == 409
