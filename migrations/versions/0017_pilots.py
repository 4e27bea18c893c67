"""analytics: pilots (start date, area, problem, measures) for before/after reports

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_pilots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("measure_codes", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_analytics_pilots_area_id_areas")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_analytics_pilots_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_pilots")),
    )
    with op.batch_alter_table("analytics_pilots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analytics_pilots_area_id"), ["area_id"], unique=False)


def downgrade() -> None:
    op.drop_table("analytics_pilots")
