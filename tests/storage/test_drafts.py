"""R7, R8: a draft is encrypted and bound to the first device; what a respondent typed and
then changed, or what waited in the inbox, leaves no readable trace after submit and flush.

The attacker holds the link (the ambassador printed it) and, separately, a copy of the
database files or raw pages.
"""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.issuance.tokens import token_hash
from app.keys import Keys
from app.respondent import drafts
from app.storage.flush import flush
from tests.factories import Respondent, create_tokens
from tests.storage.helpers import (
    find_needles,
    raw_database_bytes,
    respondent_service,
    rows,
    scalar_rows,
    start_draft,
)

FREE_TEXT = "anything_else"


def marker() -> str:
    return f"marker-{secrets.token_hex(6)}"


def walk_to_review(client: TestClient, token: str, answers: dict[str, str]) -> None:
    respondent = Respondent(client)
    location = respondent.start(token).headers["location"]
    while location.startswith("/s/page/"):
        response = respondent.post(location, {"nav": "next", **answers})
        assert response.status_code == 303, response.text
        location = response.headers["location"]
    assert location == "/s/review"


def last_page(client: TestClient) -> str:
    """The URL of the page with the free-text question (the last page)."""
    back = client.post("/s/review", data={"nav": "back"})
    return back.headers["location"]


def draft_row(engine, settings, token: str) -> tuple[bytes, bytes]:
    digest = token_hash(Keys.from_secret(settings.secret_key).token_hmac, token)
    [(device, ciphertext)] = rows(
        engine, "SELECT device_hash, ciphertext FROM draft WHERE token_hash = :h", h=digest
    )
    return bytes(device), bytes(ciphertext)


