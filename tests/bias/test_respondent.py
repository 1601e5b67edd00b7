"""The respondent side of the bias toolkit, through HTTP without JavaScript: crosswise items,
split-ballot arms, promise variants, the promise and "how do we know?" texts (R24, R27–R30, R33).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.i18n.locales import LANGUAGES
from app.main import create_app
from app.models import Answer, Response
from app.questionnaires.loader import Registry
from app.respondent import randomise
from app.settings import ROOT
from app.storage.flush import flush
from tests.factories import Respondent, create_tokens

PRESSURE_PAGE = "/s/page/8"
ITEM = "felt_pressure"


@pytest.fixture
def battery():
    return Registry.from_directory(ROOT / "questionnaires").get("regional-followup", 2)


def force(monkeypatch, *, arm: str | None = None, variant: int | None = None) -> None:
    """Pin the server's random draw so a test knows which arm/variant the respondent gets."""
    if arm is not None:
        monkeypatch.setattr(randomise.secrets, "choice", lambda arms: arm)
    if variant is not None:
        monkeypatch.setattr(randomise.secrets, "randbelow", lambda n: variant - 1)


def stored(engine) -> tuple[Response, dict[str, list[str]]]:
    flush(engine, min_rows=1, current_period="9999-12", force=True)
    with Session(engine) as session:
        response = session.execute(select(Response)).scalar_one()
        answers: dict[str, list[str]] = {}
        for a in session.execute(select(Answer)).scalars():
            answers.setdefault(a.question, []).append(a.value)
    return response, answers


def walk_to_pressure_page(client, token: str, language: str = "en") -> None:
    Respondent(client).start(token, language)
    location = "/s/page/1"
    while location != PRESSURE_PAGE:
        response = client.post(location, data={"nav": "next"})
        location = response.headers["location"]


def finish(client, answers: dict[str, str]) -> None:
    """Answer the pressure page as a browser does (the checked radios are sent) and submit."""
    response = client.post(PRESSURE_PAGE, data={"nav": "next", **answers})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    while location.startswith("/s/page/"):
        location = client.post(location, data={"nav": "next"}).headers["location"]
    assert client.post("/s/review", data={"nav": "submit"}).status_code == 303


class TestCrosswiseArm:
    def test_page_explains_and_offers_only_same_or_different(self, client, engine, settings,
                                                             monkeypatch):
        force(monkeypatch, arm="crosswise")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        page = client.get(PRESSURE_PAGE).text
        assert "Nobody, not even we, can work out your answer" in page  # the explanation
        assert "Is its last digit 1 or 2?" in page  # the innocuous question
        assert "keep my place or my support" in page  # the sensitive statement
        assert "Sweden is in Europe." in page  # the practice pair
        assert f'name="{ITEM}" value="same"' in page
        assert f'name="{ITEM}" value="different"' in page
        assert f'name="{ITEM}" value="_pna"' in page
        assert f'name="{ITEM}" value="yes"' not in page
        assert f'name="{ITEM}" value="_dk"' not in page
        assert 'name="felt_pressure_ctl" value="same"' in page  # the control follows
        assert "<script" not in page

    def test_only_same_or_different_is_stored(self, client, engine, settings, monkeypatch):
        force(monkeypatch, arm="crosswise")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        given = {ITEM: "same", f"{ITEM}.practice": "different", "felt_pressure_ctl": "different"}
        saved = client.post(PRESSURE_PAGE, data={"nav": "back", **given})
        assert saved.status_code == 303
        again = client.get(PRESSURE_PAGE).text
        assert f'name="{ITEM}" value="same" checked' in again
        assert f'name="{ITEM}.practice" value="different" checked' in again
        finish(client, given)
        response, answers = stored(engine)
        assert answers[ITEM] == ["same"]
        assert answers[f"{ITEM}.practice"] == ["different"]
        assert answers["felt_pressure_ctl"] == ["different"]
        assert response.arms == {ITEM: "crosswise"}
        assert not hasattr(Response, "sensitive") and not hasattr(Answer, "sensitive")

    @pytest.mark.parametrize("value", ["yes", "no", "_dk", "maybe"])
    def test_anything_else_is_refused(self, client, engine, settings, monkeypatch, value):
        force(monkeypatch, arm="crosswise")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        refused = client.post(PRESSURE_PAGE, data={"nav": "next", ITEM: value})
        assert refused.status_code == 400
        assert "This answer is not one of the choices." in refused.text

    def test_prefer_not_to_answer_is_its_own_code(self, client, engine, settings, monkeypatch):
        force(monkeypatch, arm="crosswise")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        finish(client, {ITEM: "_pna"})
        _, answers = stored(engine)
        assert answers[ITEM] == ["_pna"]
        assert answers["felt_pressure_ctl"] == ["_skip"]


