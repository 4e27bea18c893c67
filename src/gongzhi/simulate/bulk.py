"""Bulk synthetic data for benchmarks: N cases over ~24 months in an existing district's grids, and
M device readings with their hourly roll-ups. Deterministic by seed.

Cases are generated column-wise with numpy (timestamps as whole UTC seconds) so a million take a
few seconds; every column of `cases` must be produced (a model change without a matching change
here fails loudly rather than loading half-filled rows). PostgreSQL loads them with COPY, SQLite
(tests, small N) with an executemany through the same table definition. The clocks are
consistent with each other: dispatched after created, due times from the priority's SLA, accepted
before resolved before closed, nothing after `end`; duplicates and rejections never accepted.
Figures are not meant to be realistic to the percent, only plausible (about 87% accepted on time).

Readings: traffic detectors registered through the devices service (5 per grid unless the
district has some already), `vehicle_count` readings at an even interval ending at `end`, then
their hourly roll-ups grouped from the readings. PostgreSQL: INSERT … SELECT generate_series.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Double, Integer, cast, func, insert, literal, select
from sqlalchemy.orm import Session

from gongzhi.cases.models import Case, Category
from gongzhi.devices import service as devices
from gongzhi.devices.models import Device, DeviceDayCount, DeviceReading
from gongzhi.geo.models import Area

DAY = 86400
# priority -> (accept window, resolve window), seconds; calendar time (the working-day calendar is
# not what a benchmark measures).
_WINDOWS = {"P1": (900, 7200), "P2": (3600, DAY), "P3": (DAY, 5 * DAY), "P4": (2 * DAY, 10 * DAY)}
_SOURCES = ("citizen", "open311", "staff", "sensing", "volunteer")
_SOURCE_P = (0.55, 0.12, 0.2, 0.08, 0.05)
_COMPLAINT = ("citizen", "open311")
_RATINGS = np.array([5, 4, 3, 2, 1])
_RATING_P = (0.55, 0.25, 0.1, 0.06, 0.04)
PETITION_SHARE = 0.02
PHONES_PER_GRID = 400  # a grid's complainants repeat: distinct people < complaint cases
COPY_ROWS = 100_000
BULK_PREFIX = "BULK-TD-"


@dataclass(frozen=True)
class Column:
    values: NDArray[Any]
    null: NDArray[np.bool_] | None = None  # True where the value is NULL
    kind: str = "text"  # "time" (epoch seconds), "int", "float", "bool", "text", "json"


def _grids(session: Session, district_id: int | None) -> list[int]:
    stmt = select(Area.id).where(Area.level == "grid").order_by(Area.id)
    if district_id is not None:
        root = session.get_one(Area, district_id)
        stmt = stmt.where(Area.path.startswith(root.path))
    grids = list(session.scalars(stmt))
    if not grids:
        raise LookupError("no grids: load a district first")
    return grids


def _categories(session: Session) -> tuple[list[int], list[str], list[str], int]:
    rows = session.execute(
        select(Category.id, Category.code, Category.default_priority, Category.name_zh)
        .where(Category.is_active.is_(True)).order_by(Category.sort_order, Category.id)
    ).all()
    petition = next((r.id for r in rows if r.code == "petition"), None)
    if petition is None:
        raise LookupError("the petition category is missing: run seed_reference_data")
    public = [r for r in rows if r.code not in ("petition", "dispute")]
    return [r.id for r in public], [r.default_priority for r in public], [r.name_zh for r in public], petition


def case_columns(
    session: Session, n: int, *, end: datetime, months: int = 24, seed: int = 1, district_id: int | None = None
) -> dict[str, Column]:
    """Every column of `cases` except id, as arrays of n values, sorted by created_at."""
    rng = np.random.default_rng(seed)
    grids = np.array(_grids(session, district_id))
    cat_ids, cat_prio, cat_names, petition_id = _categories(session)
    t_end = int(end.timestamp())
    t_start = t_end - round(months * 30.4375 * DAY)
    created = np.sort(rng.integers(t_start, t_end, n))

    # Busier grids and a long tail of categories, as in the seed case studies.
    grid_w = rng.uniform(0.4, 1.6, len(grids))
    g_idx = rng.choice(len(grids), n, p=grid_w / grid_w.sum())
    cat_w = 1.0 / np.arange(1, len(cat_ids) + 1) ** 0.8
    c_idx = rng.choice(len(cat_ids), n, p=cat_w / cat_w.sum())
    is_petition = rng.random(n) < PETITION_SHARE
    category = np.where(is_petition, petition_id, np.array(cat_ids)[c_idx])
    source = np.where(is_petition, "staff", np.array(_SOURCES)[rng.choice(len(_SOURCES), n, p=_SOURCE_P)])
    priority = np.where(is_petition, "P3", np.array(cat_prio)[c_idx])
    accept_w = np.select([priority == p for p in _WINDOWS], [w[0] for w in _WINDOWS.values()])
    resolve_w = np.select([priority == p for p in _WINDOWS], [w[1] for w in _WINDOWS.values()])

    dispatched = created + rng.integers(5, 120, n)
    accept_due = dispatched + accept_w
    resolve_due = dispatched + resolve_w
    accepted = dispatched + np.ceil(accept_w * rng.lognormal(-0.8, 0.7, n)).astype(np.int64)
    resolved = accepted + np.ceil(resolve_w * rng.lognormal(-1.0, 0.8, n)).astype(np.int64)
    rated_at = resolved + rng.integers(600, 2 * DAY, n)

    u = rng.random(n)
    dup, rejected = u < 0.02, (u >= 0.02) & (u < 0.03)
    live = ~dup & ~rejected
    has_accept = live & (accepted <= t_end)
    # A few cases stall in progress, only recent ones: old work is eventually finished.
    stalled = (rng.random(n) < 0.03) & (created > t_end - 60 * DAY)
    has_resolve = has_accept & (resolved <= t_end) & ~stalled
    has_rating = has_resolve & (rated_at <= t_end) & (rng.random(n) < 0.6)
    rating = _RATINGS[rng.choice(5, n, p=_RATING_P)]
    auto_close = resolved + 3 * DAY
    closed = np.where(has_rating, rated_at, np.where(has_resolve & (auto_close <= t_end), auto_close, 0))
    closed = np.where(dup | rejected, dispatched + 600, closed)
    has_closed = closed > 0
    reopen = has_resolve & ((rng.random(n) < 0.03) | (has_rating & (rating <= 2)))

    late_accept = (has_accept & (accepted > accept_due)) | (live & ~has_accept & (accept_due < t_end))
    late_resolve = (has_resolve & (resolved > resolve_due)) | (has_accept & ~has_resolve & (resolve_due < t_end))
    escalation = late_accept.astype(np.int64) + late_resolve.astype(np.int64)
    escalated_at = np.where(late_accept, accept_due, resolve_due)

    status = np.select(
        [dup, rejected, has_closed, has_resolve, has_accept],
        ["duplicate", "rejected", "closed", "resolved", "in_progress"],
        "dispatched",
    )
    next_check = np.select(
        [has_closed, has_resolve, has_accept], [0, auto_close, resolve_due], accept_due
    )
    stamps = [created, dispatched, np.where(has_accept, accepted, 0), np.where(has_resolve, resolved, 0), closed,
              np.where(escalation > 0, escalated_at, 0)]
    updated = np.maximum.reduce(stamps)

    complaint = np.isin(source, _COMPLAINT) & ~is_petition
    phone_no = 13_000_000_000 + g_idx.astype(np.int64) * 100_000 + rng.integers(0, PHONES_PER_GRID, n)
    phone = np.where(complaint, phone_no.astype(str), "")
    names = np.array([*cat_names, "信访件"])
    title = names[np.where(is_petition, len(cat_names), c_idx)]
    no = np.zeros(n, dtype=bool)

    def t(values: NDArray[Any], present: NDArray[np.bool_] | None = None) -> Column:
        return Column(values, None if present is None else ~present, "time")

    def i(values: NDArray[Any], present: NDArray[np.bool_] | None = None) -> Column:
        return Column(values, None if present is None else ~present, "int")

    def s(values: NDArray[Any] | str) -> Column:
        return Column(np.broadcast_to(np.asarray(values), (n,)), None, "text")

    nulls = np.ones(n, dtype=bool)
    return {
        "created_at": t(created),
        "updated_at": t(updated),
        "source": s(source),
        "external_ref": s(""),
        "category_id": i(category),
        "priority": s(priority),
        "status": s(status),
        "title": s(title),
        "description": s(np.char.add(title, "（批量样本）")),
        "address": s(""),
        "lat": Column(np.zeros(n), nulls, "float"),
        "lng": Column(np.zeros(n), nulls, "float"),
        "grid_id": i(grids[g_idx]),
        "reporter_id": i(np.zeros(n, dtype=np.int64), no),
        "reporter_name": s(""),
        "reporter_phone": s(phone),
        "unit_id": i(np.zeros(n, dtype=np.int64), no),
        "assignee_id": i(np.zeros(n, dtype=np.int64), no),
        "dispatched_at": t(dispatched),
        "accept_due_at": t(accept_due),
        "resolve_due_at": t(resolve_due),
        "accepted_at": t(accepted, has_accept),
        "resolved_at": t(resolved, has_resolve),
        "closed_at": t(closed, has_closed),
        "escalation_level": i(escalation),
        "escalation_area_id": i(np.zeros(n, dtype=np.int64), no),
        "escalated_at": t(escalated_at, escalation > 0),
        "next_check_at": t(next_check, next_check > 0),
        "resolution_note": s(np.where(has_resolve, "已处理", "")),
        "rating": i(rating, has_rating),
        "rating_comment": s(""),
        "duplicate_of_id": i(np.zeros(n, dtype=np.int64), no),
        "reopen_count": i(reopen.astype(np.int64)),
        "return_count": i(np.zeros(n, dtype=np.int64)),
        "attributes": Column(np.broadcast_to(np.asarray("{}"), (n,)), None, "json"),
        "anonymous": Column(no, None, "bool"),
        "description_hidden": Column(no, None, "bool"),
        "rating_fixed": Column(has_rating & (rating >= 3), ~has_rating, "bool"),
    }


def _check_columns(columns: dict[str, Column]) -> list[str]:
    """The table's columns (without id), which the generator must match exactly."""
    names = [c.name for c in Case.__table__.columns if c.name != "id"]
    if set(names) != set(columns):
        raise RuntimeError(f"bulk generator out of step with `cases`: {sorted(set(names) ^ set(columns))}")
    return names


