"""Battery files: what a valid questionnaire is, and errors that point at the line to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.questionnaires.loader import QuestionnaireError, load_file, questionnaire_files
from app.questionnaires.schema import Likert
from app.settings import ROOT

MINIMAL = """\
id: tiny
version: 1
title: {sv: "Liten enkät"}
scales:
  - id: agree
    points:
      - {sv: "1"}
      - {sv: "2"}
      - {sv: "3"}
      - {sv: "4"}
      - {sv: "5"}
sections:
  - id: first
    title: {sv: "Första sidan"}
    questions:
      - id: useful
        type: likert
        scale: agree
        text: {sv: "Kursen var till nytta."}
      - id: visited
        type: yesno
        text: {sv: "Har du varit där?"}
  - id: second
    title: {sv: "Andra sidan"}
    questions:
      - id: waste
        type: likert
        scale: agree
        reverse_of: useful
        text: {sv: "Kursen var slöseri med tid."}
      - id: how_often
        type: number
        min: 0
        max: 7
        show_if: {question: visited, any_of: ["yes"]}
        text: {sv: "Hur många dagar?"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_file(path)
    return [str(p) for p in caught.value.problems]


class TestAValidBattery:
    def test_the_minimal_file_loads(self, tmp_path):
        q = load_file(write(tmp_path, MINIMAL))
        assert [x.id for x in q.questions()] == ["useful", "visited", "waste", "how_often"]

    def test_every_shipped_battery_is_valid(self):
        files = questionnaire_files(ROOT / "questionnaires")
        assert files
        for path in files:
            load_file(path)

    def test_the_shipped_battery_has_balanced_pairs_and_every_question_type(self):
        q = load_file(ROOT / "questionnaires" / "regional-followup.yaml")
        pairs = [x for x in q.questions() if isinstance(x, Likert) and x.reverse_of]
        assert len(pairs) >= 2
        assert {x.type for x in q.questions()} >= {"single", "multiple", "likert", "yesno",
                                                   "number", "text"}
        assert 15 <= len(q.questions()) <= 25


class TestErrorsPointAtTheLine:
    def test_a_wrong_type_names_its_line(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("        max: 7\n", "        max: seven\n"))
        [problem] = problems(path)
        line = MINIMAL.splitlines().index("        max: 7") + 1
        assert problem.startswith(f"{path}:{line}: ")

    def test_a_missing_swedish_text_is_refused(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace('{sv: "Har du varit där?"}',
                                               '{en: "Have you been there?"}'))
        assert any("Swedish is the source language" in p for p in problems(path))

    def test_reverse_of_must_name_a_likert_item(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("reverse_of: useful", "reverse_of: missing"))
        assert any("reverse_of 'missing'" in p for p in problems(path))

    def test_a_condition_on_the_same_page_is_refused(self, tmp_path):
        moved = MINIMAL.replace("  - id: second\n    title: {sv: \"Andra sidan\"}\n"
                                "    questions:\n", "")
        assert any("earlier page" in p for p in problems(write(tmp_path, moved)))

    def test_unknown_keys_are_errors(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("        scale: agree\n        text: {sv: \"K",
                                               "        scale: agree\n        colour: red\n"
                                               "        text: {sv: \"K", 1))
        assert any("colour" in p for p in problems(path))


class TestCheckCommand:
    def test_check_exits_non_zero_with_the_line(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("        max: 7\n", "        max: seven\n"))
        result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
        assert result.exit_code == 1
        assert f"{path}:" in result.output

    def test_check_passes_for_the_shipped_battery(self):
        result = CliRunner().invoke(main, ["questionnaire", "check"])
        assert result.exit_code == 0, result.output
