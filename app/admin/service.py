"""Read models for the admin pages: users with roles, the audit log, batches to check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.issuance.service import batch_counts
from app.models import AuditEvent, Batch, Intervention, Municipality, StaffUser

AUDIT_PAGE = 100


def all_users(session: Session) -> list[StaffUser]:
    return list(session.exec(select(StaffUser).order_by(StaffUser.email)).all())


def municipalities(session: Session) -> list[Municipality]:
    return list(session.exec(select(Municipality).order_by(Municipality.name)).all())


def interventions(session: Session) -> list[Intervention]:
    return list(session.exec(select(Intervention).order_by(Intervention.name)).all())


@dataclass
class AuditRow:
    event: AuditEvent
    email: str


def audit_page(session: Session, *, page: int) -> tuple[list[AuditRow], bool]:
    """Newest first, AUDIT_PAGE per page; the flag says whether an older page exists."""
    rows = session.exec(
        select(AuditEvent, StaffUser.email)
        .join(StaffUser, StaffUser.id == AuditEvent.user_id, isouter=True)  # type: ignore[arg-type]
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())  # type: ignore[attr-defined, union-attr]
        .offset(page * AUDIT_PAGE)
        .limit(AUDIT_PAGE + 1)
    ).all()
    return [AuditRow(e, email or "") for e, email in rows[:AUDIT_PAGE]], len(rows) > AUDIT_PAGE


@dataclass
class FlaggedBatch:
    batch: Batch
    municipality: str
    creator: str
    answered: int


def flagged_batches(session: Session, *, k: int) -> list[FlaggedBatch]:
    """Batches of at most 2k tokens that are 100% answered (ANONYMITY.md R21): the shape of an
    n-1 attack, where an issuer fills all but one answer to isolate a real one."""
    small = session.exec(
        select(Batch, Municipality.name, func.coalesce(StaffUser.email, ""))
        .join(Municipality, Municipality.id == Batch.municipality_id)  # type: ignore[arg-type]
        .join(StaffUser, StaffUser.id == Batch.created_by, isouter=True)  # type: ignore[arg-type]
        .where(Batch.issued <= 2 * k)
        .order_by(Batch.id.desc())  # type: ignore[union-attr]
    ).all()
    counts = batch_counts(session, [b.id for b, _, _ in small])  # type: ignore[misc]
    return [
        FlaggedBatch(b, name, email, counts[b.id]["answered"])  # type: ignore[index]
        for b, name, email in small
        if b.issued > 0 and counts[b.id]["answered"] >= b.issued  # type: ignore[index]
    ]
