"""CSRF on every state-changing staff form, and the login throttle shared by app processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.main import create_app
from app.models import LoginFailure, StaffUser
from tests.staff_factories import PASSWORD, Staff, create_staff, csrf_from


class TestCsrf:
    def test_login_without_token_is_refused_with_a_clear_message(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        client.get("/staff/login")
        response = client.post("/staff/login", data={"email": "a@example.org",
                                                     "password": PASSWORD})
        assert response.status_code == 400
        assert "This form has expired or was changed" in response.text
        assert 'name="email"' in response.text  # the form is shown again
        assert client.get("/staff").status_code == 303

    def test_login_token_from_another_browser_is_refused(self, client, engine, settings):
        create_staff(engine, "a@example.org", "admin")
        with TestClient(create_app(settings), follow_redirects=False) as attacker:
            foreign = csrf_from(attacker.get("/staff/login").text)
        client.get("/staff/login")
        response = client.post("/staff/login", data={
            "email": "a@example.org", "password": PASSWORD, "csrf": foreign})
        assert response.status_code == 400

    def test_token_of_another_session_is_refused(self, client, engine, settings):
        create_staff(engine, "admin@example.org", "admin")
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        with TestClient(create_app(settings), follow_redirects=False) as other:
            Staff(other).login("amb@example.org")
            foreign = csrf_from(other.get("/staff").text)
        admin = Staff(client)
        admin.login("admin@example.org")
        response = admin.post("/admin/users", {"email": "x@example.org"}, csrf=foreign)
        assert response.status_code == 400
        assert "This form has expired or was changed" in response.text
        with Session(engine) as session:
            assert session.exec(select(StaffUser).where(StaffUser.email == "x@example.org")
                                ).first() is None

    def test_tampered_token_is_refused(self, client, engine):
        create_staff(engine, "admin@example.org", "admin")
        admin = Staff(client)
        admin.login("admin@example.org")
        token = csrf_from(client.get("/admin/users").text)
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        response = admin.post("/admin/users", {"email": "x@example.org"}, csrf=tampered)
        assert response.status_code == 400

    def test_token_dies_with_the_session(self, client, engine):
        create_staff(engine, "admin@example.org", "admin")
        admin = Staff(client)
        admin.login("admin@example.org")
        old = csrf_from(client.get("/admin/users").text)
        admin.post("/staff/logout")
        admin.login("admin@example.org")
        assert admin.post("/admin/users", {"email": "x@example.org"}, csrf=old).status_code == 400


class TestThrottle:
    def test_five_failures_block_the_sixth_try_even_with_the_right_password(self, client,
                                                                             engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        for _ in range(5):
            assert staff.login("a@example.org", "wrong password!").status_code == 400
        blocked = staff.login("a@example.org")
        assert blocked.status_code == 429
        assert "Too many failed attempts" in blocked.text

    def test_the_throttle_is_shared_by_two_app_processes(self, engine, settings):
        """Two app instances on one database (like two uvicorn workers) count together."""
        create_staff(engine, "a@example.org", "admin")
        with (TestClient(create_app(settings), follow_redirects=False) as one,
              TestClient(create_app(settings), follow_redirects=False) as two):
            for i in range(5):
                assert Staff(one if i % 2 else two).login(
                    "a@example.org", "wrong password!").status_code == 400
            assert Staff(one).login("a@example.org").status_code == 429
            assert Staff(two).login("a@example.org").status_code == 429

    def test_the_throttle_is_per_account(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        create_staff(engine, "b@example.org", "admin")
        staff = Staff(client)
        for _ in range(5):
            staff.login("a@example.org", "wrong password!")
        assert staff.login("b@example.org").status_code == 303

    def test_failures_older_than_15_minutes_do_not_count(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        for _ in range(5):
            staff.login("a@example.org", "wrong password!")
        with Session(engine) as session:
            session.execute(update(LoginFailure).values(
                at=datetime.now(UTC) - timedelta(minutes=16)))
            session.commit()
        assert staff.login("a@example.org").status_code == 303
        with Session(engine) as session:
            assert session.exec(select(LoginFailure)).all() == []

    def test_a_success_clears_earlier_failures(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        for _ in range(4):
            staff.login("a@example.org", "wrong password!")
        assert staff.login("a@example.org").status_code == 303
        client.cookies.clear()
        for _ in range(4):
            staff.login("a@example.org", "wrong password!")
        assert staff.login("a@example.org").status_code == 303

    def test_failures_for_unknown_accounts_are_throttled_too(self, client):
        staff = Staff(client)
        for _ in range(5):
            staff.login("ghost@example.org", "guess number x")
        assert staff.login("ghost@example.org", "guess").status_code == 429
