"""A questionnaire is offered in a language only when every text of the version is translated;
`lyssna questionnaire check` says what is missing where, and review status is recorded per
language."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from app.cli import main
from app.questionnaires.languages import complete_languages, missing_texts
from app.questionnaires.loader import QuestionnaireError, load_file
from app.questionnaires.schema import Questionnaire
from tests.i18n.helpers import FIXTURE


def fixture_data() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def without(data: dict, path: list, lang: str) -> Questionnaire:
    node = data
    for key in path:
        node = node[key]
    del node[lang]
    return Questionnaire.model_validate(data)


class TestCompleteness:
    def test_the_fixture_is_offered_in_its_six_languages_in_picker_order(self):
        assert complete_languages(load_file(FIXTURE)) == ("sv", "en", "ar", "ps", "ti", "ckb")

    @pytest.mark.parametrize(
        ("path", "location"),
        [
            (["title"], "title"),
            (["description"], "description"),
            (["scales", 0, "points", 2], "scale agree point 3"),
            (["sections", 0, "title"], "section course title"),
            (["sections", 0, "intro"], "section course intro"),
            (["sections", 0, "questions", 0, "text"], "question course_understood"),
            (["sections", 0, "questions", 1, "help"], "question course_timing help"),
            (["sections", 0, "questions", 1, "options", 2, "text"],
             "question course_timing option too_late"),
            (["sections", 1, "questions", 0, "unit"], "question swedish_days unit"),
        ],
    )
    def test_one_missing_text_of_any_kind_withdraws_the_language(self, path, location):
        q = without(fixture_data(), path, "ps")
        assert "ps" not in complete_languages(q)
        assert missing_texts(q, "ps") == [location]
        assert "ar" in complete_languages(q)

    def test_an_empty_text_counts_as_missing(self):
        data = fixture_data()
        data["sections"][0]["questions"][0]["text"]["ar"] = "   "
        assert "ar" not in complete_languages(Questionnaire.model_validate(data))

    def test_an_unknown_language_tag_is_an_error_with_its_line(self, tmp_path: Path):
        text = FIXTURE.read_text(encoding="utf-8")
        text = text.replace('  ckb: "پرسیارەکان', '  ku: "پرسیارەکان')
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(QuestionnaireError) as caught:
            load_file(path)
        [problem] = caught.value.problems
        assert "unknown language tag(s) ['ku']" in problem.message
        assert problem.line == 9  # the title text map (title: is on line 8)


class TestReviewStatus:
    def test_a_language_without_a_recorded_status_is_a_draft(self):
        data = fixture_data()
        del data["translations"]["ar"]
        q = Questionnaire.model_validate(data)
        assert q.review_status("ar") == "draft"
        assert q.review_status("sv") == "source"

    def test_statuses_are_draft_or_reviewed_only(self):
        data = fixture_data()
        data["translations"]["ar"] = "checked"
        with pytest.raises(ValueError, match="translations.ar"):
            Questionnaire.model_validate(data)

    def test_swedish_has_no_review_status(self):
        data = fixture_data()
        data["translations"]["sv"] = "reviewed"
        with pytest.raises(ValueError, match="source language"):
            Questionnaire.model_validate(data)

    def test_translations_and_their_status_do_not_change_the_fingerprint(self):
        data = fixture_data()
        before = Questionnaire.model_validate(data).fingerprint()
        data["translations"]["ar"] = "reviewed"
        data["title"]["ar"] = "عنوان آخر"
        del data["title"]["ti"]
        assert Questionnaire.model_validate(data).fingerprint() == before


class TestCheckCommand:
    def test_lists_the_missing_locations_per_language(self, tmp_path: Path):
        data = fixture_data()
        del data["sections"][0]["questions"][1]["help"]["ps"]
        del data["scales"][0]["points"][4]["ps"]
        path = tmp_path / "partial.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        at = lines.index("  ps: 2 texts missing, not offered")
        assert lines[at + 1:at + 3] == [
            "    - scale agree point 5",
            "    - question course_timing help",
        ]
        assert "  ar: complete, offered (draft)" in lines
        assert "  uk: not started (20 texts)" in lines


class TestDraftsCommand:
    def test_lists_questionnaire_languages_that_are_not_reviewed(self, tmp_path: Path,
                                                                  monkeypatch):
        from app.settings import get_settings

        folder = tmp_path / "q"
        folder.mkdir()
        data = fixture_data()
        data["translations"]["ti"] = "reviewed"
        (folder / "fixture.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                             encoding="utf-8")
        monkeypatch.setenv("LYSSNA_QUESTIONNAIRE_DIR", str(folder))
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(main, ["translations", "drafts"])
        finally:
            get_settings.cache_clear()
        questionnaire_lines = [ln for ln in result.output.splitlines() if "\tquestionnaire\t" in ln]
        assert sorted(ln.split("\t")[0] for ln in questionnaire_lines) == ["ar", "ckb", "en", "ps"]
        assert "fixture.yaml (multilingual-fixture@1): 20 texts, not reviewed" in result.output
