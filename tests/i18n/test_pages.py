"""Respondent pages in every language: direction, fonts, language switching, audio."""

from __future__ import annotations

import re

import pytest
from fontTools.ttLib import TTFont

from app.i18n.catalogs import read_catalog
from app.i18n.locales import LANGUAGES, catalog_path
from app.questionnaires.languages import text_maps
from app.questionnaires.loader import load_file, questionnaire_files
from app.settings import ROOT
from tests.factories import Respondent, create_tokens
from tests.i18n.helpers import FIXTURE, FIXTURE_INTERVENTION

STATIC = ROOT / "app" / "static"


def start(client, engine, settings, language: str, **headers: str):
    _, [token] = create_tokens(engine, settings, intervention=FIXTURE_INTERVENTION)
    respondent = Respondent(client)
    if headers:
        respondent.open(token, **headers)
        client.post("/s/language", data={"nav": f"lang:{language}"})
        return client.post("/s/welcome", data={"nav": "next"})
    return respondent.start(token, language)


class TestDirection:
    @pytest.mark.parametrize("code", ["ar", "ckb", "ps", "ti", "en", "sv"])
    def test_html_carries_the_language_and_its_direction(self, ml_client, ml_engine,
                                                         ml_settings, code):
        start(ml_client, ml_engine, ml_settings, code)
        page = ml_client.get("/s/page/1")
        assert page.status_code == 200
        direction = LANGUAGES[code].direction
        assert page.text.startswith(f'<!doctype html>\n<html lang="{code}" dir="{direction}">')

    def test_numbers_inside_translated_text_are_isolated(self, ml_client, ml_engine,
                                                         ml_settings):
        start(ml_client, ml_engine, ml_settings, "ar")
        page = ml_client.get("/s/page/1")
        assert "الصفحة <bdi>1</bdi> من <bdi>2</bdi>" in page.text

    def test_the_stylesheet_uses_only_logical_directions(self):
        css = (STATIC / "app.css").read_text()
        physical = re.findall(
            r"(?:margin|padding|border|inset)-(?:left|right|top|bottom)\b|"
            r"(?<![-\w])(?:left|right|top|bottom)\s*:|float\s*:\s*(?:left|right)|"
            r"text-align\s*:\s*(?:left|right)",
            css,
        )
        assert physical == []


class TestWebFont:
    def test_only_tigrinya_pages_link_the_ethiopic_font(self, ml_client, ml_engine, ml_settings):
        start(ml_client, ml_engine, ml_settings, "ti")
        ti_page = ml_client.get("/s/page/1").text
        assert '<link rel="stylesheet" href="/static/fonts/ethiopic.css' in ti_page
        ml_client.post("/s/page/1", data={"nav": "lang:ar"})
        assert "fonts/" not in ml_client.get("/s/page/1").text

    def test_public_pages_in_other_languages_do_not_mention_fonts(self, client):
        for lang in ("sv", "en"):
            page = client.get("/", headers={"accept-language": lang})
            assert "fonts/" not in page.text

    def test_the_subset_covers_every_ethiopic_character_in_tigrinya_texts(self):
        font = TTFont(STATIC / "fonts" / "noto-sans-ethiopic-subset.woff2")
        covered = set(font.getBestCmap())
        texts = [m.string for m in read_catalog(catalog_path(ROOT / "locales", "ti"))
                 if isinstance(m.string, str)]
        for path in [*questionnaire_files(ROOT / "questionnaires"), FIXTURE]:
            texts += [t.get("ti", "") for _, t in text_maps(load_file(path))]
        used = {ord(c) for text in texts for c in text if 0x1200 <= ord(c) <= 0x139F}
        assert used, "the fixture has Tigrinya text"
        assert used - covered == set(), "run `make fonts` after widening the subset"

    def test_the_font_and_its_licence_are_served_as_static_files(self, client):
        css = client.get("/static/fonts/ethiopic.css")
        assert "noto-sans-ethiopic-subset.woff2" in css.text
        font = client.get("/static/fonts/noto-sans-ethiopic-subset.woff2")
        assert font.status_code == 200 and font.content[:4] == b"wOF2"
        assert "SIL Open Font License" in client.get("/static/fonts/OFL.txt").text


