"""Questionnaire texts to and from an XLSForm-style spreadsheet, the format translators of ODK
and KoboToolbox forms already know.

Export: a `survey` sheet (type, name, label::<lang>, hint::<lang>, unit::<lang>, relevant,
constraint), a `choices` sheet (list_name, name, label::<lang>) and a `settings` sheet (form_id,
version, form_title::<lang>, description::<lang>). Language columns are named like XLSForm's,
`label::Arabic (ar)`; the tag in brackets is what counts.

Import: only the translations come back. The structure and the Swedish source texts are never
changed from a spreadsheet (they decide what answers mean; change them in the YAML and raise the
version); a row or cell that would change them is reported as a problem. Changed texts are written
into the YAML file with ruamel.yaml, so comments and layout survive, and every text map that gets
a new language is turned into block style, one language per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from app.i18n.locales import ALIASES, LANGUAGES
from app.questionnaires.schema import (
    SOURCE_LANGUAGE,
    Crosswise,
    FreeText,
    Likert,
    MultipleChoice,
    Number,
    Questionnaire,
    SingleChoice,
    YesNo,
)

TEXT_COLUMNS = ("label", "hint", "unit")
SETTINGS_TEXTS = ("form_title", "description")


class ImportError_(Exception):  # noqa: N801 - ImportError is a builtin
    """The spreadsheet cannot be imported at all (wrong file, no such questionnaire)."""


def column_language(header: str) -> str | None:
    """'Arabic (ar)' -> 'ar', 'ar' -> 'ar', 'Dari (fa-AF)' -> 'prs'; None if not a language."""
    header = header.strip()
    match = re.search(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)\s*$", header)
    tag = (match.group(1) if match else header).replace("_", "-")
    if tag in LANGUAGES:
        return tag
    lowered = tag.lower()
    if lowered in ALIASES:
        return ALIASES[lowered]
    for code in LANGUAGES:
        if code.lower() == lowered:
            return code
    return None


def language_header(code: str) -> str:
    return f"{LANGUAGES[code].english_name} ({code})"


# -- export ------------------------------------------------------------------------------------


def _question_type(q: Any) -> str:
    if isinstance(q, Likert):
        return f"select_one {q.scale}"
    if isinstance(q, SingleChoice):
        return f"select_one {q.id}"
    if isinstance(q, MultipleChoice):
        return f"select_multiple {q.id}"
    if isinstance(q, YesNo):
        return "select_one yesno"
    if isinstance(q, Number):
        return "integer"
    if isinstance(q, FreeText):
        return "text"
    if isinstance(q, Crosswise):  # same / different; its own texts are in the texts sheet
        return "select_one crosswise"
    raise TypeError(type(q).__name__)


def _in_xlsform_sheets(location: str) -> bool:
    """Whether the survey, choices or settings sheet carries this text."""
    parts = location.split(" ")
    return (location in ("title", "description") or parts[0] in ("scale", "section")
            or (parts[0] == "question" and (len(parts) == 2
                                            or parts[2] in ("help", "unit", "option"))))


def export_workbook(q: Questionnaire, out: Path, *, languages: list[str] | None = None) -> None:
    """Write the questionnaire's texts in every language (empty cells where missing)."""
    langs = [SOURCE_LANGUAGE, "en"] + [
        c for c in (languages or LANGUAGES) if c not in (SOURCE_LANGUAGE, "en")
    ]
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(
        ["type", "name"]
        + [f"{col}::{language_header(c)}" for col in TEXT_COLUMNS for c in langs]
        + ["relevant", "required", "constraint", "appearance"]
    )

    def row(type_: str, name: str, texts: dict[str, dict[str, str] | None],
            relevant: str = "", required: str = "", constraint: str = "",
            appearance: str = "") -> None:
        cells: list[str] = [type_, name]
        for col in TEXT_COLUMNS:
            text = texts.get(col) or {}
            cells += [text.get(c, "") for c in langs]
        survey.append(cells + [relevant, required, constraint, appearance])

    for section in q.sections:
        row("begin_group", section.id, {"label": section.title, "hint": section.intro},
            appearance="field-list")
        for item in section.questions:
            relevant = ""
            if item.show_if is not None:
                relevant = " or ".join(
                    f"${{{item.show_if.question}}} = '{code}'" for code in item.show_if.any_of
                )
            constraint = (
                f". >= {item.min} and . <= {item.max}" if isinstance(item, Number) else ""
            )
            row(_question_type(item), item.id,
                {"label": item.text, "hint": item.help, "unit": getattr(item, "unit", None)},
                relevant=relevant, required="yes" if item.required else "",
                constraint=constraint,
                appearance="likert" if isinstance(item, Likert) else "")
        row("end_group", "", {})

    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name"] + [f"label::{language_header(c)}" for c in langs])
    for scale in q.scales:
        for i, point in enumerate(scale.points, start=1):
            choices.append([scale.id, str(i)] + [point.get(c, "") for c in langs])
    for item in q.questions():
        for option in getattr(item, "options", []):
            choices.append([item.id, option.code] + [option.text.get(c, "") for c in langs])

    settings = wb.create_sheet("settings")
    settings.append(
        ["form_id", "version", "default_language"]
        + [f"{col}::{language_header(c)}" for col in SETTINGS_TEXTS for c in langs]
    )
    settings.append(
        [q.id, str(q.version), language_header(SOURCE_LANGUAGE)]
        + [(q.title if col == "form_title" else (q.description or {})).get(c, "")
           for col in SETTINGS_TEXTS for c in langs]
    )
    # Texts XLSForm has no column for (promise variants, crosswise wording): one row each,
    # keyed by location as in the JSON export.
    from app.questionnaires.languages import text_maps

    extra = wb.create_sheet("texts")
    extra.append(["location"] + [f"label::{language_header(c)}" for c in langs])
    for where, text in text_maps(q):
        if not _in_xlsform_sheets(where):
            extra.append([where] + [text.get(c, "") for c in langs])
    for sheet in (survey, choices, settings, extra):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 18
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C2"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


