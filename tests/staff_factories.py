"""Staff accounts for tests, made through the real services, and a client that logs in through
the real login form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.auth import passwords
from app.auth.service import create_user, grant_role, set_password
from app.models import Intervention, Municipality, StaffUser

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost takes ~0.3 s a hash here; tests use the cheapest profile."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def municipality_id(engine: Engine, slug: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Municipality.id).where(Municipality.slug == slug)).one()  # type: ignore[return-value]


def intervention_id(engine: Engine, slug: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Intervention.id).where(Intervention.slug == slug)).one()  # type: ignore[return-value]


def create_staff(engine: Engine, email: str, *roles: tuple[str, str | None] | str,
                 password: str = PASSWORD) -> int:
    """A user with a password and roles: "admin" or ("ambassador", "linkoping") or
    ("ambassador", "linkoping/so")."""
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session, email=email, now=datetime.now(UTC))
        for role in roles:
            name, where = (role, None) if isinstance(role, str) else role
            muni, _, interv = (where or "").partition("/")
            grant_role(
                session, user=user, role=name,
                municipality_id=municipality_id(engine, muni) if muni else None,
                intervention_id=intervention_id(engine, interv) if interv else None,
            )
        if password:
            set_password(session, user=user, password=password)
        session.commit()
        return user.id  # type: ignore[return-value]


def user_by_email(engine: Engine, email: str) -> StaffUser:
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(StaffUser).where(StaffUser.email == email)).one()


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf field on the page"
    return found.group(1)


class Staff:
    """A browser of one staff member: logs in through the form, posts forms with their CSRF."""

    def __init__(self, client: TestClient):
        self.client = client
        client.headers.setdefault("accept-language", "en")

    def login(self, email: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/staff/login")
        return self.client.post("/staff/login", data={
            "email": email, "password": password, "csrf": csrf_from(page.text)})

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, Any] | None = None, *, form_url: str | None = None,
             csrf: str | None = None) -> Any:
        """POST with the CSRF token of the page at `form_url` (default: /staff)."""
        if csrf is None:
            csrf = csrf_from(self.client.get(form_url or "/staff").text)
        return self.client.post(url, data={**(data or {}), "csrf": csrf})
