"""sensing: crowd baselines and alarm/anomaly episodes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sensing_crowd_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("hour_of_week", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("total_sq", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_crowd_baselines")),
        sa.UniqueConstraint("device_id", "hour_of_week", name=op.f("uq_sensing_crowd_baselines_device_id")),
    )
    with op.batch_alter_table("sensing_crowd_baselines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensing_crowd_baselines_device_id"), ["device_id"], unique=False)
    op.create_table(
        "sensing_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("device_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_episodes")),
    )
    with op.batch_alter_table("sensing_episodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensing_episodes_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sensing_episodes_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sensing_episodes_device_id"), ["device_id"], unique=False)
        batch_op.create_index("ix_sensing_episodes_open", ["device_id", "kind", "closed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sensing_episodes")
    op.drop_table("sensing_crowd_baselines")
