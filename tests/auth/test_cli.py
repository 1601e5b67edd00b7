"""The `lyssna user` and `lyssna tokens revoke` commands."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from app.cli import main
from app.models import Batch, StaffUser, Token
from tests.factories import create_tokens
from tests.staff_factories import Staff, csrf_from


@pytest.fixture
def cli(settings, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("LYSSNA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LYSSNA_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(main, list(args))
    get_settings.cache_clear()


class TestUserCommands:
    def test_create_prints_a_working_set_password_link(self, cli, client, engine):
        result = cli("user", "create", "coord@example.org", "--role", "admin")
        assert result.exit_code == 0, result.output
        link = result.output.strip()
        assert "/staff/set-password/" in link
        path = link.split("127.0.0.1:8000", 1)[1]
        page = client.get(path)
        client.post(path, data={"new": "coordinator pass", "repeat": "coordinator pass",
                                "csrf": csrf_from(page.text)})
        assert Staff(client).login("coord@example.org", "coordinator pass").status_code == 303
        assert client.get("/admin/users").status_code == 200

    def test_create_ambassador_needs_a_municipality(self, cli, engine):
        result = cli("user", "create", "a@example.org", "--role", "ambassador")
        assert result.exit_code != 0
        assert "need a municipality" in result.output
        with Session(engine) as session:
            assert session.exec(select(StaffUser)).all() == []

    def test_grant_refuses_ambassador_and_analyst_for_one_municipality(self, cli, engine):
        assert cli("user", "create", "a@example.org", "--role", "ambassador",
                   "--municipality", "linkoping").exit_code == 0
        refused = cli("user", "grant", "a@example.org", "--role", "analyst",
                      "--municipality", "linkoping")
        assert refused.exit_code != 0
        assert "nobody may be both ambassador and analyst" in refused.output
        allowed = cli("user", "grant", "a@example.org", "--role", "analyst",
                      "--municipality", "motala")
        assert allowed.exit_code == 0, allowed.output


class TestTokensRevoke:
    def test_revoke_stops_unused_tokens(self, cli, engine, settings):
        batch, _ = create_tokens(engine, settings, 3)
        result = cli("tokens", "revoke", str(batch.id))
        assert result.exit_code == 0, result.output
        with Session(engine) as session:
            assert session.get(Batch, batch.id).revoked
            states = set(session.exec(select(Token.state)).all())
        assert states == {"revoked"}

    def test_unknown_batch(self, cli):
        assert cli("tokens", "revoke", "999").exit_code != 0
