"""Move inbox rows into `response` in random order (ANONYMITY.md L2, L4, R6).

On PostgreSQL a submit's token update and inbox insert share a transaction id (xmin) and a WAL
commit record. The flush re-inserts every waiting answer under *its own* transaction id, in
random order and with fresh random ids, and marks all consumed tokens used in that same
transaction: afterwards a join on xmin links each token to the whole flush, never to one answer.
It runs only when at least `min_rows` answers wait, or when one of them belongs to a period
that has ended (so closed periods can be published).
"""

from __future__ import annotations

import logging
import secrets
import uuid

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlmodel import Session

from app.models import Answer, ClosedPeriod, Response, ResponseInbox, Token, TokenState

log = logging.getLogger("lyssna.flush")
_random = secrets.SystemRandom()
_PG_LOCK = 0x4C7953  # advisory lock id: one flush at a time across processes and hosts
CELL_COLUMNS = (
    "questionnaire_id",
    "questionnaire_version",
    "municipality_id",
    "intervention_id",
    "channel",
    "language",
    "period",
    "promise_variant",
    "arms",
)


def flush(engine: Engine, *, min_rows: int, current_period: str, force: bool = False) -> int:
    """Flush when due; returns the number of responses moved."""
    with Session(engine) as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        if engine.dialect.name == "postgresql":
            got = session.execute(text(f"SELECT pg_try_advisory_xact_lock({_PG_LOCK})"))
            if not got.scalar_one():
                return 0
        waiting = session.execute(select(func.count()).select_from(ResponseInbox)).scalar_one()
        if waiting == 0:
            return 0
        if not force and waiting < min_rows:
            oldest = session.execute(select(func.min(ResponseInbox.period))).scalar_one()
            if oldest >= current_period:
                return 0
        if engine.dialect.name == "postgresql":
            # Wait for submits in flight and keep new ones out until we commit: a submit that
            # committed between our read and the TRUNCATE below would be erased unread.
            session.execute(text("LOCK TABLE response_inbox IN ACCESS EXCLUSIVE MODE"))
        rows = list(session.execute(select(ResponseInbox)).scalars())
        _random.shuffle(rows)
        # An answer submitted just before its month closed counts in the next open month:
        # closed months are frozen (ANONYMITY.md R19).
        mark = session.execute(select(func.max(ClosedPeriod.period))).scalar_one()
        for row in rows:
            if mark is not None and row.period <= mark:
                row.period = _next_month(mark)
        responses, answers = [], []
        for row in rows:
            rid = uuid.uuid4()
            responses.append({"id": rid, **{c: getattr(row, c) for c in CELL_COLUMNS}})
            for question, values in row.answers.items():
                answers += [{"response_id": rid, "question": question, "value": v} for v in values]
        session.execute(insert(Response), responses)
        if answers:
            session.execute(insert(Answer), answers)
        session.execute(
            update(Token).where(Token.state == TokenState.consumed).values(state=TokenState.used)
        )
        if engine.dialect.name == "postgresql":
            # TRUNCATE replaces the table's file: no inbox bytes linger in free space.
            session.execute(text("TRUNCATE response_inbox"))
        else:
            session.execute(delete(ResponseInbox))  # secure_delete zeroes the freed pages
        session.commit()
    _clean_up(engine)
    log.info("flushed %d responses", len(rows))
    return len(rows)


def _clean_up(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM response_inbox, token"))
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"


def close_and_freeze(engine: Engine, *, period: str, registry: object, current_period: str,
                     k: int) -> list[str]:
    """Flush every waiting answer, then close and freeze the months up to `period`."""
    from datetime import UTC, datetime

    from app.reports.service import close_period

    flush(engine, min_rows=1, current_period=current_period, force=True)
    with Session(engine) as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        closed = close_period(session, period=period, registry=registry,  # type: ignore[arg-type]
                              now=datetime.now(UTC), k=k)
        if closed:
            from app.auth import audit

            audit.record(session, user_id=None, action="period_close",
                         target=", ".join(closed), now=datetime.now(UTC))
        session.commit()
    return closed
