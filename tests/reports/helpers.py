"""Seed exact datasets for results tests and read every published format back."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.models import Intervention, Municipality
from app.questionnaires.loader import Registry
from app.reports.demo import insert_demo
from app.reports.service import close_period
from app.settings import ROOT

BATTERY = ("regional-followup", 2)  # the active (latest) version; v2 keeps every v1 question


@dataclass
class Cell:
    """`count` identical responses in one finest cell."""

    municipality: str = "linkoping"
    month: str = "2026-01"
    count: int = 1
    intervention: str = "so"
    language: str = "sv"
    channel: str = "peer_ambassador"
    answers: dict[str, list[str]] = field(default_factory=lambda: {"course_useful": ["4"]})


def registry() -> Registry:
    return Registry.from_directory(ROOT / "questionnaires")


def seed(engine: Engine, cells: list[Cell]) -> None:
    with Session(engine) as session:
        munis = {m.slug: m.id for m in session.execute(select(Municipality)).scalars()}
        ints = {i.slug: i.id for i in session.execute(select(Intervention)).scalars()}
    responses, answers = [], []
    for cell in cells:
        for _ in range(cell.count):
            rid = uuid.uuid4()
            responses.append({
                "id": rid, "questionnaire_id": BATTERY[0], "questionnaire_version": BATTERY[1],
                "municipality_id": munis[cell.municipality],
                "intervention_id": ints[cell.intervention], "channel": cell.channel,
                "language": cell.language, "period": cell.month, "promise_variant": 0,
                "arms": None})
            for question, values in cell.answers.items():
                answers += [{"response_id": rid, "question": question, "value": v}
                            for v in values]
    if responses:
        insert_demo(engine, responses, answers)


def close(engine: Engine, month: str) -> None:
    with Session(engine) as session:
        close_period(session, period=month, registry=registry(), now=datetime.now(UTC), k=5)
        session.commit()


# -- reading what is published ---------------------------------------------------------------

Key = tuple[str, str, str, str]  # group, period, question, option


def from_json(data: bytes) -> dict[Key, object]:
    rows = json.loads(data)["rows"]
    return {(r["group"], r["period"], r["question_id"], r["option"]): _num(r) for r in rows}


def from_csv(data: bytes) -> dict[Key, object]:
    rows = csv.DictReader(io.StringIO(data.decode()))
    return {(r["group"], r["period"], r["question_id"], r["option"]): _num(
        {k: (None if v == "" else v) for k, v in r.items()}) for r in rows}


def from_xlsx(data: bytes) -> dict[Key, object]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    out: dict[Key, object] = {}
    for sheet in book.worksheets:
        if sheet.title == "codebook":
            continue
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        for values in rows[1:]:
            r = dict(zip(header, values, strict=True))
            out[(r["group"], r["period"], r["question_id"] or "", r["option"])] = _num(r)
    return out


def _num(r: dict) -> object:
    """The published count (None when suppressed or not a count)."""
    c = r.get("count")
    return None if c in (None, "") else int(float(c))


def counts(published: dict[Key, object]) -> dict[Key, int]:
    return {k: v for k, v in published.items() if v is not None}  # type: ignore[misc]


def from_html(text: str, period: str) -> dict[Key, int]:
    """Visible counts in the page's tables (`data-cell` marks every published count)."""
    out: dict[Key, int] = {}
    for group, question, option, value in re.findall(
        r'data-cell="([^"|]*)\|([^"|]*)\|([^"]*)"[^>]*>(\d+)', text
    ):
        if option == "base":
            continue
        out[(group, period, question, option)] = int(value)
    return out


def all_formats(client: TestClient, path: str) -> dict[str, dict[Key, int]]:
    """Unsuppressed counts from HTML, CSV, XLSX and JSON of one page."""
    sep = "&" if "?" in path else "?"
    page = client.get(path)
    assert page.status_code == 200, page.text
    period = json.loads(client.get(_download(path, sep, "json")).content)["period"]
    return {
        "html": from_html(page.text, period),
        "csv": counts(from_csv(client.get(_download(path, sep, "csv")).content)),
        "xlsx": counts(from_xlsx(client.get(_download(path, sep, "xlsx")).content)),
        "json": counts(from_json(client.get(_download(path, sep, "json")).content)),
    }


def _download(path: str, sep: str, fmt: str) -> str:
    base, _, query = path.partition("?")
    return f"{base}/download?{query}{'&' if query else ''}format={fmt}"
