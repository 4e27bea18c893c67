"""cache token for the per-process snapshot of who follows which area

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 07:00:00

Every case intake asks which residents follow its grid or the areas above it. The answer is now
kept per process (notify.service.area_followers) under the token `notify.area_followers`, which
subscribing to or unsubscribing from an area changes. A token without its row is never trusted,
so the row comes with the code that uses it.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "notify.area_followers"
_tokens = sa.table("cache_tokens", sa.column("name", sa.String), sa.column("token", sa.String))


def upgrade() -> None:
    op.bulk_insert(_tokens, [{"name": NAME, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.execute(_tokens.delete().where(_tokens.c.name == NAME))
