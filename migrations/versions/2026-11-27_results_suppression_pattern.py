"""results: suppression patterns frozen when a period closes

Revision ID: 9a4f2c6e1b38
Revises: 7c3b9e21d4f5
Create Date: 2026-11-27 23:10:00

Periods closed before this revision have no stored pattern; the app computes and stores them
once at start-up (app/main.py), from the frozen counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a4f2c6e1b38"
down_revision: str | None = "7c3b9e21d4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppression_pattern",
        sa.Column("questionnaire_id", sa.String(length=60), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("hidden", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("questionnaire_id", "questionnaire_version", "intervention_id",
                                "k", "period", name=op.f("pk_suppression_pattern")),
    )


def downgrade() -> None:
    op.drop_table("suppression_pattern")
