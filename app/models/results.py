"""Published results: closed (frozen) periods, the frozen cell counts, and API tokens.

`result_count` holds one row per cell x question x answer code, computed once with a SQL
GROUP BY when a month closes (app/reports/queries.py). Pages read these frozen counts, so a
published period never changes and reading it is cheap. It contains counts only: no response
ids, no free text.
"""

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, String, Text
from sqlmodel import Field, SQLModel


class ClosedPeriod(SQLModel, table=True):
    """A month whose results are frozen and may be published. `demo` marks synthetic data."""

    __tablename__ = "closed_period"

    period: str = Field(sa_column=Column(String(7), primary_key=True))
    closed_at: datetime
    demo: bool = False
    bias_frozen: bool = False  # its bias counts are in `bias_count` (older closes: not yet)


class ResultCount(SQLModel, table=True):
    """Frozen counts. dim is 'all', 'language' or 'channel' (the single breakdown of the
    lattice); question '' counts responses (value '') or issued tokens (value 'issued');
    value '*' is an item's substantive base (distinct respondents)."""

    __tablename__ = "result_count"
    __table_args__ = (
        Index("ix_result_count_lookup", "questionnaire_id", "questionnaire_version",
              "intervention_id", "dim", "period"),
        {"sqlite_with_rowid": False},
    )

    questionnaire_id: str = Field(sa_column=Column(String(60), primary_key=True))
    questionnaire_version: int = Field(primary_key=True)
    intervention_id: int = Field(primary_key=True)
    municipality_id: int = Field(primary_key=True)
    period: str = Field(sa_column=Column(String(7), primary_key=True))
    dim: str = Field(sa_column=Column(String(10), primary_key=True))
    dim_value: str = Field(sa_column=Column(String(30), primary_key=True))
    question: str = Field(sa_column=Column(String(40), primary_key=True))
    value: str = Field(sa_column=Column(String(40), primary_key=True))
    n: int


class BiasCount(SQLModel, table=True):
    """Frozen counts behind the dependency-bias indicators (app/bias/report.py), one row per
    finest cell x kind x item x pattern. `kind` is 'value' (answer code of a Likert item),
    'balanced' (a respondent's balanced-pair sums), 'crosswise' (arm and answer of a crosswise
    item) or 'variant' (a respondent's promise-variant tallies); `pattern` is the counted key,
    its parts joined by '|'. Respondent-level patterns are computed inside SQL when the month
    closes; like `result_count`, these are counts only."""

    __tablename__ = "bias_count"
    __table_args__ = (
        Index("ix_bias_count_lookup", "questionnaire_id", "questionnaire_version", "kind",
              "period"),
        {"sqlite_with_rowid": False},
    )

    period: str = Field(sa_column=Column(String(7), primary_key=True))
    questionnaire_id: str = Field(sa_column=Column(String(60), primary_key=True))
    questionnaire_version: int = Field(primary_key=True)
    intervention_id: int = Field(primary_key=True)
    municipality_id: int = Field(primary_key=True)
    channel: str = Field(sa_column=Column(String(30), primary_key=True))
    language: str = Field(sa_column=Column(String(12), primary_key=True))
    promise_variant: int = Field(primary_key=True)
    kind: str = Field(sa_column=Column(String(10), primary_key=True))
    item: str = Field(sa_column=Column(String(40), primary_key=True))
    pattern: str = Field(sa_column=Column(String(60), primary_key=True))
    n: int


class SuppressionPattern(SQLModel, table=True):
    """The hidden cells of one published period (month, quarter or year) of one questionnaire
    version and intervention, at one minimum group size k, frozen when the period closes.

    `hidden` is JSON: family ("" for response counts, else a question id) -> the hidden
    (municipality id or 0 for the region, dimension, dimension value) of that period. Pages read
    it instead of recomputing suppression and its audit, so what was published stays published
    exactly as it was, whatever later code does (app/reports/service.py)."""

    __tablename__ = "suppression_pattern"

    questionnaire_id: str = Field(sa_column=Column(String(60), primary_key=True))
    questionnaire_version: int = Field(primary_key=True)
    intervention_id: int = Field(primary_key=True)
    k: int = Field(primary_key=True)
    period: str = Field(sa_column=Column(String(7), primary_key=True))
    hidden: str = Field(sa_column=Column(Text, nullable=False))


class ApiToken(SQLModel, table=True):
    """A per-user bearer token for the read-only results API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    hash: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    prefix: str = Field(max_length=12)
    name: str = Field(max_length=100)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    created_at: datetime
    revoked: bool = False
