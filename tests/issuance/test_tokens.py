"""R1: tokens carry 128 random bits, and the database keeps only an HMAC of each under a
server key that is not in the database. Read as an attacker holding a copy of the database
(logical dump and raw files) and a stack of printed tokens, but not the server key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from sqlalchemy import event

from app.issuance.tokens import ALPHABET, BODY_CHARS, grouped, normalise, token_hash
from app.keys import Keys
from tests.factories import create_tokens
from tests.storage.helpers import find_needles, raw_database_bytes, scalar_rows, table_values


@pytest.fixture
def database_url(db_url: str) -> str:
    """These storage checks run on SQLite and PostgreSQL."""
    return db_url

COUNT = 1000


def random_bits(token: str) -> bytes:
    value = 0
    for char in token[:BODY_CHARS]:
        value = value * 32 + ALPHABET.index(char)
    assert value < 2**128
    return value.to_bytes(16, "big")


def printed_forms(token: str) -> dict[bytes, str]:
    """The ways a token could sit in storage: as typed, grouped, upper case, hex, base64, raw."""
    raw = random_bits(token)
    forms = [
        token.encode(), token.upper().encode(), grouped(token).encode(),
        token.encode().hex().encode(), raw, raw.hex().encode(), raw.hex().upper().encode(),
        base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"="),
        base64.b64encode(token.encode()), base64.b32encode(raw).rstrip(b"="),
    ]
    return {form: token for form in forms}


@pytest.fixture
def issued(engine, settings) -> list[str]:
    _, tokens = create_tokens(engine, settings, COUNT)
    return tokens


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class TestTokensCarry128RandomBits:
    @SQLITE_ONLY
    def test_a_thousand_tokens_are_distinct_and_well_formed(self, issued):
        assert len(set(issued)) == COUNT
        assert all(normalise(t) == t for t in issued)
        assert len({random_bits(t) for t in issued}) == COUNT

    @SQLITE_ONLY
    def test_every_one_of_the_128_bits_varies(self, issued):
        """Each bit is set in about half the tokens: none is fixed or derived from another
        input (with 1,000 tokens a fair bit lies outside 40-60 % with p < 1e-9)."""
        values = [int.from_bytes(random_bits(t), "big") for t in issued]
        shares = [sum(v >> bit & 1 for v in values) / COUNT for bit in range(128)]
        assert all(0.4 < share < 0.6 for share in shares), shares

    def test_the_database_keeps_one_32_byte_hash_per_token(self, engine, issued):
        hashes = scalar_rows(engine, "SELECT hash FROM token")
        assert len(hashes) == len(set(map(bytes, hashes))) == COUNT
        assert {len(bytes(h)) for h in hashes} == {32}


class TestNoPlaintextTokenInTheDatabase:
    def test_no_column_of_any_table_holds_a_token_in_any_form(self, engine, issued):
        needles: dict[bytes, str] = {}
        for token in issued:
            needles |= printed_forms(token)
        assert find_needles(table_values(engine), needles) == []

    def test_no_raw_page_or_file_holds_a_token_in_any_form(self, engine, issued):
        needles: dict[bytes, str] = {}
        for token in issued:
            needles |= printed_forms(token)
        raw = raw_database_bytes(engine)
        assert len(raw) > 32 * COUNT  # the scan reads real data: every hash is in there
        assert find_needles(raw, needles) == []

    def test_negative_control_the_scan_finds_what_is_there(self, engine, settings, issued):
        key = Keys.from_secret(settings.secret_key).token_hmac
        digests = {token_hash(key, t): t for t in issued[:50]}
        assert set(find_needles(raw_database_bytes(engine), digests)) == set(issued[:50])


class TestHashesCannotBeRecomputedWithoutTheServerKey:
    GUESSED_KEYS = [b"", b"lyssna", b"secret", b"changeme", b"test-secret-key"]

    def guesses(self, token: str, secret: str) -> list[bytes]:
        raw = random_bits(token)
        candidates = []
        for data in (token.encode(), token.upper().encode(), grouped(token).encode(), raw):
            candidates += [hashlib.sha256(data).digest(), hashlib.sha3_256(data).digest(),
                           hashlib.blake2b(data, digest_size=32).digest()]
            candidates += [hmac.new(k, data, hashlib.sha256).digest() for k in self.GUESSED_KEYS]
            # the raw configured secret instead of the derived purpose key
            candidates.append(hmac.new(secret.encode(), data, hashlib.sha256).digest())
        return candidates

    def test_no_unkeyed_or_guessed_hash_matches_a_row(self, engine, settings, issued):
        stored = {bytes(h) for h in scalar_rows(engine, "SELECT hash FROM token")}
        assert not any(g in stored for t in issued for g in self.guesses(t, settings.secret_key))

    def test_negative_control_the_server_key_does_match(self, engine, settings, issued):
        stored = {bytes(h) for h in scalar_rows(engine, "SELECT hash FROM token")}
        key = Keys.from_secret(settings.secret_key).token_hmac
        assert {token_hash(key, t) for t in issued} == stored

    def test_the_server_key_is_not_in_the_database(self, engine, settings, issued):
        keys = Keys.from_secret(settings.secret_key)
        needles = {settings.secret_key.encode(): "secret", keys.token_hmac: "token key",
                   keys.token_hmac.hex().encode(): "token key hex", keys.draft: "draft key",
                   base64.b64encode(keys.token_hmac): "token key b64"}
        assert find_needles(raw_database_bytes(engine), needles) == []


def corrupted(token: str) -> dict[str, str]:
    flipped = token[:3] + ("0" if token[3] != "0" else "1") + token[4:]
    return {
        "bad checksum": flipped,
        "bad checksum in the check characters": token[:-1] + ("0" if token[-1] != "0" else "1"),
        "one character short": token[:-1],
        "one character long": token + "0",
        "letter outside the alphabet": token[:5] + "u" + token[6:],
        "empty-ish": "x",
        "very long": token * 40,
    }


@SQLITE_ONLY  # parsing happens before the engine is chosen
class TestMalformedTokensNeverReachTheDatabase:
    @pytest.fixture
    def database_touches(self, client) -> list[str]:
        touched: list[str] = []
        engine = client.app.state.engine
        listeners = [
            (engine.pool, "checkout", lambda *a: touched.append("checkout")),
            (engine, "before_cursor_execute", lambda c, cur, stmt, *a: touched.append(stmt)),
        ]
        for target, name, fn in listeners:
            event.listen(target, name, fn)
        yield touched
        for target, name, fn in listeners:
            event.remove(target, name, fn)

    def test_a_malformed_link_is_refused_without_a_query(self, client, engine, settings,
                                                         database_touches):
        _, [token] = create_tokens(engine, settings)
        for case, bad in corrupted(token).items():
            assert normalise(bad) is None, case
            response = client.get(f"/r/{bad}")
            assert response.status_code == 404, case
            assert database_touches == [], case

    def test_a_malformed_cookie_is_refused_without_a_query(self, client, engine, settings,
                                                           database_touches):
        _, [token] = create_tokens(engine, settings)
        for case, bad in corrupted(token).items():
            client.cookies.set("lyssna_t", bad)
            client.cookies.set("lyssna_d", "some-device")
            for method, url in (("GET", "/s/page/1"), ("POST", "/s/review")):
                response = client.request(method, url, data={"nav": "submit"})
                assert response.status_code == 404, (case, url)
            assert database_touches == [], case

    def test_a_mistyped_code_in_the_form_is_refused_without_a_query(self, client, engine,
                                                                     settings, database_touches):
        _, [token] = create_tokens(engine, settings)
        response = client.get("/r", params={"code": corrupted(token)["bad checksum"]})
        assert response.status_code == 400
        assert database_touches == []

    def test_negative_control_a_well_formed_unknown_token_is_looked_up(
        self, client, engine, settings, database_touches
    ):
        _, [token] = create_tokens(engine, settings)
        _, [other] = create_tokens(engine, settings.model_copy(
            update={"secret_key": "another-secret-key-for-another-server-0000"}))
        assert client.get(f"/r/{other}").status_code == 404
        assert "checkout" in database_touches
        assert client.get(f"/r/{token}").status_code == 303
