"""devices: readings counted per device and local day (dashboards over tens of millions of readings)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_day_counts",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_device_day_counts_device_id_devices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", "day", name=op.f("pk_device_day_counts")),
    )
    # Backfill from what is stored: raw readings by local day, plus roll-up hours (an hour never
    # straddles two Shanghai days: UTC+8 is a whole number of hours).
    if op.get_bind().dialect.name == "postgresql":
        raw_day = "date(timezone('Asia/Shanghai', ts))"
        roll_day = "date(timezone('Asia/Shanghai', hour))"
    else:
        raw_day = "date(ts, '+8 hours')"
        roll_day = "date(hour, '+8 hours')"
    op.execute(
        "INSERT INTO device_day_counts (device_id, day, count) "
        f"SELECT device_id, day, SUM(n) FROM ("
        f"  SELECT device_id, {raw_day} AS day, COUNT(*) AS n FROM device_readings GROUP BY 1, 2"
        f"  UNION ALL"
        f"  SELECT device_id, {roll_day} AS day, SUM(count) AS n FROM device_rollups GROUP BY 1, 2"
        f") AS parts GROUP BY device_id, day"
    )


def downgrade() -> None:
    op.drop_table("device_day_counts")
