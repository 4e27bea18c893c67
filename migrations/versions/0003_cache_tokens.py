"""cache_tokens: version tokens for per-process reference-data caches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:05:30.695948
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every token a module registers with gongzhi.db.watch(); a cache whose token row is missing
# never uses a snapshot, so a new token needs a migration that adds its row.
TOKENS = (
    "auth.units",
    "auth.users",
    "cases.calendar",
    "cases.categories",
    "cases.sla",
    "geo.areas",
)


def upgrade() -> None:
    cache_tokens = op.create_table(
        "cache_tokens",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_tokens")),
    )
    # The rows the flush hook updates (it never inserts, so writers never race to create them).
    op.bulk_insert(cache_tokens, [{"name": name, "token": uuid.uuid4().hex} for name in TOKENS])


def downgrade() -> None:
    op.drop_table("cache_tokens")
