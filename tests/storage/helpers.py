"""Fast submissions through the real service layer (the same calls the routes make), for tests
that need hundreds of responses; and small helpers to read the database as an attacker would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlmodel import Session

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


def marker(i: int) -> str:
    return f"submission-{i:04d}"


def scalar_rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


def rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]
