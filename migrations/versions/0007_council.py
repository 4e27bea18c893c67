"""council: councils, seats, meetings, motions, votes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quorum_num", sa.Integer(), nullable=False),
        sa.Column("quorum_den", sa.Integer(), nullable=False),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("recurrence_week", sa.Integer(), nullable=False),
        sa.Column("recurrence_weekday", sa.Integer(), nullable=False),
        sa.Column("recurrence_day", sa.Integer(), nullable=False),
        sa.Column("meeting_minute", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_councils_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_councils")),
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_councils_area_id"), ["area_id"], unique=False)

    op.create_table(
        "council_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("online_link", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quorum_at_open", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("minutes_edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
            name=op.f("fk_council_meetings_council_id_councils"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meetings")),
    )
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_meetings_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_meetings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_meetings_status"), ["status"], unique=False)

    op.create_table(
        "council_seat_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
            name=op.f("fk_council_seat_groups_council_id_councils"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_seat_groups")),
        sa.UniqueConstraint("council_id", "code", name=op.f("uq_council_seat_groups_council_id")),
    )
    with op.batch_alter_table("council_seat_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_seat_groups_council_id"), ["council_id"], unique=False)

    op.create_table(
        "council_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meetings.id"],
            name=op.f("fk_council_agenda_items_meeting_id_council_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_agenda_items")),
    )
    with op.batch_alter_table("council_agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_agenda_items_action_item_id"), ["action_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_council_agenda_items_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "council_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=16), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
            name=op.f("fk_council_members_council_id_councils"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["council_seat_groups.id"],
            name=op.f("fk_council_members_group_id_council_seat_groups"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_council_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_members")),
    )
    with op.batch_alter_table("council_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_members_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_members_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "council_agenda_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["council_agenda_items.id"],
            name=op.f("fk_council_agenda_documents_item_id_council_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_agenda_documents")),
    )
    with op.batch_alter_table("council_agenda_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_agenda_documents_item_id"), ["item_id"], unique=False)

    op.create_table(
        "council_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meetings.id"],
            name=op.f("fk_council_attendance_meeting_id_council_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["council_members.id"],
            name=op.f("fk_council_attendance_member_id_council_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_attendance")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_council_attendance_meeting_id")),
    )
    with op.batch_alter_table("council_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_attendance_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_attendance_member_id"), ["member_id"], unique=False)

    op.create_table(
        "council_motions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("abstentions", sa.String(length=10), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("roll", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["council_agenda_items.id"],
            name=op.f("fk_council_motions_agenda_item_id_council_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meetings.id"],
            name=op.f("fk_council_motions_meeting_id_council_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_council_motions_opened_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_motions")),
    )
    with op.batch_alter_table("council_motions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_motions_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_council_motions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_motions_status"), ["status"], unique=False)

    op.create_table(
        "council_action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_council_action_items_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["councils.id"],
            name=op.f("fk_council_action_items_council_id_councils"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_council_action_items_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["council_motions.id"],
            name=op.f("fk_council_action_items_motion_id_council_motions"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["units.id"], name=op.f("fk_council_action_items_owner_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_council_action_items_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_action_items")),
    )
    with op.batch_alter_table("council_action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_action_items_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_action_items_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_action_items_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_action_items_motion_id"), ["motion_id"], unique=False)

    op.create_table(
        "council_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["council_members.id"], name=op.f("fk_council_votes_member_id_council_members")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["council_motions.id"],
            name=op.f("fk_council_votes_motion_id_council_motions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_council_votes_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_votes")),
        sa.UniqueConstraint("motion_id", "member_id", name=op.f("uq_council_votes_motion_id")),
    )
    with op.batch_alter_table("council_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_votes_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_votes_motion_id"), ["motion_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("council_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_votes_motion_id"))
        batch_op.drop_index(batch_op.f("ix_council_votes_member_id"))

    op.drop_table("council_votes")
    with op.batch_alter_table("council_action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_action_items_motion_id"))
        batch_op.drop_index(batch_op.f("ix_council_action_items_due_on"))
        batch_op.drop_index(batch_op.f("ix_council_action_items_council_id"))
        batch_op.drop_index(batch_op.f("ix_council_action_items_case_id"))

    op.drop_table("council_action_items")
    with op.batch_alter_table("council_motions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_motions_status"))
        batch_op.drop_index(batch_op.f("ix_council_motions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_council_motions_agenda_item_id"))

    op.drop_table("council_motions")
    with op.batch_alter_table("council_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_attendance_member_id"))
        batch_op.drop_index(batch_op.f("ix_council_attendance_meeting_id"))

    op.drop_table("council_attendance")
    with op.batch_alter_table("council_agenda_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_agenda_documents_item_id"))

    op.drop_table("council_agenda_documents")
    with op.batch_alter_table("council_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_council_members_group_id"))
        batch_op.drop_index(batch_op.f("ix_council_members_council_id"))

    op.drop_table("council_members")
    with op.batch_alter_table("council_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_agenda_items_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_council_agenda_items_action_item_id"))

    op.drop_table("council_agenda_items")
    with op.batch_alter_table("council_seat_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_seat_groups_council_id"))

    op.drop_table("council_seat_groups")
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_meetings_status"))
        batch_op.drop_index(batch_op.f("ix_council_meetings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_council_meetings_council_id"))

    op.drop_table("council_meetings")
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_councils_area_id"))

    op.drop_table("councils")
