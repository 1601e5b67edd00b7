"""Fast submissions through the real service layer (the same calls the routes make), for tests
that need hundreds of responses; and small helpers to read the database as an attacker would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text, update
from sqlmodel import Session

from app.issuance.tokens import token_hash
from app.keys import Keys
from app.questionnaires.loader import Registry
from app.respondent.service import Clock, RespondentService
from app.settings import Settings

MARKER_QUESTION = "anything_else"  # free text: carries a per-submission marker in tests


@dataclass(frozen=True)
class FixedClock(Clock):
    """A clock stopped at one instant (to put a submission in a given month)."""

    at: datetime = datetime(2026, 1, 15, 12, 0)

    def now(self) -> datetime:
        return self.at.replace(tzinfo=self.timezone)


def respondent_service(settings: Settings, clock: Clock | None = None) -> RespondentService:
    return RespondentService(
        keys=Keys.from_secret(settings.secret_key),
        registry=Registry.from_directory(settings.questionnaire_dir),
        clock=clock or Clock(ZoneInfo(settings.timezone)),
        draft_days=settings.draft_days,
    )


def start_draft(engine: Engine, service: RespondentService, token: str,
                answers: dict[str, list[str]] | None = None) -> str:
    """Open the link on a new device and answer up to the review page; returns the device
    cookie value."""
    device = secrets.token_urlsafe(24)
    with Session(engine) as session:
        service.open_link(session, token, device, language="sv", restart=False)
        visit = service.visit(session, token, device)
        visit.state.answers.update(answers or {})
        visit.state.step = "review"
        service.save(session, visit)
        session.commit()
    return device


def submit(engine: Engine, service: RespondentService, token: str,
           answers: dict[str, list[str]] | None = None) -> None:
    """A respondent answers and submits (two transactions, as over HTTP)."""
    device = start_draft(engine, service, token, answers)
    with Session(engine) as session:
        service.submit(session, token, device)


def submit_in_order(engine: Engine, service: RespondentService, tokens: list[str]) -> None:
    """Respondent i submits `marker(i)` as free-text answer, one after another, each in the
    real submit transaction. Their drafts (opened token, sealed draft on the review page) are
    written in bulk beforehand: set-up, not the behaviour under test, and 3x faster."""
    from app.models import Draft, Token, TokenState
    from app.respondent import drafts as sealing
    from app.respondent.drafts import DraftState

    key = service.keys.draft
    devices, rows_, digests = [], [], []
    for i, token in enumerate(tokens):
        digest = token_hash(service.keys.token_hmac, token)
        device = secrets.token_urlsafe(24)
        state = DraftState(language="sv", step="review", answers={MARKER_QUESTION: [marker(i)]})
        rows_.append({
            "token_hash": digest, "device_hash": sealing.device_hash(key, device, digest),
            "ciphertext": sealing.seal(key, token, device, digest, state),
            "expires_on": service.clock.today() + timedelta(days=1),
        })
        devices.append(device)
        digests.append(digest)
    with Session(engine) as session:
        session.execute(insert(Draft), rows_)
        session.execute(update(Token).where(Token.hash.in_(digests))  # type: ignore[attr-defined]
                        .values(state=TokenState.opened))
        session.commit()
    for token, device in zip(tokens, devices, strict=True):
        with Session(engine) as session:
            service.submit(session, token, device)


def marker(i: int) -> str:
    return f"submission-{i:04d}"


def scalar_rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


def rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def raw_database_bytes(engine: Engine) -> bytes:
    """Every byte the database keeps on disk for Lyssna, as an attacker with a copy of the data
    directory reads it. SQLite: the database file and its -wal (and -shm). PostgreSQL: every
    page of every table, index and TOAST table in the schema, through pageinspect (the buffer
    cache, so nothing waits for a checkpoint); dead tuples included."""
    if engine.dialect.name == "sqlite":
        from pathlib import Path

        path = Path(engine.url.database or "")
        return b"".join(
            p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        relations = conn.execute(text("""
            SELECT c.oid::regclass::text FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')
            UNION
            SELECT t.oid::regclass::text FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class t ON t.oid = c.reltoastrelid WHERE n.nspname = 'public'"""
        )).scalars().all()
        pages = []
        for rel in relations:
            pages += conn.execute(text(
                "SELECT get_raw_page(CAST(:r AS text), 'main', g::int) FROM generate_series(0,"
                " pg_relation_size(CAST(:r AS regclass))"
                " / current_setting('block_size')::int - 1) g"
            ), {"r": rel}).scalars().all()
    return b"".join(bytes(p) for p in pages)


def table_values(engine: Engine) -> bytes:
    """Every value of every column of every table, as bytes (a logical dump)."""
    from sqlalchemy import inspect

    parts: list[bytes] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    else:
                        parts.append(str(value).encode())
    return b"\x00".join(parts)


def find_needles(haystack: bytes, needles: dict[bytes, str]) -> list[str]:
    """Which needles occur anywhere in the haystack (sliding window per needle length)."""
    found = []
    for length in {len(n) for n in needles}:
        group = {n for n in needles if len(n) == length}
        window = haystack
        found += [needles[window[i:i + length]] for i in range(len(window) - length + 1)
                  if window[i:i + length] in group]
    return found
