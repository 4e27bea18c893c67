"""Case statistics for measures and dashboards: exact counts, response-time percentiles, lists.

Cohort rule: a case belongs to the local (Asia/Shanghai) day on which it was created. Duplicates
(status "duplicate") are not separate work and are left out of every figure.

Counts come from two roll-ups (stats_models): per (local day, grid, category, source) and the same
per local month. They are kept exact by a change log: triggers on `cases` (migration 0015) write
the local day of every inserted/updated/deleted case into `case_stat_changes` in the changing
transaction. `refresh` takes the logged days (DELETE … RETURNING: a mark committed later by a
slower transaction stays for the next refresh, so commit order does not matter), and for each
recomputes the day's rows from raw cases (delete + INSERT … SELECT … GROUP BY), then the months
holding those days from the daily rows. `totals` refreshes first when the log is not empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    Double,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gongzhi.cases.models import OPEN_STATUSES, Case, Category
from gongzhi.cases.stats_models import (
    COUNT_FIELDS,
    CaseComplainant,
    CaseDayStat,
    CaseMonthStat,
    CaseResponse,
    CaseResponseHist,
    CaseStatChange,
)
from gongzhi.clock import local_day, local_midnight, next_month, utc
from gongzhi.errors import Invalid
from gongzhi.i18n import register

register({
    "case_stats_window_invalid": ("统计区间须从当地零点开始、到当地零点结束。",
                                  "A statistics window must start and end at local midnight."),
})

PETITION = "petition"
COMPLAINT_SOURCES = ("citizen", "open311")
_DAY_CHUNK = 400  # days per statement: keeps IN lists far below SQLite's parameter limit
_ADVISORY_KEY = 0x6767_7374  # "ggst": one refresher at a time on PostgreSQL

Group = Literal["total", "grid", "category", "month", "day", "source"]


@dataclass(frozen=True)
class CaseTotals:
    created: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    rated_good: int = 0
    reopened: int = 0
    escalated: int = 0
    petitions: int = 0
    complaints: int = 0

    def __add__(self, other: CaseTotals) -> CaseTotals:
        return CaseTotals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Percentiles:
    n: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Complainant:
    grid_id: int
    user_id: int | None
    phone: str




# The case columns these figures depend on: the change-log trigger fires only when one of them is
# written (migration 0019 lists the same; tests/cases/test_stats.py keeps the two and this file's
# reads equal), so the many writes that touch nothing counted cost nothing extra.
STAT_COLUMNS = ("created_at", "status", "accepted_at", "accept_due_at", "resolved_at", "resolve_due_at", "rating",
                "reopen_count", "escalation_level", "category_id", "source", "grid_id", "reporter_id",
                "reporter_phone")

def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def local_day_sql(column: Any, dialect: str) -> ColumnElement[date]:
    """The Asia/Shanghai date of a UTC timestamp column. Shanghai is UTC+8 all year (no DST).

    The one definition used by every query here; migration 0015's triggers spell the same."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column) + literal(timedelta(hours=8)), Date)
    return func.date(column, "+8 hours", type_=Date)


