"""Crosswise items, split-ballot and promise variants in battery files (R27–R30)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from app.cli import main
from app.questionnaires.languages import complete_languages, missing_texts, text_maps
from app.questionnaires.loader import Registry
from app.questionnaires.schema import DEFAULT_INNOCUOUS, Crosswise, Questionnaire, warnings
from app.settings import ROOT


def battery(*questions: dict, promises: list | None = None) -> dict:
    data = {
        "id": "fixture", "version": 1, "title": {"sv": "T", "en": "T"},
        "sections": [{"id": "s", "title": {"sv": "S", "en": "S"}, "questions": list(questions)}],
    }
    if promises is not None:
        data["promises"] = promises
    return data


def crosswise(qid: str = "cw", **extra) -> dict:
    return {"id": qid, "type": "crosswise", "text": {"sv": "Känsligt", "en": "Sensitive"},
            "explanation": {"sv": "Förklaring", "en": "Explanation"}, **extra}


BIRTHDAY = {"sv": "Är din mammas födelsedag i januari eller februari?",
            "en": "Is your mother's birthday in January or February?"}


class TestCrosswiseItem:
    def test_defaults_to_the_phone_digit_question_with_p_02(self):
        q = Questionnaire.model_validate(battery(crosswise()))
        item = q.question("cw")
        assert isinstance(item, Crosswise)
        assert item.p == 0.2 and item.innocuous == DEFAULT_INNOCUOUS
        assert "phone number" in item.innocuous["en"]
        assert item.epsilon == pytest.approx(1.386, abs=1e-3)

    @pytest.mark.parametrize("p", [0, 1, 0.5, 0.52, -0.1, 1.5])
    def test_p_must_be_inside_zero_one_and_not_one_half(self, p):
        with pytest.raises(ValidationError):
            Questionnaire.model_validate(battery(crosswise(p=p)))

    def test_explanation_is_required(self):
        item = crosswise()
        del item["explanation"]
        with pytest.raises(ValidationError, match="explanation"):
            Questionnaire.model_validate(battery(item))

    def test_split_must_be_direct_and_crosswise(self):
        with pytest.raises(ValidationError):
            Questionnaire.model_validate(battery(crosswise(split=["direct", "direct"])))
        q = Questionnaire.model_validate(battery(crosswise(split=["crosswise", "direct"])))
        assert [i.id for i in q.split_items()] == ["cw"]

    def test_control_of_must_name_a_sensitive_crosswise_item(self):
        with pytest.raises(ValidationError, match="control_of"):
            Questionnaire.model_validate(battery(crosswise(control_of="nothing")))
        with pytest.raises(ValidationError, match="control_of"):
            Questionnaire.model_validate(battery(
                crosswise("a"), crosswise("b", control_of="a"), crosswise("c", control_of="b")))
        q = Questionnaire.model_validate(battery(crosswise("a"), crosswise("b", control_of="a")))
        assert q.control_for("a").id == "b"

    def test_a_control_item_is_never_split(self):
        with pytest.raises(ValidationError, match="never split"):
            Questionnaire.model_validate(battery(
                crosswise("a"), crosswise("b", control_of="a", split=["direct", "crosswise"])))


class TestCheckerWarnings:
    def test_birthday_randomiser_and_missing_control_are_flagged(self):
        q = Questionnaire.model_validate(battery(crosswise(innocuous=BIRTHDAY)))
        found = warnings(q)
        assert any("birthday" in w for w in found)
        assert any("zero-prevalence control" in w for w in found)

    def test_shipped_battery_has_no_warnings(self):
        registry = Registry.from_directory(ROOT / "questionnaires")
        assert all(warnings(q) == [] for q in registry.versions.values())

    def test_questionnaire_check_prints_both_warnings(self, tmp_path: Path):
        path = tmp_path / "fixture.yaml"
        path.write_text(yaml.safe_dump(battery(crosswise(innocuous=BIRTHDAY)),
                                       allow_unicode=True))
        result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
        assert result.exit_code == 0
        assert "birthday" in result.output and "zero-prevalence control" in result.output


class TestExplanationInEveryLanguage:
    def test_a_language_without_the_explanation_is_not_offered(self):
        item = crosswise(innocuous={"sv": "B?", "en": "B?", "ar": "B?"},
                         text={"sv": "A", "en": "A", "ar": "A"},
                         explanation={"sv": "Förklaring", "en": "Explanation"})
        data = battery(item)
        data["title"]["ar"] = "T"
        data["sections"][0]["title"]["ar"] = "S"
        q = Questionnaire.model_validate(data)
        assert "question cw explanation" in missing_texts(q, "ar")
        assert "ar" not in complete_languages(q)
        assert {"sv", "en"} <= set(complete_languages(q))


class TestPromiseVariants:
    def test_two_or_three_variants(self):
        one = [{"id": "a", "points": [{"sv": "x", "en": "x"}]}]
        with pytest.raises(ValidationError, match="two or three"):
            Questionnaire.model_validate(battery(crosswise(), promises=one))
        four = [{"id": c, "points": [{"sv": "x"}]} for c in "abcd"]
        with pytest.raises(ValidationError):
            Questionnaire.model_validate(battery(crosswise(), promises=four))


class TestShippedVersionTwo:
    def test_version_one_questions_are_unchanged_in_version_two(self):
        registry = Registry.from_directory(ROOT / "questionnaires")
        v1, v2 = registry.get("regional-followup", 1), registry.get("regional-followup", 2)
        for question in v1.questions():
            assert v2.question(question.id) == question
        assert [s.id for s in v1.sections] == [s.id for s in v2.sections if s.id != "pressure"]

    def test_version_two_has_the_toolkit_and_is_complete_in_sv_and_en(self):
        v2 = Registry.from_directory(ROOT / "questionnaires").get("regional-followup", 2)
        assert len(v2.promises) == 2
        [sensitive, control] = v2.crosswise_items()
        assert sensitive.split and sensitive.practice and control.control_of == sensitive.id
        assert len(v2.balanced_pairs()) >= 2
        assert {"sv", "en"} <= set(complete_languages(v2))


class TestTranslatorsGetTheNewTexts:
    def test_json_round_trip_fills_promises_and_crosswise_texts(self, tmp_path: Path):
        """Translators work from `export-json`; every new text comes back into the YAML."""
        import json
        import shutil

        from app.questionnaires.loader import load_file
        from app.questionnaires.xlsx import export_json, merge_texts

        copy = tmp_path / "regional-followup-v2.yaml"
        shutil.copy(ROOT / "questionnaires" / "regional-followup-v2.yaml", copy)
        before = load_file(copy)
        texts = json.loads(export_json(before))
        new = [loc for loc in texts
               if loc.startswith("promise ") or " practice " in loc
               or loc.endswith((" innocuous", " explanation"))]
        # 3 + 4 promise points, the practice pair, 2 × (innocuous B, explanation)
        assert len(new) == 7 + 2 + 2 + 2
        arabic = {loc: {"ar": f"نص {i}"} for i, loc in enumerate(new)}
        report = merge_texts(arabic, form_id=None, into=copy,
                             questionnaire_dir=tmp_path)
        assert report.written and not report.problems
        assert {c.location for c in report.changes} == set(new)
        after = load_file(copy)
        assert after.fingerprint() == before.fingerprint()
        written = dict(text_maps(after))
        assert all(written[loc]["ar"] == f"نص {i}" for i, loc in enumerate(new))
