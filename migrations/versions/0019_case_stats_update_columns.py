"""case statistics: the update trigger fires only when a column the statistics count is written

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 05:00:00

Most writes to a case touch columns no figure depends on (next_check_at, updated_at, the assignee,
notes); logging a day for each of them cost intake about a fifth of its throughput on SQLite
(bench/intake.py, same run with and without the trigger). The column list is the set
`cases.stats` reads (`STAT_COLUMNS` there; a test keeps the two equal). PostgreSQL refuses
transition tables with a column list, so its update trigger becomes a row-level one with the same
list; inserts and deletes stay statement-level (a COPY of a million cases logs one row per day).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("created_at", "status", "accepted_at", "accept_due_at", "resolved_at", "resolve_due_at", "rating",
           "reopen_count", "escalation_level", "category_id", "source", "grid_id", "reporter_id",
           "reporter_phone")
_COLS = ", ".join(COLUMNS)
_PG_DAY = "((%s.created_at AT TIME ZONE 'UTC') + interval '8 hours')::date"
_SQLITE_DAY = "date(%s.created_at, '+8 hours')"

_PG_ROW_FUNCTION = f"""
CREATE FUNCTION case_stats_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_stat_changes (day) VALUES ({_PG_DAY % 'NEW'});
    IF OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        INSERT INTO case_stat_changes (day) VALUES ({_PG_DAY % 'OLD'});
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_stats_upd ON cases")
        op.execute(_PG_ROW_FUNCTION)
        op.execute(f"CREATE TRIGGER case_stats_upd AFTER UPDATE OF {_COLS} ON cases "
                   "FOR EACH ROW EXECUTE FUNCTION case_stats_mark_row()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_stats_upd")
        op.execute(f"CREATE TRIGGER case_stats_upd AFTER UPDATE OF {_COLS} ON cases BEGIN "
                   f"INSERT INTO case_stat_changes (day) VALUES ({_SQLITE_DAY % 'NEW'}); "
                   f"INSERT INTO case_stat_changes (day) SELECT {_SQLITE_DAY % 'OLD'} "
                   "WHERE OLD.created_at <> NEW.created_at; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_stats_upd ON cases")
        op.execute("DROP FUNCTION IF EXISTS case_stats_mark_row()")
        op.execute("CREATE TRIGGER case_stats_upd AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows "
                   "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_stats_mark()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_stats_upd")
        op.execute("CREATE TRIGGER case_stats_upd AFTER UPDATE ON cases BEGIN "
                   f"INSERT INTO case_stat_changes (day) VALUES ({_SQLITE_DAY % 'NEW'}); "
                   f"INSERT INTO case_stat_changes (day) SELECT {_SQLITE_DAY % 'OLD'} "
                   "WHERE OLD.created_at <> NEW.created_at; END")
