"""council: owners' ballots and volunteers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ballot_estates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["areas.id"], name=op.f("fk_ballot_estates_community_id_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_estates")),
        sa.UniqueConstraint("code", name=op.f("uq_ballot_estates_code")),
    )
    with op.batch_alter_table("ballot_estates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_estates_community_id"), ["community_id"], unique=False)

    op.create_table(
        "ballot_buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"],
            ["ballot_estates.id"],
            name=op.f("fk_ballot_buildings_estate_id_ballot_estates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_buildings")),
        sa.UniqueConstraint("estate_id", "name", name=op.f("uq_ballot_buildings_estate_id")),
    )
    with op.batch_alter_table("ballot_buildings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_buildings_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "ballot_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"],
            ["ballot_estates.id"],
            name=op.f("fk_ballot_owners_estate_id_ballot_estates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ballot_owners_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_owners")),
        sa.UniqueConstraint("estate_id", "user_id", name=op.f("uq_ballot_owners_estate_id")),
    )
    with op.batch_alter_table("ballot_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_owners_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_owners_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("matter", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_area_centi", sa.BigInteger(), nullable=False),
        sa.Column("total_owners", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["ballot_buildings.id"], name=op.f("fk_ballots_building_id_ballot_buildings")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_ballots_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["ballot_estates.id"], name=op.f("fk_ballots_estate_id_ballot_estates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballots_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballots_status"), ["status"], unique=False)

    op.create_table(
        "volunteer_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("checkin_radius_m", sa.Integer(), nullable=False),
        sa.Column("checkin_early_min", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["areas.id"], name=op.f("fk_volunteer_teams_community_id_areas")
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"], name=op.f("fk_volunteer_teams_leader_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_teams")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_volunteer_teams_community_id")),
    )
    with op.batch_alter_table("volunteer_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_teams_community_id"), ["community_id"], unique=False)

    op.create_table(
        "ballot_electors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("area_centi", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_electors_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ballot_owners.id"], name=op.f("fk_ballot_electors_owner_id_ballot_owners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_electors")),
        sa.UniqueConstraint("ballot_id", "owner_id", name=op.f("uq_ballot_electors_ballot_id")),
    )
    with op.batch_alter_table("ballot_electors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_electors_ballot_id"), ["ballot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_electors_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "ballot_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("area_centi", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["ballot_buildings.id"],
            name=op.f("fk_ballot_units_building_id_ballot_buildings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ballot_owners.id"], name=op.f("fk_ballot_units_owner_id_ballot_owners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_units")),
        sa.UniqueConstraint("building_id", "number", name=op.f("uq_ballot_units_building_id")),
    )
    with op.batch_alter_table("ballot_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_units_building_id"), ["building_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_units_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "ballot_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("area_centi", sa.BigInteger(), nullable=False),
        sa.Column("voter_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("paper_ref", sa.String(length=60), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballots.id"], name=op.f("fk_ballot_votes_ballot_id_ballots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ballot_owners.id"], name=op.f("fk_ballot_votes_owner_id_ballot_owners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_ballot_votes_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["voter_user_id"], ["users.id"], name=op.f("fk_ballot_votes_voter_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_votes")),
        sa.UniqueConstraint("ballot_id", "owner_id", name=op.f("uq_ballot_votes_ballot_id")),
    )
    with op.batch_alter_table("ballot_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_votes_ballot_id"), ["ballot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_votes_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "patrol_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_lat", sa.Double(), nullable=True),
        sa.Column("checkin_lng", sa.Double(), nullable=True),
        sa.Column("checkin_distance_m", sa.Integer(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_patrol_shifts_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_patrol_shifts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["volunteer_teams.id"],
            name=op.f("fk_patrol_shifts_team_id_volunteer_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["users.id"], name=op.f("fk_patrol_shifts_volunteer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_shifts")),
    )
    with op.batch_alter_table("patrol_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_shifts_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_shifts_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_shifts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_shifts_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_shifts_volunteer_id"), ["volunteer_id"], unique=False)

    op.create_table(
        "volunteer_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["volunteer_teams.id"],
            name=op.f("fk_volunteer_members_team_id_volunteer_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_volunteer_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_members")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_volunteer_members_team_id")),
    )
    with op.batch_alter_table("volunteer_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_members_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "patrol_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_patrol_reports_case_id_cases")),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_patrol_reports_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_patrol_reports_reporter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_patrol_reports_reviewed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["patrol_shifts.id"], name=op.f("fk_patrol_reports_shift_id_patrol_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["volunteer_teams.id"],
            name=op.f("fk_patrol_reports_team_id_volunteer_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_reports")),
    )
    with op.batch_alter_table("patrol_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_reports_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_reports_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_reports_team_id"), ["team_id"], unique=False)

    op.create_table(
        "shift_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("their_shift_id", sa.Integer(), nullable=True),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_shift_swaps_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_shift_swaps_requester_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["patrol_shifts.id"],
            name=op.f("fk_shift_swaps_shift_id_patrol_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["target_id"], ["users.id"], name=op.f("fk_shift_swaps_target_id_users")),
        sa.ForeignKeyConstraint(
            ["their_shift_id"], ["patrol_shifts.id"], name=op.f("fk_shift_swaps_their_shift_id_patrol_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_swaps")),
    )
    with op.batch_alter_table("shift_swaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_swaps_shift_id"), ["shift_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shift_swaps_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_shift_swaps_target_id"), ["target_id"], unique=False)

    op.create_table(
        "volunteer_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=12), nullable=False),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["patrol_shifts.id"],
            name=op.f("fk_volunteer_hours_shift_id_patrol_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["volunteer_teams.id"],
            name=op.f("fk_volunteer_hours_team_id_volunteer_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_volunteer_hours_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_hours")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_volunteer_hours_shift_id")),
    )
    with op.batch_alter_table("volunteer_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_hours_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_hours_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    # Children first; dropping a table drops its indexes.
    op.drop_table("volunteer_hours")
    op.drop_table("shift_swaps")
    op.drop_table("patrol_reports")
    op.drop_table("volunteer_members")
    op.drop_table("patrol_shifts")
    op.drop_table("ballot_votes")
    op.drop_table("ballot_units")
    op.drop_table("ballot_electors")
    op.drop_table("volunteer_teams")
    op.drop_table("ballots")
    op.drop_table("ballot_owners")
    op.drop_table("ballot_buildings")
    op.drop_table("ballot_estates")
