"""citybrain: road segments with their congestion state, and detour advisories

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 02:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sensing_road_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("detector_codes", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("alternative", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level_now", sa.String(length=16), nullable=False),
        sa.Column("level_next", sa.String(length=16), nullable=False),
        sa.Column("ratio_now", sa.Float(), nullable=True),
        sa.Column("ratio_next", sa.Float(), nullable=True),
        sa.Column("speed_now", sa.Float(), nullable=True),
        sa.Column("free_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_road_segments")),
        sa.UniqueConstraint("code", name=op.f("uq_sensing_road_segments_code")),
    )
    with op.batch_alter_table("sensing_road_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensing_road_segments_grid_id"), ["grid_id"], unique=False)
    op.create_table(
        "sensing_advisories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("ratio", sa.Float(), nullable=False),
        sa.Column("alternative", sa.String(length=300), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensing_advisories")),
    )
    with op.batch_alter_table("sensing_advisories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensing_advisories_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sensing_advisories_segment_id"), ["segment_id"], unique=False)
        batch_op.create_index("ix_sensing_advisories_open", ["segment_id", "closed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sensing_advisories")
    op.drop_table("sensing_road_segments")
