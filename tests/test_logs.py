"""No client address, token, token hash or respondent path reaches any log (ANONYMITY.md R10).

The real server (`lyssna serve`, its real log configuration) answers real requests from a client
bound to 127.0.0.2, so the address is recognisable if it leaks; then every log file is read.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx2
import pytest
from sqlalchemy.engine import make_url

from app.issuance.tokens import token_hash
from app.keys import Keys
from tests.live_server import LiveServer, live_server

CLIENT_IP = "127.0.0.2"


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path):
    with live_server(sqlite_url, tmp_path / "logs") as server:
        yield server


def client_from(server: LiveServer) -> httpx2.Client:
    transport = httpx2.HTTPTransport(local_address=CLIENT_IP)
    return httpx2.Client(base_url=server.base_url, transport=transport, follow_redirects=True,
                         timeout=30)


def answer_everything(client: httpx2.Client, token: str) -> None:
    """The whole path as a phone walks it: every page fetched after every redirect."""
    assert client.get(f"/r/{token}").url.path == "/s/language"
    assert client.post("/s/language", data={"nav": "lang:en"}).url.path == "/s/welcome"
    page = client.post("/s/welcome", data={"nav": "next"})
    pages = 0
    while page.url.path.startswith("/s/page/"):
        pages += 1
        page = client.post(page.url.path, data={"nav": "next", "course_understood": "4",
                                                 "swedish_days": "3", "intern_done": "yes"})
        assert page.status_code == 200, page.text
    assert pages >= 5
    assert page.url.path == "/s/review"
    thanks = client.post("/s/review", data={"nav": "submit"})
    assert thanks.url.path == "/s/thanks" and thanks.status_code == 200


def break_batch_of(database_url: str, token: str, server: LiveServer) -> None:
    """Point the token's batch at a questionnaire version that does not exist (as a broken
    manual edit of the database would), so opening the link fails inside the app."""
    digest = token_hash(Keys.from_secret(server.settings.secret_key).token_hmac, token)
    with sqlite3.connect(make_url(database_url).database) as conn:  # foreign keys off here
        conn.execute(
            "UPDATE batch SET questionnaire_version_id = 999999 "
            "WHERE id = (SELECT batch_id FROM token WHERE hash = ?)", (digest,)
        )


class TestTheLogsAfterRealRequests:
    def test_hold_no_address_token_hash_or_respondent_path(self, server, sqlite_url):
        answered, broken = server.tokens(2, intervention="so")
        [other] = server.tokens(1, intervention="sfi")
        break_batch_of(sqlite_url, other, server)
        unknown = "0" * 26
        with client_from(server) as client:
            answer_everything(client, answered)
            assert client.get(f"/r/{unknown}").status_code == 404
            assert client.get(f"/r/{answered}").status_code == 410  # already used
            assert client.get("/s/page/1?draft=x").status_code == 404  # no session any more
        with client_from(server) as client:
            assert client.get(f"/r/{other}").status_code == 500
            assert client.get(f"/r/{broken}?utm_source=qr").url.path == "/s/language"

        server.stop()  # flush and close the log files
        logs = server.logs()

        access = [line for line in logs.splitlines() if line.startswith("INFO access:")]
        assert len(access) >= 20, logs  # the log is written, so this test can fail
        assert any('"GET /r/[redacted] HTTP/1.1" 500' in line for line in access), logs
        assert any("unhandled AssertionError" in line for line in logs.splitlines()), logs

        keys = Keys.from_secret(server.settings.secret_key)
        secrets_ = [CLIENT_IP]
        for token in (answered, broken, other, unknown):
            digest = token_hash(keys.token_hmac, token)
            secrets_ += [token, token.lower(), digest.hex(), digest.hex().upper()]
        for secret in secrets_:
            assert secret not in logs
        assert re.findall(r"/r/(?!\[redacted\])\S+", logs) == []
        assert re.findall(r"/s/(?!\[redacted\])\S+", logs) == []
        assert "utm_source" not in logs and "draft=x" not in logs
