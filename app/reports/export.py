"""Downloads of a Publication: CSV (tidy long form), XLSX (a sheet per question, a bias sheet
and a codebook) and JSON. All three write `Publication.rows()`, so they carry exactly the same
numbers, the dependency-bias indicators included (breakdown `bias_*`, docs/methods.md)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import xlsxwriter

from app.questionnaires.schema import SOURCE_LANGUAGE, FreeText, Likert
from app.reports.service import Publication, option_codes

COLUMNS = ["breakdown", "group", "period", "intervention", "question_id", "option", "count",
           "share", "base", "suppressed", "ci_low", "ci_high"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "json": "application/json"}


def to_csv(pub: Publication) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in pub.rows():
        writer.writerow({k: _csv(row[k]) for k in COLUMNS})
    return out.getvalue().encode()


def _csv(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_json(pub: Publication) -> bytes:
    return json.dumps(as_dict(pub), ensure_ascii=False, sort_keys=True, indent=1).encode()


def as_dict(pub: Publication) -> dict[str, Any]:
    return {
        "questionnaire": pub.questionnaire.id,
        "questionnaire_version": pub.questionnaire.version,
        "intervention": pub.intervention.slug,
        "period": pub.period,
        "breakdown": pub.breakdown,
        "min_group_size": pub.k,
        "demo_data": pub.demo,
        "rows": pub.rows(),
    }


def to_xlsx(pub: Publication) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"{pub.questionnaire.key} {pub.intervention.slug} "
                                  f"{pub.period}",
                         "created": datetime(int(pub.period[:4]), 1, 1)})
    bold = book.add_format({"bold": True})
    everything = pub.rows()
    rows = [r for r in everything if not str(r["breakdown"]).startswith("bias_")]
    overview = book.add_worksheet("responses")
    _sheet(overview, bold, [r for r in rows if r["question_id"] == ""])
    used = {"responses", "codebook", "bias"}
    for q in pub.questionnaire.questions():
        if isinstance(q, FreeText):
            continue
        name = q.id[:31]
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        _sheet(book.add_worksheet(name), bold, [r for r in rows if r["question_id"] == q.id])
    if pub.bias is not None:
        _sheet(book.add_worksheet("bias"), bold, [r for r in everything if r not in rows])
    code = book.add_worksheet("codebook")
    header = ["question_id", "type", "text", "option", "option_text", "questionnaire",
              "version"]
    code.write_row(0, 0, header, bold)
    line = 1
    q_all = pub.questionnaire
    for q in q_all.questions():
        if isinstance(q, FreeText):
            continue
        labels: dict[str, str] = {}
        if isinstance(q, Likert):
            points = q_all.scale(q.scale).points
            labels = {str(i + 1): p[SOURCE_LANGUAGE] for i, p in enumerate(points)}
        for option in getattr(q, "options", []) or []:
            labels[option.code] = option.text[SOURCE_LANGUAGE]
        codes = option_codes(q) + ["_pna", "_dk", "_skip", "mean", "top2"]
        for c in codes:
            code.write_row(line, 0, [q.id, q.type, q.text[SOURCE_LANGUAGE], c,
                                     labels.get(c, _SPECIAL.get(c, "")), q_all.id,
                                     q_all.version])
            line += 1
    book.close()
    return out.getvalue()


_SPECIAL = {"_pna": "prefer not to answer", "_dk": "don't know", "_skip": "skipped",
            "mean": "mean (1-5 for Likert) with 95% t interval",
            "top2": "share of 4 and 5 (top-2-box) with 95% Wilson interval"}


def _sheet(sheet: Any, bold: Any, rows: list[dict[str, object]]) -> None:
    sheet.write_row(0, 0, COLUMNS, bold)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(COLUMNS):
            value = row[column]
            if value is None:
                sheet.write_blank(i, j, None)
            elif isinstance(value, bool):
                sheet.write_boolean(i, j, value)
            elif isinstance(value, int | float):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, str(value))


def render(pub: Publication, fmt: str) -> bytes:
    return {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}[fmt](pub)