def _copy_text(col: Column, lo: int, hi: int) -> list[str]:
    v = col.values[lo:hi]
    if col.kind == "time":
        out = np.char.add(np.datetime_as_string(v.astype("datetime64[s]"), unit="s"), "+00")
    elif col.kind == "bool":
        out = np.where(v, "t", "f")
    else:
        out = v.astype(str)
    if col.null is not None:
        out = np.where(col.null[lo:hi], "\\N", out)
    return out.tolist()  # type: ignore[no-any-return]


def _python_value(col: Column, k: int) -> Any:
    if col.null is not None and col.null[k]:
        return None
    v = col.values[k]
    if col.kind == "time":
        return datetime.fromtimestamp(int(v), UTC)
    if col.kind == "int":
        return int(v)
    if col.kind == "float":
        return float(v)
    if col.kind == "bool":
        return bool(v)
    if col.kind == "json":
        return {}
    return str(v)


def _rows(columns: dict[str, Column], names: Sequence[str], n: int) -> Iterator[dict[str, Any]]:
    for k in range(n):
        yield {name: _python_value(columns[name], k) for name in names}


def load_cases(
    session: Session, n: int = 1_000_000, *, end: datetime, months: int = 24, seed: int = 1,
    district_id: int | None = None,
) -> int:
    """Add n synthetic cases created over `months` months before `end`. Flushes; returns n."""
    columns = case_columns(session, n, end=end, months=months, seed=seed, district_id=district_id)
    names = _check_columns(columns)
    session.flush()
    if session.get_bind().dialect.name != "postgresql":
        rows = list(_rows(columns, names, n))
        for lo in range(0, n, 5000):
            session.execute(insert(Case), rows[lo : lo + 5000])
        return n
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    quoted = ", ".join(f'"{c}"' for c in names)
    with raw.cursor() as cur, cur.copy(f"COPY cases ({quoted}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for lo in range(0, n, COPY_ROWS):
            hi = min(n, lo + COPY_ROWS)
            texts = [_copy_text(columns[c], lo, hi) for c in names]
            buf = io.StringIO()
            buf.write("\n".join(map("\t".join, zip(*texts, strict=True))))
            buf.write("\n")
            copy.write(buf.getvalue().encode())
    return n


# ---------------------------------------------------------------- device readings


def bulk_devices(session: Session, *, now: datetime, per_grid: int = 5, district_id: int | None = None) -> list[int]:
    """Traffic detectors for the readings: the bulk ones already registered, else new ones."""
    have = list(session.scalars(select(Device.id).where(Device.code.startswith(BULK_PREFIX)).order_by(Device.id)))
    if have:
        return have
    out: list[int] = []
    for g in _grids(session, district_id):
        for k in range(per_grid):
            device, _token = devices.register_device(
                session, code=f"{BULK_PREFIX}{g}-{k + 1}", kind="traffic_detector", grid_id=g,
                expected_interval_s=300, name=f"批量检测器 {g}-{k + 1}", now=now,
            )
            out.append(device.id)
    return out


def load_readings(
    session: Session, m: int, *, end: datetime, device_ids: Sequence[int], key: str = "vehicle_count"
) -> tuple[int, int]:
    """m readings spread evenly over the devices, ending at `end`, and their per-day counters (what
    devices.service.store() keeps for every stored reading). The readings stay raw, as if none had
    yet been folded into hourly roll-ups: roll-ups as well would count each reading twice.
    Returns (readings, day-counter rows). Values are a deterministic daily wave (no randomness needed)."""
    per = max(1, m // len(device_ids))
    step = 300 if per * 300 <= 3 * 366 * DAY else max(1, (3 * 366 * DAY) // per)
    t_end = int(end.timestamp())
    if session.get_bind().dialect.name == "postgresql":
        g = func.generate_series(1, per).table_valued("value").render_derived(name="g")
        ts = func.to_timestamp(literal(t_end) - g.c.value * step)
        value = cast(30 + 25 * func.sin(g.c.value * step / 13750.99) + (Device.id * 7 + g.c.value) % 13, Double)
        session.execute(
            insert(DeviceReading).from_select(
                ["device_id", "key", "ts", "value"],
                select(Device.id, literal(key), ts, value).select_from(Device).join(g, literal(True))
                .where(Device.id.in_(list(device_ids))),
            )
        )
    else:
        import math

        rows = [
            {"device_id": d, "key": key, "ts": datetime.fromtimestamp(t_end - k * step, UTC),
             "value": 30 + 25 * math.sin(k * step / 13750.99) + (d * 7 + k) % 13}
            for d in device_ids for k in range(1, per + 1)
        ]
        session.execute(insert(DeviceReading), rows)
    day = _local_day_sql(session)
    counters = (
        select(DeviceReading.device_id, day, cast(func.count(), Integer))
        .where(DeviceReading.device_id.in_(list(device_ids)), DeviceReading.key == key)
        .group_by(DeviceReading.device_id, day)
    )
    session.execute(insert(DeviceDayCount).from_select(["device_id", "day", "count"], counters))
    session.flush()
    n_days = session.scalar(select(func.count()).select_from(DeviceDayCount)
                            .where(DeviceDayCount.device_id.in_(list(device_ids)))) or 0
    return per * len(device_ids), int(n_days)


def _local_day_sql(session: Session) -> Any:
    """Shanghai date of a reading (UTC+8 all year), as the migration's backfill computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", DeviceReading.ts))
    return func.date(DeviceReading.ts, "+8 hours")
