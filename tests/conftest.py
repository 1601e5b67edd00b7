"""Test databases are built by the real migrations: SQLite from a migrated template file copied
per test, PostgreSQL (127.0.0.1:5432) as one migrated database per run (per pytest-xdist worker),
emptied per test.

Tests that take `db_url` run on both engines; the rest use SQLite. Without a reachable
PostgreSQL server the PostgreSQL variants are skipped, unless LYSSNA_REQUIRE_POSTGRES=1 (CI),
where they fail instead.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

from app.demo import seed_demo_base
from app.main import create_app
from app.questionnaires.loader import Registry
from app.settings import ROOT, Settings
from app.storage.engine import make_engine
from app.storage.migrate import upgrade
from tests.live_server import TEST_SECRET  # the key of the live server, too

PG_ADMIN_URL = os.environ.get(
    "LYSSNA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session", autouse=True)
def _var_dir_of_this_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Settings built from the environment (the CLI tests) keep their development secret key in
    a var/ of this process, not in the checkout's var/, which the pytest-xdist workers would
    share (and which is the developer's own)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LYSSNA_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "lyssna.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    _seed(url)
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if not _pg_available():
        if os.environ.get("LYSSNA_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable")
    # One database per process: under pytest-xdist every worker runs this fixture itself, so the
    # worker id (gw0, gw1, ...) only makes a leftover database easy to attribute; the random part
    # keeps concurrent runs on one server apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"lyssna_test_{worker}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: commits need not wait for the disk (same semantics otherwise).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:  # also when the migration fails, so no run leaves its database behind
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@functools.cache
def _questionnaires() -> Registry:
    """Parsed once per run: parsing and validating the YAML costs more than the reseed itself."""
    return Registry.from_directory(ROOT / "questionnaires")


def _seed(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo_base(session, _questionnaires())
        session.commit()
    engine.dispose()


def _reset_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                 "AND tablename <> 'alembic_version'")
        ).scalars().all()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    _seed(url)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "lyssna.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = request.getfixturevalue("pg_url")
    _reset_pg(url)
    return url


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The database for tests that are not about storage: SQLite. Storage tests override this
    with `db_url` (see `both_databases`)."""
    return sqlite_url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=tmp_path / "var",
        flush_check_seconds=3600,
        environment="development",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client