class TestLanguagePicker:
    def test_lists_the_complete_languages_by_their_own_names(self, ml_client, ml_engine,
                                                             ml_settings):
        _, [token] = create_tokens(ml_engine, ml_settings, intervention=FIXTURE_INTERVENTION)
        Respondent(ml_client).open(token)
        page = ml_client.get("/s/language").text
        buttons = re.findall(r'value="lang:([^"]+)" lang="([^"]+)" dir="(\w+)"[^>]*>([^<]+)<',
                             page)
        assert buttons == [
            ("sv", "sv", "ltr", "Svenska"), ("en", "en", "ltr", "English"),
            ("ar", "ar", "rtl", "العربية"), ("ps", "ps", "rtl", "پښتو"),
            ("ti", "ti", "ltr", "ትግርኛ"), ("ckb", "ckb", "rtl", "کوردیی ناوەندی"),
        ]

    @pytest.mark.parametrize(("header", "suggested"),
                             [("ckb-IQ,ar;q=0.5", "ckb"), ("ku-Arab", "ckb"), ("ar-SE", "ar"),
                              ("ti-ER", "ti"), ("ps-AF,fa-AF;q=0.8", "ps")])
    def test_suggests_the_language_of_the_phone(self, ml_client, ml_engine, ml_settings, header,
                                                suggested):
        _, [token] = create_tokens(ml_engine, ml_settings, intervention=FIXTURE_INTERVENTION)
        Respondent(ml_client).open(token, **{"accept-language": header})
        page = ml_client.get("/s/language").text
        assert re.findall(r'class="big suggested" name="nav" value="lang:([^"]+)"', page) == [
            suggested
        ]

    def test_switching_on_a_page_keeps_what_was_typed(self, ml_client, ml_engine, ml_settings):
        start(ml_client, ml_engine, ml_settings, "sv")
        response = ml_client.post(
            "/s/page/1", data={"nav": "lang:ckb", "course_understood": "4",
                               "course_timing": "too_late"},
        )
        assert response.headers["location"] == "/s/page/1"
        page = ml_client.get("/s/page/1").text
        assert page.startswith('<!doctype html>\n<html lang="ckb" dir="rtl">')
        assert 'value="4" checked' in page and 'value="too_late" checked' in page

    def test_every_respondent_page_has_the_switch(self, ml_client, ml_engine, ml_settings):
        start(ml_client, ml_engine, ml_settings, "ar")
        for url in ("/s/welcome", "/s/page/1", "/s/page/2", "/s/review"):
            page = ml_client.get(url).text
            assert 'name="nav" value="lang:ps" form="f"' in page, url

    def test_a_language_the_questionnaire_lacks_is_refused(self, ml_client, ml_engine,
                                                          ml_settings):
        start(ml_client, ml_engine, ml_settings, "sv")
        ml_client.post("/s/page/1", data={"nav": "lang:uk"})
        assert ml_client.get("/s/page/1").text.startswith('<!doctype html>\n<html lang="sv"')

    def test_the_thanks_page_stays_in_the_chosen_language(self, client, engine, settings):
        _, [token] = create_tokens(engine, settings)
        respondent = Respondent(client)
        respondent.open(token, **{"accept-language": "en"})
        client.post("/s/language", data={"nav": "lang:sv"})
        location = client.post("/s/welcome", data={"nav": "next"}).headers["location"]
        while location.startswith("/s/page/"):
            location = client.post(location, data={"nav": "next"}).headers["location"]
        client.post("/s/review", data={"nav": "submit"})
        thanks = client.get("/s/thanks", headers={"accept-language": "en"})
        assert thanks.text.startswith('<!doctype html>\n<html lang="sv"')
        assert "Tack!" in thanks.text


class TestPublicPages:
    def test_the_footer_switch_remembers_the_choice_for_the_session(self, client):
        response = client.post("/language", data={"nav": "lang:en", "next": "/accessibility"})
        assert response.status_code == 303
        assert response.headers["location"] == "/accessibility"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("lyssna_lang=en;") and "max-age" not in cookie.lower()
        assert client.get("/", headers={"accept-language": "sv"}).text.startswith(
            '<!doctype html>\n<html lang="en"'
        )

    def test_offers_only_languages_whose_ui_catalog_is_complete(self, incomplete_ar_client):
        page = incomplete_ar_client.get("/accessibility").text
        offered = re.findall(r'value="lang:([^"]+)"', page)
        assert "ar" not in offered and {"sv", "en"} <= set(offered)
        response = incomplete_ar_client.post("/language", data={"nav": "lang:ar", "next": "/"})
        assert "set-cookie" not in response.headers

    def test_never_redirects_elsewhere(self, client):
        response = client.post("/language", data={"nav": "lang:en", "next": "//evil.example"})
        assert response.headers["location"] == "/"


class TestAudio:
    def test_a_question_with_a_clip_in_this_language_gets_an_audio_element(
        self, ml_client, ml_engine, ml_settings
    ):
        start(ml_client, ml_engine, ml_settings, "ar")
        page = ml_client.get("/s/page/2").text
        assert ('<audio class="listen" controls preload="none" src="/audio/feel_welcome.ar.wav"'
                in page)
        ml_client.post("/s/page/2", data={"nav": "lang:sv"})
        assert "<audio" not in ml_client.get("/s/page/2").text

    def test_clips_are_served_from_the_questionnaire_folder_with_long_caching(self, ml_client):
        response = ml_client.get("/audio/feel_welcome.ar.wav")
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/wav"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content[:4] == b"RIFF"

    @pytest.mark.parametrize("name", ["missing.ar.wav", "feel_welcome.ar.txt", "..%2Fx.wav",
                                      ".hidden.wav"])
    def test_anything_else_is_not_found(self, ml_client, name):
        assert ml_client.get(f"/audio/{name}").status_code == 404


class TestSuggestionAmongOfferedLanguages:
    def test_the_first_offered_language_of_the_phone_is_suggested(self, ml_client, ml_engine,
                                                                 ml_settings):
        """Ukrainian comes first on this phone but the questionnaire has none: Pashto, the
        phone's next language, is suggested rather than nothing."""
        _, [token] = create_tokens(ml_engine, ml_settings, intervention=FIXTURE_INTERVENTION)
        Respondent(ml_client).open(token, **{"accept-language": "uk-UA,ps;q=0.8,en;q=0.5"})
        page = ml_client.get("/s/language").text
        assert re.findall(r'class="big suggested" name="nav" value="lang:([^"]+)"', page) == [
            "ps"
        ]

    def test_public_pages_follow_the_phone_only_into_complete_ui_languages(
        self, incomplete_ar_client
    ):
        page = incomplete_ar_client.get("/", headers={"accept-language": "ar,en;q=0.5"})
        assert page.text.startswith('<!doctype html>\n<html lang="en" dir="ltr">')
