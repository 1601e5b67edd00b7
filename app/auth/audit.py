"""The audit log of staff actions (ANONYMITY.md: who issued, revoked, exported what, when).

Only staff actions are recorded, never anything about respondents, tokens or answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.models import AuditEvent


def record(session: Session, *, user_id: int | None, action: str, target: str = "",
           now: datetime) -> None:
    """Append one event; `target` names the object in words staff understand (batch 12, …)."""
    session.add(AuditEvent(user_id=user_id, action=action, target=target[:300], created_at=now))
