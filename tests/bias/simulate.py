"""Synthetic respondents with a known truth, stored through the real storage path.

Rows go into `response_inbox` exactly as RespondentService.submit writes them (one row per
respondent, answers as {question: [codes]}), then the real flush moves them into
`response`/`answer` in random order (`Store.submit`). The large simulations use `Store.bulk`,
which writes the same `response`/`answer` rows directly and about 20x faster; a test pins that
both paths store identical data. Many simulated surveys share one database: each survey is
its own `period` value, so one query with a `period` breakdown aggregates all of them.
"""

from __future__ import annotations

import functools
import math
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from app.bias.report import bias_plan
from app.models import Answer, Intervention, Municipality, Response, ResponseInbox
from app.questionnaires.loader import Registry
from app.reports.queries import BiasPlan, freeze_bias, refresh_statistics
from app.settings import ROOT
from app.storage.flush import CELL_COLUMNS, flush

QUESTIONNAIRE = "regional-followup"
VERSION = 2
SURVEYS = 200  # seeded simulated surveys per setting (ANONYMITY.md C.7)


def survey(i: int) -> str:
    return f"S{i:04d}"


@dataclass
class Store:
    engine: Engine

    def ids(self) -> tuple[int, int]:
        with Session(self.engine) as session:
            m = session.execute(select(Municipality.id).order_by(Municipality.id)).scalar()
            i = session.execute(select(Intervention.id).order_by(Intervention.id)).scalar()
        assert m is not None and i is not None
        return m, i

    def row(self, period: str, answers: dict[str, list[str]], *, channel: str = "peer_ambassador",
            language: str = "sv", arms: dict[str, str] | None = None, variant: int = 0,
            municipality_id: int | None = None) -> dict:
        m, i = self.ids() if not hasattr(self, "_ids") else self._ids
        self._ids = (m, i)
        return {
            "id": uuid.uuid4(),
            "questionnaire_id": QUESTIONNAIRE,
            "questionnaire_version": VERSION,
            "municipality_id": municipality_id or m,
            "intervention_id": i,
            "channel": channel,
            "language": language,
            "period": period,
            "promise_variant": variant,
            "arms": arms or {},
            "answers": answers,
        }

    def bulk(self, rows: Iterable[dict]) -> int:
        """The bulk path: write `response`/`answer` rows exactly as the flush does (fresh UUIDv4,
        the cell columns, one answer row per code, random order), with Core executemany.
        TestBulkPathMatchesFlush pins that both paths store the same data."""
        rows = list(rows)
        random.shuffle(rows)
        responses, answers = [], []
        for row in rows:
            rid = uuid.uuid4()
            responses.append({"id": rid, **{c: row[c] for c in CELL_COLUMNS}})
            for question, values in row["answers"].items():
                answers += [{"response_id": rid, "question": question, "value": v}
                            for v in values]
        with self.engine.begin() as conn:
            conn.execute(Response.__table__.insert(), responses)  # type: ignore[attr-defined]
            if answers:
                conn.execute(Answer.__table__.insert(), answers)  # type: ignore[attr-defined]
        self.close({row["period"] for row in rows})
        return len(responses)

    def submit(self, rows: Iterable[dict]) -> int:
        """Insert into the inbox in bulk (as submit does, row by row) and run the real flush."""
        rows = list(rows)
        with Session(self.engine) as session:
            for start in range(0, len(rows), 5000):
                session.execute(insert(ResponseInbox), rows[start:start + 5000])
            session.commit()
        moved = flush(self.engine, min_rows=1, current_period="9999-12", force=True)
        self.close({row["period"] for row in rows})
        return moved

    def close(self, periods: Iterable[str]) -> None:
        """Freeze the bias counts of these periods, as closing a month does: the indicators
        are computed from the frozen counts only. (Simulated surveys are periods named S0001…,
        not calendar months, so this freezes them directly rather than through close_period.)"""
        with Session(self.engine) as session:
            refresh_statistics(session)
            freeze_bias(session, periods=sorted(periods),
                        plans={(QUESTIONNAIRE, VERSION): _plan()})
            session.commit()


@functools.cache
def _plan() -> BiasPlan:
    """Parsed once per run: the YAML costs more than a small freeze."""
    return bias_plan(Registry.from_directory(ROOT / "questionnaires").get(QUESTIONNAIRE, VERSION))


@dataclass(frozen=True)
class Coverage:
    covered: int
    runs: int
    mean_error: float
    mc_se: float  # Monte-Carlo SE of the mean error

    @property
    def rate(self) -> float:
        return self.covered / self.runs

    def __str__(self) -> str:
        return (f"coverage {self.rate:.3f} over {self.runs} runs, mean error "
                f"{self.mean_error:+.4f} (MC SE {self.mc_se:.4f})")


def coverage(truth: float, results: list[tuple[float, float, float]]) -> Coverage:
    """results: (estimate, low, high) per simulated survey."""
    errors = [est - truth for est, _, _ in results]
    mean = sum(errors) / len(errors)
    sd = math.sqrt(sum((e - mean) ** 2 for e in errors) / (len(errors) - 1))
    covered = sum(1 for _, low, high in results if low <= truth <= high)
    return Coverage(covered, len(results), mean, sd / math.sqrt(len(errors)))


def assert_calibrated(c: Coverage) -> None:
    assert 0.91 <= c.rate <= 0.99, str(c)
    assert abs(c.mean_error) <= 2 * c.mc_se + 1e-12, str(c)
