"""Staff sessions: the cookie carries a signed random id (itsdangerous, key keys.session); the
database keeps its SHA-256 hash, so logout, password change and deactivation end a session by
deleting its row, in every app process at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlmodel import Session

from app.models import StaffSession, StaffUser

COOKIE = "lyssna_staff"
LIFETIME = timedelta(hours=12)
_SALT = "lyssna staff session v1"


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def hash_id(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def start(session: Session, *, user: StaffUser, key: bytes, now: datetime) -> str:
    """Create a server-side session for `user`; returns the cookie value."""
    raw = secrets.token_urlsafe(32)
    session.add(StaffSession(id_hash=hash_id(raw), user_id=user.id, expires_at=now + LIFETIME))  # type: ignore[arg-type]
    return _serializer(key).dumps(raw)


def load(session: Session, *, cookie: str | None, key: bytes,
         now: datetime) -> tuple[StaffSession, StaffUser] | None:
    """The live session and its active user for a cookie value, or None."""
    if not cookie:
        return None
    try:
        raw = _serializer(key).loads(cookie, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(raw, str):
        return None
    found = session.get(StaffSession, hash_id(raw))
    if found is None or found.expires_at <= now:
        return None
    user = session.get(StaffUser, found.user_id)
    if user is None or not user.active:
        return None
    return found, user


def end(session: Session, staff_session: StaffSession) -> None:
    session.delete(staff_session)


def end_all(session: Session, *, user_id: int) -> None:
    """Log the user out everywhere (password change, deactivation)."""
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))  # type: ignore[arg-type]


def purge_expired(session: Session, *, now: datetime) -> None:
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))  # type: ignore[arg-type]


def cookie_args(request: Request) -> dict[str, Any]:
    secure = request.app.state.settings.base_url.startswith("https")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


def set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()),
                        **cookie_args(request))


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, **cookie_args(request))
