"""Import a standard XLSForm (ODK, KoboToolbox) as a Lyssna questionnaire file.

pyxform parses the workbook (`parse_file_to_json`, no Java needed); this module maps what
Lyssna can take and reports, with its spreadsheet row, every row it cannot:

| XLSForm                                   | Lyssna                          |
|-------------------------------------------|---------------------------------|
| begin_group … end_group (not nested)      | a page (section)                |
| note as the first row of a group          | the page's intro                |
| select_one (list of exactly yes/no)       | yesno                           |
| select_one with appearance likert, 5 rows | likert on a shared scale        |
| select_one / select_multiple              | single / multiple               |
| integer with `. >= a and . <= b`          | number (min a, max b)           |
| text                                      | text (short free text)          |
| relevant `${q} = 'x' or …`, `selected()`  | show_if (earlier page only)     |
| required yes, hint                        | required, help                  |

Everything else (geopoint, date, decimal, calculate, repeat, nested groups, choice filters, …)
is refused row by row. Language columns must name a Lyssna tag, `label::Arabic (ar)`, and
Swedish (sv), the source language, is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from app.i18n.locales import LANGUAGES
from app.questionnaires.schema import SLUG, SOURCE_LANGUAGE, Questionnaire
from app.questionnaires.xlsx import column_language

SUPPORTED = "select_one, select_multiple, integer, text, note (as a page intro), begin_group"
YES = {"yes", "true", "true()", "1"}


@dataclass(frozen=True)
class RowProblem:
    row: int | None
    name: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "form"
        name = f" ({self.name})" if self.name else ""
        return f"{where}{name}: {self.message}"


@dataclass
class XLSFormResult:
    data: dict[str, Any] | None
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def question_count(self) -> int:
        return sum(len(s["questions"]) for s in (self.data or {}).get("sections", []))

    @property
    def languages(self) -> list[str]:
        from app.questionnaires.languages import complete_languages

        if self.data is None:
            return []
        return list(complete_languages(Questionnaire.model_validate(self.data)))

    @property
    def yaml_text(self) -> str:
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.allow_unicode = True
        buf = StringIO()
        buf.write("# Imported from an XLSForm by `lyssna questionnaire import-xlsform`.\n")
        for note in self.notes:
            buf.write(f"# NOTE: {note}\n")
        yaml.dump(_quoted(self.data), buf)
        return buf.getvalue()


def _quoted(node: Any) -> Any:
    """Double-quote every string, so `yes`, `no` or `1` stay strings for any YAML reader."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(node, dict):
        return {k: _quoted(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_quoted(v) for v in node]
    if isinstance(node, str):
        return DoubleQuotedScalarString(node)
    return node


def _row_numbers(path: Path) -> dict[str, int]:
    """Spreadsheet row of each named survey row (pyxform's dict has no row numbers)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    rows: dict[str, int] = {}
    if "survey" in wb.sheetnames:
        it = wb["survey"].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, [])]
        if "name" in header:
            col = header.index("name")
            for number, values in enumerate(it, start=2):
                if col < len(values) and values[col]:
                    rows.setdefault(str(values[col]).strip(), number)
    wb.close()
    return rows


def _settings_texts(path: Path) -> dict[str, dict[str, str]]:
    """form_title::<lang> / description::<lang> columns of the settings sheet (Lyssna's export
    writes them; a plain XLSForm has one form_title)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    found: dict[str, dict[str, str]] = {}
    if "settings" in wb.sheetnames:
        it = wb["settings"].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, [])]
        values = next(it, ())
        for h, v in zip(header, values, strict=False):
            base, sep, lang = h.partition("::")
            code = column_language(lang) if sep else None
            if code and v:
                found.setdefault(base, {})[code] = str(v).strip()
    wb.close()
    return found


