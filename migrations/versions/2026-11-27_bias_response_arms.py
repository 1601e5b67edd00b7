"""response arms: the randomised split-ballot arms a respondent got (ANONYMITY.md A.6, R29)

Revision ID: b1a5a2a0c6e1
Revises: ef65ab0eb43d
Create Date: 2026-11-27 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1a5a2a0c6e1"
down_revision: str | None = "ef65ab0eb43d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("response_inbox", "response")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Nullable and without a server default (tests/storage/test_schema.py): on SQLite
            # this is a plain ALTER TABLE ADD COLUMN, so the WITHOUT ROWID tables are kept.
            batch_op.add_column(sa.Column("arms", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("arms")
