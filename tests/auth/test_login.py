"""Logging in and out, sessions, password change and one-time set-password links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.auth.service import new_password_link
from app.main import create_app
from app.models import AuditEvent, PasswordToken, StaffSession, StaffUser
from tests.staff_factories import PASSWORD, Staff, create_staff, csrf_from, user_by_email


def audit_actions(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all())


class TestLogin:
    def test_right_password_starts_a_session_with_a_safe_cookie(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        response = Staff(client).login("amb@example.org")
        assert response.status_code == 303
        assert response.headers["location"] == "/staff"
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("lyssna_staff="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # base_url is http in tests
        assert client.get("/staff").status_code == 200

    def test_cookie_is_secure_when_the_site_is_https(self, settings, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        settings.base_url = "https://lyssna.example"
        with TestClient(create_app(settings), base_url="https://testserver",
                        follow_redirects=False) as client:
            response = Staff(client).login("amb@example.org")
        assert response.status_code == 303
        assert any(c.startswith("lyssna_staff=") and "Secure" in c
                   for c in response.headers.get_list("set-cookie"))

    def test_email_is_case_insensitive(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        assert Staff(client).login("  AMB@Example.org ").status_code == 303

    def test_wrong_password_shows_a_message_and_no_session(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        response = Staff(client).login("amb@example.org", "wrong password!!")
        assert response.status_code == 400
        assert "not correct" in response.text
        assert "lyssna_staff" not in client.cookies
        assert client.get("/staff").status_code == 303

    def test_unknown_account_gets_the_same_message(self, client, engine):
        response = Staff(client).login("nobody@example.org", "whatever password")
        assert response.status_code == 400
        assert "The e-mail address or the password is not correct." in response.text

    def test_deactivated_account_cannot_log_in(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        with Session(engine) as session:
            session.execute(update(StaffUser).values(active=False))
            session.commit()
        assert Staff(client).login("amb@example.org").status_code == 400

    def test_account_without_password_cannot_log_in(self, client, engine):
        create_staff(engine, "new@example.org", "admin", password="")
        assert Staff(client).login("new@example.org", "").status_code == 400

    def test_not_logged_in_html_redirects_to_login_with_next(self, client):
        response = client.get("/staff/batches?x=1")
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/login?next=/staff/batches%3Fx%3D1"

    def test_login_returns_to_next_but_never_to_another_site(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        page = client.get("/staff/login?next=/admin/users")
        token = csrf_from(page.text)
        ok = client.post("/staff/login", data={"email": "a@example.org", "password": PASSWORD,
                                               "next": "/admin/users", "csrf": token})
        assert ok.headers["location"] == "/admin/users"
        for evil in ["//evil.example/x", "https://evil.example", "/\\evil.example"]:
            client.cookies.clear()
            page = client.get("/staff/login")
            response = client.post("/staff/login", data={
                "email": "a@example.org", "password": PASSWORD, "next": evil,
                "csrf": csrf_from(page.text)})
            assert response.headers["location"] == "/staff", evil

    def test_successes_and_failures_are_audited_without_the_password(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        staff.login("a@example.org", "wrong password 1")
        staff.login("a@example.org")
        assert audit_actions(engine) == ["login_failed", "login"]
        with Session(engine) as session:
            targets = " ".join(e.target for e in session.exec(select(AuditEvent)).all())
        assert "wrong password" not in targets


class TestLogout:
    def test_logout_ends_the_session_on_the_server(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        staff.login("a@example.org")
        stolen = client.cookies.get("lyssna_staff")
        response = staff.post("/staff/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/login"
        # a copy of the old cookie no longer works: the session row is gone
        client.cookies.set("lyssna_staff", stolen)
        assert client.get("/staff").status_code == 303
        with Session(engine) as session:
            assert session.exec(select(StaffSession)).all() == []

    def test_logout_needs_a_csrf_token(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        staff.login("a@example.org")
        response = client.post("/staff/logout", data={})
        assert response.status_code == 400
        assert client.get("/staff").status_code == 200

    def test_a_forged_cookie_is_not_a_session(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        client.cookies.set("lyssna_staff", "forged.value.here")
        assert client.get("/staff").status_code == 303

    def test_an_expired_session_is_not_accepted(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        Staff(client).login("a@example.org")
        with Session(engine) as session:
            session.execute(update(StaffSession).values(
                expires_at=datetime.now(UTC) - timedelta(minutes=1)))
            session.commit()
        assert client.get("/staff").status_code == 303

    def test_deactivation_ends_existing_sessions(self, client, engine, settings):
        create_staff(engine, "admin@example.org", "admin")
        amb_id = create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        with TestClient(create_app(settings), follow_redirects=False) as other:
            Staff(other).login("amb@example.org")
            assert other.get("/staff").status_code == 200
            admin = Staff(client)
            admin.login("admin@example.org")
            response = admin.post(f"/admin/users/{amb_id}/active", {"active": "0"},
                                  form_url=f"/admin/users/{amb_id}")
            assert response.status_code == 303
            assert other.get("/staff").status_code == 303


class TestPasswordChange:
    def test_change_ends_other_sessions_and_keeps_this_one(self, client, engine, settings):
        create_staff(engine, "a@example.org", "admin")
        with TestClient(create_app(settings), follow_redirects=False) as laptop:
            Staff(laptop).login("a@example.org")
            phone = Staff(client)
            phone.login("a@example.org")
            response = phone.post("/staff/password", {
                "current": PASSWORD, "new": "a brand new passphrase", "repeat":
                "a brand new passphrase"}, form_url="/staff/password")
            assert response.status_code == 303
            assert client.get("/staff").status_code == 200
            assert laptop.get("/staff").status_code == 303
        client.cookies.clear()
        assert Staff(client).login("a@example.org").status_code == 400
        assert Staff(client).login("a@example.org", "a brand new passphrase").status_code == 303
        assert "password_changed" in audit_actions(engine)

    def test_wrong_current_password_changes_nothing(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        staff.login("a@example.org")
        response = staff.post("/staff/password", {
            "current": "not my password", "new": "a brand new passphrase",
            "repeat": "a brand new passphrase"}, form_url="/staff/password")
        assert response.status_code == 400
        assert "current password is not correct" in response.text
        client.cookies.clear()
        assert Staff(client).login("a@example.org").status_code == 303

    def test_short_or_mismatched_new_password_is_refused(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        staff = Staff(client)
        staff.login("a@example.org")
        short = staff.post("/staff/password", {"current": PASSWORD, "new": "short",
                                               "repeat": "short"}, form_url="/staff/password")
        assert short.status_code == 400 and "at least 12 characters" in short.text
        mismatch = staff.post("/staff/password", {
            "current": PASSWORD, "new": "a brand new passphrase", "repeat": "another one!!!!"},
            form_url="/staff/password")
        assert mismatch.status_code == 400 and "not the same" in mismatch.text


def link_for(engine, email: str) -> str:
    with Session(engine) as session:
        secret = new_password_link(session, user=user_by_email(engine, email),
                                   now=datetime.now(UTC))
        session.commit()
    return f"/staff/set-password/{secret}"


class TestSetPasswordLink:
    def test_link_sets_the_password_once(self, client, engine):
        create_staff(engine, "new@example.org", ("ambassador", "linkoping"), password="")
        link = link_for(engine, "new@example.org")
        page = client.get(link)
        assert page.status_code == 200 and "new@example.org" in page.text
        done = client.post(link, data={"new": "my own passphrase", "repeat": "my own passphrase",
                                       "csrf": csrf_from(page.text)})
        assert done.status_code == 303
        assert Staff(client).login("new@example.org", "my own passphrase").status_code == 303
        # the same link a second time
        again = client.get(link)
        assert again.status_code == 410
        reuse = client.post(link, data={"new": "attacker passphrase",
                                        "repeat": "attacker passphrase",
                                        "csrf": csrf_from(page.text)})
        assert reuse.status_code == 410
        client.cookies.clear()
        assert Staff(client).login("new@example.org", "attacker passphrase").status_code == 400

    def test_link_expires_after_48_hours(self, client, engine):
        create_staff(engine, "new@example.org", "admin", password="")
        link = link_for(engine, "new@example.org")
        with Session(engine) as session:
            token = session.exec(select(PasswordToken)).one()
            created = token.expires_at - timedelta(hours=48)
            assert abs((created - datetime.now(UTC)).total_seconds()) < 60
            session.execute(update(PasswordToken).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)))
            session.commit()
        assert client.get(link).status_code == 410

    def test_a_new_link_replaces_the_old_one(self, client, engine):
        create_staff(engine, "new@example.org", "admin", password="")
        first = link_for(engine, "new@example.org")
        second = link_for(engine, "new@example.org")
        assert client.get(first).status_code == 410
        assert client.get(second).status_code == 200

    def test_only_a_hash_of_the_link_is_stored(self, client, engine):
        create_staff(engine, "new@example.org", "admin", password="")
        secret = link_for(engine, "new@example.org").rsplit("/", 1)[1]
        with Session(engine) as session:
            stored = session.exec(select(PasswordToken)).one()
        assert secret.encode() not in stored.token_hash
        assert len(stored.token_hash) == 32

    def test_unknown_link_is_gone(self, client):
        assert client.get("/staff/set-password/not-a-real-link").status_code == 410