class _Converter:
    def __init__(self, rows: dict[str, int]):
        self.rows = rows
        self.problems: list[RowProblem] = []
        self.scales: dict[str, dict[str, Any]] = {}
        self.page_of: dict[str, int] = {}

    def problem(self, name: str, message: str) -> None:
        self.problems.append(RowProblem(self.rows.get(name), name, message))

    def text(self, name: str, value: Any, what: str = "label") -> dict[str, str] | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = {"default": value}
        out: dict[str, str] = {}
        for key, text in value.items():
            code = column_language(key) if key != "default" else None
            if code is None:
                self.problem(name, f"{what} column {key!r} does not name a Lyssna language; "
                             f"write e.g. {what}::Arabic (ar) (tags: {', '.join(LANGUAGES)})")
                continue
            if str(text).strip():
                out[code] = str(text).strip()
        return out

    def source_text(self, name: str, value: Any) -> dict[str, str] | None:
        text = self.text(name, value)
        if text is not None and not text.get(SOURCE_LANGUAGE):
            self.problem(name, "no Swedish label: Swedish (sv) is the source language, add a "
                         "label::Svenska (sv) column")
            return None
        return text

    def show_if(self, name: str, relevant: str, page: int) -> dict[str, Any] | None:
        parts = re.split(r"\s+or\s+", relevant.strip())
        target, codes = None, []
        for part in parts:
            m = re.fullmatch(r"\$\{(\w+)\}\s*=\s*['\"]([^'\"]+)['\"]", part.strip()) or \
                re.fullmatch(r"selected\(\s*\$\{(\w+)\}\s*,\s*['\"]([^'\"]+)['\"]\s*\)",
                             part.strip())
            if m is None or (target is not None and m.group(1) != target):
                self.problem(name, f"relevant {relevant!r} is not supported; Lyssna takes "
                             "${q} = 'a' or ${q} = 'b' (or selected(${q}, 'a')) on one earlier "
                             "question")
                return None
            target = m.group(1)
            codes.append(m.group(2))
        if target is not None and target not in self.page_of:
            self.problem(name, f"relevant refers to {target!r}, which is not an earlier "
                         "question")
            return None
        if target is not None and self.page_of.get(target) == page:
            self.problem(name, f"relevant refers to {target!r} on the same page; pages work "
                         "without JavaScript, so move it to an earlier group")
            return None
        return {"question": target, "any_of": codes}

    def bounds(self, name: str, constraint: str) -> tuple[int, int] | None:
        low = re.search(r"\.\s*(>=|>)\s*(-?\d+)", constraint)
        high = re.search(r"\.\s*(<=|<)\s*(-?\d+)", constraint)
        if not low or not high:
            self.problem(name, "an integer needs a constraint with both bounds, "
                         "e.g. . >= 0 and . <= 120")
            return None
        lo = int(low.group(2)) + (1 if low.group(1) == ">" else 0)
        hi = int(high.group(2)) - (1 if high.group(1) == "<" else 0)
        return lo, hi

    def question(self, child: dict[str, Any], page: int) -> dict[str, Any] | None:
        name, kind = child.get("name", ""), child.get("type", "")
        bind = child.get("bind") or {}
        if not re.fullmatch(SLUG, name or "") or len(name) > 40:
            self.problem(name, "the name must be lower case letters, digits and _ "
                         "(at most 40), starting with a letter")
            return None
        text = self.source_text(name, child.get("label"))
        if text is None:
            return None
        q: dict[str, Any] = {"id": name}
        choices = child.get("choices") or []
        appearance = str((child.get("control") or {}).get("appearance", "")
                         or child.get("appearance", ""))
        if kind == "select one" and sorted(c["name"] for c in choices) == ["no", "yes"]:
            q["type"] = "yesno"
        elif kind == "select one" and "likert" in appearance and len(choices) == 5:
            scale_id = child.get("list_name") or child.get("itemset")
            points = [self.source_text(name, c.get("label")) for c in choices]
            if not re.fullmatch(SLUG, scale_id or "") or any(p is None for p in points):
                self.problem(name, f"choice list {scale_id!r} cannot be a Lyssna scale")
                return None
            self.scales.setdefault(scale_id, {"id": scale_id, "points": points})
            q["type"], q["scale"] = "likert", scale_id
        elif kind in ("select one", "select all that apply"):
            if child.get("choice_filter") or "or_other" in kind:
                self.problem(name, "choice filters and or_other are not supported")
                return None
            q["type"] = "single" if kind == "select one" else "multiple"
            q["options"] = []
            for choice in choices:
                label = self.source_text(name, choice.get("label"))
                code = str(choice.get("name", ""))
                if not re.fullmatch(r"([a-z][a-z0-9_]*|[0-9]+)", code):
                    self.problem(name, f"choice name {code!r} must be lower case letters, "
                                 "digits and _")
                    return None
                if label is None:
                    return None
                q["options"].append({"code": code, "text": label})
        elif kind == "integer":
            bounds = self.bounds(name, str(bind.get("constraint", "")))
            if bounds is None:
                return None
            q["type"], q["min"], q["max"] = "number", bounds[0], bounds[1]
        elif kind == "text":
            q["type"] = "text"
        else:
            self.problem(name, f"type {kind!r} is not supported by Lyssna (supported: "
                         f"{SUPPORTED})")
            return None
        q["text"] = text
        help_text = self.text(name, child.get("hint"), "hint")
        if help_text:
            q["help"] = help_text
        if str(bind.get("required", "")).strip().lower() in YES:
            q["required"] = True
        if bind.get("relevant"):
            condition = self.show_if(name, str(bind["relevant"]), page)
            if condition is None:
                return None
            q["show_if"] = condition
        return q

    def section(self, group: dict[str, Any], page: int) -> dict[str, Any] | None:
        name = group.get("name", "")
        title = self.source_text(name, group.get("label"))
        section: dict[str, Any] = {"id": name, "title": title, "questions": []}
        for i, child in enumerate(group.get("children", [])):
            kind = child.get("type")
            if kind == "note" and i == 0:
                section["intro"] = self.source_text(child.get("name", ""), child.get("label"))
                continue
            if kind in ("group", "repeat"):
                self.problem(child.get("name", ""), f"a {kind} inside a group is not supported "
                             "(one group is one page)")
                continue
            question = self.question(child, page)
            if question is not None:
                section["questions"].append(question)
                self.page_of[question["id"]] = page
        return section if title else None


