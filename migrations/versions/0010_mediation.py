"""mediation: disputes, mediators, sessions, evidence, risk registry

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 01:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The internal case category every dispute is filed under (not offered on the residents' report form).
# Routed to the street governance centre (矛调中心); first contact 24 h, resolve within 30 days
# (人民调解 is normally concluded within a month); a high-risk dispute is priority P1.
DISPUTE_CATEGORY = {
    "code": "dispute",
    "name_zh": "矛盾纠纷调解",
    "name_en": "Dispute mediation",
    "description_zh": "居民矛盾纠纷，由人民调解员分级调解（数字枫桥）",
    "unit_kind": "street_office",
    "default_priority": "P3",
    "accept_amount": 24 * 60,
    "accept_unit": "minutes",
    "resolve_amount": 30 * 24 * 60,
    "resolve_unit": "minutes",
    "attributes": [
        {
            "code": "risk",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "风险等级",
            "values": [
                {"key": "low", "name": "低"},
                {"key": "medium", "name": "中"},
                {"key": "high", "name": "高"},
            ],
            "raise_priority": {"medium": "P2", "high": "P1"},
        }
    ],
    "public": False,
    "is_active": True,
    "sort_order": 100,
}


def upgrade() -> None:
    op.create_table(
        "mediators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_mediators_area_id_areas")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mediators_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediators")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mediators_user_id")),
    )
    with op.batch_alter_table("mediators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediators_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mediators_tier"), ["tier"], unique=False)

    op.create_table(
        "risk_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_risk_visits_grid_id_areas")),
        sa.ForeignKeyConstraint(["visitor_id"], ["users.id"], name=op.f("fk_risk_visits_visitor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_visits")),
    )
    with op.batch_alter_table("risk_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_visits_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_visits_subject_key"), ["subject_key"], unique=False)

    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("prior_attempts", sa.Text(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("type_scores", sa.JSON(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("match_cost", sa.Float(), nullable=True),
        sa.Column("match_reasons", sa.JSON(), nullable=False),
        sa.Column("first_contact_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("referred_to", sa.String(length=12), nullable=False),
        sa.Column("agreement_terms", sa.Text(), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_disputes_case_id_cases")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["users.id"], name=op.f("fk_disputes_filed_by_id_users")),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_disputes_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["mediators.id"], name=op.f("fk_disputes_mediator_id_mediators")
        ),
        sa.ForeignKeyConstraint(["resident_id"], ["users.id"], name=op.f("fk_disputes_resident_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_disputes_case_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_followup_due_at"), ["followup_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_mediator_id"), ["mediator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_next_check_at"), ["next_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_risk"), ["risk"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_tier"), ["tier"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_type"), ["type"], unique=False)

    op.create_table(
        "dispute_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("household_key", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_parties_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_parties")),
    )
    with op.batch_alter_table("dispute_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_parties_dispute_id"), ["dispute_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_parties_household_key"), ["household_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_parties_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_parties_person_key"), ["person_key"], unique=False)

    op.create_table(
        "mediation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_mediation_evidence_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_mediation_evidence_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_evidence")),
    )
    with op.batch_alter_table("mediation_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_evidence_dispute_id"), ["dispute_id"], unique=False)

    op.create_table(
        "mediation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_mediation_sessions_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_mediation_sessions_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_sessions")),
    )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_sessions_dispute_id"), ["dispute_id"], unique=False)

    categories = sa.table(
        "categories",
        sa.column("code", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("description_zh", sa.Text),
        sa.column("unit_kind", sa.String),
        sa.column("default_priority", sa.String),
        sa.column("accept_amount", sa.Integer),
        sa.column("accept_unit", sa.String),
        sa.column("resolve_amount", sa.Integer),
        sa.column("resolve_unit", sa.String),
        sa.column("attributes", sa.JSON),
        sa.column("public", sa.Boolean),
        sa.column("is_active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
    )
    conn = op.get_bind()
    have = conn.execute(sa.select(categories.c.code).where(categories.c.code == "dispute")).first()
    if have is None:
        op.bulk_insert(categories, [DISPUTE_CATEGORY])
        tokens = sa.table("cache_tokens", sa.column("name", sa.String), sa.column("token", sa.String))
        conn.execute(sa.update(tokens).where(tokens.c.name == "cases.categories").values(token=uuid.uuid4().hex))


def downgrade() -> None:
    op.drop_table("mediation_sessions")
    op.drop_table("mediation_evidence")
    op.drop_table("dispute_parties")
    op.drop_table("disputes")
    op.drop_table("risk_visits")
    op.drop_table("mediators")
