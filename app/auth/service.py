"""Staff accounts: creation, roles (with separation of duties), activation, set-password links,
password checks and the shared login throttle."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.auth import sessions
from app.auth.passwords import N_, hash_password, needs_rehash, password_problem, verify_password
from app.auth.roles import CONFLICTS, MUNICIPAL_ROLES, Role
from app.models import (
    Intervention,
    LoginFailure,
    Municipality,
    PasswordToken,
    StaffRole,
    StaffUser,
)

LINK_LIFETIME = timedelta(hours=48)
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A refused account change. `message` is an English msgid with %(name)s parameters."""

    def __init__(self, message: str, status_code: int = 400, **params: object):
        super().__init__(message)
        self.message = message
        self.params = params
        self.status_code = status_code


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


# -- accounts --------------------------------------------------------------------------------


def find_user(session: Session, email: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.email == normalise_email(email))).first()


def create_user(session: Session, *, email: str, now: datetime) -> StaffUser:
    """A new account without a password; the admin hands over a set-password link."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise AccountError(N_("Enter a valid e-mail address."))
    if find_user(session, email) is not None:
        raise AccountError(N_("An account with this e-mail address already exists."))
    user = StaffUser(email=email, created_at=now)
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, *, user: StaffUser, active: bool) -> None:
    """Deactivation also ends every session of the user at once."""
    user.active = active
    session.add(user)
    if not active:
        sessions.end_all(session, user_id=user.id)  # type: ignore[arg-type]


# -- roles -----------------------------------------------------------------------------------


def grant_role(session: Session, *, user: StaffUser, role: str,
               municipality_id: int | None = None,
               intervention_id: int | None = None) -> StaffRole:
    """Add a role, refusing combinations ANONYMITY.md R21 forbids (403) and malformed ones (400)."""
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(N_("Choose a role.")) from None
    if role in MUNICIPAL_ROLES:
        if municipality_id is None or session.get(Municipality, municipality_id) is None:
            raise AccountError(N_("Ambassadors and analysts need a municipality."))
    elif municipality_id is not None or intervention_id is not None:
        raise AccountError(N_("Admins and regional analysts cover the whole region: "
                              "leave the municipality empty."))
    if intervention_id is not None:
        if role != Role.ambassador:
            raise AccountError(N_("Only ambassadors are assigned to an intervention."))
        if session.get(Intervention, intervention_id) is None:
            raise AccountError(N_("Choose an intervention from the list."))
    conflict = CONFLICTS.get(role)
    if conflict is not None and any(
        r.role == conflict and r.municipality_id == municipality_id for r in user.roles
    ):
        name = session.get(Municipality, municipality_id).name  # type: ignore[union-attr]
        raise AccountError(
            N_("Refused: nobody may be both ambassador and analyst for %(municipality)s. "
               "An ambassador who also sees results could single out one person's answers."),
            status_code=403, municipality=name,
        )
    if any(r.role == role and r.municipality_id == municipality_id
           and r.intervention_id == intervention_id for r in user.roles):
        raise AccountError(N_("The user already has this role."))
    granted = StaffRole(user_id=user.id, role=role, municipality_id=municipality_id,  # type: ignore[arg-type]
                        intervention_id=intervention_id)
    user.roles.append(granted)
    session.add(granted)
    session.flush()
    return granted


def revoke_role(session: Session, *, user: StaffUser, role_id: int) -> StaffRole:
    found = next((r for r in user.roles if r.id == role_id), None)
    if found is None:
        raise AccountError(N_("The user does not have this role."), status_code=404)
    user.roles.remove(found)
    session.delete(found)
    session.flush()
    return found


def describe_role(session: Session, role: StaffRole) -> str:
    """For the audit log: 'ambassador linkoping/so'."""
    parts = [role.role]
    if role.municipality_id is not None:
        parts.append(session.get(Municipality, role.municipality_id).slug)  # type: ignore[union-attr]
    if role.intervention_id is not None:
        parts[-1] += "/" + session.get(Intervention, role.intervention_id).slug  # type: ignore[union-attr]
    return " ".join(parts)


# -- passwords -------------------------------------------------------------------------------


def _hash_link(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def new_password_link(session: Session, *, user: StaffUser, now: datetime) -> str:
    """A one-time secret for /staff/set-password/<secret>, valid 48 hours; only its hash is
    stored, and older links of the user stop working."""
    session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id))  # type: ignore[arg-type]
    raw = secrets.token_urlsafe(32)
    session.add(PasswordToken(token_hash=_hash_link(raw), user_id=user.id,  # type: ignore[arg-type]
                              expires_at=now + LINK_LIFETIME))
    return raw


def user_for_link(session: Session, *, raw: str, now: datetime) -> StaffUser | None:
    found = session.get(PasswordToken, _hash_link(raw))
    if found is None or found.expires_at <= now:
        return None
    user = session.get(StaffUser, found.user_id)
    return user if user is not None and user.active else None


def set_password(session: Session, *, user: StaffUser, password: str) -> None:
    """Store a new password; every link and every session of the user stops working."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    session.add(user)
    session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id))  # type: ignore[arg-type]
    sessions.end_all(session, user_id=user.id)  # type: ignore[arg-type]


# -- login -----------------------------------------------------------------------------------


def login_blocked(session: Session, *, email: str, now: datetime) -> bool:
    """True after THROTTLE_FAILURES failures for this e-mail within THROTTLE_WINDOW. Kept in the
    database so every app process (and worker) counts the same failures."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - THROTTLE_WINDOW))  # type: ignore[arg-type]
    failures = session.exec(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.email == normalise_email(email))
        .where(LoginFailure.at > now - THROTTLE_WINDOW)
    ).one()
    return failures >= THROTTLE_FAILURES


def authenticate(session: Session, *, email: str, password: str,
                 now: datetime) -> StaffUser | None:
    """The active user with this e-mail and password, or None (and the failure is counted)."""
    email = normalise_email(email)
    user = find_user(session, email) if len(email) <= 254 else None
    ok = verify_password(user.password_hash if user else "", password[:1000])
    if user is None or not ok or not user.active:
        session.add(LoginFailure(email=email[:254], at=now))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))  # type: ignore[arg-type]
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def change_password(session: Session, *, user: StaffUser, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(N_("The current password is not correct."))
    set_password(session, user=user, password=new)
