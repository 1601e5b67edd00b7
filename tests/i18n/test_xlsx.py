"""Translators' spreadsheets: export a questionnaire, import the translations back, and import a
standard XLSForm (ODK / KoboToolbox) for the question types Lyssna supports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from app.cli import main
from app.questionnaires.languages import complete_languages, text_maps
from app.questionnaires.loader import load_file
from app.settings import ROOT
from tests.i18n.helpers import FIXTURE

SHIPPED = ROOT / "questionnaires" / "regional-followup.yaml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def export(source: Path, tmp_path: Path) -> tuple[Path, Path]:
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    out = tmp_path / "texts.xlsx"
    result = run("questionnaire", "export-xlsx", str(copy), str(out))
    assert result.exit_code == 0, result.output
    return copy, out


def header(sheet) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.value for c in sheet[1]]


def fill(xlsx: Path, language_header: str, translate) -> None:  # type: ignore[no-untyped-def]
    """Fill one language's columns in every sheet, as a translator would."""
    wb = load_workbook(xlsx)
    for sheet in wb.worksheets:
        names = header(sheet)
        for col, name in enumerate(names, start=1):
            if not name.endswith(f"::{language_header}"):
                continue
            english = names.index(name.split("::")[0] + "::English (en)") + 1
            for row in range(2, sheet.max_row + 1):
                source = sheet.cell(row=row, column=english).value
                if source:
                    sheet.cell(row=row, column=col, value=translate(source))
    wb.save(xlsx)


class TestExport:
    def test_writes_xlsform_style_sheets_with_a_column_per_language(self, tmp_path):
        _, out = export(FIXTURE, tmp_path)
        wb = load_workbook(out)
        assert wb.sheetnames == ["survey", "choices", "settings", "texts"]
        survey = header(wb["survey"])
        assert survey[:2] == ["type", "name"]
        assert "label::Arabic (ar)" in survey and "hint::Dari (prs)" in survey
        assert "unit::Central Kurdish (Sorani) (ckb)" in survey
        assert "label::Easy Swedish (sv-x-easy)" in survey
        rows = {r[1]: r for r in wb["survey"].iter_rows(min_row=2, values_only=True)}
        at = {name: survey.index(name) for name in survey}
        assert rows["course_understood"][0] == "select_one agree"
        assert rows["course_timing"][0] == "select_one course_timing"
        assert rows["swedish_days"][at["constraint"]] == ". >= 0 and . <= 7"
        assert rows["feel_welcome"][at["label::Pashto (ps)"]] == (
            "ایا په هغه ځای کې چې اوسېږئ ځان ښه راغلی احساسوئ؟")
        assert rows["course"][0] == "begin_group"
        choices = list(wb["choices"].iter_rows(min_row=2, values_only=True))
        assert choices[0][:4] == ("agree", "1", "Stämmer inte alls", "Not at all true")
        assert [r[:2] for r in choices[5:]] == [
            ("course_timing", "too_early"), ("course_timing", "right_time"),
            ("course_timing", "too_late")]
        settings = list(wb["settings"].iter_rows(values_only=True))
        assert settings[1][:2] == ("multilingual-fixture", "1")


