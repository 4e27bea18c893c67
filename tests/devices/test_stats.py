"""devices.stats: reading counts from the hourly roll-ups (+ raw rows not yet folded), device health."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.devices import service, stats
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
OCT_NOV = (datetime(2026, 9, 30, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # local Oct 1–Dec 1


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


World = tuple[dict[str, Device], dict[str, int]]


@pytest.fixture
def world(session: Session) -> World:
    """October readings folded into roll-ups by prune(); November readings still raw."""
    areas = factories.build_area_tree(session)
    g = {c: areas[c].id for c in ("G1", "G2", "G3")}
    start = _utc(2026, 10, 1)

    def dev(code: str, kind: str, grid: str | None, interval: int | None) -> Device:
        d, _ = service.register_device(session, code=code, kind=kind, grid_id=g[grid] if grid else None,
                                       expected_interval_s=interval, now=start)
        return d

    d = {"w1": dev("W1", "wearable", "G1", 60), "p1": dev("P1", "people_counter", "G1", 300),
         "s1": dev("S1", "smoke_detector", "G3", None), "x": dev("X", "wearable", None, 60),
         "off": dev("OFF", "wearable", "G2", 60)}
    service.set_enabled(session, d["off"], False, now=start)
    oct_now = _utc(2026, 10, 15, 16, 30)
    service.store(session, [
        # Hour 15:00 UTC = 23:00 Oct 15 local: 2 readings; hour 16:00 UTC = 00:00 Oct 16 local.
        (d["w1"], [Reading("pulse", _utc(2026, 10, 15, 15, 30), 70.0), Reading("battery", _utc(2026, 10, 15, 15, 30), 90.0),
                   Reading("pulse", _utc(2026, 10, 15, 16, 10), 72.0)]),
        (d["p1"], [Reading("people_count", _utc(2026, 10, 15, 16, 20), 12.0)]),
        (d["x"], [Reading("pulse", _utc(2026, 10, 15, 16, 0), 60.0)]),  # no grid: in no area
    ], oct_now)
    assert service.prune(session, T0) == 5  # all of October is past the 30-day raw retention
    service.store(session, [
        # 23:59 Nov 22 local and 00:00 Nov 23 local.
        (d["w1"], [Reading("pulse", _utc(2026, 11, 22, 15, 59), 71.0), Reading("pulse", _utc(2026, 11, 22, 16, 0), 73.0)]),
        (d["s1"], [Reading("smoke", _utc(2026, 11, 23, 1, 0), 0.0)]),
    ], T0)
    session.flush()
    return d, g


def test_totals_rollups_plus_raw(session: Session, world: World) -> None:
    _, g = world
    grids = list(g.values())
    assert stats.reading_counts(session, grids, *OCT_NOV) == {None: 7}  # 4 folded + 3 raw; X has no grid
    assert stats.reading_counts(session, grids, *OCT_NOV, include_raw=False) == {None: 4}
    assert stats.reading_counts(session, [g["G3"]], *OCT_NOV) == {None: 1}
    assert stats.reading_counts(session, [], *OCT_NOV) == {None: 0}
    assert stats.reading_counts(session, [], *OCT_NOV, group="day") == {}


def test_by_kind_and_local_day(session: Session, world: World) -> None:
    _, g = world
    grids = list(g.values())
    assert stats.reading_counts(session, grids, *OCT_NOV, group="kind") == {
        "wearable": 5, "people_counter": 1, "smoke_detector": 1}
    assert stats.reading_counts(session, grids, *OCT_NOV, group="day") == {
        date(2026, 10, 15): 2, date(2026, 10, 16): 2, date(2026, 11, 22): 1, date(2026, 11, 23): 2}
    assert stats.reading_counts(session, grids, *OCT_NOV, group="kind", include_raw=False) == {
        "wearable": 3, "people_counter": 1}


def test_window_bounds_are_local_midnights(session: Session, world: World) -> None:
    _, g = world
    grids = list(g.values())
    oct16 = _utc(2026, 10, 15, 16)  # 00:00 Oct 16 local: the 23:00 roll-up hour is outside
    assert stats.reading_counts(session, grids, oct16, OCT_NOV[1]) == {None: 5}
    nov23 = _utc(2026, 11, 22, 16)  # 00:00 Nov 23 local: the 23:59 reading is outside
    assert stats.reading_counts(session, grids, OCT_NOV[0], nov23) == {None: 5}
    assert stats.reading_counts(session, grids, nov23, OCT_NOV[1], group="day") == {date(2026, 11, 23): 2}


def test_device_health(session: Session, world: World) -> None:
    _, g = world
    grids = list(g.values())
    # W1 seen at T0 (window 150 s), S1 has no interval (never silent), P1 last seen in October.
    assert stats.device_health(session, grids, T0) == {"total": 3, "online": 2, "silent": 1, "disabled": 1}
    assert stats.device_health(session, grids, T0 + timedelta(minutes=10)) == {
        "total": 3, "online": 1, "silent": 2, "disabled": 1}
    assert stats.device_health(session, [g["G2"]], T0) == {"total": 0, "online": 0, "silent": 0, "disabled": 1}
    assert stats.device_health(session, [], T0) == {"total": 0, "online": 0, "silent": 0, "disabled": 0}


def test_day_counters_follow_the_inserts_exactly(session: Session, world: World) -> None:
    """Whole-day windows read device_day_counts: a resent batch is not counted twice, and the
    counters agree with counting the stored rows hour by hour (the non-midnight path)."""
    d, g = world
    grids = list(g.values())
    again = [(d["w1"], [Reading("pulse", _utc(2026, 11, 22, 15, 59), 71.0), Reading("pulse", _utc(2026, 11, 22, 17, 0), 74.0)])]
    results = service.store(session, again, T0)
    assert (results[0].stored, results[0].duplicates) == (1, 1)
    by_day = stats.reading_counts(session, grids, *OCT_NOV, group="day")
    assert by_day[date(2026, 11, 23)] == 3  # 00:00 and 01:00 local, plus the new one; not the resend
    # Same window shifted off midnight by one hour on each side takes the raw + roll-up path.
    off = (OCT_NOV[0] - timedelta(hours=1), OCT_NOV[1] + timedelta(hours=1))
    assert stats.reading_counts(session, grids, *OCT_NOV) == stats.reading_counts(session, grids, *off)
