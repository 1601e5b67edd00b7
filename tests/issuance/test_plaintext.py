"""Plaintext tokens live only while the batch's outputs can be downloaded (ANONYMITY.md A.6,
R13): encrypted in batch_secret for 24 h by default, then unreadable and purged, while the
token hashes and the batch's counts stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text
from sqlmodel import Session

from app.issuance.plaintext import (
    OutputsGone,
    batch_tokens,
    downloadable_until,
    purge_expired,
)
from app.issuance.service import find_intervention, find_municipality, issue_batch, revoke_batch
from app.issuance.tokens import grouped
from app.keys import Keys
from app.main import run_purges
from app.models import Batch, BatchSecret, Token
from tests.conftest import TEST_SECRET

ISSUED_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEYS = Keys.from_secret(TEST_SECRET)


def issue(engine, count: int = 5, *, now: datetime = ISSUED_AT, hours: int = 24):
    with Session(engine, expire_on_commit=False) as session:
        batch, tokens = issue_batch(
            session,
            token_key=KEYS.token_hmac,
            plaintext_key=KEYS.token_plaintext,
            download_hours=hours,
            now=now,
            municipality=find_municipality(session, "linkoping"),
            intervention=find_intervention(session, "so"),
            count=count,
            channel="peer_ambassador",  # type: ignore[arg-type]
            expires_on=date(2027, 1, 31),
            today=now.date(),
        )
        session.commit()
    return batch, tokens


def read(engine, batch: Batch, now: datetime, keys: Keys = KEYS) -> list[str]:
    with Session(engine) as session:
        return batch_tokens(session, keys, session.get(Batch, batch.id), now)


@pytest.fixture
def storage_engine(db_url):
    from app.storage.engine import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


class TestDownloadWindow:
    def test_tokens_can_be_read_back_in_issue_order_within_the_window(self, storage_engine):
        batch, tokens = issue(storage_engine)
        assert read(storage_engine, batch, ISSUED_AT + timedelta(hours=23, minutes=59)) == tokens

    def test_after_24_hours_the_outputs_are_gone_with_status_410(self, storage_engine):
        batch, _ = issue(storage_engine)
        with pytest.raises(OutputsGone) as gone:
            read(storage_engine, batch, ISSUED_AT + timedelta(hours=24))
        assert gone.value.status_code == 410

    def test_the_window_follows_the_setting(self, storage_engine):
        batch, tokens = issue(storage_engine, hours=2)
        assert read(storage_engine, batch, ISSUED_AT + timedelta(hours=1)) == tokens
        with pytest.raises(OutputsGone):
            read(storage_engine, batch, ISSUED_AT + timedelta(hours=2, seconds=1))

    def test_the_batch_page_can_show_until_when(self, storage_engine):
        batch, _ = issue(storage_engine)
        with Session(storage_engine) as session:
            row = session.get(Batch, batch.id)
            assert downloadable_until(session, row, ISSUED_AT) == ISSUED_AT + timedelta(hours=24)
            assert downloadable_until(session, row, ISSUED_AT + timedelta(days=2)) is None

    def test_another_server_secret_cannot_read_them(self, storage_engine):
        batch, _ = issue(storage_engine)
        other = Keys.from_secret("another-secret-key-that-is-long-enough-0000")
        with pytest.raises(OutputsGone):
            read(storage_engine, batch, ISSUED_AT, keys=other)

    def test_issuing_without_a_plaintext_key_keeps_nothing(self, storage_engine):
        with Session(storage_engine, expire_on_commit=False) as session:
            batch, _ = issue_batch(
                session, token_key=KEYS.token_hmac,
                municipality=find_municipality(session, "linkoping"),
                intervention=find_intervention(session, "so"), count=3,
                channel="peer_ambassador",  # type: ignore[arg-type]
                expires_on=date(2027, 1, 31), today=ISSUED_AT.date(),
            )
            session.commit()
        with pytest.raises(OutputsGone):
            read(storage_engine, batch, ISSUED_AT)


class TestRevocation:
    def test_revoking_destroys_the_plaintext_at_once(self, storage_engine):
        batch, _ = issue(storage_engine)
        with Session(storage_engine) as session:
            revoke_batch(session, session.get(Batch, batch.id))
            session.commit()
        with pytest.raises(OutputsGone):
            read(storage_engine, batch, ISSUED_AT + timedelta(minutes=5))
        with Session(storage_engine) as session:
            assert session.get(BatchSecret, batch.id) is None


def secret_rows(engine, batch_id: int) -> int:
    with Session(engine) as session:
        return session.execute(
            select(func.count()).select_from(BatchSecret).where(BatchSecret.batch_id == batch_id)
        ).scalar_one()


def token_rows(engine, batch_id: int) -> int:
    with Session(engine) as session:
        return session.execute(
            select(func.count()).select_from(Token).where(Token.batch_id == batch_id)
        ).scalar_one()


class TestPurge:
    def test_purge_after_the_window_leaves_hashes_and_counts_but_no_plaintext(
        self, storage_engine
    ):
        batch, _ = issue(storage_engine, count=7)
        with Session(storage_engine) as session:
            assert purge_expired(session, ISSUED_AT + timedelta(hours=25)) == 1
            session.commit()
        assert secret_rows(storage_engine, batch.id) == 0
        assert token_rows(storage_engine, batch.id) == 7
        with Session(storage_engine) as session:
            assert session.get(Batch, batch.id).issued == 7

    def test_purge_within_the_window_keeps_the_batch_downloadable(self, storage_engine):
        batch, tokens = issue(storage_engine)
        with Session(storage_engine) as session:
            assert purge_expired(session, ISSUED_AT + timedelta(hours=23)) == 0
            session.commit()
        assert read(storage_engine, batch, ISSUED_AT + timedelta(hours=23)) == tokens

    def test_the_app_periodic_task_purges_with_the_real_clock(self, engine):
        old, _ = issue(engine, now=datetime.now(UTC) - timedelta(hours=30))
        fresh, _ = issue(engine, now=datetime.now(UTC))
        assert run_purges(engine) == 1
        assert secret_rows(engine, old.id) == 0
        assert secret_rows(engine, fresh.id) == 1

    def test_the_purge_command(self, engine, settings, monkeypatch):
        old, _ = issue(engine, now=datetime.now(UTC) - timedelta(hours=30))
        result = run_cli(["purge"], settings, monkeypatch)
        assert result.exit_code == 0, result.output
        assert "1 batch" in result.output
        assert secret_rows(engine, old.id) == 0


def run_cli(args: list[str], settings, monkeypatch):
    from app import cli
    from app.settings import get_settings

    monkeypatch.setenv("LYSSNA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LYSSNA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("LYSSNA_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli.main, args, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


class TestNoPlaintextInTheDatabase:
    def test_no_column_of_any_table_holds_a_token(self, storage_engine):
        _, tokens = issue(storage_engine, count=20)
        dump = []
        with storage_engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        dump.append(value.hex() if isinstance(value, bytes) else str(value))
                        if isinstance(value, bytes):
                            dump.append(value.decode("latin1"))
        blob = "\n".join(dump)
        for token in tokens:
            assert token not in blob
            assert grouped(token) not in blob
            assert token.encode().hex() not in blob

    def test_the_sqlite_file_never_holds_a_token(self, engine, settings):
        _, tokens = issue(engine, count=20)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        raw = b"".join(p.read_bytes() for p in files)
        assert raw  # the scan really read the database
        for token in tokens:
            assert token.encode() not in raw


class TestGonePage:
    def test_the_410_is_rendered_as_a_page_that_says_what_to_do(self, settings):
        from fastapi.testclient import TestClient

        from app.main import create_app

        app = create_app(settings)

        def sheet() -> None:
            raise OutputsGone()

        app.add_api_route("/test-only/sheet", sheet)
        with TestClient(app) as client:
            response = client.get("/test-only/sheet", headers={"accept-language": "en"})
        assert response.status_code == 410
        assert "can no longer be downloaded" in response.text
        assert "revoke this batch and create a new one" in response.text
