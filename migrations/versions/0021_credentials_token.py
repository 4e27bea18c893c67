"""cache token for the per-process snapshot of who owns each live API token

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24 10:00:00

Every API request looks its bearer token up. The owner of a live token is now kept per process
(auth.service.user_for_token) under the token `auth.credentials`, which any change to a user or an
API token row changes (a revoke, a deactivation, a new role). A token without its row is never
trusted, so the row comes with the code that uses it.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "auth.credentials"
_tokens = sa.table("cache_tokens", sa.column("name", sa.String), sa.column("token", sa.String))


def upgrade() -> None:
    op.bulk_insert(_tokens, [{"name": NAME, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.execute(_tokens.delete().where(_tokens.c.name == NAME))
