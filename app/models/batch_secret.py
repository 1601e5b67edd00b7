"""A batch's plaintext tokens, encrypted, for as long as its outputs may be downloaded.

One row per batch, deleted by the purge once `expires_at` has passed (ANONYMITY.md A.6, R13):
after that the database holds only the keyed hashes in `token`.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel


class BatchSecret(SQLModel, table=True):
    __tablename__ = "batch_secret"

    batch_id: int = Field(foreign_key="batch.id", primary_key=True)
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(index=True)
