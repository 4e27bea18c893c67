"""mediation: triage corrections

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("predicted_type", sa.String(length=24), nullable=False),
        sa.Column("predicted_risk", sa.String(length=8), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("dispute_case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_triage_corrections_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_case_id"], ["cases.id"], name=op.f("fk_triage_corrections_dispute_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_corrections")),
    )
    with op.batch_alter_table("triage_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_corrections_by_user_id"), ["by_user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_triage_corrections_dispute_case_id"), ["dispute_case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_triage_corrections_type"), ["type"], unique=False)

    op.create_table(
        "triage_model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corpus_sha256", sa.String(length=64), nullable=False),
        sa.Column("corpus_size", sa.Integer(), nullable=False),
        sa.Column("max_correction_id", sa.Integer(), nullable=False),
        sa.Column("corrections_used", sa.Integer(), nullable=False),
        sa.Column("sklearn_version", sa.String(length=20), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trained_by_id"], ["users.id"], name=op.f("fk_triage_model_versions_trained_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_model_versions")),
    )
    with op.batch_alter_table("triage_model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_model_versions_active"), ["active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_model_versions_active"))
    op.drop_table("triage_model_versions")
    with op.batch_alter_table("triage_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_corrections_type"))
        batch_op.drop_index(batch_op.f("ix_triage_corrections_dispute_case_id"))
        batch_op.drop_index(batch_op.f("ix_triage_corrections_by_user_id"))
    op.drop_table("triage_corrections")
