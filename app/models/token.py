"""Token batches (staff-side metadata) and tokens (only a keyed hash and a state).

A token row has no timestamp and no content: when it was used is exactly what must not be known.
"""

import enum
from datetime import date, datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel


class Channel(enum.StrEnum):
    """How a batch reached respondents; compared in results to measure dependency bias."""

    peer_ambassador = "peer_ambassador"
    staff_group = "staff_group"
    staff_individual = "staff_individual"
    poster_self_service = "poster_self_service"
    other = "other"


class TokenState(enum.StrEnum):
    unused = "unused"
    opened = "opened"
    consumed = "consumed"  # submitted, answers waiting in the inbox
    used = "used"  # flushed: answers moved to response in random order
    revoked = "revoked"


class Batch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    intervention_id: int = Field(foreign_key="intervention.id")
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    channel: str = Field(max_length=30)
    expires_on: date
    created_at: datetime
    label: str = Field(default="", max_length=100)
    revoked: bool = False
    issued: int = 0
    # Staff-side metadata (ANONYMITY.md A.6): who issued it, and the invitation languages.
    created_by: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    languages: str = Field(default="", max_length=200)  # comma-separated language codes
    # Once every period the batch can feed is published, its token rows are deleted (R13);
    # the final opened/answered counts stay here.
    tokens_purged_at: datetime | None = None
    opened_count: int | None = None
    answered_count: int | None = None


class Token(SQLModel, table=True):
    hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    batch_id: int = Field(foreign_key="batch.id", index=True)
    state: str = Field(default=TokenState.unused, max_length=10)
