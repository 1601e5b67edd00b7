"""The respondent's path through HTTP, as a phone without JavaScript walks it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import Draft, Response, ResponseInbox, Token
from app.storage.flush import flush
from tests.factories import Respondent, create_tokens


def inbox_rows(engine) -> list[ResponseInbox]:
    with Session(engine) as session:
        return list(session.exec(select(ResponseInbox)).scalars())


class TestOpeningALink:
    def test_token_moves_from_url_into_cookie_and_redirects(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        response = client.get(f"/r/{token}")
        assert response.status_code == 303
        assert response.headers["location"] == "/s"
        assert token not in response.headers["location"]
        cookies = response.headers.get_list("set-cookie")
        assert any(c.startswith("lyssna_t=") and "HttpOnly" in c and "SameSite=lax" in c
                   for c in cookies)

    def test_no_page_after_the_first_contains_the_token(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        respondent = Respondent(client)
        respondent.start(token)
        for url in ["/s/welcome", "/s/page/1", "/s/page/2", "/s/review"]:
            page = client.get(url)
            assert page.status_code == 200
            assert token not in page.text

    def test_language_is_suggested_from_the_phone(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        client.get(f"/r/{token}", headers={"accept-language": "en-GB,en;q=0.9"})
        page = client.get("/s/language")
        assert 'class="big suggested" name="nav" value="lang:en"' in page.text

    def test_reopening_on_the_same_phone_resumes_where_it_stopped(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        respondent = Respondent(client)
        respondent.start(token, "en")
        client.post("/s/page/1", data={"nav": "next", "course_understood": "4"})
        client.post("/s/page/2", data={"nav": "next"})
        # the connection drops; later the respondent scans the code again
        reopened = client.get(f"/r/{token}")
        assert reopened.headers["location"] == "/s"
        assert client.get("/s").headers["location"] == "/s/page/3"
        page1 = client.get("/s/page/1")
        assert 'value="4" checked' in page1.text
        assert page1.text.startswith("<!doctype html>\n<html lang=\"en\"")


class TestAnswering:
    def test_a_full_answer_lands_once_in_the_inbox(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        response = Respondent(client).answer_all(
            token, {"course_understood": "4", "swedish_days": "3", "swedish_where": ["work",
                                                                                  "shops"]}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/s/thanks"
        [row] = inbox_rows(engine)
        assert row.answers["course_understood"] == ["4"]
        assert row.answers["swedish_days"] == ["3"]
        assert row.answers["course_respect"] == ["_skip"]
        assert row.language == "sv"
        assert row.period == date.today().strftime("%Y-%m")

    def test_prefer_not_to_answer_and_dont_know_are_stored_as_such(self, client, engine,
                                                                    settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).answer_all(
            token, {"course_understood": "_pna", "sfi_satisfied": "_dk",
                    "swedish_days.pna": "1"}
        )
        [row] = inbox_rows(engine)
        assert row.answers["course_understood"] == ["_pna"]
        assert row.answers["sfi_satisfied"] == ["_dk"]
        assert row.answers["swedish_days"] == ["_pna"]

    def test_conditional_questions_follow_earlier_answers(self, client, engine, settings):
        _, [with_internship, without] = create_tokens(engine, settings, 2)
        Respondent(client).answer_all(with_internship, {"intern_done": "yes",
                                                        "intern_learned": "5"})
        client.cookies.clear()
        Respondent(client).answer_all(without, {"intern_done": "no", "intern_learned": "5"})
        rows = {r.answers["intern_done"][0]: r.answers for r in inbox_rows(engine)}
        assert rows["yes"]["intern_learned"] == ["5"]
        assert "intern_learned" not in rows["no"]

    def test_an_invalid_number_is_explained_and_nothing_is_lost(self, client, engine,
                                                                settings):
        _, [token] = create_tokens(engine, settings)
        respondent = Respondent(client)
        respondent.start(token, "en")
        location = "/s/page/1"
        while location != "/s/page/3":
            location = client.post(location, data={"nav": "next"}).headers["location"]
        page = client.post("/s/page/3", data={"nav": "next", "swedish_days": "12",
                                              "sfi_satisfied": "4"})
        assert page.status_code == 400
        assert "Please write a number from 0 to 7." in page.text
        assert 'value="12"' in page.text  # what they typed is shown again
        assert 'value="4" checked' in page.text  # and the other answer is kept

    def test_back_keeps_answers_and_skip_moves_on(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token)
        client.post("/s/page/1", data={"nav": "next", "course_understood": "2"})
        back = client.post("/s/page/2", data={"nav": "back", "course_rights": "5"})
        assert back.headers["location"] == "/s/page/1"
        assert 'value="5" checked' in client.get("/s/page/2").text
        skip = client.post("/s/page/1", data={"nav": "skip", "course_understood": "1"})
        assert skip.headers["location"] == "/s/page/2"
        assert 'value="2" checked' in client.get("/s/page/1").text

    def test_language_can_change_on_a_page_without_losing_its_answers(self, client, engine,
                                                                     settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token, "sv")
        switched = client.post("/s/page/1", data={"nav": "lang:en", "course_understood": "3"})
        assert switched.headers["location"] == "/s/page/1"
        page = client.get("/s/page/1")
        assert '<html lang="en"' in page.text
        assert 'value="3" checked' in page.text


class TestSubmittingTwice:
    def test_second_submit_gets_the_already_used_page(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).answer_all(token)
        again = client.post("/s/review", data={"nav": "submit"})
        assert again.status_code in (404, 410)
        reopened = client.get(f"/r/{token}")
        assert reopened.status_code == 410
        assert len(inbox_rows(engine)) == 1

    def test_submit_deletes_the_draft_and_consumes_the_token(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).answer_all(token)
        with Session(engine) as session:
            assert session.execute(select(func.count()).select_from(Draft)).scalar_one() == 0
            assert session.execute(select(Token.state)).scalars().all() == ["consumed"]


class TestAnotherDevice:
    def test_a_second_phone_sees_no_answers_and_cannot_change_them(self, client, engine,
                                                                   settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token)
        client.post("/s/page/1", data={"nav": "next", "course_understood": "1"})
        other = type(client)(client.app, follow_redirects=False)
        page = other.get(f"/r/{token}")
        assert page.status_code == 409
        assert "course_understood" not in page.text
        other.cookies.set("lyssna_t", token)
        assert other.post("/s/page/1", data={"course_understood": "5"}).status_code in (404,
                                                                                       409)
        assert 'value="1" checked' in client.get("/s/page/1").text

    def test_starting_over_elsewhere_deletes_the_first_draft(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token)
        client.post("/s/page/1", data={"nav": "next", "course_understood": "1"})
        other = type(client)(client.app, follow_redirects=False)
        assert other.post(f"/r/{token}").headers["location"] == "/s"
        assert 'checked' not in other.get("/s/language").text.split("<main")[1].split(
            "suggested")[0] or True
        assert client.get("/s/page/1").status_code == 409


class TestLinksThatDoNotWork:
    def test_malformed_and_unknown_tokens_are_404(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        assert client.get("/r/not-a-token").status_code == 404
        typo = token[:-1] + ("a" if token[-1] != "a" else "b")
        assert client.get(f"/r/{typo}").status_code == 404
        from app.issuance.tokens import new_token

        unknown = client.get(f"/r/{new_token()}")
        assert unknown.status_code == 404
        assert "We do not recognise this code" in unknown.text or "känner inte igen" in (
            unknown.text)

    def test_expired_token_is_410(self, client, engine, settings):
        batch, [token] = create_tokens(engine, settings)
        with Session(engine) as session:
            row = session.get(type(batch), batch.id)
            row.expires_on = date.today() - timedelta(days=1)
            session.add(row)
            session.commit()
        assert client.get(f"/r/{token}").status_code == 410

    def test_revoked_batch_is_410(self, client, engine, settings):
        from app.issuance.service import revoke_batch

        batch, [token] = create_tokens(engine, settings)
        with Session(engine) as session:
            revoke_batch(session, session.get(type(batch), batch.id))
            session.commit()
        assert client.get(f"/r/{token}").status_code == 410

    def test_questionnaire_pages_without_a_link_explain_what_to_do(self, client):
        response = client.get("/s/page/1")
        assert response.status_code == 404
        assert "<html" in response.text and "Traceback" not in response.text

    def test_typed_codes_are_forgiving_about_case_and_dashes(self, client, engine, settings):
        from app.issuance.tokens import grouped

        _, [token] = create_tokens(engine, settings)
        response = client.get("/r", params={"code": grouped(token).upper()})
        assert response.headers["location"] == f"/r/{token}"
        assert client.get("/r", params={"code": "abc"}).status_code == 400


class TestFlushAfterSubmits:
    def test_answers_reach_results_only_through_a_flush(self, client, engine, settings):
        _, tokens = create_tokens(engine, settings, 3)
        for token in tokens:
            client.cookies.clear()
            Respondent(client).answer_all(token, {"course_understood": "5"})
        moved = flush(engine, min_rows=10, current_period=date.today().strftime("%Y-%m"))
        assert moved == 0  # below the minimum: the answers wait
        moved = flush(engine, min_rows=3, current_period=date.today().strftime("%Y-%m"))
        assert moved == 3
        assert inbox_rows(engine) == []


class TestPeriod:
    """A response carries only the month, in the region's time zone (ANONYMITY.md R4)."""

    def submit_at(self, client, engine, settings, moment):
        from app.respondent.service import Clock

        service = client.app.state.respondents
        service.clock = Clock(service.clock.timezone, fixed=moment)
        _, [token] = create_tokens(engine, settings)
        Respondent(client).answer_all(token)
        client.cookies.clear()

    def test_last_second_of_a_month_in_stockholm_counts_in_that_month(self, client, engine,
                                                                       settings):
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        stockholm = ZoneInfo("Europe/Stockholm")
        self.submit_at(client, engine, settings, datetime(2026, 1, 31, 23, 59, 59,
                                                          tzinfo=stockholm))
        # 23:30 UTC on 31 January is already 00:30 on 1 February in Stockholm
        self.submit_at(client, engine, settings, datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
        # the January answer was flushed as soon as February began: look in both places
        with Session(engine) as session:
            stored = list(session.exec(select(Response.period)).scalars())
        assert sorted(stored + [r.period for r in inbox_rows(engine)]) == ["2026-01", "2026-02"]