def _month_sql(day: Any, dialect: str) -> ColumnElement[date]:
    """First day of the month of a date expression."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month", type_=Date)


def _window_days(start: datetime, end: datetime) -> tuple[date, date]:
    first, last = local_day(start), local_day(end)
    if local_midnight(first) != start or local_midnight(last) != end or last < first:
        raise Invalid("case_stats_window_invalid")
    return first, last


# ---------------------------------------------------------------- raw aggregation


def _petition_id(session: Session) -> int:
    found = session.scalar(select(Category.id).where(Category.code == PETITION))
    return found if found is not None else -1


def _count_columns(petition_id: int) -> list[ColumnElement[Any]]:
    """One SUM per CaseTotals field over raw cases, in COUNT_FIELDS order."""

    def n(cond: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((cond, 1), else_=0))

    is_petition = Case.category_id == petition_id
    return [
        func.count(),
        n(Case.accepted_at.is_not(None)),
        n(Case.accepted_at <= Case.accept_due_at),
        n(Case.resolved_at.is_not(None)),
        n(Case.resolved_at <= Case.resolve_due_at),
        n(Case.rating.is_not(None)),
        n(Case.rating.in_((4, 5))),
        n(Case.reopen_count > 0),
        n(Case.escalation_level > 0),
        n(is_petition),
        n(and_(Case.source.in_(COMPLAINT_SOURCES), Case.category_id != petition_id)),
    ]


def _counted() -> ColumnElement[bool]:
    return and_(Case.status != "duplicate", Case.grid_id.is_not(None))


def _day_rows_select(session: Session, days: Sequence[date]) -> Select[Any]:
    """Raw cases of the given local days, grouped as the daily roll-up stores them."""
    dialect = _dialect(session)
    day = local_day_sql(Case.created_at, dialect)
    return (
        select(day, Case.grid_id, Case.category_id, Case.source, *_count_columns(_petition_id(session)))
        .where(
            _counted(),
            # The range lets the created_at index do the work; the IN picks the exact days.
            Case.created_at >= local_midnight(min(days)),
            Case.created_at < local_midnight(max(days) + timedelta(days=1)),
            day.in_(list(days)),
        )
        .group_by(day, Case.grid_id, Case.category_id, Case.source)
    )


# ---------------------------------------------------------------- refresh


def _chunks(items: Sequence[date]) -> Iterable[list[date]]:
    for i in range(0, len(items), _DAY_CHUNK):
        yield list(items[i : i + _DAY_CHUNK])


def _recompute_days(session: Session, days: Sequence[date]) -> None:
    cols = ["day", "grid_id", "category_id", "source", *COUNT_FIELDS]
    for chunk in _chunks(days):
        session.execute(delete(CaseDayStat).where(CaseDayStat.day.in_(chunk)))
        session.execute(insert(CaseDayStat).from_select(cols, _day_rows_select(session, chunk)))


def _recompute_months(session: Session, months: Sequence[date]) -> None:
    dialect = _dialect(session)
    month = _month_sql(CaseDayStat.day, dialect)
    cols = ["month", "grid_id", "category_id", "source", *COUNT_FIELDS]
    for chunk in _chunks(months):
        session.execute(delete(CaseMonthStat).where(CaseMonthStat.month.in_(chunk)))
        rows = (
            select(month, CaseDayStat.grid_id, CaseDayStat.category_id, CaseDayStat.source,
                   *(func.sum(getattr(CaseDayStat, f)) for f in COUNT_FIELDS))
            .where(CaseDayStat.day >= min(chunk), CaseDayStat.day < next_month(max(chunk)), month.in_(chunk))
            .group_by(month, CaseDayStat.grid_id, CaseDayStat.category_id, CaseDayStat.source)
        )
        session.execute(insert(CaseMonthStat).from_select(cols, rows))


def _seconds_sql() -> ColumnElement[float]:
    return cast(func.extract("epoch", Case.accepted_at - Case.created_at), Double)


def _bucket_sql(seconds: ColumnElement[float]) -> ColumnElement[int]:
    """A coarse bucket, monotone in seconds (integer steps, no logarithms to round): minutes below
    an hour, quarter hours below a day, two hours below 30 days, then days."""
    s = func.greatest(seconds, 0.0)
    return cast(
        case(
            (s < 3600, func.floor(s / 60)),
            (s < 86400, 60 + func.floor((s - 3600) / 900)),
            (s < 2592000, 152 + func.floor((s - 86400) / 7200)),
            else_=500 + func.floor((s - 2592000) / 86400),
        ),
        Integer,
    )


def _recompute_responses(session: Session, days: Sequence[date], months: Sequence[date]) -> None:
    """PostgreSQL: each accepted case's response time, and the monthly bucket histogram."""
    day = local_day_sql(Case.created_at, "postgresql")
    seconds = _seconds_sql()
    for chunk in _chunks(days):
        session.execute(delete(CaseResponse).where(CaseResponse.day.in_(chunk)))
        rows = select(Case.id, day, Case.grid_id, _bucket_sql(seconds), seconds).where(
            _counted(), Case.accepted_at.is_not(None),
            Case.created_at >= local_midnight(min(chunk)),
            Case.created_at < local_midnight(max(chunk) + timedelta(days=1)),
            day.in_(chunk),
        )
        session.execute(insert(CaseResponse).from_select(["case_id", "day", "grid_id", "bucket", "seconds"], rows))
    month = _month_sql(CaseResponse.day, "postgresql")
    for chunk in _chunks(months):
        session.execute(delete(CaseResponseHist).where(CaseResponseHist.month.in_(chunk)))
        hist = (
            select(month, CaseResponse.grid_id, CaseResponse.bucket, cast(func.count(), Integer))
            .where(CaseResponse.day >= min(chunk), CaseResponse.day < next_month(max(chunk)), month.in_(chunk))
            .group_by(month, CaseResponse.grid_id, CaseResponse.bucket)
        )
        session.execute(insert(CaseResponseHist).from_select(["month", "grid_id", "bucket", "n"], hist))


