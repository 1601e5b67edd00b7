"""What every respondent response tells the browser (ANONYMITY.md R9, PERFORMANCE.md budget).

Pages and redirects on the respondent path must not be cached, must not leak a Referer and may
load nothing from another origin; the one stylesheet may be cached; every page with its
stylesheet fits in the first TCP window (14,600 bytes gzipped) in every language.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import Respondent, create_tokens

BUDGET = 14_600
CSP_KEYWORDS = {"'self'", "'none'", "data:"}


def raw_body(client, url: str) -> tuple[bytes, dict[str, str]]:
    """The body as sent on the wire (still compressed), and the headers."""
    with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as response:
        assert response.status_code == 200, url
        return b"".join(response.iter_raw()), dict(response.headers)


def css_url(client) -> str:
    page = client.get("/r")
    return re.search(r'href="(/static/app\.css\?v=\w+)"', page.text).group(1)


def walk_collecting(client, engine, settings) -> list:
    """Every kind of respondent response: redirects, pages, a form error, the end, and the
    error pages for bad links."""
    _, [token, used, other] = create_tokens(engine, settings, 3)
    seen = [client.get("/r"), client.get(f"/r/{token}"), client.get("/s"),
            client.get("/s/language")]
    seen.append(client.post("/s/language", data={"nav": "lang:en"}))
    seen += [client.get("/s/welcome"), client.post("/s/welcome", data={"nav": "next"})]
    location = seen[-1].headers["location"]
    seen.append(client.post("/s/page/3", data={"nav": "next", "swedish_days": "99"}))  # 400
    seen.append(client.get("/s/page/99"))  # 404 inside a session
    while location.startswith("/s/page/"):
        seen.append(client.get(location))
        seen.append(client.post(location, data={"nav": "next", "intern_done": "yes"}))
        location = seen[-1].headers["location"]
    seen += [client.get("/s/review"), client.post("/s/review", data={"nav": "submit"}),
             client.get("/s/thanks")]
    seen.append(client.get(f"/r/{token}"))  # 410 used
    client.cookies.clear()
    seen += [client.get("/r/" + "0" * 26), client.get("/r/not-a-token"),
             client.get("/s/page/1"), client.get("/r?code=xyz")]  # 404, 404, 404, 400
    Respondent(client).answer_all(used)
    seen.append(client.post("/s/review", data={"nav": "submit"}))  # 404/410 after submit
    client.get(f"/r/{other}")
    client.cookies.clear()
    seen.append(client.get(f"/r/{other}"))  # 409 another device
    return seen


class TestRespondentResponses:
    def test_are_never_stored_and_send_no_referrer(self, client, engine, settings):
        responses = walk_collecting(client, engine, settings)
        statuses = {r.status_code for r in responses}
        assert {200, 303, 400, 404, 409, 410} <= statuses
        for response in responses:
            where = f"{response.request.method} {response.request.url.path}"
            assert response.headers["cache-control"] == "no-store", where
            assert response.headers["referrer-policy"] == "no-referrer", where
            assert response.headers["x-content-type-options"] == "nosniff", where

    def test_content_security_policy_allows_no_other_origin(self, client, engine, settings):
        for response in walk_collecting(client, engine, settings):
            policy = response.headers["content-security-policy"]
            directives = dict(
                (d.split()[0], d.split()[1:]) for d in policy.split(";") if d.strip()
            )
            assert directives["default-src"] == ["'self'"]
            assert directives["script-src"] == ["'none'"]
            assert directives["frame-ancestors"] == ["'none'"]
            sources = {s for values in directives.values() for s in values}
            assert sources <= CSP_KEYWORDS, sources - CSP_KEYWORDS

    def test_are_compressed_when_the_phone_asks(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token, "sv")
        compressed, headers = raw_body(client, "/s/page/1")
        assert headers["content-encoding"] == "gzip"
        plain = client.get("/s/page/1", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert len(compressed) < len(plain.content) / 2


class TestTheStylesheet:
    def test_is_cacheable_under_its_versioned_url(self, client):
        response = client.get(css_url(client))
        assert response.status_code == 200
        cache = response.headers["cache-control"]
        assert "no-store" not in cache
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
        assert max_age >= 86400

    def test_is_compressed(self, client):
        body, headers = raw_body(client, css_url(client))
        assert headers["content-encoding"] == "gzip"


class TestTheByteBudget:
    @pytest.mark.parametrize("language", ["sv", "en"])
    def test_every_page_with_its_stylesheet_fits_the_first_round_trip(
        self, client, engine, settings, language
    ):
        css, _ = raw_body(client, css_url(client))
        _, [token] = create_tokens(engine, settings)
        respondent = Respondent(client)
        respondent.open(token)
        sizes = {"/s/language": len(raw_body(client, "/s/language")[0])}
        respondent.post("/s/language", {"nav": f"lang:{language}"})
        sizes["/s/welcome"] = len(raw_body(client, "/s/welcome")[0])
        location = respondent.post("/s/welcome", {"nav": "next"}).headers["location"]
        # answers that show every conditional question, so each page is at its largest
        while location.startswith("/s/page/"):
            sizes[location] = len(raw_body(client, location)[0])
            location = respondent.post(location, {"nav": "next", "intern_done": "yes"}
                                       ).headers["location"]
        sizes["/s/review"] = len(raw_body(client, "/s/review")[0])
        assert respondent.post("/s/review", {"nav": "submit"}).status_code == 303
        sizes["/s/thanks"] = len(raw_body(client, "/s/thanks")[0])
        assert len([p for p in sizes if p.startswith("/s/page/")]) >= 7
        over = {page: size + len(css) for page, size in sizes.items()
                if size + len(css) > BUDGET}
        assert over == {}
