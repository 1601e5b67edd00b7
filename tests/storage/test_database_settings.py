"""R11: PostgreSQL settings that would write answers into the server log (statement logging)
are detected at start-up: production refuses to start, development warns.

The settings are changed on the per-run test database only (ALTER DATABASE ... SET, which new
connections pick up) and reset afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.main import create_app
from app.storage.engine import make_engine, unsafe_database_settings
from tests.conftest import PG_ADMIN_URL

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
UNSAFE = [
    ("log_statement", "all"),
    ("log_statement", "mod"),
    ("log_min_duration_statement", "0"),
    ("log_transaction_sample_rate", "0.5"),
    ("log_min_duration_sample", "0"),
]


@pytest.fixture
def set_database(db_url: str) -> Iterator:
    name = make_url(db_url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    changed: list[str] = []

    def set_(setting: str, value: str) -> None:
        changed.append(setting)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET {setting} = \'{value}\''))

    try:
        yield set_
    finally:
        with admin.connect() as conn:
            for setting in changed:
                conn.execute(text(f'ALTER DATABASE "{name}" RESET {setting}'))
        admin.dispose()


def check(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return unsafe_database_settings(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
@PG_ONLY
class TestUnsafeSettingsAreReported:
    def test_the_default_settings_pass(self, db_url):
        assert check(db_url) == []

    @pytest.mark.parametrize(("setting", "value"), UNSAFE)
    def test_a_setting_that_logs_statements_is_reported(self, db_url, set_database, setting,
                                                        value):
        set_database(setting, value)
        assert [p for p in check(db_url) if p.startswith(setting)] != []

    def test_logging_only_schema_changes_is_accepted(self, db_url, set_database):
        set_database("log_statement", "ddl")
        assert check(db_url) == []


@pytest.mark.postgres
@PG_ONLY
class TestStartUpWithUnsafeSettings:
    def test_production_refuses_to_start(self, settings, set_database):
        set_database("log_statement", "all")
        production = settings.model_copy(update={"environment": "production"})
        with pytest.raises(RuntimeError, match="log_statement = all"), \
                TestClient(create_app(production)):
            pass

    def test_development_warns_and_serves(self, settings, set_database, caplog):
        set_database("log_statement", "all")
        with caplog.at_level(logging.WARNING, logger="lyssna"), \
                TestClient(create_app(settings)) as client:
            assert client.get("/accessibility").status_code == 200
        assert any("log_statement = all" in r.getMessage() for r in caplog.records)

    def test_production_starts_with_safe_settings(self, settings):
        production = settings.model_copy(update={"environment": "production"})
        with TestClient(create_app(production)) as client:
            assert client.get("/accessibility").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_has_no_such_settings(db_url):
    assert check(db_url) == []
