"""case statistics: daily and monthly roll-ups of cases, their change log and its triggers

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 04:00:00

The triggers on `cases` write the local (Asia/Shanghai, UTC+8, no DST) day of every inserted,
updated or deleted case into `case_stat_changes`, in the changing transaction itself, so a refresh
never misses a change whatever order transactions commit in. The day expression must stay the
same as gongzhi.cases.stats.local_day_sql. A later migration that rebuilds `cases` on SQLite
(batch "move and copy") drops these triggers and must create them again (tests catch it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ("created", "accepted", "accepted_on_time", "resolved", "resolved_on_time", "rated",
           "rated_good", "reopened", "escalated", "petitions", "complaints")

_PG_DAY = "((%s.created_at AT TIME ZONE 'UTC') + interval '8 hours')::date"
_PG_FUNCTION = f"""
CREATE FUNCTION case_stats_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_stat_changes (day) SELECT DISTINCT {_PG_DAY % 'n'} FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO case_stat_changes (day)
        SELECT {_PG_DAY % 'n'} FROM new_rows n UNION SELECT {_PG_DAY % 'o'} FROM old_rows o;
    ELSE
        INSERT INTO case_stat_changes (day) SELECT DISTINCT {_PG_DAY % 'o'} FROM old_rows o;
    END IF;
    RETURN NULL;
END $$
"""
# Statement-level with transition tables: a COPY of a million cases writes one mark per day.
_PG_TRIGGERS = (
    "CREATE TRIGGER case_stats_ins AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION case_stats_mark()",
    "CREATE TRIGGER case_stats_upd AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_stats_mark()",
    "CREATE TRIGGER case_stats_del AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION case_stats_mark()",
)
_SQLITE_DAY = "date(%s.created_at, '+8 hours')"
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER case_stats_ins AFTER INSERT ON cases BEGIN "
    f"INSERT INTO case_stat_changes (day) VALUES ({_SQLITE_DAY % 'NEW'}); END",
    "CREATE TRIGGER case_stats_upd AFTER UPDATE ON cases BEGIN "
    f"INSERT INTO case_stat_changes (day) VALUES ({_SQLITE_DAY % 'NEW'}); "
    f"INSERT INTO case_stat_changes (day) SELECT {_SQLITE_DAY % 'OLD'} "
    "WHERE OLD.created_at <> NEW.created_at; END",
    "CREATE TRIGGER case_stats_del AFTER DELETE ON cases BEGIN "
    f"INSERT INTO case_stat_changes (day) VALUES ({_SQLITE_DAY % 'OLD'}); END",
)


def _rollup(name: str, key: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.Date(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in _COUNTS),
        sa.PrimaryKeyConstraint(key, "grid_id", "category_id", "source", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _rollup("case_day_stats", "day")
    _rollup("case_month_stats", "month")
    op.create_table(
        "case_stat_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_stat_changes")),
    )
    op.create_table(
        "case_responses",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_responses")),
    )
    op.create_index("ix_case_responses_day_grid", "case_responses", ["day", "grid_id"],
                    postgresql_include=["bucket"])
    op.create_index("ix_case_responses_bucket_day", "case_responses", ["bucket", "day"],
                    postgresql_include=["grid_id", "seconds"])
    op.create_table(
        "case_response_hist",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "grid_id", "bucket", name=op.f("pk_case_response_hist")),
    )
    op.create_table(
        "case_complainants",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("month", "grid_id", "user_id", "phone", name=op.f("pk_case_complainants")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_grid_created", ["grid_id", "created_at"], unique=False,
                              postgresql_include=["accepted_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for ddl in _PG_TRIGGERS:
            op.execute(ddl)
    else:
        for ddl in _SQLITE_TRIGGERS:
            op.execute(ddl)
    # Cases that exist already: mark their days so the first refresh builds the roll-ups.
    day = _PG_DAY % "cases" if op.get_bind().dialect.name == "postgresql" else _SQLITE_DAY % "cases"
    op.execute(f"INSERT INTO case_stat_changes (day) SELECT DISTINCT {day} FROM cases")


def downgrade() -> None:
    for name in ("case_stats_ins", "case_stats_upd", "case_stats_del"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON cases" if op.get_bind().dialect.name == "postgresql"
                                                        else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS case_stats_mark()")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_grid_created")
    op.drop_table("case_complainants")
    op.drop_table("case_response_hist")
    op.drop_index("ix_case_responses_bucket_day", table_name="case_responses")
    op.drop_index("ix_case_responses_day_grid", table_name="case_responses")
    op.drop_table("case_responses")
    op.drop_table("case_stat_changes")
    op.drop_table("case_month_stats")
    op.drop_table("case_day_stats")
