from sqlmodel import Field, SQLModel


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True, regex=r"^[a-z][a-z0-9-]*$")
    name: str = Field(max_length=100)


class Intervention(SQLModel, table=True):
    """An integration intervention such as SO (civic orientation) or SFI."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True, regex=r"^[a-z][a-z0-9-]*$")
    name: str = Field(max_length=100)
    questionnaire_id: str = Field(max_length=60)
