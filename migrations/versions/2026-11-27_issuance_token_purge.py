"""batch: final counts kept when spent token rows are purged (ANONYMITY.md R13)

Revision ID: 4d2e8f1a9c07
Revises: b1a5a2a0c6e1
Create Date: 2026-11-27 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "4d2e8f1a9c07"
down_revision: str | None = "b1a5a2a0c6e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("tokens_purged_at", sqlmodel.sql.sqltypes.UTCDateTime()),
           ("opened_count", sa.Integer()), ("answered_count", sa.Integer()))


def upgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        for name, _type in COLUMNS:
            batch_op.drop_column(name)
