"""The dependency contract other features code against (app/auth/dependencies.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.testclient import TestClient

from app.auth.dependencies import CurrentStaff, Role, require_roles
from app.main import create_app
from app.models import StaffUser
from tests.staff_factories import Staff, create_staff


def app_with_probes(settings):
    app = create_app(settings)

    @app.get("/api/probe")
    def api_probe(user: CurrentStaff) -> dict:
        return {"email": user.email}

    @app.get("/results/probe")
    def results_probe(
        user: Annotated[StaffUser, Depends(require_roles(Role.analyst, Role.regional_analyst))],
    ) -> dict:
        return {"email": user.email}

    return app


class TestCurrentStaff:
    def test_api_paths_get_401_instead_of_a_redirect(self, settings):
        with TestClient(app_with_probes(settings), follow_redirects=False) as client:
            assert client.get("/api/probe").status_code == 401

    def test_api_paths_see_the_logged_in_user(self, settings, engine):
        create_staff(engine, "a@example.org", "admin")
        with TestClient(app_with_probes(settings), follow_redirects=False) as client:
            Staff(client).login("a@example.org")
            assert client.get("/api/probe").json() == {"email": "a@example.org"}


class TestRequireRoles:
    def test_any_of_the_roles_is_enough_and_others_get_403(self, settings, engine):
        create_staff(engine, "ana@example.org", ("analyst", "motala"))
        create_staff(engine, "reg@example.org", "regional_analyst")
        create_staff(engine, "amb@example.org", ("ambassador", "motala"))
        for email, status in [("ana@example.org", 200), ("reg@example.org", 200),
                              ("amb@example.org", 403)]:
            with TestClient(app_with_probes(settings), follow_redirects=False) as client:
                Staff(client).login(email)
                response = client.get("/results/probe")
                assert response.status_code == status, email
                if status == 200:
                    assert response.json() == {"email": email}

    def test_not_logged_in_is_sent_to_the_login_page(self, settings):
        with TestClient(app_with_probes(settings), follow_redirects=False) as client:
            response = client.get("/results/probe")
            assert response.status_code == 303
            assert response.headers["location"] == "/staff/login?next=/results/probe"
