"""One database session per request, committed once at the end (services only flush).

On SQLite, a request that writes (POST) takes the write lock when its transaction begins
(BEGIN IMMEDIATE): a transaction that reads first and writes later fails at once with "database
is locked" when another writer committed in between. Writers of one process also queue on an
asyncio lock instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms; the
queue holds no worker thread, so waiting writers never starve the threadpool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from anyio import CancelScope
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Writers:
    """The SQLite engine for write requests and the lock they queue on, one per app."""

    def __init__(self, engine: Engine):
        self.engine = engine.execution_options(sqlite_begin="IMMEDIATE")
        self.lock = asyncio.Lock()


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()


# `async with`, not `async for ...: yield`: a `for` loop passes an exception raised at the
# yield (a TokenError in the route, say) on to nothing, so the inner generator's rollback and
# lock release waited for garbage collection, and the next writer found the database locked.
async def get_session(request: Request) -> AsyncIterator[Session]:
    async with _session(request, write=request.method in WRITE_METHODS) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """For the few GET routes that write (opening a link creates its draft)."""
    async with _session(request, write=True) as session:
        yield session


@asynccontextmanager
async def _session(request: Request, *, write: bool) -> AsyncIterator[Session]:
    engine: Engine = request.app.state.engine
    writers: Writers | None = getattr(request.app.state, "writers", None)
    write = write and writers is not None
    if write:
        await writers.lock.acquire()  # type: ignore[union-attr]
    try:
        # Creating a Session does no I/O (it connects on first use, inside a worker thread),
        # so only the commit needs a thread of its own.
        session = Session(writers.engine if write else engine,  # type: ignore[union-attr]
                          expire_on_commit=False)
        try:
            yield session
        except BaseException:
            # shielded: a cancelled request (the client went away) still rolls back before
            # the write lock is released
            with CancelScope(shield=True):
                await run_in_threadpool(_end, session, False)
            raise
        await run_in_threadpool(_end, session, True)
    finally:
        if write:
            writers.lock.release()  # type: ignore[union-attr]


async def as_writer(state: object, work: Callable[..., T], /, *args: object,
                    **kwargs: object) -> T:
    """Run blocking database work that writes (a flush after a submit) in a worker thread, in
    the same queue as the write requests on SQLite."""
    writers: Writers | None = getattr(state, "writers", None)
    if writers is None:
        return await run_in_threadpool(work, *args, **kwargs)
    async with writers.lock:
        return await run_in_threadpool(work, *args, **kwargs)


EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": commit before the response is sent, so a redirect never races the write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
