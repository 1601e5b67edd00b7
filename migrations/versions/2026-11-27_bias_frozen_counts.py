"""bias: frozen counts behind the dependency-bias indicators

Revision ID: 7c3b9e21d4f5
Revises: 4d2e8f1a9c07
Create Date: 2026-11-27 20:40:00

Months closed before this revision have `bias_frozen` false; the app freezes their bias counts
at start-up (app/main.py), from the stored answers of those closed months.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3b9e21d4f5"
down_revision: str | None = "4d2e8f1a9c07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("period", "questionnaire_id", "questionnaire_version", "intervention_id",
       "municipality_id", "channel", "language", "promise_variant", "kind", "item", "pattern")


def upgrade() -> None:
    op.create_table(
        "bias_count",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=60), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("promise_variant", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("pattern", sa.String(length=60), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_bias_count")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("bias_count", schema=None) as batch_op:
        batch_op.create_index("ix_bias_count_lookup", ["questionnaire_id",
                              "questionnaire_version", "kind", "period"], unique=False)
    with op.batch_alter_table("closed_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bias_frozen", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("closed_period", schema=None) as batch_op:
        batch_op.drop_column("bias_frozen")
    with op.batch_alter_table("bias_count", schema=None) as batch_op:
        batch_op.drop_index("ix_bias_count_lookup")
    op.drop_table("bias_count")
