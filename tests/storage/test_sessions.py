"""The per-request session ends with its request: when a route or a dependency raises (another
device, a used link, a bad page number), the transaction is rolled back, the connection goes
back to the pool and, on SQLite, the write lock and the writers' queue are free before the
error page is sent.

The session dependency once handed its session on with `async for ...: yield`, which never
passes an exception on to the inner generator: its rollback and the release of the write lock
waited for garbage collection, so the next write request could find the database locked (a
500 on "send" instead of the "other device" page, seen under CPU load).
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from app.errors import TokenError
from app.storage.engine import make_engine
from app.storage.session import Writers, get_session, get_write_session
from tests.factories import create_tokens
from tests.storage.helpers import scalar_rows

REVOKE = text("UPDATE token SET state = 'revoked'")


def fake_request(engine, method: str) -> SimpleNamespace:
    state = SimpleNamespace(engine=engine)
    if engine.dialect.name == "sqlite":
        state.writers = Writers(engine)
    return SimpleNamespace(app=SimpleNamespace(state=state), method=method)


def sqlite_write_lock_is_free(engine) -> bool:
    """Whether another connection can take the write lock at once (no busy wait)."""
    other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize(("dependency", "method"), [(get_session, "POST"),
                                                    (get_write_session, "GET"),
                                                    (get_session, "GET")])
def test_an_error_ends_the_transaction_before_the_dependency_returns(settings, dependency,
                                                                     method):
    engine = make_engine(settings.database_url)
    create_tokens(engine, settings)
    request = fake_request(engine, method)
    opened = []

    async def failing_request() -> None:
        # what FastAPI does with a dependency that yields
        with pytest.raises(TokenError):
            async with asynccontextmanager(dependency)(request) as session:
                opened.append(session)
                session.execute(REVOKE)
                raise TokenError("other_device")
        # checked before anything else can run on this event loop
        assert engine.pool.checkedout() == 0, "the session is still open"
        writers = getattr(request.app.state, "writers", None)
        if writers is not None:
            assert not writers.lock.locked(), "the writers' queue is still held"
            assert sqlite_write_lock_is_free(engine), "the write lock is still held"

    try:
        asyncio.run(failing_request())
        assert scalar_rows(engine, "SELECT state FROM token") == ["unused"]  # rolled back
    finally:
        for session in opened:  # when the test fails: an open transaction would block the
            session.close()     # next test's clean-up (PostgreSQL row locks)
        engine.dispose()


def test_the_session_still_commits_when_the_request_succeeds(settings):
    engine = make_engine(settings.database_url)
    create_tokens(engine, settings)
    request = fake_request(engine, "POST")

    async def succeeding_request() -> None:
        async with asynccontextmanager(get_session)(request) as session:
            session.execute(REVOKE)
        assert engine.pool.checkedout() == 0

    try:
        asyncio.run(succeeding_request())
        assert scalar_rows(engine, "SELECT state FROM token") == ["revoked"]
    finally:
        engine.dispose()
