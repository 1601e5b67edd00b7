"""The state two app processes must share lives in the database: checked on SQLite and
PostgreSQL, with two app instances on one database (like two uvicorn workers)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.staff_factories import Staff, create_staff, municipality_id


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


def two_apps(settings) -> tuple[TestClient, TestClient]:
    return (TestClient(create_app(settings), follow_redirects=False),
            TestClient(create_app(settings), follow_redirects=False))


class TestSharedBetweenProcesses:
    def test_login_throttle(self, engine, settings):
        create_staff(engine, "a@example.org", "admin")
        one, two = two_apps(settings)
        with one, two:
            for i in range(5):
                assert Staff(one if i % 2 else two).login(
                    "a@example.org", "wrong password!").status_code == 400
            assert Staff(one).login("a@example.org").status_code == 429
            assert Staff(two).login("a@example.org").status_code == 429

    def test_logout_in_one_process_ends_the_session_in_the_other(self, engine, settings):
        create_staff(engine, "a@example.org", "admin")
        one, two = two_apps(settings)
        with one, two:
            staff = Staff(one)
            staff.login("a@example.org")
            cookie = one.cookies.get("lyssna_staff")
            two.cookies.set("lyssna_staff", cookie)
            assert two.get("/staff").status_code == 200
            staff.post("/staff/logout")
            assert two.get("/staff").status_code == 303

    def test_separation_of_duties(self, client, engine):
        target = create_staff(engine, "x@example.org", ("ambassador", "linkoping"))
        create_staff(engine, "admin@example.org", "admin")
        admin = Staff(client)
        admin.login("admin@example.org")
        response = admin.post(f"/admin/users/{target}/roles", {
            "role": "analyst", "municipality": str(municipality_id(engine, "linkoping"))},
            form_url=f"/admin/users/{target}")
        assert response.status_code == 403
