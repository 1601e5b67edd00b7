"""Roles: what each role reaches, separation of duties, admin account management."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app.auth.dependencies import Role, municipality_scope
from app.auth.service import AccountError, grant_role
from app.models import AuditEvent, StaffRole, StaffUser
from tests.staff_factories import (
    Staff,
    create_staff,
    csrf_from,
    intervention_id,
    municipality_id,
    user_by_email,
)

ACCOUNTS = {
    "admin": ("admin@example.org", ["admin"]),
    "ambassador": ("amb@example.org", [("ambassador", "linkoping")]),
    "analyst": ("ana@example.org", [("analyst", "norrkoping")]),
    "regional_analyst": ("reg@example.org", ["regional_analyst"]),
    "none": ("none@example.org", []),
}
ADMIN_PAGES = ["/admin/users", "/admin/audit", "/admin/batches"]
ISSUER_PAGES = ["/staff/batches", "/staff/batches/new"]


@pytest.fixture
def login(client, engine):
    def as_role(role: str) -> Staff:
        email, roles = ACCOUNTS[role]
        create_staff(engine, email, *roles)
        staff = Staff(client)
        assert staff.login(email).status_code == 303
        return staff
    return as_role


class TestPageAccessByRole:
    @pytest.mark.parametrize("role,admin_ok,issuer_ok", [
        ("admin", True, True),
        ("ambassador", False, True),
        ("analyst", False, False),
        ("regional_analyst", False, False),
        ("none", False, False),
    ])
    def test_each_role_reaches_exactly_its_pages(self, login, role, admin_ok, issuer_ok):
        staff = login(role)
        assert staff.get("/staff").status_code == 200
        for url in ADMIN_PAGES:
            assert staff.get(url).status_code == (200 if admin_ok else 403), url
        for url in ISSUER_PAGES:
            assert staff.get(url).status_code == (200 if issuer_ok else 403), url

    def test_forbidden_page_explains_and_shows_no_data(self, login, engine):
        create_staff(engine, "secret-person@example.org", "admin")
        staff = login("ambassador")
        page = staff.get("/admin/users")
        assert page.status_code == 403
        assert "does not have the role" in page.text
        assert "secret-person" not in page.text

    @pytest.mark.parametrize("role", ["ambassador", "analyst", "regional_analyst", "none"])
    def test_non_admins_cannot_post_admin_forms(self, login, engine, role):
        staff = login(role)
        target = create_staff(engine, "target@example.org")
        token = csrf_from(staff.get("/staff").text)
        for url, data in [("/admin/users", {"email": "evil@example.org", "role": "admin"}),
                          (f"/admin/users/{target}/roles", {"role": "admin"}),
                          (f"/admin/users/{target}/active", {"active": "0"}),
                          (f"/admin/users/{target}/link", {})]:
            assert staff.post(url, data, csrf=token).status_code == 403, url
        with Session(engine) as session:
            assert session.exec(select(StaffUser).where(
                StaffUser.email == "evil@example.org")).first() is None
            assert session.exec(select(StaffRole).where(
                StaffRole.user_id == target)).all() == []


class TestMunicipalityScope:
    def test_scopes(self, engine):
        create_staff(engine, "x@example.org", ("ambassador", "linkoping"),
                     ("ambassador", "motala/so"), ("analyst", "norrkoping"))
        create_staff(engine, "r@example.org", "regional_analyst")
        create_staff(engine, "a@example.org", "admin")
        lkp, mot, nkp = (municipality_id(engine, s) for s in ("linkoping", "motala", "norrkoping"))
        with Session(engine) as session:
            x = session.exec(select(StaffUser).where(StaffUser.email == "x@example.org")).one()
            r = session.exec(select(StaffUser).where(StaffUser.email == "r@example.org")).one()
            a = session.exec(select(StaffUser).where(StaffUser.email == "a@example.org")).one()
            assert municipality_scope(x, Role.ambassador) == {lkp, mot}
            assert municipality_scope(x, "analyst") == {nkp}
            assert municipality_scope(x, Role.regional_analyst) == set()
            assert municipality_scope(r, Role.regional_analyst) is None
            assert municipality_scope(r, Role.analyst) == set()
            assert municipality_scope(a, Role.analyst) is None


class TestSeparationOfDuties:
    """ANONYMITY.md R21 / T-B10: never ambassador and analyst for one municipality."""

    def test_service_refuses_analyst_after_ambassador(self, engine):
        create_staff(engine, "x@example.org", ("ambassador", "linkoping"))
        with Session(engine) as session:
            user = session.exec(select(StaffUser)).one()
            with pytest.raises(AccountError) as refused:
                grant_role(session, user=user, role="analyst",
                           municipality_id=municipality_id(engine, "linkoping"))
            assert refused.value.status_code == 403

    def test_service_refuses_ambassador_after_analyst_even_per_intervention(self, engine):
        create_staff(engine, "x@example.org", ("analyst", "linkoping"))
        with Session(engine) as session:
            user = session.exec(select(StaffUser)).one()
            with pytest.raises(AccountError):
                grant_role(session, user=user, role="ambassador",
                           municipality_id=municipality_id(engine, "linkoping"),
                           intervention_id=intervention_id(engine, "so"))

    def test_different_municipalities_are_allowed(self, engine):
        create_staff(engine, "x@example.org", ("ambassador", "linkoping"),
                     ("analyst", "norrkoping"))

    def test_admin_page_refuses_with_403_and_a_clear_message(self, login, engine):
        target = create_staff(engine, "x@example.org", ("ambassador", "linkoping"))
        staff = login("admin")
        response = staff.post(f"/admin/users/{target}/roles", {
            "role": "analyst", "municipality": str(municipality_id(engine, "linkoping"))},
            form_url=f"/admin/users/{target}")
        assert response.status_code == 403
        assert "nobody may be both ambassador and analyst for Linköping" in response.text
        with Session(engine) as session:
            roles = session.exec(select(StaffRole.role).where(StaffRole.user_id == target)).all()
            assert roles == ["ambassador"]
            refusal = session.exec(select(AuditEvent).where(
                AuditEvent.action == "role_refused_separation")).one()
            assert "x@example.org" in refusal.target

    def test_creating_an_account_with_a_conflicting_role_is_impossible(self, login, engine):
        """A new account has no roles, so the conflict can only arise at the second grant."""
        staff = login("admin")
        response = staff.post("/admin/users", {
            "email": "new@example.org", "role": "analyst",
            "municipality": str(municipality_id(engine, "linkoping"))}, form_url="/admin/users")
        assert response.status_code == 200
        user = user_by_email(engine, "new@example.org")
        second = staff.post(f"/admin/users/{user.id}/roles", {
            "role": "ambassador", "municipality": str(municipality_id(engine, "linkoping"))},
            form_url=f"/admin/users/{user.id}")
        assert second.status_code == 403


class TestAdminManagesAccounts:
    def test_create_account_shows_a_one_time_link_that_works(self, login, engine, client):
        staff = login("admin")
        response = staff.post("/admin/users", {
            "email": "New.Person@example.org", "role": "ambassador",
            "municipality": str(municipality_id(engine, "motala"))}, form_url="/admin/users")
        assert response.status_code == 200
        link = re.search(r'href="http://[^/]+(/staff/set-password/[^"]+)"', response.text)
        assert link, "the page shows the set-password link"
        user = user_by_email(engine, "new.person@example.org")
        assert [r.role for r in user.roles] == ["ambassador"]
        assert user.password_hash == ""
        staff.post("/staff/logout")
        page = client.get(link.group(1))
        done = client.post(link.group(1), data={"new": "chosen passphrase",
                                                "repeat": "chosen passphrase",
                                                "csrf": csrf_from(page.text)})
        assert done.status_code == 303
        assert Staff(client).login("new.person@example.org",
                                   "chosen passphrase").status_code == 303

    def test_the_link_is_not_in_the_audit_log(self, login, engine):
        staff = login("admin")
        response = staff.post("/admin/users", {"email": "n@example.org"}, form_url="/admin/users")
        secret = re.search(r"/staff/set-password/([^\"<]+)", response.text).group(1)
        with Session(engine) as session:
            events = session.exec(select(AuditEvent)).all()
        assert {"user_created"} <= {e.action for e in events}
        assert all(secret not in e.target for e in events)

    def test_bad_input_creates_nothing(self, login, engine):
        staff = login("admin")
        for data in [{"email": "not-an-email"},
                     {"email": "admin@example.org"},  # exists
                     {"email": "n@example.org", "role": "ambassador"},  # no municipality
                     {"email": "n@example.org", "role": "admin",
                      "municipality": str(municipality_id(engine, "motala"))},
                     {"email": "n@example.org", "role": "superuser"}]:
            response = staff.post("/admin/users", data, form_url="/admin/users")
            assert response.status_code == 400, data
            assert 'class="error-summary"' in response.text
        with Session(engine) as session:
            assert len(session.exec(select(StaffUser)).all()) == 1

    def test_admin_cannot_lock_themselves_out(self, login, engine):
        staff = login("admin")
        me = user_by_email(engine, "admin@example.org")
        assert staff.post(f"/admin/users/{me.id}/active", {"active": "0"},
                          form_url=f"/admin/users/{me.id}").status_code == 400
        assert staff.post(f"/admin/users/{me.id}/roles/{me.roles[0].id}/revoke",
                          form_url=f"/admin/users/{me.id}").status_code == 400
        assert staff.get("/admin/users").status_code == 200

    def test_revoking_a_role_removes_access(self, login, engine, settings):
        from fastapi.testclient import TestClient

        from app.main import create_app

        amb = create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        staff = login("admin")
        role_id = user_by_email(engine, "amb@example.org").roles[0].id
        with TestClient(create_app(settings), follow_redirects=False) as other:
            Staff(other).login("amb@example.org")
            assert other.get("/staff/batches").status_code == 200
            staff.post(f"/admin/users/{amb}/roles/{role_id}/revoke",
                       form_url=f"/admin/users/{amb}")
            assert other.get("/staff/batches").status_code == 403

    def test_unknown_user_id_is_404(self, login):
        staff = login("admin")
        assert staff.get("/admin/users/99999").status_code == 404

    def test_audit_log_lists_staff_actions(self, login, engine):
        staff = login("admin")
        staff.post("/admin/users", {"email": "n@example.org"}, form_url="/admin/users")
        page = staff.get("/admin/audit")
        assert page.status_code == 200
        assert "user_created" in page.text and "n@example.org" in page.text