class TestImportingTranslations:
    def test_a_new_language_comes_back_complete_as_a_draft(self, tmp_path):
        copy, out = export(FIXTURE, tmp_path)
        fill(out, "Ukrainian (uk)", lambda en: f"[uk] {en}")
        result = run("questionnaire", "import-xlsx", str(out), "--into", str(copy))
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0] == f"{copy}: 20 text(s) changed in uk, 100 unchanged"  # 5 × 20 others
        assert "  added uk: question swedish_days unit: '[uk] days'" in lines
        q = load_file(copy)
        assert "uk" in complete_languages(q)
        assert q.review_status("uk") == "draft"
        assert q.fingerprint() == load_file(FIXTURE).fingerprint()

    def test_keeps_comments_and_writes_one_language_per_line(self, tmp_path):
        copy, out = export(SHIPPED, tmp_path)
        fill(out, "Arabic (ar)", lambda en: f"[ar] {en}")
        assert run("questionnaire", "import-xlsx", str(out), "--into", str(copy)).exit_code == 0
        text = copy.read_text(encoding="utf-8")
        original = SHIPPED.read_text(encoding="utf-8")
        comments = [ln for ln in original.splitlines() if ln.lstrip().startswith("#")]
        assert comments and all(c in text for c in comments)
        assert "{sv:" not in text  # flow maps became block maps …
        assert '      - sv: "Stämmer inte alls"\n' in text  # … one language per line
        assert '\n        ar: "[ar] Not at all true"\n' in text
        assert "\n  ar: draft\n" in text.split("translations:", 1)[1]

    def test_changed_translation_is_reported_with_its_old_text(self, tmp_path):
        copy, out = export(FIXTURE, tmp_path)
        wb = load_workbook(out)
        col = header(wb["survey"]).index("label::Arabic (ar)") + 1
        wb["survey"].cell(row=3, column=col, value="فهمتُ كل ما قيل في الدورة.")
        wb.save(out)
        result = run("questionnaire", "import-xlsx", str(out), "--into", str(copy),
                     "--status", "reviewed")
        assert result.exit_code == 0, result.output
        assert ("  changed ar: question course_understood: 'فهمتُ كل ما قيل في الدورة.' "
                "(was 'فهمتُ ما قيل في الدورة.')") in result.output.splitlines()
        assert load_file(copy).review_status("ar") == "reviewed"

    def test_a_changed_swedish_text_is_refused_and_nothing_is_written(self, tmp_path):
        copy, out = export(FIXTURE, tmp_path)
        fill(out, "Ukrainian (uk)", lambda en: f"[uk] {en}")
        wb = load_workbook(out)
        col = header(wb["survey"]).index("label::Swedish (sv)") + 1
        wb["survey"].cell(row=3, column=col, value="Jag förstod allt.")
        wb.save(out)
        before = copy.read_bytes()
        result = run("questionnaire", "import-xlsx", str(out), "--into", str(copy))
        assert result.exit_code == 1
        assert ("  problem: question course_understood: the Swedish text differs from "
                "multilingual.yaml; source texts are changed in the YAML, not from a "
                "spreadsheet") in result.output.splitlines()
        assert copy.read_bytes() == before

    def test_an_unknown_language_column_is_a_problem(self, tmp_path):
        copy, out = export(FIXTURE, tmp_path)
        wb = load_workbook(out)
        sheet = wb["survey"]
        sheet.cell(row=1, column=sheet.max_column + 1, value="label::German (de)")
        wb.save(out)
        result = run("questionnaire", "import-xlsx", str(out), "--into", str(copy),
                     "--dry-run")
        assert result.exit_code == 1
        assert "survey: column 'label::German (de)': unknown language" in result.output


