"""Engine creation for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

log = logging.getLogger("lyssna.storage")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
    event.listen(engine, "reset", _roll_back_on_return)
    return engine


def _roll_back_on_return(dbapi_conn, _record, state) -> None:  # type: ignore[no-untyped-def]
    """After a failed COMMIT, SQLAlchemy considers the transaction ended and skips its own
    rollback-on-return, so the connection went back to the pool still inside the transaction
    and every later request on it failed. Rolling back an idle connection costs nothing."""
    if state.transaction_was_reset and not state.terminate_only:
        dbapi_conn.rollback()


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Python's sqlite3 opens transactions lazily; we issue BEGIN ourselves (below) so that
        # writers can take the lock up front with BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Deleted drafts and inbox rows must not linger in free pages (ANONYMITY.md L8).
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        # Writers that read-then-write (submit, flush) ask for IMMEDIATE to take the write
        # lock before reading, so two racing submits serialise instead of deadlocking.
        mode = options.get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


UNSAFE_PG_SETTINGS = {
    "log_statement": {"mod", "all"},
    "log_min_duration_statement": {"0"},
    "track_commit_timestamp": {"on"},
}


def unsafe_database_settings(engine: Engine) -> list[str]:
    """PostgreSQL settings that would log answers or date every row (ANONYMITY.md R11)."""
    if engine.dialect.name != "postgresql":
        return []
    problems = []
    with engine.connect() as conn:
        for name, bad in UNSAFE_PG_SETTINGS.items():
            value = conn.execute(text(f"SHOW {name}")).scalar_one()
            if str(value) in bad:
                problems.append(f"{name} = {value}")
        problems += _sampled_statement_logging(conn)
        archive = conn.execute(text("SHOW archive_mode")).scalar_one()
        if archive != "off":
            log.warning(
                "archive_mode = %s: archived WAL keeps submit transactions; keep its retention "
                "within the backup window",
                archive,
            )
    return problems


def _sampled_statement_logging(conn) -> list[str]:  # type: ignore[no-untyped-def]
    """Sampling (PostgreSQL 13+) logs whole statements too: every statement of a sampled
    transaction, or a sample of all statements when the sample threshold is 0."""
    def setting(name: str) -> str | None:
        return conn.execute(text("SELECT current_setting(:n, true)"), {"n": name}).scalar_one()

    problems = []
    rate = setting("log_transaction_sample_rate")
    if rate is not None and float(rate) > 0:
        problems.append(f"log_transaction_sample_rate = {rate}")
    threshold = setting("log_min_duration_sample")
    sample = setting("log_statement_sample_rate")
    if threshold == "0" and sample is not None and float(sample) > 0:
        problems.append(f"log_min_duration_sample = {threshold}")
    return problems