def _phone_sql() -> ColumnElement[str]:
    """normalise_phone in SQL (PostgreSQL): digits only, +86 / 0086 dropped before 11 digits."""
    d = func.regexp_replace(Case.reporter_phone, r"\D", "", "g")
    return case(
        (and_(func.length(d) == 13, func.left(d, 2) == "86"), func.substr(d, 3)),
        (and_(func.length(d) == 15, func.left(d, 4) == "0086"), func.substr(d, 5)),
        else_=d,
    )


def _complaint(petition_id: int) -> ColumnElement[bool]:
    return and_(_counted(), Case.source.in_(COMPLAINT_SOURCES), Case.category_id != petition_id)


def _recompute_complainants(session: Session, months: Sequence[date]) -> None:
    """PostgreSQL: the distinct complainants of each month touched."""
    month = _month_sql(local_day_sql(Case.created_at, "postgresql"), "postgresql")
    petition_id = _petition_id(session)
    for chunk in _chunks(months):
        session.execute(delete(CaseComplainant).where(CaseComplainant.month.in_(chunk)))
        rows = (
            select(month, Case.grid_id, func.coalesce(Case.reporter_id, 0), _phone_sql())
            .where(_complaint(petition_id), Case.created_at >= local_midnight(min(chunk)),
                   Case.created_at < local_midnight(next_month(max(chunk))), month.in_(chunk))
            .distinct()
        )
        session.execute(insert(CaseComplainant).from_select(["month", "grid_id", "user_id", "phone"], rows))


def refresh(session: Session, now: datetime) -> int:
    """Recompute every logged day (and its month); returns the number of days recomputed.

    `now` is not needed for exactness (the log, not a clock, says what changed); it is taken to
    match the other services' signature."""
    del now
    if _dialect(session) == "postgresql":
        # One refresher at a time, so two never rebuild the same day side by side.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    taken = session.scalars(delete(CaseStatChange).returning(CaseStatChange.day)).all()
    days = sorted(set(taken))
    if not days:
        return 0
    months = sorted({d.replace(day=1) for d in days})
    _recompute_days(session, days)
    _recompute_months(session, months)
    if _dialect(session) == "postgresql":
        _recompute_responses(session, days, months)
        _recompute_complainants(session, months)
    session.flush()
    return len(days)


def is_stale(session: Session) -> bool:
    return session.scalar(select(CaseStatChange.id).limit(1)) is not None


def _ensure_fresh(session: Session) -> bool:
    """Refresh when the log is not empty. False when it could not (SQLite: another writer holds
    the lock while this is a read transaction), so the caller answers from raw cases instead."""
    if not is_stale(session):
        return True
    try:
        with session.begin_nested():
            refresh(session, datetime.now().astimezone())
    except OperationalError:
        if _dialect(session) == "postgresql":
            raise
        return False
    return True