# -- import ------------------------------------------------------------------------------------


@dataclass
class Change:
    location: str  # as in app.questionnaires.languages.text_maps
    language: str
    old: str | None
    new: str

    def __str__(self) -> str:
        verb = "added" if not self.old else "changed"
        return f"  {verb} {self.language}: {self.location}: {self.new!r}" + (
            f" (was {self.old!r})" if self.old else ""
        )


@dataclass
class ImportReport:
    path: Path
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchanged: int = 0
    written: bool = False

    def lines(self) -> list[str]:
        langs = sorted({c.language for c in self.changes})
        out = [f"{self.path}: {len(self.changes)} text(s) changed in {', '.join(langs) or '-'}, "
               f"{self.unchanged} unchanged" + ("" if self.written else " (not written)")]
        out += [str(c) for c in self.changes]
        out += [f"  problem: {p}" for p in self.problems]
        return out


def _sheet_rows(wb: Any, name: str) -> list[tuple[int, dict[str, str]]]:
    if name not in wb.sheetnames:
        return []
    rows = wb[name].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    found = []
    for number, values in enumerate(rows, start=2):
        cells = {h: ("" if v is None else str(v).strip())
                 for h, v in zip(header, values, strict=False) if h}
        if any(cells.values()):
            found.append((number, cells))
    return found


def _texts(cells: dict[str, str], column: str) -> dict[str, str]:
    """{'ar': '…'} from the `column::<language>` cells of a row (empty cells left out)."""
    texts = {}
    for header, value in cells.items():
        base, sep, lang = header.partition("::")
        if sep and base.strip() == column and value:
            code = column_language(lang)
            if code is not None:
                texts[code] = value
    return texts


