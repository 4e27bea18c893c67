"""geo_state: a version token for the cached point-to-grid index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:12:34.869071
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    geo_state = op.create_table(
        "geo_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geo_state")),
    )
    # The single row the flush hook updates (it never inserts, so writers never race to create it).
    op.bulk_insert(geo_state, [{"id": 1, "grid_version": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("geo_state")
