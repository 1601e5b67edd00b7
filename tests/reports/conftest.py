"""Results tests browse as a logged-in regional analyst unless they say otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, get_settings
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


@pytest.fixture
def cli_env(monkeypatch, settings):  # type: ignore[no-untyped-def]
    """The CLI reads the same database and secrets as the test app."""
    monkeypatch.setenv("LYSSNA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LYSSNA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("LYSSNA_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def token(client):  # type: ignore[no-untyped-def]
    """A personal API token of the logged-in analyst, made on the staff page."""
    page = Staff(client).post("/results/api-tokens", {"name": "bi"}, form_url="/results/api-tokens")
    return re.search(r"<code>(lys_[^<]+)</code>", page.text).group(1)
