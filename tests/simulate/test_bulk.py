"""The bulk generator: consistent clocks, deterministic by seed, every column, exact statistics after
the load, readings and their hourly roll-ups (small N; the million is bench/dashboard.py's job)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.cases import stats
from gongzhi.cases.models import Case
from gongzhi.clock import SHANGHAI
from gongzhi.devices.models import Device, DeviceDayCount, DeviceReading
from gongzhi.simulate import bulk

END = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
N = 3000


def _load(session: Session) -> list[int]:
    factories.make_area_tree(session, END)
    grids = [factories.area_by_code(session, c).id for c in ("G1", "G2", "G3")]
    bulk.load_cases(session, N, end=END, months=6, seed=5)
    session.flush()
    return grids


def test_cases_are_consistent(session: Session) -> None:
    grids = _load(session)
    cases = session.scalars(select(Case)).all()
    assert len(cases) == N
    assert {c.grid_id for c in cases} == set(grids)
    for c in cases:
        assert c.created_at <= c.updated_at <= END
        assert c.dispatched_at is not None and c.created_at < c.dispatched_at < c.accept_due_at  # type: ignore[operator]
        if c.accepted_at is not None:
            assert c.dispatched_at < c.accepted_at <= END
            assert c.status not in ("duplicate", "rejected")
        if c.resolved_at is not None:
            assert c.accepted_at is not None and c.accepted_at < c.resolved_at
        if c.rating is not None:
            assert c.resolved_at is not None and c.status == "closed"
        if c.status in ("closed", "rejected", "duplicate"):
            assert c.closed_at is not None and c.next_check_at is None
        else:
            assert c.closed_at is None and c.next_check_at is not None
        if c.category_id and c.source in ("citizen", "open311"):
            assert c.reporter_phone.isdigit()
    statuses = {c.status for c in cases}
    assert {"closed", "duplicate", "rejected", "in_progress", "dispatched"} <= statuses
    petitions = [c for c in cases if c.source == "staff" and c.title == "信访件"]
    assert 0 < len(petitions) < N * 0.05


def test_statistics_are_exact_after_the_load(session: Session) -> None:
    grids = _load(session)
    start, end = stats.local_midnight(date(2026, 6, 1)), stats.local_midnight(date(2026, 11, 24))
    assert stats.refresh(session, END) > 150  # every day of the six months
    for group in ("total", "grid", "month", "category", "source"):
        assert stats.totals(session, grids, start, end, group=group) == stats.raw_totals(
            session, grids, start, end, group=group)
    total = stats.totals(session, grids, start, end)[None]
    assert 0 < total.petitions < total.created and total.complaints > total.created / 2
    assert 0.7 < total.accepted_on_time / total.accepted < 0.97
    assert len(stats.complainants(session, grids, start, end)) < total.complaints


def test_deterministic_by_seed(session: Session) -> None:
    factories.make_area_tree(session, END)
    a = bulk.case_columns(session, 500, end=END, seed=9)
    b = bulk.case_columns(session, 500, end=END, seed=9)
    c = bulk.case_columns(session, 500, end=END, seed=10)
    assert all(np.array_equal(a[k].values, b[k].values) for k in a)
    assert not np.array_equal(a["created_at"].values, c["created_at"].values)


def test_readings_and_their_day_counters(session: Session) -> None:
    from gongzhi.devices import stats as device_stats

    factories.make_area_tree(session, END)
    ids = bulk.bulk_devices(session, now=END, per_grid=1)
    assert bulk.bulk_devices(session, now=END) == ids  # registered once
    n, counters = bulk.load_readings(session, 12 * 24 * len(ids), end=END, device_ids=ids)
    assert n == session.scalar(select(func.count()).select_from(DeviceReading)) == 288 * len(ids)
    assert session.scalar(select(func.sum(DeviceDayCount.count))) == n
    assert counters == session.scalar(select(func.count()).select_from(DeviceDayCount))
    # The counters agree with counting the raw rows (a window off local midnight takes the raw path).
    grids = list(session.scalars(select(Device.grid_id).where(Device.id.in_(ids))))
    day0 = END.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    whole = (day0, day0 + timedelta(days=3))
    shifted = (whole[0] - timedelta(hours=1), whole[1] + timedelta(hours=1))
    assert device_stats.reading_counts(session, grids, *whole) == device_stats.reading_counts(session, grids, *shifted)
    assert device_stats.reading_counts(session, grids, *whole) == {None: n}


def test_demo_petitions_through_the_service(session: Session) -> None:
    from gongzhi.cases.seed import seed_reference_data
    from gongzhi.simulate.district import build_district
    from gongzhi.simulate.stats_demo import seed_stats

    seed_reference_data(session)
    district = build_district(session, END - timedelta(days=40), 7)
    start = END - timedelta(days=30)
    made = seed_stats(session, district, start, END, seed=3)
    assert made.errors == [] and made.petitions == 6  # 30 days x 0.2 a day
    assert 0 < made.resolved <= made.accepted <= made.petitions
    grid_ids = [g.id for g in district.grids]
    window = (stats.local_midnight(stats.local_day(start)), stats.local_midnight(stats.local_day(END) + timedelta(days=1)))
    total = stats.totals(session, grid_ids, *window)[None]
    assert (total.created, total.petitions, total.complaints, total.accepted) == (6, 6, 0, made.accepted)
    assert {c.source for c in session.scalars(select(Case))} == {"staff"}
