"""eldercare: elders, wearables, vitals, alarms

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The case category an alarm that needs a visit is filed under (internal: not offered to residents).
# Routed like any case: the street governance centre, assigned to the elder's grid worker.
_CATEGORY = {
    "code": "elder_alarm",
    "name_zh": "老人告警上门",
    "name_en": "Elder alarm visit",
    "description_zh": "智慧养老告警需要上门处置",
    "unit_kind": "street_office",
    "default_priority": "P1",
    "attributes": [],
    "public": False,
    "is_active": True,
    "sort_order": 900,
}


def upgrade() -> None:
    op.create_table("eldercare_config",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("doctor_ack_seconds", sa.Integer(), nullable=False),
    sa.Column("family_ack_seconds", sa.Integer(), nullable=False),
    sa.Column("buddy_ack_seconds", sa.Integer(), nullable=False),
    sa.Column("grid_ack_seconds", sa.Integer(), nullable=False),
    sa.Column("emergency_channel", sa.String(length=16), nullable=False),
    sa.Column("emergency_recipient", sa.String(length=400), nullable=False),
    sa.Column("inactivity_minutes", sa.Integer(), nullable=False),
    sa.Column("day_start_hour", sa.Integer(), nullable=False),
    sa.Column("day_end_hour", sa.Integer(), nullable=False),
    sa.Column("low_battery_percent", sa.Float(), nullable=False),
    sa.Column("impact_g", sa.Float(), nullable=False),
    sa.Column("still_readings", sa.Integer(), nullable=False),
    sa.Column("baseline_k", sa.Float(), nullable=False),
    sa.Column("baseline_consecutive", sa.Integer(), nullable=False),
    sa.Column("base_url", sa.String(length=200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_config"))
    )
    op.create_table("eldercare_elders",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=60), nullable=False),
    sa.Column("id_number", sa.String(length=18), nullable=False),
    sa.Column("birth_date", sa.Date(), nullable=False),
    sa.Column("gender", sa.String(length=8), nullable=False),
    sa.Column("phone", sa.String(length=32), nullable=False),
    sa.Column("address", sa.String(length=300), nullable=False),
    sa.Column("grid_id", sa.Integer(), nullable=False),
    sa.Column("living_alone", sa.Boolean(), nullable=False),
    sa.Column("conditions", sa.JSON(), nullable=False),
    sa.Column("medications", sa.JSON(), nullable=False),
    sa.Column("spo2_scale", sa.Integer(), nullable=False),
    sa.Column("doctor_id", sa.Integer(), nullable=True),
    sa.Column("buddy_id", sa.Integer(), nullable=True),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["buddy_id"], ["users.id"], name=op.f("fk_eldercare_elders_buddy_id_users")),
    sa.ForeignKeyConstraint(["doctor_id"], ["users.id"], name=op.f("fk_eldercare_elders_doctor_id_users")),
    sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_eldercare_elders_grid_id_areas")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_elders")),
    sa.UniqueConstraint("id_number", name=op.f("uq_eldercare_elders_id_number"))
    )
    with op.batch_alter_table("eldercare_elders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eldercare_elders_buddy_id"), ["buddy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_eldercare_elders_doctor_id"), ["doctor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_eldercare_elders_grid_id"), ["grid_id"], unique=False)

    op.create_table("eldercare_alarms",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("elder_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("open_key", sa.String(length=40), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("severity", sa.String(length=12), nullable=False),
    sa.Column("detail", sa.JSON(), nullable=False),
    sa.Column("repeat_count", sa.Integer(), nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("acknowledged_by", sa.String(length=100), nullable=False),
    sa.Column("ack_via", sa.String(length=12), nullable=False),
    sa.Column("on_scene_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_by", sa.String(length=100), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("step", sa.Integer(), nullable=False),
    sa.Column("next_escalation_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("emergency_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_eldercare_alarms_case_id_cases")),
    sa.ForeignKeyConstraint(["elder_id"], ["eldercare_elders.id"], name=op.f("fk_eldercare_alarms_elder_id_eldercare_elders"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_alarms")),
    sa.UniqueConstraint("open_key", name=op.f("uq_eldercare_alarms_open_key"))
    )
    with op.batch_alter_table("eldercare_alarms", schema=None) as batch_op:
        batch_op.create_index("ix_eldercare_alarms_due", ["status", "next_escalation_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_eldercare_alarms_elder_id"), ["elder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_eldercare_alarms_status"), ["status"], unique=False)

    op.create_table("eldercare_consents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("elder_id", sa.Integer(), nullable=False),
    sa.Column("given_by", sa.String(length=60), nullable=False),
    sa.Column("relation", sa.String(length=30), nullable=False),
    sa.Column("scope", sa.JSON(), nullable=False),
    sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.Integer(), nullable=True),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["elder_id"], ["eldercare_elders.id"], name=op.f("fk_eldercare_consents_elder_id_eldercare_elders"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_eldercare_consents_recorded_by_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_consents"))
    )
    with op.batch_alter_table("eldercare_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eldercare_consents_elder_id"), ["elder_id"], unique=False)

    op.create_table("eldercare_contacts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("elder_id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=60), nullable=False),
    sa.Column("relation", sa.String(length=30), nullable=False),
    sa.Column("phone", sa.String(length=32), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("is_guardian", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["elder_id"], ["eldercare_elders.id"], name=op.f("fk_eldercare_contacts_elder_id_eldercare_elders"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_eldercare_contacts_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_contacts")),
    sa.UniqueConstraint("elder_id", "position", name=op.f("uq_eldercare_contacts_elder_id"))
    )
    with op.batch_alter_table("eldercare_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eldercare_contacts_elder_id"), ["elder_id"], unique=False)

    op.create_table("eldercare_vitals",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("elder_id", sa.Integer(), nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pulse", sa.Float(), nullable=True),
    sa.Column("spo2", sa.Float(), nullable=True),
    sa.Column("temperature", sa.Float(), nullable=True),
    sa.Column("systolic_bp", sa.Float(), nullable=True),
    sa.Column("respiration_rate", sa.Float(), nullable=True),
    sa.Column("news2_total", sa.Integer(), nullable=True),
    sa.Column("news2_band", sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(["elder_id"], ["eldercare_elders.id"], name=op.f("fk_eldercare_vitals_elder_id_eldercare_elders"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_vitals"))
    )
    with op.batch_alter_table("eldercare_vitals", schema=None) as batch_op:
        batch_op.create_index("ix_eldercare_vitals_elder_ts", ["elder_id", "ts"], unique=False)

    op.create_table("eldercare_wearables",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("device_code", sa.String(length=64), nullable=False),
    sa.Column("elder_id", sa.Integer(), nullable=False),
    sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_steps_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("battery", sa.Float(), nullable=True),
    sa.Column("silent_since", sa.DateTime(timezone=True), nullable=True),
    sa.Column("impact_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("still_count", sa.Integer(), nullable=False),
    sa.Column("deviation_streak", sa.Integer(), nullable=False),
    sa.Column("pulse_window", sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(["elder_id"], ["eldercare_elders.id"], name=op.f("fk_eldercare_wearables_elder_id_eldercare_elders"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_wearables")),
    sa.UniqueConstraint("device_code", name=op.f("uq_eldercare_wearables_device_code"))
    )
    with op.batch_alter_table("eldercare_wearables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eldercare_wearables_elder_id"), ["elder_id"], unique=False)

    op.create_table("eldercare_alarm_calls",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("alarm_id", sa.Integer(), nullable=False),
    sa.Column("step", sa.Integer(), nullable=False),
    sa.Column("role", sa.String(length=16), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("recipient", sa.String(length=400), nullable=False),
    sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outbox_id", sa.Integer(), nullable=True),
    sa.Column("token_hash", sa.String(length=64), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["alarm_id"], ["eldercare_alarms.id"], name=op.f("fk_eldercare_alarm_calls_alarm_id_eldercare_alarms"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_eldercare_alarm_calls_user_id_users")),
    sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_eldercare_alarm_calls_outbox_id_outbox")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_eldercare_alarm_calls")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_eldercare_alarm_calls_token_hash"))
    )
    with op.batch_alter_table("eldercare_alarm_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eldercare_alarm_calls_alarm_id"), ["alarm_id"], unique=False)

    # Defaults from DOMAIN.md (doctor acknowledges within 2 minutes); admins change them later.
    config = sa.table(
        "eldercare_config",
        sa.column("id", sa.Integer()), sa.column("doctor_ack_seconds", sa.Integer()),
        sa.column("family_ack_seconds", sa.Integer()), sa.column("buddy_ack_seconds", sa.Integer()),
        sa.column("grid_ack_seconds", sa.Integer()), sa.column("emergency_channel", sa.String()),
        sa.column("emergency_recipient", sa.String()), sa.column("inactivity_minutes", sa.Integer()),
        sa.column("day_start_hour", sa.Integer()), sa.column("day_end_hour", sa.Integer()),
        sa.column("low_battery_percent", sa.Float()), sa.column("impact_g", sa.Float()),
        sa.column("still_readings", sa.Integer()), sa.column("baseline_k", sa.Float()),
        sa.column("baseline_consecutive", sa.Integer()), sa.column("base_url", sa.String()),
    )
    op.bulk_insert(config, [{
        "id": 1, "doctor_ack_seconds": 120, "family_ack_seconds": 180, "buddy_ack_seconds": 180,
        "grid_ack_seconds": 300, "emergency_channel": "console", "emergency_recipient": "120:dispatch",
        "inactivity_minutes": 180, "day_start_hour": 8, "day_end_hour": 20, "low_battery_percent": 15.0,
        "impact_g": 2.5, "still_readings": 5, "baseline_k": 4.0, "baseline_consecutive": 3,
        "base_url": "http://127.0.0.1:8000",
    }])
    categories = sa.table(
        "categories",
        sa.column("code", sa.String()), sa.column("name_zh", sa.String()), sa.column("name_en", sa.String()),
        sa.column("description_zh", sa.Text()), sa.column("unit_kind", sa.String()),
        sa.column("default_priority", sa.String()), sa.column("attributes", sa.JSON()),
        sa.column("public", sa.Boolean()), sa.column("is_active", sa.Boolean()),
        sa.column("sort_order", sa.Integer()),
    )
    op.bulk_insert(categories, [_CATEGORY])
    # An admin's edit of the category must invalidate the per-process reference caches as usual.
    op.execute(
        sa.text("UPDATE cache_tokens SET token = :t WHERE name = 'cases.categories'").bindparams(t=uuid.uuid4().hex)
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM categories WHERE code = 'elder_alarm'"))
    with op.batch_alter_table("eldercare_alarm_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_alarm_calls_alarm_id"))

    op.drop_table("eldercare_alarm_calls")
    with op.batch_alter_table("eldercare_wearables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_wearables_elder_id"))

    op.drop_table("eldercare_wearables")
    with op.batch_alter_table("eldercare_vitals", schema=None) as batch_op:
        batch_op.drop_index("ix_eldercare_vitals_elder_ts")

    op.drop_table("eldercare_vitals")
    with op.batch_alter_table("eldercare_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_contacts_elder_id"))

    op.drop_table("eldercare_contacts")
    with op.batch_alter_table("eldercare_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_consents_elder_id"))

    op.drop_table("eldercare_consents")
    with op.batch_alter_table("eldercare_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_alarms_status"))
        batch_op.drop_index(batch_op.f("ix_eldercare_alarms_elder_id"))
        batch_op.drop_index("ix_eldercare_alarms_due")

    op.drop_table("eldercare_alarms")
    with op.batch_alter_table("eldercare_elders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eldercare_elders_grid_id"))
        batch_op.drop_index(batch_op.f("ix_eldercare_elders_doctor_id"))
        batch_op.drop_index(batch_op.f("ix_eldercare_elders_buddy_id"))

    op.drop_table("eldercare_elders")
    op.drop_table("eldercare_config")
