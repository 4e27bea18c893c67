"""Case statistics: every CaseTotals field, groupings, Shanghai day boundaries, refresh after
changes, percentiles, complainants and overdue ordering, against hand-computed values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from tests import factories
from tests.cases.conftest import World

from gongzhi.cases import service, stats
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.stats import CaseTotals, Complainant, Percentiles
from gongzhi.cases.stats_models import CaseStatChange


def _grid(world: World, code: str) -> int:
    return factories.area_by_code(world.session, code).id


def _month(y: int, m: int) -> tuple[datetime, datetime]:
    first = date(y, m, 1)
    return stats.local_midnight(first), stats.local_midnight(stats.next_month(first))


NOV = _month(2026, 11)


def _staff_petition(world: World, grid: str = "G2") -> Case:
    return world.report(grid, "petition", by=world.official_s1, source="staff", description="来信反映小区停车难")


def _anonymous(world: World, phone: str) -> Case:
    """A hotline-style report with no account, only a phone number."""
    lat, lng = world.points["G1"]
    data = CaseIn(category="garbage", description="垃圾没人清", lat=lat, lng=lng, reporter_phone=phone)
    return service.create_case(world.session, actor=None, data=data, now=world.now)


def _mixed_cases(world: World) -> dict[str, Case]:
    """G1: good (accepted, resolved, rated 5), late (accepted late, escalated), unhappy (rated 2 ->
    reopened); G1 duplicate (ignored); G2: a staff-registered petition."""
    w = world
    good = w.report("G1")
    late = w.report("G1", "garbage")
    unhappy = w.report("G1")
    dup = w.report("G1")
    petition = _staff_petition(w)
    w.clock.advance(timedelta(minutes=10))
    w.act(w.worker_g1, good, "accept")
    w.act(w.worker_g1, unhappy, "accept")
    w.clock.advance(timedelta(hours=1))
    w.act(w.worker_g1, good, "resolve", note="已修复")
    w.act(w.worker_g1, unhappy, "resolve", note="已修复")
    w.act(w.resident, good, "rate", rating=5, note="很及时")
    w.act(w.resident, unhappy, "rate", rating=2, note="没修好")
    w.act(w.worker_g1, dup, "duplicate", duplicate_of=good.id)
    w.act(w.official_s1, late, "escalate", note="督办")
    w.clock.advance(timedelta(days=3))  # garbage is P3: accept within 1 working day; this is late
    w.act(w.worker_g1, late, "accept")
    w.clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return {"good": good, "late": late, "unhappy": unhappy, "dup": dup, "petition": petition}


def test_every_field_by_hand(world: World) -> None:
    _mixed_cases(world)
    g1, g2 = _grid(world, "G1"), _grid(world, "G2")
    got = stats.totals(world.session, [g1, g2], *NOV)
    assert got == {
        None: CaseTotals(created=4, accepted=2, accepted_on_time=1, resolved=1, resolved_on_time=1, rated=2,
                         rated_good=1, reopened=1, escalated=1, petitions=1, complaints=3)
    }
    assert stats.totals(world.session, [g1, g2], *NOV) == stats.raw_totals(world.session, [g1, g2], *NOV)


def test_groupings(world: World) -> None:
    _mixed_cases(world)
    s, g1, g2, g3 = world.session, _grid(world, "G1"), _grid(world, "G2"), _grid(world, "G3")
    grids = [g1, g2, g3]
    by_grid = stats.totals(s, grids, *NOV, group="grid")
    assert set(by_grid) == {g1, g2}
    assert (by_grid[g1].created, by_grid[g1].complaints, by_grid[g2].petitions) == (3, 3, 1)
    by_cat = stats.totals(s, grids, *NOV, group="category")
    assert {k: v.created for k, v in by_cat.items()} == {"road_damage": 2, "garbage": 1, "petition": 1}
    by_source = stats.totals(s, grids, *NOV, group="source")
    assert {k: v.created for k, v in by_source.items()} == {"citizen": 3, "staff": 1}
    assert {k: v.created for k, v in stats.totals(s, grids, *NOV, group="month").items()} == {date(2026, 11, 1): 4}
    assert {k: v.created for k, v in stats.totals(s, grids, *NOV, group="day").items()} == {date(2026, 11, 23): 4}
    only = stats.totals(s, grids, *NOV, category_codes=["garbage", "petition"])
    assert only[None] == CaseTotals(created=2, accepted=1, escalated=1, petitions=1, complaints=1)
    assert stats.totals(s, [g3], *NOV) == {}
    for group in ("total", "grid", "category", "month", "day", "source"):
        assert stats.totals(s, grids, *NOV, group=group) == stats.raw_totals(s, grids, *NOV, group=group)
    added = by_grid[g1] + by_grid[g2]
    assert added == stats.totals(s, grids, *NOV)[None]


def test_shanghai_day_boundaries(world: World) -> None:
    w = world
    # 2026-11-30 23:59 and 2026-12-01 00:00 in Shanghai (UTC+8).
    w.clock.set(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))
    w.report("G1")
    w.clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    w.report("G1")
    w.report("G1")
    g1 = _grid(w, "G1")
    by_day = stats.totals(w.session, [g1], stats.local_midnight(date(2026, 11, 30)),
                          stats.local_midnight(date(2026, 12, 2)), group="day")
    assert {k: v.created for k, v in by_day.items()} == {date(2026, 11, 30): 1, date(2026, 12, 1): 2}
    assert stats.totals(w.session, [g1], *NOV)[None].created == 1
    assert stats.totals(w.session, [g1], *_month(2026, 12))[None].created == 2
    # A window of partial months around a whole month uses both roll-ups.
    wide = (stats.local_midnight(date(2026, 10, 15)), stats.local_midnight(date(2027, 1, 3)))
    by_month = stats.totals(w.session, [g1], *wide, group="month")
    assert {k: v.created for k, v in by_month.items()} == {date(2026, 11, 1): 1, date(2026, 12, 1): 2}
    assert stats.totals(w.session, [g1], *wide) == stats.raw_totals(w.session, [g1], *wide)
    assert stats.local_day(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)
    # The SQL day (used by the roll-up and the triggers) agrees with Python at the boundary.
    expr = stats.local_day_sql(Case.created_at, w.session.get_bind().dialect.name)
    days = w.session.scalars(select(expr).where(Case.grid_id == g1).order_by(Case.created_at)).all()
    assert days == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 1)]


def test_window_must_be_local_midnights(world: World) -> None:
    import pytest

    from gongzhi.errors import Invalid

    with pytest.raises(Invalid):
        stats.totals(world.session, [1], datetime(2026, 11, 1, tzinfo=UTC), NOV[1])


def test_refresh_follows_accept_rate_and_grid_move(world: World) -> None:
    w = world
    s, g1, g2 = w.session, _grid(w, "G1"), _grid(w, "G2")
    case = w.report("G1")
    assert stats.totals(s, [g1], *NOV)[None] == CaseTotals(created=1, complaints=1)
    assert not stats.is_stale(s)
    assert stats.refresh(s, w.now) == 0  # nothing changed: nothing recomputed
    w.act(w.worker_g1, case, "accept")
    assert stats.is_stale(s)
    assert stats.totals(s, [g1], *NOV)[None].accepted_on_time == 1
    w.act(w.worker_g1, case, "resolve", note="已修复")
    w.act(w.resident, case, "rate", rating=4)
    assert stats.totals(s, [g1], *NOV)[None] == CaseTotals(
        created=1, accepted=1, accepted_on_time=1, resolved=1, resolved_on_time=1, rated=1, rated_good=1,
        complaints=1)
    # No service moves a case between grids today; an admin correction would update the row.
    case.grid_id = g2
    case.updated_at = w.now
    s.flush()
    assert stats.totals(s, [g1], *NOV) == {}
    assert stats.totals(s, [g2], *NOV)[None].rated_good == 1
    assert stats.totals(s, [g1, g2], *NOV, group="grid") == stats.raw_totals(s, [g1, g2], *NOV, group="grid")


def test_refresh_counts_days_and_empties_the_log(world: World) -> None:
    w = world
    w.report("G1")
    w.clock.advance(timedelta(days=2))
    w.report("G1")
    assert stats.refresh(w.session, w.now) == 2
    assert w.session.scalar(select(CaseStatChange.id).limit(1)) is None
    assert stats.refresh(w.session, w.now) == 0


def test_triggers_log_every_write(world: World) -> None:
    """The change log is written by the database itself, for ORM and plain SQL writes alike."""
    w = world
    case = w.report("G1")
    stats.refresh(w.session, w.now)
    w.session.execute(text("UPDATE cases SET rating = 5 WHERE id = :id"), {"id": case.id})
    assert w.session.scalars(select(CaseStatChange.day)).all() == [date(2026, 11, 23)]
    assert stats.totals(w.session, [_grid(w, "G1")], *NOV)[None].rated_good == 1


def test_only_writes_to_counted_columns_are_logged(world: World) -> None:
    w = world
    case = w.report("G1")
    stats.refresh(w.session, w.now)
    w.session.execute(text("UPDATE cases SET next_check_at = NULL, resolution_note = 'x' WHERE id = :id"),
                      {"id": case.id})
    assert w.session.scalars(select(CaseStatChange.day)).all() == []
    w.session.execute(text("UPDATE cases SET escalation_level = 1 WHERE id = :id"), {"id": case.id})
    assert w.session.scalars(select(CaseStatChange.day)).all() == [date(2026, 11, 23)]


def test_the_trigger_watches_exactly_the_columns_the_statistics_read() -> None:
    import importlib.util
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "m0019", root / "migrations" / "versions" / "0019_case_stats_update_columns.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    read = set(re.findall(r"Case\.([a-z_]+)", (root / "src/gongzhi/cases/stats.py").read_text(encoding="utf-8")))
    assert set(migration.COLUMNS) == set(stats.STAT_COLUMNS) == read - {"id"}


def test_response_time_percentiles(world: World) -> None:
    w = world
    g1, g2 = _grid(w, "G1"), _grid(w, "G2")
    for minutes, grid in ((1, "G1"), (2, "G1"), (3, "G2"), (10, "G2")):
        case = w.report(grid)
        w.clock.advance(timedelta(minutes=minutes))
        w.act(w.worker_g1 if grid == "G1" else w.worker_g2, case, "accept")
        w.clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    w.report("G1")  # not accepted: not a response
    got = stats.response_times(w.session, [g1, g2], *NOV)
    # 60, 120, 180, 600 s: median (120+180)/2; p90 at rank 0.9*3 = 2.7 -> 180 + 0.7*(600-180).
    assert got[None].n == 4
    assert got[None].median_seconds == 150.0
    assert abs((got[None].p90_seconds or 0) - 474.0) < 1e-6
    by_grid = stats.response_times(w.session, [g1, g2], *NOV, group="grid")
    assert by_grid[g1] == Percentiles(2, 90.0, 114.0)
    assert by_grid[g2].median_seconds == 390.0
    assert stats.response_times(w.session, [g1, g2], *NOV, group="month")[date(2026, 11, 1)].n == 4
    assert stats.response_times(w.session, [g1], *_month(2026, 12)) == {}
    assert stats.percentile([5.0], 0.9) == 5.0 and stats.percentile([], 0.5) is None


def test_complainants_are_distinct(world: World) -> None:
    w = world
    g1, g3 = _grid(w, "G1"), _grid(w, "G3")
    w.report("G1")
    w.report("G1", "garbage")  # same resident again
    w.report("G3", by=w.resident)  # same person, another grid: one per grid
    _anonymous(w, "+86 138-0000-1111")
    _anonymous(w, "13800001111")  # the same phone written differently
    _staff_petition(w, "G1")  # petitions are not complaints
    got = stats.complainants(w.session, [g1, g3], *NOV)
    assert got == [
        Complainant(g1, None, "13800001111"),
        Complainant(g1, w.resident.id, "13812345678"),
        Complainant(g3, w.resident.id, "13812345678"),
    ]
    assert stats.normalise_phone("0086 13800001111") == "13800001111"


def test_open_overdue_most_overdue_first(world: World) -> None:
    w = world
    g1 = _grid(w, "G1")
    a = w.report("G1")  # P3: accept due Tue 10:00 local
    w.clock.advance(timedelta(hours=1))
    b = w.report("G1")  # Tue 11:00
    w.clock.advance(timedelta(hours=1))
    manhole = w.report("G1", "manhole")  # P1: accept due in 15 minutes -> most overdue
    done = w.report("G1")
    w.act(w.worker_g1, done, "accept")
    w.act(w.worker_g1, done, "resolve", note="已修复")
    w.clock.advance(timedelta(days=2))
    w.report("G1")  # fresh: not overdue
    count, rows = stats.open_overdue(w.session, [g1], w.now)
    assert count == 3
    assert [c.id for c in rows] == [manhole.id, a.id, b.id]
    assert [c.id for c in stats.open_overdue(w.session, [g1], w.now, limit=1)[1]] == [manhole.id]
    assert stats.open_counts_by_grid(w.session, [g1, _grid(w, "G2")]) == {g1: 4}


def test_cached_percentiles_and_complainants_equal_raw(world: World) -> None:
    """PostgreSQL answers from the histogram / monthly sets: the same figures as from raw cases,
    for whole months, partial months and both, by every grouping."""
    w = world
    grids = [_grid(w, g) for g in ("G1", "G2", "G3")]
    workers = {"G1": w.worker_g1, "G2": w.worker_g2, "G3": w.worker_g3}
    start = datetime(2026, 9, 20, 4, 0, tzinfo=UTC)
    for k in range(60):
        w.clock.set(start + timedelta(days=k, hours=(k * 7) % 13))
        grid = ("G1", "G2", "G3")[k % 3]
        case = w.report(grid, "garbage") if k % 4 else _anonymous(w, f"+86 1380000{k % 5:04d}")
        if k % 5:
            w.clock.advance(timedelta(minutes=(k * 37) % 900 + 1, seconds=k))
            w.act(workers[grid if k % 4 else "G1"], case, "accept")
    w.clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    windows = [
        _month(2026, 10),
        (stats.local_midnight(date(2026, 10, 1)), stats.local_midnight(date(2026, 11, 20))),
        (stats.local_midnight(date(2026, 9, 25)), stats.local_midnight(date(2026, 11, 24))),
        (stats.local_midnight(date(2026, 10, 3)), stats.local_midnight(date(2026, 10, 9))),
    ]
    for window in windows:
        for group in ("total", "grid", "month"):
            cached = stats.response_times(w.session, grids, *window, group=group)
            raw = stats.raw_response_times(w.session, grids, *window, group=group)
            assert cached.keys() == raw.keys() and cached
            for key, p in cached.items():
                assert p.n == raw[key].n
                assert abs((p.median_seconds or 0) - (raw[key].median_seconds or 0)) < 1e-6
                assert abs((p.p90_seconds or 0) - (raw[key].p90_seconds or 0)) < 1e-6
        assert stats.complainants(w.session, grids, *window) == stats.raw_complainants(w.session, grids, *window)
    people = stats.complainants(w.session, grids, *windows[2])
    assert {c.phone for c in people if c.user_id is None} == {f"1380000{k:04d}" for k in range(5)}
