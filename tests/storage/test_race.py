"""R5 and issue 2: 20 submits of one token at the same instant (same cookies, as when a
respondent taps "send" repeatedly on a bad connection, or someone replays the request) store
exactly one answer; every other request gets the "already used" page.

SQLite: `lyssna serve --workers 1`, one process (its thread pool runs the requests in parallel).
PostgreSQL: `lyssna serve --workers 2`, two processes sharing nothing but the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import httpx2 as httpx
import pytest

from tests.factories import create_tokens
from tests.live_server import live_server
from tests.storage.helpers import MARKER_QUESTION, respondent_service, scalar_rows, start_draft

N = 20
USED_TITLES = ("This code has already been used", "Koden har redan använts")  # en, sv


def ready_to_submit(engine, settings, token: str) -> str:
    """A respondent on the review page: the cookies their phone holds (Cookie header)."""
    device = start_draft(engine, respondent_service(settings), token,
                         {MARKER_QUESTION: [f"race {token[:6]}"]})
    return f"lyssna_t={token}; lyssna_d={device}"


@contextmanager
def phones(base_url: str) -> Iterator[list[httpx.Client]]:
    """N HTTP clients, each with its own connection."""
    with ExitStack() as stack:
        yield [stack.enter_context(httpx.Client(base_url=base_url, timeout=60))
               for _ in range(N)]


def submit_at_once(clients: list[httpx.Client], cookie: str) -> list[httpx.Response]:
    barrier = threading.Barrier(N)
    headers = {"cookie": cookie, "accept-language": "en"}

    def one(client: httpx.Client) -> httpx.Response:
        client.get("/accessibility")  # (re)open the connection before the start signal
        barrier.wait()
        return client.post("/s/review", data={"nav": "submit"}, headers=headers)

    with ThreadPoolExecutor(N) as pool:
        return list(pool.map(one, clients))


def assert_exactly_one_stored(engine, responses: list[httpx.Response], token: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [410] * (N - 1), statuses
    [winner] = [r for r in responses if r.status_code == 303]
    assert winner.headers["location"] == "/s/thanks"
    assert all(any(t in r.text for t in USED_TITLES) for r in responses if r.status_code == 410)
    stored = scalar_rows(engine, "SELECT CAST(answers AS TEXT) FROM response_inbox")
    assert sum(f"race {token[:6]}" in answers for answers in stored) == 1


def three_races(engine, settings, tmp_path, workers: int) -> None:
    """Three tokens, each submitted N times at once to `lyssna serve --workers <workers>`."""
    _, tokens = create_tokens(engine, settings, 3)
    no_flush = {"LYSSNA_FLUSH_CHECK_SECONDS": "3600"}  # the answers stay in response_inbox
    with live_server(settings.database_url, tmp_path / "logs", workers=workers,
                     extra_env=no_flush) as server, phones(server.base_url) as clients:
        assert len(server.worker_pids()) == workers, server.logs()
        for token in tokens:
            responses = submit_at_once(clients, ready_to_submit(engine, settings, token))
            assert_exactly_one_stored(engine, responses, token)
    assert scalar_rows(engine, "SELECT count(*) FROM response_inbox") == [3]


class TestTwentySimultaneousSubmitsOfOneToken:
    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
    def test_sqlite_one_server_process_stores_one_answer(self, engine, settings, tmp_path):
        three_races(engine, settings, tmp_path, workers=1)

    @pytest.mark.postgres
    @pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
    def test_postgresql_two_server_processes_store_one_answer(self, engine, settings, tmp_path):
        three_races(engine, settings, tmp_path, workers=2)