# ---------------------------------------------------------------- totals


def _category_ids(session: Session, codes: Sequence[str] | None) -> list[int] | None:
    if codes is None:
        return None
    return list(session.scalars(select(Category.id).where(Category.code.in_(list(codes)))))


def _category_codes(session: Session) -> dict[int, str]:
    return {int(i): str(c) for i, c in session.execute(select(Category.id, Category.code))}


def _add(out: dict[object, CaseTotals], key: object, values: Sequence[Any]) -> None:
    t = CaseTotals(*(int(v or 0) for v in values))
    out[key] = out[key] + t if key in out else t


def _rollup_query(
    session: Session, table: type[CaseDayStat] | type[CaseMonthStat], grid_ids: Sequence[int],
    lo: date, hi: date, group: Group, category_ids: list[int] | None,
) -> list[tuple[Any, ...]]:
    dialect = _dialect(session)
    when = CaseDayStat.day if table is CaseDayStat else CaseMonthStat.month
    key: Any = {
        "total": literal(0),
        "grid": table.grid_id,
        "category": table.category_id,
        "source": table.source,
        "day": when,
        "month": _month_sql(when, dialect) if table is CaseDayStat else when,
    }[group]
    stmt = select(key, *(func.sum(getattr(table, f)) for f in COUNT_FIELDS)).where(
        table.grid_id.in_(list(grid_ids)), when >= lo, when < hi
    )
    if category_ids is not None:
        stmt = stmt.where(table.category_id.in_(category_ids))
    return [tuple(r) for r in session.execute(stmt.group_by(key))]


