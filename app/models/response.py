"""Stored answers: nothing here may link a response to a token, batch, person or precise time.

The column allow-list is pinned by tests/storage/test_schema_allowlist.py. Ids are random UUIDv4;
SQLite tables are WITHOUT ROWID so no hidden insertion order exists; rows only ever enter
`response` through the random-order flush (app/storage/flush.py).
"""

import uuid

from sqlalchemy import JSON, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel


class _Cell(SQLModel):
    """The lattice dimensions a response is counted under."""

    questionnaire_id: str = Field(max_length=60)
    questionnaire_version: int
    municipality_id: int = Field(foreign_key="municipality.id")
    intervention_id: int = Field(foreign_key="intervention.id")
    channel: str = Field(max_length=30)
    language: str = Field(max_length=12)
    period: str = Field(max_length=7)  # YYYY-MM, Europe/Stockholm
    promise_variant: int = 0
    # The randomised split-ballot arms this respondent got: {question id: "direct"|"crosswise"}.
    # Drawn with `secrets` at draft creation, so it says nothing about the person.
    arms: dict | None = Field(default=None, sa_type=JSON, nullable=True)


class ResponseInbox(_Cell, table=True):
    """Transient: submitted answers wait here until a flush moves them in random order."""

    __tablename__ = "response_inbox"
    __table_args__ = {"sqlite_with_rowid": False}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    answers: dict = Field(sa_column=Column(JSON, nullable=False))


class Response(_Cell, table=True):
    __table_args__ = {"sqlite_with_rowid": False}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


class Answer(SQLModel, table=True):
    """One row per answered item (and per chosen option of a multiple choice)."""

    __table_args__ = (
        Index("ix_answer_question_value", "question", "value", "response_id"),
        {"sqlite_with_rowid": False},
    )

    response_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    )
    question: str = Field(sa_column=Column(String(40), primary_key=True))
    value: str = Field(sa_column=Column(String(500), primary_key=True))
