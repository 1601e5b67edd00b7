from datetime import date

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel


class Draft(SQLModel, table=True):
    """In-progress answers, encrypted under a key derived from the token and the server key, and
    bound to the first device by the hash of a cookie secret. Deleted at submit."""

    __table_args__ = {"sqlite_with_rowid": False}

    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    device_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_on: date