class TestDraftsAreEncrypted:
    def test_the_draft_column_holds_no_answer_in_plaintext(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        typed = marker()
        walk_to_review(client, token, {"course_understood": "4", "swedish_days": "6",
                                       FREE_TEXT: typed})
        _, ciphertext = draft_row(engine, settings, token)
        for plain in (typed, "course_understood", "swedish_days", '"answers"', '["4"]',
                      "review"):
            assert plain.encode() not in ciphertext, plain
        # positive control: the draft does hold the answers, for the token, the server key and
        # the first device's cookie secret together
        keys = Keys.from_secret(settings.secret_key)
        digest = token_hash(keys.token_hmac, token)
        state = drafts.unseal(keys.draft, token, client.cookies["lyssna_d"], digest, ciphertext)
        assert state.answers[FREE_TEXT] == [typed]
        assert state.answers["swedish_days"] == ["6"]

    def test_no_raw_page_or_file_holds_the_typed_text_before_submit(self, client, engine,
                                                                     settings):
        _, [token] = create_tokens(engine, settings)
        typed = marker()
        walk_to_review(client, token, {FREE_TEXT: typed})
        assert find_needles(raw_database_bytes(engine), {typed.encode(): typed}) == []


class TestNoTraceAfterSubmitAndFlush:
    def test_a_changed_answer_and_the_inbox_row_leave_no_bytes_behind(self, client, engine,
                                                                      settings):
        _, [token] = create_tokens(engine, settings)
        first, final = marker(), marker()
        walk_to_review(client, token, {FREE_TEXT: first})
        page = last_page(client)
        assert client.post(page, data={"nav": "next", FREE_TEXT: final}).status_code == 303
        assert client.post("/s/review", data={"nav": "submit"}).status_code == 303
        inbox_json = f'"{FREE_TEXT}": ["{final}"]'.encode()
        # negative control: the waiting inbox row is readable in the raw storage
        assert find_needles(raw_database_bytes(engine), {inbox_json: "inbox"}) == ["inbox"]
        assert flush(engine, min_rows=1, current_period="2000-01") == 1
        raw = raw_database_bytes(engine)
        assert find_needles(raw, {first.encode(): "changed answer"}) == []
        assert find_needles(raw, {inbox_json: "inbox row"}) == []
        assert scalar_rows(engine, f"SELECT value FROM answer WHERE question = '{FREE_TEXT}'") \
            == [final]
        assert scalar_rows(engine, "SELECT count(*) FROM draft") == [0]

    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
    def test_sqlite_connections_delete_securely(self, client):
        with client.app.state.engine.connect() as conn:
            assert conn.execute(text("PRAGMA secure_delete")).scalar_one() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


class TestDraftsAreBoundToTheFirstDevice:
    @pytest.fixture
    def started(self, client, engine, settings) -> dict:
        """Phone A has answered everything and is on the review page."""
        _, [token] = create_tokens(engine, settings)
        typed = marker()
        walk_to_review(client, token, {"swedish_days": "6", FREE_TEXT: typed})
        return {"token": token, "typed": typed, "draft": draft_row(engine, settings, token)}

    @pytest.fixture
    def phone_b(self, client) -> TestClient:
        return TestClient(client.app, follow_redirects=False)

    def test_opening_the_link_elsewhere_shows_none_of_the_answers(self, phone_b, started):
        response = phone_b.get(f"/r/{started['token']}")
        assert response.status_code == 409
        assert started["typed"] not in response.text
        assert "lyssna_t" not in response.headers.get("set-cookie", "")

    def test_another_device_cannot_read_or_change_the_draft(self, phone_b, engine, settings,
                                                           started):
        phone_b.cookies.set("lyssna_t", started["token"])
        phone_b.cookies.set("lyssna_d", secrets.token_urlsafe(24))
        for url in ("/s", "/s/page/1", "/s/review"):
            response = phone_b.get(url)
            assert response.status_code == 409, url
            assert started["typed"] not in response.text
        assert phone_b.post("/s/page/1", data={"nav": "next", "course_understood": "1"}) \
            .status_code == 409
        assert phone_b.post("/s/review", data={"nav": "submit"}).status_code == 409
        assert draft_row(engine, settings, started["token"]) == started["draft"]
        assert scalar_rows(engine, "SELECT count(*) FROM response_inbox") == [0]
        assert scalar_rows(engine, "SELECT state FROM token") == ["opened"]

    def test_without_a_device_cookie_nothing_is_shown(self, phone_b, started):
        phone_b.cookies.set("lyssna_t", started["token"])
        response = phone_b.post("/s/review", data={"nav": "submit"})
        assert response.status_code == 404
        assert started["typed"] not in response.text

    def test_starting_over_elsewhere_deletes_the_draft_and_shows_nothing(
        self, client, phone_b, engine, started
    ):
        assert phone_b.post(f"/r/{started['token']}", data={"nav": "restart"}).status_code == 303
        for url in ("/s/language", "/s/review"):
            assert started["typed"] not in phone_b.get(url).text
        assert client.get("/s/review").status_code == 409  # phone A lost the (old) draft
        assert scalar_rows(engine, "SELECT count(*) FROM draft") == [1]


class TestASubmittedDraftLeavesNothingReadable:
    """After submit and flush, nobody may read the draft back and match its answers to a
    response. On SQLite its bytes are gone (secure_delete). PostgreSQL keeps a deleted row as a
    dead tuple until VACUUM may remove it, so there the guarantee is the key: the draft is
    sealed under token + server key + the first phone's cookie secret, which never reaches
    the server's storage."""

    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
    def test_no_raw_page_holds_the_deleted_draft(self, client, engine, settings):
        _, [before, token, after] = create_tokens(engine, settings, 3)
        service = respondent_service(settings)
        start_draft(engine, service, before, {FREE_TEXT: [marker()]})  # others in progress,
        walk_to_review(client, token, {FREE_TEXT: marker()})
        start_draft(engine, service, after, {FREE_TEXT: [marker()]})  # on the same page
        _, ciphertext = draft_row(engine, settings, token)
        assert "draft" in find_needles(raw_database_bytes(engine), {ciphertext: "draft"})
        assert client.post("/s/review", data={"nav": "submit"}).status_code == 303
        assert flush(engine, min_rows=1, current_period="2000-01") == 1
        assert find_needles(raw_database_bytes(engine), {ciphertext: "draft"}) == []

    @pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                             indirect=True)
    def test_a_lingering_draft_cannot_be_opened_with_token_and_server_key(
        self, client, engine, settings
    ):
        from cryptography.exceptions import InvalidTag

        _, [token] = create_tokens(engine, settings)
        walk_to_review(client, token, {FREE_TEXT: marker()})
        _, ciphertext = draft_row(engine, settings, token)
        assert client.post("/s/review", data={"nav": "submit"}).status_code == 303
        keys = Keys.from_secret(settings.secret_key)
        digest = token_hash(keys.token_hmac, token)
        # what an operator with the printed token could try: every secret except the phone's
        for guess in ("", token, digest.hex(), secrets.token_urlsafe(24)):
            with pytest.raises(InvalidTag):
                drafts.unseal(keys.draft, token, guess, digest, ciphertext)
        # positive control: the phone's secret opens it
        assert drafts.unseal(keys.draft, token, client.cookies["lyssna_d"], digest, ciphertext)