class TestDirectArm:
    def test_direct_arm_asks_yes_or_no_and_stores_the_arm(self, client, engine, settings,
                                                         monkeypatch):
        force(monkeypatch, arm="direct")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        page = client.get(PRESSURE_PAGE).text
        assert f'name="{ITEM}" value="yes"' in page
        assert f'name="{ITEM}" value="same"' not in page
        assert client.post(PRESSURE_PAGE, data={"nav": "next", ITEM: "same"}).status_code == 400
        finish(client, {ITEM: "no"})
        response, answers = stored(engine)
        assert answers[ITEM] == ["no"]
        assert response.arms == {ITEM: "direct"}

    def test_the_control_is_neither_shown_nor_stored(self, client, engine, settings,
                                                      monkeypatch):
        """The control measures wrong answers among those asked crosswise; its short
        explanation ("the same again") would not make sense without the full one."""
        force(monkeypatch, arm="direct")
        _, [token] = create_tokens(engine, settings)
        walk_to_pressure_page(client, token)
        page = client.get(PRESSURE_PAGE).text
        assert 'name="felt_pressure_ctl"' not in page
        assert 'class="crosswise"' not in page
        # a forged answer to the control is not read either
        finish(client, {ITEM: "yes", "felt_pressure_ctl": "same"})
        _, answers = stored(engine)
        assert "felt_pressure_ctl" not in answers


def chi_square_p(counts: Counter, categories: list) -> float:
    """p-value of Pearson's χ² test of uniformity, for 2 or 3 categories (closed forms)."""
    n = sum(counts.values())
    expected = n / len(categories)
    x2 = sum((counts[c] - expected) ** 2 / expected for c in categories)
    df = len(categories) - 1
    return math.erfc(math.sqrt(x2 / 2)) if df == 1 else math.exp(-x2 / 2)


class TestRandomAssignment:
    # The draws come from the OS's CSPRNG and cannot be seeded, so the test must tolerate
    # chance: 20,000 draws and p > 1e-6 fail about once in a million runs for a fair draw
    # (3,000 draws at p > 0.001 failed one CI run), while a 55/45 bias fails practically
    # always (4.6 SD beyond the threshold).
    DRAWS, ALPHA = 20_000, 1e-6

    def test_variants_are_uniform(self, battery):
        counts = Counter(randomise.draw_variant(battery) for _ in range(self.DRAWS))
        assert set(counts) == {1, 2}
        assert chi_square_p(counts, [1, 2]) > self.ALPHA

    def test_arms_are_uniform(self, battery):
        counts = Counter(randomise.draw_arms(battery)[ITEM] for _ in range(self.DRAWS))
        assert chi_square_p(counts, ["direct", "crosswise"]) > self.ALPHA

    def test_a_questionnaire_without_variants_or_splits_draws_nothing(self):
        v1 = Registry.from_directory(ROOT / "questionnaires").get("regional-followup", 1)
        assert randomise.draw_variant(v1) == 0 and randomise.draw_arms(v1) == {}

    def test_the_draw_happens_once_and_survives_reloads(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        Respondent(client).start(token, "en")
        first = client.get("/s/welcome").text
        for _ in range(3):
            client.get(f"/r/{token}")
            assert client.get("/s/welcome").text == first


class TestPromiseVariants:
    @pytest.mark.parametrize(("variant", "marker"), [
        (1, "Nobody can link your answers to you."),
        (2, "The person who gave you the code and the municipality cannot see your answers."),
    ])
    def test_the_welcome_page_shows_the_drawn_variant_and_the_response_stores_it(
            self, client, engine, settings, monkeypatch, variant, marker):
        force(monkeypatch, variant=variant)
        _, [token] = create_tokens(engine, settings)
        Respondent(client).open(token)
        client.post("/s/language", data={"nav": "lang:en"})
        page = client.get("/s/welcome").text
        assert marker in page
        assert page.count('data-promise="') == 1
        assert str(settings.min_group_size) in page and "{k}" not in page
        other = 2 if variant == 1 else 1
        other_marker = {1: "Nobody can link your answers to you.",
                        2: "cannot see your answers. They only see totals"}[other]
        assert other_marker not in page
        Respondent(client).answer_all(token, language="en")
        response, _ = stored(engine)
        assert response.promise_variant == variant


@pytest.fixture
def client_k7(settings):
    settings = settings.model_copy(update={"min_group_size": 7})
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


class TestPromiseUsesLiveSettings:
    @pytest.mark.parametrize("language", list(LANGUAGES))
    def test_how_do_we_know_page_shows_k_in_every_language(self, client, client_k7, language):
        """The page with k = 7 is the page with k = 5 with every stated k changed to 7."""
        client.cookies.set("lyssna_lang", language)
        client_k7.cookies.set("lyssna_lang", language)
        at5 = client.get("/about/anonymity").text
        at7 = client_k7.get("/about/anonymity").text
        assert at7 != at5
        assert re.sub(r"\b5\b", "7", at5) == at7

    def test_default_promise_states_what_is_stored_and_who_cannot_see(self, client_k7, engine,
                                                                      settings, monkeypatch):
        force(monkeypatch, variant=2)
        _, [token] = create_tokens(engine, settings)
        Respondent(client_k7).open(token)
        client_k7.post("/s/language", data={"nav": "lang:en"})
        page = client_k7.get("/s/welcome").text
        assert "fewer than 7 people is hidden" in page
        assert "5 people" not in page
        about = client_k7.get("/about/anonymity").text
        assert "at least 7 people" in about
        assert "fewer than 7 people are hidden" in about