def xlsform(path: Path, extra_rows: list[list[str]] | None = None,
            relevant: str = "${has_children} = 'yes'") -> Path:
    """A small standard XLSForm, as exported from KoboToolbox (ANONYMITY.md R34 example)."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Svenska (sv)", "label::English (en)",
                   "label::Arabic (ar)", "hint::Svenska (sv)", "hint::English (en)",
                   "hint::Arabic (ar)", "relevant", "required", "constraint", "appearance"])
    survey.append(["begin_group", "about", "Om dig", "About you", "عنك"])
    survey.append(["select_one yesno", "has_children", "Har du barn?", "Do you have children?",
                   "هل لديك أطفال؟", "", "", "", "", "yes"])
    survey.append(["select_one agree", "welcome", "Jag känner mig välkommen.",
                   "I feel welcome.", "أشعر بأنني مرحّب بي.", "", "", "", "", "", "", "likert"])
    survey.append(["end_group"])
    survey.append(["begin_group", "children_page", "Barn", "Children", "الأطفال"])
    survey.append(["integer", "children", "Hur många barn har du?",
                   "How many children do you have?", "كم عدد أطفالك؟", "Skriv en siffra.",
                   "Write a number.", "اكتب رقمًا.", relevant, "", ". >= 1 and . <= 15"])
    survey.append(["select_multiple services", "services", "Vilka tjänster använder ni?",
                   "Which services do you use?", "ما الخدمات التي تستخدمونها؟"])
    survey.append(["text", "comment", "Något mer?", "Anything else?", "هل من شيء آخر؟"])
    for row in extra_rows or []:
        survey.append(row)
    survey.append(["end_group"])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::Svenska (sv)", "label::English (en)",
                    "label::Arabic (ar)"])
    for row in [["yesno", "yes", "Ja", "Yes", "نعم"], ["yesno", "no", "Nej", "No", "لا"],
                ["services", "school", "Skola", "School", "المدرسة"],
                ["services", "health", "Vården", "Health care", "الرعاية الصحية"]]:
        choices.append(row)
    for i, (sv, en, ar) in enumerate([("Inte alls", "Not at all", "إطلاقًا"),
                                      ("Lite", "A little", "قليلًا"),
                                      ("Delvis", "Partly", "جزئيًا"),
                                      ("Mycket", "A lot", "كثيرًا"),
                                      ("Helt", "Completely", "تمامًا")], start=1):
        choices.append(["agree", str(i), sv, en, ar])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version", "form_title", "default_language"])
    settings.append(["family_services", "3", "Familj och tjänster", "Svenska (sv)"])
    wb.save(path)
    return path


class TestImportingAStandardXLSForm:
    def test_supported_rows_become_a_valid_questionnaire(self, tmp_path):
        source = xlsform(tmp_path / "form.xlsx")
        out = tmp_path / "family.yaml"
        result = run("questionnaire", "import-xlsform", str(source), str(out))
        assert result.exit_code == 0, result.output
        q = load_file(out)
        assert (q.id, q.version) == ("family-services", 3)
        assert [s.id for s in q.sections] == ["about", "children_page"]
        kinds = {item.id: item.type for item in q.questions()}
        assert kinds == {"has_children": "yesno", "welcome": "likert", "children": "number",
                         "services": "multiple", "comment": "text"}
        children = q.question("children")
        assert (children.min, children.max) == (1, 15)
        assert children.show_if is not None
        assert (children.show_if.question, children.show_if.any_of) == ("has_children", ["yes"])
        assert children.help == {"sv": "Skriv en siffra.", "en": "Write a number.",
                                 "ar": "اكتب رقمًا."}
        assert q.question("has_children").required
        assert q.scale("agree").points[4] == {"sv": "Helt", "en": "Completely", "ar": "تمامًا"}
        assert dict(text_maps(q))["question services option health"]["ar"] == "الرعاية الصحية"
        # A standard XLSForm has one form_title: only Swedish is complete until it is translated.
        assert complete_languages(q) == ("sv",)
        assert "# NOTE: the title comes from settings form_title in one language" in \
            out.read_text(encoding="utf-8")

    def test_each_row_it_cannot_take_is_reported_with_its_row_number(self, tmp_path):
        source = xlsform(tmp_path / "form.xlsx", extra_rows=[
            ["geopoint", "home", "Var bor du?", "Where do you live?", "أين تسكن؟"],
            ["date", "arrived", "När kom du?", "When did you arrive?", "متى وصلت؟"],
        ])
        out = tmp_path / "family.yaml"
        result = run("questionnaire", "import-xlsform", str(source), str(out))
        assert result.exit_code == 1
        errors = [ln for ln in result.output.splitlines() if ln.startswith("row ")]
        assert errors == [
            "row 10 (home): type 'geopoint' is not supported by Lyssna (supported: select_one, "
            "select_multiple, integer, text, note (as a page intro), begin_group)",
            "row 11 (arrived): type 'date' is not supported by Lyssna (supported: select_one, "
            "select_multiple, integer, text, note (as a page intro), begin_group)",
        ]
        assert not out.exists()

    @pytest.mark.parametrize(("relevant", "message"), [
        ("${has_children} = 'yes' and ${welcome} > 2", "is not supported"),
        ("${services} = 'school'", "which is not an earlier question"),
    ])
    def test_conditions_it_cannot_evaluate_without_javascript_are_refused(self, tmp_path,
                                                                         relevant, message):
        source = xlsform(tmp_path / "form.xlsx", relevant=relevant)
        result = run("questionnaire", "import-xlsform", str(source), str(tmp_path / "o.yaml"))
        assert result.exit_code == 1
        [line] = [ln for ln in result.output.splitlines() if ln.startswith("row ")]
        assert line.startswith("row 7 (children): relevant")
        assert message in line


class TestJson:
    def test_export_and_import_by_location(self, tmp_path):
        import json

        copy = tmp_path / "fixture.yaml"
        shutil.copy(FIXTURE, copy)
        exported = tmp_path / "texts.json"
        assert run("questionnaire", "export-json", str(copy), str(exported)).exit_code == 0
        data = json.loads(exported.read_text(encoding="utf-8"))
        assert data["question swedish_days unit"]["ckb"] == "ڕۆژ"
        translated = {where: {"so": f"[so] {texts['en']}"} for where, texts in data.items()}
        (tmp_path / "so.json").write_text(json.dumps(translated, ensure_ascii=False))
        result = run("questionnaire", "import-json", str(tmp_path / "so.json"), "--into",
                     str(copy))
        assert result.exit_code == 0, result.output
        q = load_file(copy)
        assert "so" in complete_languages(q) and q.review_status("so") == "draft"

    def test_an_unknown_location_is_a_problem(self, tmp_path):
        copy = tmp_path / "fixture.yaml"
        shutil.copy(FIXTURE, copy)
        (tmp_path / "x.json").write_text('{"question nope": {"so": "x"}}')
        result = run("questionnaire", "import-json", str(tmp_path / "x.json"), "--into",
                     str(copy))
        assert result.exit_code == 1
        assert "  problem: question nope: no such text in fixture.yaml" in result.output


class TestEveryTextTravels:
    """The spreadsheet carries every text of a questionnaire, including those XLSForm has no
    column for (promise variants, crosswise wording), so translators see them all."""

    V2 = ROOT / "questionnaires" / "regional-followup-v2.yaml"

    def test_export_holds_every_location_in_every_language(self, tmp_path):
        from app.questionnaires.xlsx import read_translations

        copy, out = export(self.V2, tmp_path)
        _form, texts, problems = read_translations(out)
        assert not problems
        expected = {where: dict(text) for where, text in text_maps(load_file(copy))}
        found = {where: text for where, text in texts.items() if text}
        assert found == expected
        extra = [c.value for c in load_workbook(out)["texts"]["A"]][1:]
        assert "promise short point 1" in extra and "question felt_pressure innocuous" in extra
        assert not [where for where in extra if where.startswith("section ")]  # no duplicates

    def test_a_promise_translation_comes_back_from_the_texts_sheet(self, tmp_path):
        copy, out = export(self.V2, tmp_path)
        wb = load_workbook(out)
        sheet = wb["texts"]
        row = next(c.row for c in sheet["A"] if c.value == "promise short point 1")
        col = header(sheet).index("label::English (en)") + 1
        sheet.cell(row=row, column=col, value="Nobody can see what you answer.")
        wb.save(out)
        result = run("questionnaire", "import-xlsx", str(out), "--into", str(copy))
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0].startswith(f"{copy}: 1 text(s) changed in en")
        q = load_file(copy)
        assert dict(text_maps(q))["promise short point 1"]["en"] == \
            "Nobody can see what you answer."
        assert q.fingerprint() == load_file(self.V2).fingerprint()
