"""Tables behind case statistics (owned by the cases module).

Two roll-ups of the same counts, keyed by the local (Asia/Shanghai) day or month of created_at:
the daily one answers day-grouped and partial-month questions, the monthly one (built from the
daily rows) keeps a 12-month window over a million cases to a few thousand rows. Both are
recomputed from raw `cases` for every day named in `case_stat_changes`, a change log written by
database triggers on `cases` (migration 0015) in the same transaction as the change itself.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Double, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.cases.models import Case
from gongzhi.db import Base

# The counted fields, in CaseTotals order; both roll-ups carry all of them.
COUNT_FIELDS = (
    "created",
    "accepted",
    "accepted_on_time",
    "resolved",
    "resolved_on_time",
    "rated",
    "rated_good",
    "reopened",
    "escalated",
    "petitions",
    "complaints",
)


class _GroupCounts:
    """The key after the period (grid, category, source) and the COUNT_FIELDS, shared by the daily
    and monthly roll-ups (the monthly rows are the daily ones summed)."""

    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    created: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    accepted_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rated_good: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    petitions: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)


class CaseDayStat(_GroupCounts, Base):
    """Counts of the cases created on one local day in one grid, category and source."""

    __tablename__ = "case_day_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class CaseMonthStat(_GroupCounts, Base):
    """The daily rows summed per local month (month = its first day)."""

    __tablename__ = "case_month_stats"

    month: Mapped[date] = mapped_column(Date, primary_key=True)


class CaseStatChange(Base):
    """A local day whose roll-up rows are stale: written by triggers on `cases`, consumed by refresh.

    Append-only (no unique day) so concurrent writers never wait on each other's mark."""

    __tablename__ = "case_stat_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)


# Response times and per-street lists read raw cases by grid and creation time; the index carries
# accepted_at so a month of a street (and a 12-month window) is an index-only scan on PostgreSQL.
CASES_GRID_CREATED = Index(
    "ix_cases_grid_created",
    Case.__table__.c.grid_id,
    Case.__table__.c.created_at,
    postgresql_include=["accepted_at"],
)


class CaseResponse(Base):
    """Response time (created -> accepted, seconds) of each accepted case, with its local day,
    grid and a coarse bucket (monotone in seconds). PostgreSQL only: it lets an exact percentile
    over a year read a histogram plus the few rows of the buckets holding the wanted ranks."""

    __tablename__ = "case_responses"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    grid_id: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        Index("ix_case_responses_day_grid", "day", "grid_id", postgresql_include=["bucket"]),
        Index("ix_case_responses_bucket_day", "bucket", "day", postgresql_include=["grid_id", "seconds"]),
    )


class CaseResponseHist(Base):
    """How many responses fall in each bucket, per local month and grid (from case_responses)."""

    __tablename__ = "case_response_hist"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseComplainant(Base):
    """The distinct complainants of each local month and grid (user id 0 = no account; phone
    normalised). PostgreSQL only: a year's distinct people is the union of its months' sets."""

    __tablename__ = "case_complainants"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