def _split(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """[first, last) as daily pieces (partial months) and one run of whole months."""
    m_lo = first if first.day == 1 else next_month(first)
    m_hi = last.replace(day=1)
    if m_lo >= m_hi:
        return [(first, last)], None
    days = [(a, b) for a, b in ((first, m_lo), (m_hi, last)) if a < b]
    return days, (m_lo, m_hi)


def _finish(session: Session, rows: Iterable[tuple[Any, ...]], group: Group) -> dict[object, CaseTotals]:
    codes = _category_codes(session) if group == "category" else {}
    out: dict[object, CaseTotals] = {}
    for key, *values in rows:
        if group == "total":
            key = None
        elif group == "category":
            key = codes.get(key, str(key))
        elif group in ("day", "month") and isinstance(key, datetime):
            key = key.date()
        _add(out, key, values)
    return out


def totals(
    session: Session,
    grid_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    group: Group = "total",
    category_codes: Sequence[str] | None = None,
) -> dict[object, CaseTotals]:
    """Exact counts of the cases created in [start, end) in the grids, from the roll-ups."""
    first, last = _window_days(start, end)
    if not grid_ids or first == last:
        return {}
    if not _ensure_fresh(session):
        return raw_totals(session, grid_ids, start, end, group=group, category_codes=category_codes)
    category_ids = _category_ids(session, category_codes)
    rows: list[tuple[Any, ...]] = []
    if group == "day":
        rows = _rollup_query(session, CaseDayStat, grid_ids, first, last, group, category_ids)
    else:
        day_parts, months = _split(first, last)
        for lo, hi in day_parts:
            rows += _rollup_query(session, CaseDayStat, grid_ids, lo, hi, group, category_ids)
        if months is not None:
            rows += _rollup_query(session, CaseMonthStat, grid_ids, months[0], months[1], group, category_ids)
    return _finish(session, rows, group)


def raw_totals(
    session: Session,
    grid_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    group: Group = "total",
    category_codes: Sequence[str] | None = None,
) -> dict[object, CaseTotals]:
    """The same figures straight from raw cases (GROUP BY over the rows): the exactness reference
    and the baseline the benchmark compares the roll-ups with."""
    _window_days(start, end)
    if not grid_ids:
        return {}
    dialect = _dialect(session)
    day = local_day_sql(Case.created_at, dialect)
    key: Any = {
        "total": literal(0),
        "grid": Case.grid_id,
        "category": Case.category_id,
        "source": Case.source,
        "day": day,
        "month": _month_sql(day, dialect),
    }[group]
    stmt = select(key, *_count_columns(_petition_id(session))).where(
        _counted(), Case.grid_id.in_(list(grid_ids)), Case.created_at >= start, Case.created_at < end
    )
    category_ids = _category_ids(session, category_codes)
    if category_ids is not None:
        stmt = stmt.where(Case.category_id.in_(category_ids))
    return _finish(session, [tuple(r) for r in session.execute(stmt.group_by(key))], group)


# ---------------------------------------------------------------- response times


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: PostgreSQL's percentile_cont, in Python."""
    if not sorted_values:
        return None
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


ResponseGroup = Literal["total", "grid", "month"]
QUANTILES = (0.5, 0.9)


def response_times(
    session: Session,
    grid_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    group: ResponseGroup = "total",
) -> dict[object, Percentiles]:
    """Median and p90 of accepted_at − created_at (seconds) of the accepted cases created in the
    window; percentile_cont's definition (linear interpolation between closest ranks) everywhere.

    PostgreSQL reads the bucket histogram and then only the rows of the buckets holding the
    wanted ranks (exact, a few thousand rows for a year); SQLite sorts the raw values in Python."""
    first, last = _window_days(start, end)
    if not grid_ids or first == last:
        return {}
    if _dialect(session) == "postgresql" and _ensure_fresh(session):
        return _cached_response_times(session, grid_ids, first, last, group)
    return raw_response_times(session, grid_ids, start, end, group=group)


def _response_key(table: type[CaseResponse] | type[CaseResponseHist], group: ResponseGroup) -> Any:
    if group == "total":
        return literal(0)
    if group == "grid":
        return table.grid_id
    return CaseResponseHist.month if table is CaseResponseHist else _month_sql(CaseResponse.day, "postgresql")


def _response_hist(
    session: Session, grid_ids: Sequence[int], first: date, last: date, group: ResponseGroup
) -> dict[object, dict[int, int]]:
    day_parts, months = _split(first, last)
    stmts = []
    for lo, hi in day_parts:
        k = _response_key(CaseResponse, group)
        stmts.append(select(k, CaseResponse.bucket, func.count()).where(
            CaseResponse.grid_id.in_(list(grid_ids)), CaseResponse.day >= lo, CaseResponse.day < hi,
        ).group_by(k, CaseResponse.bucket))
    if months is not None:
        k = _response_key(CaseResponseHist, group)
        stmts.append(select(k, CaseResponseHist.bucket, func.sum(CaseResponseHist.n)).where(
            CaseResponseHist.grid_id.in_(list(grid_ids)), CaseResponseHist.month >= months[0],
            CaseResponseHist.month < months[1],
        ).group_by(k, CaseResponseHist.bucket))
    hist: dict[object, dict[int, int]] = {}
    for stmt in stmts:
        for key, bucket, n in session.execute(stmt):
            per = hist.setdefault(_pkey(key, group), {})
            per[bucket] = per.get(bucket, 0) + int(n)
    return hist


def _rank_places(hist: dict[int, int], ranks: Iterable[int]) -> dict[int, tuple[int, int]]:
    """rank (0-based, ascending) -> (bucket, rank within the bucket)."""
    out: dict[int, tuple[int, int]] = {}
    wanted = sorted(set(ranks))
    i = before = 0
    for bucket in sorted(hist):
        n = hist[bucket]
        while i < len(wanted) and wanted[i] < before + n:
            out[wanted[i]] = (bucket, wanted[i] - before)
            i += 1
        before += n
    return out


def _cached_response_times(
    session: Session, grid_ids: Sequence[int], first: date, last: date, group: ResponseGroup
) -> dict[object, Percentiles]:
    hist = _response_hist(session, grid_ids, first, last, group)
    places: dict[object, dict[int, tuple[int, int]]] = {}
    for key, per in hist.items():
        n = sum(per.values())
        ranks = [r for q in QUANTILES for r in (int(q * (n - 1)), min(int(q * (n - 1)) + 1, n - 1))]
        places[key] = _rank_places(per, ranks)
    needed = sorted({b for p in places.values() for b, _ in p.values()})
    if not needed:
        return {}
    k = _response_key(CaseResponse, group)
    stmt = select(k, CaseResponse.bucket, CaseResponse.seconds).where(
        CaseResponse.bucket.in_(needed), CaseResponse.day >= first, CaseResponse.day < last,
        CaseResponse.grid_id.in_(list(grid_ids)),
    )
    values: dict[tuple[object, int], list[float]] = {}
    for key, bucket, seconds in session.execute(stmt):
        values.setdefault((_pkey(key, group), bucket), []).append(float(seconds))
    for vs in values.values():
        vs.sort()
    out: dict[object, Percentiles] = {}
    for key, per in hist.items():
        n = sum(per.values())
        ranked = {r: values[(key, b)][within] for r, (b, within) in places[key].items()}
        out[key] = Percentiles(n, _interpolate(ranked, n, 0.5), _interpolate(ranked, n, 0.9))
    return out


def _interpolate(ranked: dict[int, float], n: int, q: float) -> float:
    """percentile_cont from the values at the two ranks around q·(n−1)."""
    pos = q * (n - 1)
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    return ranked[lo] + (ranked[hi] - ranked[lo]) * (pos - lo)


def raw_response_times(
    session: Session,
    grid_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    group: ResponseGroup = "total",
) -> dict[object, Percentiles]:
    """Straight from raw cases: percentile_cont on PostgreSQL, the same in Python on SQLite."""
    _window_days(start, end)
    if not grid_ids:
        return {}
    dialect = _dialect(session)
    key: Any = {
        "total": literal(0),
        "grid": Case.grid_id,
        "month": _month_sql(local_day_sql(Case.created_at, dialect), dialect),
    }[group]
    where = (
        Case.grid_id.in_(list(grid_ids)),
        Case.created_at >= start,
        Case.created_at < end,
        Case.accepted_at.is_not(None),
        Case.status != "duplicate",
    )
    out: dict[object, Percentiles] = {}
    if dialect == "postgresql":
        seconds = func.extract("epoch", Case.accepted_at - Case.created_at)
        stmt = select(
            key,
            func.count(),
            func.percentile_cont(0.5).within_group(seconds),
            func.percentile_cont(0.9).within_group(seconds),
        ).where(*where).group_by(key)
        for k, n, med, p90 in session.execute(stmt):
            out[_pkey(k, group)] = Percentiles(int(n), float(med), float(p90))
        return out
    values: dict[object, list[float]] = {}
    for k, created, accepted in session.execute(select(key, Case.created_at, Case.accepted_at).where(*where)):
        values.setdefault(_pkey(k, group), []).append((accepted - created).total_seconds())
    for k, vs in values.items():
        vs.sort()
        out[k] = Percentiles(len(vs), percentile(vs, 0.5), percentile(vs, 0.9))
    return out


def response_durations(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime) -> list[float]:
    """Every accepted case's created → accepted seconds in the window (the raw sample behind
    response_times, for a rank test between two periods; a street-year is a few thousand values)."""
    _window_days(start, end)
    if not grid_ids:
        return []
    rows = session.execute(select(Case.created_at, Case.accepted_at).where(
        Case.grid_id.in_(list(grid_ids)), Case.created_at >= start, Case.created_at < end,
        Case.accepted_at.is_not(None), Case.status != "duplicate"))
    return sorted((utc(accepted) - utc(created)).total_seconds() for created, accepted in rows if accepted)


def _pkey(key: Any, group: str) -> object:
    if group == "total":
        return None
    if isinstance(key, datetime):
        return key.date()
    return key


# ---------------------------------------------------------------- people and open work

_NOT_DIGIT = re.compile(r"\D")


def normalise_phone(phone: str) -> str:
    """Digits only; a +86 / 0086 country prefix on an 11-digit mobile number is dropped."""
    digits = _NOT_DIGIT.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def complainants(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime) -> list[Complainant]:
    """The distinct people behind the complaint cases (resident-reported, not petitions) created in
    the window, per grid: by user when known, and by normalised phone. PostgreSQL reads whole
    months from the monthly sets (exact: a union of distinct sets is the distinct set)."""
    first, last = _window_days(start, end)
    if not grid_ids or first == last:
        return []
    seen: set[tuple[int, int | None, str]] = set()
    if _dialect(session) == "postgresql" and _ensure_fresh(session):
        day_parts, months = _split(first, last)
        for lo, hi in day_parts:
            seen |= _raw_complainants(session, grid_ids, local_midnight(lo), local_midnight(hi))
        if months is not None:
            stmt = select(CaseComplainant.grid_id, CaseComplainant.user_id, CaseComplainant.phone).where(
                CaseComplainant.grid_id.in_(list(grid_ids)), CaseComplainant.month >= months[0],
                CaseComplainant.month < months[1],
            ).distinct()
            seen |= {(int(g), int(u) or None, str(p)) for g, u, p in session.execute(stmt)}
    else:
        seen = _raw_complainants(session, grid_ids, start, end)
    return [Complainant(g, u, p) for g, u, p in sorted(seen, key=lambda t: (t[0], t[1] or 0, t[2]))]


def _raw_complainants(
    session: Session, grid_ids: Sequence[int], start: datetime, end: datetime
) -> set[tuple[int, int | None, str]]:
    stmt = (
        select(Case.grid_id, Case.reporter_id, Case.reporter_phone)
        .where(_complaint(_petition_id(session)), Case.grid_id.in_(list(grid_ids)),
               Case.created_at >= start, Case.created_at < end)
        .distinct()
    )
    return {(int(g or 0), u, normalise_phone(p)) for g, u, p in session.execute(stmt)}


def raw_complainants(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime) -> list[Complainant]:
    """complainants() straight from raw cases (the benchmark's baseline and exactness check)."""
    _window_days(start, end)
    seen = _raw_complainants(session, grid_ids, start, end)
    return [Complainant(g, u, p) for g, u, p in sorted(seen, key=lambda t: (t[0], t[1] or 0, t[2]))]


def open_overdue(
    session: Session, grid_ids: Sequence[int], now: datetime, *, limit: int = 20
) -> tuple[int, list[Case]]:
    """Open cases whose accept or resolve clock has passed: (count, most overdue first)."""
    if not grid_ids:
        return 0, []
    overdue = or_(
        and_(Case.accepted_at.is_(None), Case.accept_due_at < now),
        and_(Case.resolved_at.is_(None), Case.resolve_due_at < now),
    )
    where = (Case.grid_id.in_(list(grid_ids)), Case.status.in_(OPEN_STATUSES), overdue)
    count = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    due = func.coalesce(
        case((and_(Case.accepted_at.is_(None), Case.accept_due_at < now), Case.accept_due_at)),
        Case.resolve_due_at,
    )
    rows = session.scalars(select(Case).where(*where).order_by(due, Case.id).limit(limit)).all()
    return int(count), list(rows)


def open_counts_by_grid(session: Session, grid_ids: Sequence[int]) -> dict[int, int]:
    if not grid_ids:
        return {}
    stmt = (
        select(Case.grid_id, func.count())
        .where(Case.grid_id.in_(list(grid_ids)), Case.status.in_(OPEN_STATUSES))
        .group_by(Case.grid_id)
    )
    return {int(g or 0): int(n) for g, n in session.execute(stmt)}
