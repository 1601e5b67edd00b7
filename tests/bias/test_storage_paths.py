"""The simulations' bulk path stores exactly what inbox + flush store (so their results hold for
the real path), and split-ballot arms survive the flush."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, select
from sqlmodel import Session

from app.models import Answer, Response
from app.storage.flush import CELL_COLUMNS
from tests.bias.simulate import Store


def stored(engine) -> Counter:
    with Session(engine) as session:
        rows = session.execute(select(Response, Answer).join(
            Answer, Answer.response_id == Response.id)).all()  # type: ignore[arg-type]
    return Counter(
        (tuple(str(getattr(r, c)) for c in CELL_COLUMNS), a.question, a.value) for r, a in rows
    )


class TestBulkPathMatchesFlush:
    def test_same_rows_give_the_same_responses_and_answers(self, engine, tmp_path,
                                                           sqlite_template):
        import shutil

        other_path = tmp_path / "bulk.db"
        shutil.copy(sqlite_template, other_path)
        other = create_engine(f"sqlite:///{other_path}")
        flushed, bulk = Store(engine), Store(other)
        rows = [
            flushed.row("S0001", {"felt_pressure": ["same"],
                                  "felt_pressure.practice": ["different"],
                                  "course_useful": ["4"], "swedish_where": ["work", "shops"]},
                        arms={"felt_pressure": "crosswise"}, variant=2, channel="staff_group"),
            flushed.row("S0001", {"felt_pressure": ["yes"], "course_useful": ["_pna"]},
                        arms={"felt_pressure": "direct"}, variant=1, language="en"),
            flushed.row("S0002", {"felt_pressure": ["_pna"], "course_useful": ["_dk"]}),
        ]
        assert flushed.submit([dict(r) for r in rows]) == 3
        assert bulk.bulk([dict(r) for r in rows]) == 3
        assert stored(engine) == stored(other)
        assert len(stored(engine)) == 9
        other.dispose()

    def test_arms_and_variant_are_copied_to_the_response(self, engine):
        store = Store(engine)
        store.submit([store.row("S0001", {"felt_pressure": ["yes"]},
                                arms={"felt_pressure": "direct"}, variant=2)])
        with Session(engine) as session:
            response = session.execute(select(Response)).scalar_one()
        assert response.arms == {"felt_pressure": "direct"}
        assert response.promise_variant == 2