def read_translations(path: Path) -> tuple[str | None, dict[str, dict[str, str]], list[str]]:
    """form_id, {location: {language: text}} and the problems (unknown language columns)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    texts: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for sheet in ("survey", "choices", "settings", "texts"):
        rows = _sheet_rows(wb, sheet)
        if rows:
            for header in rows[0][1]:
                base, sep, lang = header.partition("::")
                if sep and column_language(lang) is None:
                    problems.append(f"{sheet}: column {header!r}: unknown language "
                                    f"(use one of {', '.join(LANGUAGES)} in brackets)")
    form_id = None
    for _, cells in _sheet_rows(wb, "settings")[:1]:
        form_id = cells.get("form_id") or None
        texts["title"] = _texts(cells, "form_title")
        texts["description"] = _texts(cells, "description")
    scale_lists: set[str] = set()
    for _, cells in _sheet_rows(wb, "survey"):
        kind, name = cells.get("type", ""), cells.get("name", "")
        if kind in ("begin_group", "begin group"):
            texts[f"section {name} title"] = _texts(cells, "label")
            texts[f"section {name} intro"] = _texts(cells, "hint")
        elif kind in ("end_group", "end group") or not name:
            continue
        else:
            texts[f"question {name}"] = _texts(cells, "label")
            texts[f"question {name} help"] = _texts(cells, "hint")
            texts[f"question {name} unit"] = _texts(cells, "unit")
            if kind.startswith("select_one ") and kind.split()[1] != name:
                scale_lists.add(kind.split()[1])
    for _, cells in _sheet_rows(wb, "choices"):
        list_name, name = cells.get("list_name", ""), cells.get("name", "")
        if list_name in scale_lists and name.isdigit():
            texts[f"scale {list_name} point {name}"] = _texts(cells, "label")
        elif list_name == "yesno":
            continue
        else:
            texts[f"question {list_name} option {name}"] = _texts(cells, "label")
    for _, cells in _sheet_rows(wb, "texts"):
        if cells.get("location"):
            texts[cells["location"]] = _texts(cells, "label")
    wb.close()
    return form_id, texts, problems


def import_translations(xlsx: Path, *, into: Path | None, questionnaire_dir: Path,
                        status: str = "draft", write: bool = True) -> ImportReport:
    """Merge a translated spreadsheet into its questionnaire file; report what changed."""
    form_id, sheet_texts, problems = read_translations(xlsx)
    return merge_texts(sheet_texts, form_id=form_id, into=into,
                       questionnaire_dir=questionnaire_dir, status=status, write=write,
                       problems=problems)


def read_json_texts(path: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """{location: {language: text}} from a JSON file (the format of `export-json`)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ImportError_(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportError_(f"{path}: expected an object {{location: {{language: text}}}}")
    texts: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for location, value in data.items():
        if not isinstance(value, dict):
            problems.append(f"{location}: expected {{language: text}}")
            continue
        texts[location] = {}
        for tag, text in value.items():
            code = column_language(str(tag))
            if code is None:
                problems.append(f"{location}: unknown language {tag!r}")
            elif isinstance(text, str) and text.strip():
                texts[location][code] = text.strip()
    return texts, problems


def merge_texts(sheet_texts: dict[str, dict[str, str]], *, form_id: str | None,
                into: Path | None, questionnaire_dir: Path, status: str = "draft",
                write: bool = True, problems: list[str] | None = None) -> ImportReport:
    """Merge translations keyed by location into a questionnaire file (never Swedish)."""
    from app.questionnaires.languages import text_maps
    from app.questionnaires.loader import QuestionnaireError, load_file

    problems = list(problems or [])
    path = into or (questionnaire_dir / f"{form_id}.yaml" if form_id else None)
    if path is None or not path.exists():
        raise ImportError_(f"no questionnaire file for form_id {form_id!r}; use --into FILE")
    try:
        before = load_file(path)
    except QuestionnaireError as exc:
        raise ImportError_(str(exc)) from exc
    if form_id and form_id != before.id:
        problems.append(f"settings: form_id {form_id!r} is not {before.id!r} ({path})")
    report = ImportReport(path, problems=problems)
    current = dict(text_maps(before))
    for location, texts in sheet_texts.items():
        if not texts:
            continue
        existing = current.get(location)
        if existing is None:
            if location.endswith((" help", " unit", " intro")) or location == "description":
                # an optional text the file does not have: not something a translation adds
                problems.append(f"{location}: not in {path.name}; add the Swedish text there first")
            else:
                problems.append(f"{location}: no such text in {path.name}")
            continue
        for lang, text in texts.items():
            if lang == SOURCE_LANGUAGE:
                if text != existing.get(lang, ""):
                    problems.append(f"{location}: the Swedish text differs from {path.name}; "
                                    "source texts are changed in the YAML, not from a spreadsheet")
                continue
            old = existing.get(lang)
            if old == text:
                report.unchanged += 1
            else:
                report.changes.append(Change(location, lang, old, text))
    if write and report.changes and not report.problems:
        _write_changes(path, before, report.changes, status)
        after = load_file(path)
        if after.fingerprint() != before.fingerprint():  # pragma: no cover - a bug guard
            raise ImportError_("writing the translations changed the questionnaire's meaning")
        report.written = True
    return report


def export_json(q: Questionnaire) -> str:
    """Every text by location, in every language present: what `import-json` takes back."""
    import json

    from app.questionnaires.languages import text_maps

    return json.dumps({where: dict(text) for where, text in text_maps(q)}, ensure_ascii=False,
                      indent=1) + "\n"


# -- writing YAML with ruamel (round trip) -----------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _node_for(doc: Any, location: str) -> tuple[Any, str] | None:
    """The YAML mapping that holds a location's text map, and its key, e.g. (question, 'text')."""
    parts = location.split(" ")
    if location in ("title", "description"):
        return doc, location
    if parts[0] == "scale":
        scale = next(s for s in doc["scales"] if s["id"] == parts[1])
        return scale["points"], int(parts[3]) - 1  # type: ignore[return-value]
    if parts[0] == "section":
        section = next(s for s in doc["sections"] if s["id"] == parts[1])
        return section, parts[2]
    if parts[0] == "promise":  # "promise <id> point <n>"
        promise = next(p for p in doc["promises"] if p["id"] == parts[1])
        return promise["points"], int(parts[3]) - 1  # type: ignore[return-value]
    if parts[0] == "question":
        question = next(q for s in doc["sections"] for q in s["questions"] if q["id"] == parts[1])
        if len(parts) == 2:
            return question, "text"
        if parts[2] == "option":
            option = next(o for o in question["options"] if str(o["code"]) == parts[3])
            return option, "text"
        if parts[2] == "practice":  # crosswise practice pair: "practice first|second"
            return question["practice"], parts[3]
        return question, parts[2]
    return None


def _set_text(text_map: Any, lang: str, value: str) -> None:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    order = list(LANGUAGES)
    if lang not in text_map:
        position = len(text_map)
        for i, key in enumerate(text_map):
            if key in order and order.index(key) > order.index(lang):
                position = i
                break
        text_map.insert(position, lang, DoubleQuotedScalarString(value))
    else:
        text_map[lang] = DoubleQuotedScalarString(value)
    text_map.fa.set_block_style()


def _write_changes(path: Path, before: Questionnaire, changes: list[Change], status: str) -> None:
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    doc = yaml.load(path.read_text(encoding="utf-8"))
    for change in changes:
        holder, key = _node_for(doc, change.location)  # type: ignore[misc]
        _set_text(holder[key], change.language, change.new)
    statuses = doc.get("translations")
    if statuses is None:
        statuses = CommentedMap()
        keys = list(doc)
        anchor = "description" if "description" in doc else "title"
        doc.insert(keys.index(anchor) + 1, "translations", statuses)
    # A language with any newly imported text takes the import's status: a reviewed language
    # that receives unreviewed text becomes a draft again.
    for lang in sorted({c.language for c in changes}, key=list(LANGUAGES).index):
        statuses[lang] = status
    statuses.fa.set_block_style()
    buf = StringIO()
    yaml.dump(doc, buf)
    path.write_text(buf.getvalue(), encoding="utf-8")
