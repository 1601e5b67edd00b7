from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class QuestionnaireVersion(SQLModel, table=True):
    """A published questionnaire version. Immutable: answers point to it for ever.

    `fingerprint` covers structure and Swedish source texts; translations may be added later.
    """

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: str = Field(max_length=60)
    version: int
    fingerprint: str = Field(max_length=64)
    definition: dict = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime
