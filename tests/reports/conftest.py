"""Results tests browse as a logged-in regional analyst unless they say otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.staff_factories import Staff, cheap_hashing, create_staff  # noqa: F401


def logged_in(settings: Settings, engine, email: str, *roles) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    create_staff(engine, email, *roles)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        response = Staff(client).login(email)
        assert response.status_code == 303, response.text
        yield client


@pytest.fixture
def client(settings: Settings, engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    yield from logged_in(settings, engine, "region@example.org", "regional_analyst")