def convert_xlsform(path: Path, *, questionnaire_id: str | None = None) -> XLSFormResult:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    warnings: list[str] = []
    try:
        form = parse_file_to_json(str(path), warnings=warnings)
    except PyXFormError as exc:
        return XLSFormResult(None, [RowProblem(None, "", f"not a valid XLSForm: {exc}")])
    converter = _Converter(_row_numbers(path))
    sections: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for child in form.get("children", []):
        kind, name = child.get("type"), child.get("name", "")
        if kind == "group" and name == "meta" and (child.get("control") or {}).get("bodyless"):
            continue  # pyxform's automatic instanceID
        if kind == "group":
            section = converter.section(child, len(sections))
            if section is not None:
                sections.append(section)
        elif kind == "repeat":
            converter.problem(name, "repeat groups are not supported")
        else:
            question = converter.question(child, -1 - len(loose))
            if question is not None:
                loose.append(question)
    texts = _settings_texts(path)
    notes: list[str] = []
    title = texts.get("form_title") or {}
    if SOURCE_LANGUAGE not in title:
        title = {SOURCE_LANGUAGE: str(form.get("title") or form.get("id_string"))}
        notes.append("the title comes from settings form_title in one language; translate it "
                     "(export-xlsx / import-xlsx) before offering other languages")
    if loose:
        sections.insert(0, {"id": "main", "title": dict(title), "questions": loose})
    qid = questionnaire_id or str(form.get("id_string", "")).replace("_", "-").lower()
    data: dict[str, Any] = {"id": qid, "version": int(str(form.get("version") or 1)
                                                      if str(form.get("version") or "1").isdigit()
                                                      else 1),
                            "title": title}
    if texts.get("description"):
        data["description"] = texts["description"]
    if converter.scales:
        data["scales"] = list(converter.scales.values())
    data["sections"] = [s for s in sections if s["questions"]]
    if converter.problems:
        return XLSFormResult(None, converter.problems, notes)
    try:
        Questionnaire.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            name = ""
            if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "questions":
                name = data["sections"][loc[1]]["questions"][loc[3]]["id"]  # type: ignore[index]
            problems.append(RowProblem(converter.rows.get(name), name,
                                       f"{'.'.join(map(str, loc))}: {err['msg']}"))
        return XLSFormResult(None, problems, notes)
    return XLSFormResult(data, [], notes)
