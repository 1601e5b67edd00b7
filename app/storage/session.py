"""One database session per request, committed once at the end (services only flush)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session
        session.commit()


EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": commit before the response is sent, so a redirect never races the write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
