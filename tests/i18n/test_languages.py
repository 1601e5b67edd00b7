"""The language registry: own names, directions, formatting locales, plural rules, negotiation."""

from __future__ import annotations

import gettext
import logging

import pytest
from babel import Locale

from app.i18n.locales import LANGUAGES, negotiate

OWN_NAMES = {
    "sv": "Svenska", "sv-x-easy": "Lättläst svenska", "en": "English", "ar": "العربية",
    "prs": "دری", "fa": "فارسی", "ps": "پښتو", "so": "Soomaali", "ti": "ትግርኛ",
    "uk": "Українська", "kmr": "Kurmancî", "ckb": "کوردیی ناوەندی",
}
RTL = {"ar", "prs", "fa", "ps", "ckb"}


class TestTheTargetSet:
    def test_has_the_twelve_languages_of_civic_orientation_each_by_its_own_name(self):
        assert {code: lang.name for code, lang in LANGUAGES.items()} == OWN_NAMES

    @pytest.mark.parametrize("code", list(LANGUAGES))
    def test_direction_matches_cldr_for_the_formatting_locale(self, code):
        lang = LANGUAGES[code]
        assert lang.direction == ("rtl" if code in RTL else "ltr")
        assert lang.locale.character_order == (
            "right-to-left" if lang.direction == "rtl" else "left-to-right"
        )

    @pytest.mark.parametrize("code", list(LANGUAGES))
    def test_formats_with_its_own_cldr_locale_without_falling_back(self, code, caplog):
        with caplog.at_level(logging.WARNING, logger="lyssna.i18n"):
            locale = LANGUAGES[code].locale
        assert str(locale) == LANGUAGES[code].babel
        assert not caplog.records

    def test_languages_cldr_lacks_are_mapped_explicitly(self):
        assert LANGUAGES["prs"].babel == "fa_AF"  # CLDR has no Dari
        assert LANGUAGES["kmr"].babel == "ku"  # CLDR's ku is Kurmanji, Latin script
        assert LANGUAGES["ckb"].babel == "ckb"  # Sorani, Arabic script
        assert LANGUAGES["sv-x-easy"].babel == "sv"

    def test_a_missing_cldr_locale_falls_back_instead_of_crashing(self, caplog):
        from dataclasses import replace

        broken = replace(LANGUAGES["prs"], babel="prs")  # what Babel cannot parse
        with caplog.at_level(logging.WARNING, logger="lyssna.i18n"):
            assert str(broken.locale) == "fa"
        assert "no CLDR data for prs" in caplog.text

    def test_only_tigrinya_needs_a_web_font(self):
        assert [c for c, lang in LANGUAGES.items() if lang.web_font] == ["ti"]


def _cldr_categories(locale: Locale) -> list[str]:
    order = ["zero", "one", "two", "few", "many", "other"]
    seen = {locale.plural_form(n) for n in range(0, 1001)}
    return [c for c in order if c in seen]


class TestPluralForms:
    @pytest.mark.parametrize("code", list(LANGUAGES))
    def test_gettext_rule_agrees_with_cldr_for_every_count_up_to_1000(self, code):
        """Each CLDR category used by whole numbers gets its own form, in CLDR order."""
        lang = LANGUAGES[code]
        nplurals = int(lang.plural_forms.split("nplurals=")[1].split(";")[0])
        rule = gettext.c2py(lang.plural_forms.split("plural=")[1].rstrip(";"))
        categories = _cldr_categories(Locale.parse(lang.babel))
        assert nplurals == len(categories)
        for n in range(0, 1001):
            assert rule(n) == categories.index(Locale.parse(lang.babel).plural_form(n)), n

    def test_tigrinya_uses_the_singular_for_zero(self):
        rule = gettext.c2py(LANGUAGES["ti"].plural_forms.split("plural=")[1].rstrip(";"))
        assert (rule(0), rule(1), rule(2)) == (0, 0, 1)


class TestNegotiation:
    ALL = list(LANGUAGES)

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("fa-AF,fa;q=0.9", "prs"),
            ("prs", "prs"),
            ("fa-IR", "fa"),
            ("ku", "kmr"),
            ("ku-Latn-TR", "kmr"),
            ("ku-Arab", "ckb"),
            ("ckb-IQ", "ckb"),
            ("ti-ER", "ti"),
            ("so-SO", "so"),
            ("uk-UA,ru;q=0.5", "uk"),
            ("de-DE,ar;q=0.8", "ar"),
            ("en-GB,en;q=0.9", "en"),
            ("sv-SE", "sv"),
            ("de-DE", None),
        ],
    )
    def test_maps_phone_tags_to_lyssna_tags(self, header, expected):
        assert negotiate(header, self.ALL) == expected

    def test_dari_phone_gets_persian_when_dari_is_not_offered(self):
        assert negotiate("fa-AF", ["sv", "fa"]) == "fa"

    def test_respects_q_values(self):
        assert negotiate("en;q=0.4,ar;q=0.9", self.ALL) == "ar"
