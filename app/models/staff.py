"""Staff accounts, roles, sessions, login throttling, set-password links and the audit log.

Personal data of staff only: nothing here refers to a respondent, a token or an answer.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-cased
    password_hash: str = Field(default="", max_length=200)  # "" until the user sets one
    active: bool = True
    created_at: datetime

    roles: list["StaffRole"] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"},
    )


class StaffRole(SQLModel, table=True):
    """One role of a user. `municipality_id` is set for ambassador and analyst and empty for the
    region-wide roles (admin, regional_analyst). `intervention_id` optionally narrows an
    ambassador to one intervention (empty = every intervention of the municipality)."""

    __tablename__ = "staff_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "municipality_id", "intervention_id",
                         name="uq_staff_role_assignment"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    )
    role: str = Field(max_length=20)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    intervention_id: int | None = Field(default=None, foreign_key="intervention.id")

    user: "StaffUser" = Relationship(back_populates="roles")


class StaffSession(SQLModel, table=True):
    """A logged-in browser. The cookie carries a signed random id; only its hash is stored, so
    logout, password change and deactivation end sessions by deleting rows."""

    __tablename__ = "staff_session"

    id_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    )
    expires_at: datetime


class LoginFailure(SQLModel, table=True):
    """Failed logins per e-mail address, in the database so every app process shares the
    throttle. Rows older than the window are deleted at the next login attempt."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    at: datetime


class PasswordToken(SQLModel, table=True):
    """A one-time set-password link: only the hash of its secret is stored."""

    __tablename__ = "password_token"

    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    )
    expires_at: datetime


class AuditEvent(SQLModel, table=True):
    """What a staff member did: issued, revoked, extended, exported, granted... Never about
    respondents. `user_id` is empty for failed logins to unknown accounts."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_user.id", ondelete="SET NULL"), index=True),
    )
    action: str = Field(max_length=40)
    target: str = Field(default="", max_length=300)
    created_at: datetime = Field(index=True)
