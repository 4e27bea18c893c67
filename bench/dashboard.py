"""Dashboards over 1,000,000 cases and 10,000,000 readings on PostgreSQL: load, refresh, time.

    .venv/bin/python bench/dashboard.py [--cases 1000000] [--readings 10000000] [--runs 5] [--keep]

1. Builds a fresh PostgreSQL database on 127.0.0.1:5432 (admin URL from GONGZHI_BENCH_PG_URL,
   dropped at the end unless --keep), runs the migrations, seeds the reference data and the demo
   district (`simulate.district.build_district`).
2. Loads `--cases` synthetic cases over 24 months (`simulate.bulk.load_cases`, COPY) and
   `--readings` traffic-detector readings with their per-day counters (`simulate.bulk.load_readings`),
   commits, builds the case roll-ups (`cases.stats.refresh`), VACUUM ANALYZE.
3. Times each call (median of `--runs` runs after one warm-up, ms, each in its own read
   transaction): the case statistics the dashboards use, for the latest whole month and for the
   12 months ending with it, from the roll-ups and — the baseline — the same figures by GROUP BY
   over raw `cases`; checks both give equal counts; then `analytics.dashboards.overview` for the
   street and the district and `analytics.dashboards.board` for every module (skipped with the
   error shown if that module is not importable or fails).
4. Times an incremental refresh after the latest 1,000 cases change (escalated one level).

Target (issue 8): every dashboard under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_ADMIN_URL = os.environ.get("GONGZHI_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
TARGET_MS = 500.0


def _pg_create() -> tuple[str, str]:
    import psycopg

    name = f"gongzhi_bench_dash_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _timed(step: str, fn: Callable[[], Any]) -> Any:
    t = time.perf_counter()
    out = fn()
    print(f"- {step}: {time.perf_counter() - t:.1f} s", flush=True)
    return out


class Timer:
    def __init__(self, db: Any, runs: int) -> None:
        self.db = db
        self.runs = runs
        self.rows: list[tuple[str, float | None, float | None, str]] = []

    def median_ms(self, fn: Callable[[Any], Any]) -> tuple[float, Any]:
        times: list[float] = []
        out = None
        for k in range(self.runs + 1):
            with self.db.session(readonly=True) as s:
                t = time.perf_counter()
                out = fn(s)
                took = (time.perf_counter() - t) * 1000
            if k:  # the first run warms caches and is not counted
                times.append(took)
        return statistics.median(times), out

    def pair(self, label: str, rolled: Callable[[Any], Any], raw: Callable[[Any], Any] | None) -> None:
        ms, a = self.median_ms(rolled)
        if raw is None:
            self.rows.append((label, ms, None, ""))
            return
        raw_ms, b = self.median_ms(raw)
        self.rows.append((label, ms, raw_ms, "equal" if a == b else "DIFFERENT"))

    def guarded(self, label: str, fn: Callable[[Any], Any]) -> None:
        try:
            ms, _ = self.median_ms(fn)
        except Exception as exc:  # a module still being written: show why, keep going
            self.rows.append((label, None, None, f"skipped: {type(exc).__name__}: {str(exc)[:60]}"))
            return
        self.rows.append((label, ms, None, ""))

    def print(self) -> None:
        print("\n| 调用 call | 汇总 roll-up ms | 原始 raw ms | 倍数 raw/roll-up | 核对 check | < 500 ms |")
        print("|---|---:|---:|---:|---|---|")
        for label, ms, raw_ms, check in self.rows:
            ratio = f"{raw_ms / ms:.0f}×" if ms and raw_ms else "—"
            ok = "" if ms is None else ("yes" if ms < TARGET_MS else "NO")
            print(f"| {label} | {_ms(ms)} | {_ms(raw_ms)} | {ratio} | {check} | {ok} |")


def _ms(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "—"


def _load(db: Any, args: argparse.Namespace, now: datetime) -> None:
    from gongzhi.auth import passwords
    from gongzhi.cases import stats
    from gongzhi.cases.seed import seed_reference_data
    from gongzhi.simulate import bulk
    from gongzhi.simulate.district import build_district

    passwords.use_fast_hashing_for_tests()  # the demo's accounts; hashing is not what is measured
    with db.session() as s:
        seed_reference_data(s)
        district = _timed("demo district", lambda: build_district(s, now - timedelta(days=800), 7))
    with db.session() as s:
        _timed(f"{args.cases:,} cases (COPY)", lambda: bulk.load_cases(
            s, args.cases, end=now, months=24, seed=1, district_id=district.district_id))
    with db.session() as s:
        days = _timed("case roll-ups, first build (refresh)", lambda: stats.refresh(s, now))
        print(f"  ({days} days recomputed)")
    if args.readings:
        with db.session() as s:
            ids = bulk.bulk_devices(s, now=now, district_id=district.district_id)
            n, r = _timed(f"{args.readings:,} readings + day counters", lambda: bulk.load_readings(
                s, args.readings, end=now, device_ids=ids))
            print(f"  ({n:,} readings, {r:,} day-counter rows, {len(ids)} devices)")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        from sqlalchemy import text

        _timed("VACUUM ANALYZE", lambda: c.execute(text("VACUUM ANALYZE")))


def _call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Callable[[Any], Any]:
    """fn(session, *args, **kw) as a one-argument call (loop variables bound now, not later)."""
    return lambda s: fn(s, *args, **kw)


def _rounded(s: Any, fn: Callable[..., Any], *args: Any, **kw: Any) -> dict[object, tuple[int, float, float]]:
    """Percentiles to the microsecond (the float sums of two paths may differ in the last bit)."""
    return {k: (p.n, round(p.median_seconds, 6), round(p.p90_seconds, 6)) for k, p in fn(s, *args, **kw).items()}


def _figures(timer: Timer, now: datetime) -> None:
    from sqlalchemy import select

    from gongzhi import clock
    from gongzhi.cases import stats
    from gongzhi.geo import service as geo
    from gongzhi.geo.models import Area
    from gongzhi.simulate.district import DISTRICT_CODE, STREET_CODE

    with timer.db.session(readonly=True) as s:
        street = s.scalars(select(Area).where(Area.code == STREET_CODE)).one()
        grid_ids = [g.id for g in geo.grids_under(s, street)]
    today = clock.local_day(now)
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last whole month
    month = (clock.local_midnight(month_start), clock.local_midnight(clock.next_month(month_start)))
    y_start = month_start
    for _ in range(11):
        y_start = (y_start - timedelta(days=1)).replace(day=1)
    year = (clock.local_midnight(y_start), month[1])
    print(f"\nstreet {STREET_CODE} ({len(grid_ids)} grids), district {DISTRICT_CODE}; month {month_start:%Y-%m}, "
          f"12 months {y_start:%Y-%m}..{month_start:%Y-%m}")

    for label, window in (("month", month), ("12 months", year)):
        for group in ("total", "grid", "month", "category", "source"):
            timer.pair(f"totals {label} by {group}", _call(stats.totals, grid_ids, *window, group=group),
                       _call(stats.raw_totals, grid_ids, *window, group=group))
    timer.pair("totals month by day", lambda s: stats.totals(s, grid_ids, *month, group="day"),
               lambda s: stats.raw_totals(s, grid_ids, *month, group="day"))
    for label, window in (("month", month), ("12 months", year)):
        for group in ("total", "grid", "month"):
            timer.pair(f"response_times {label} by {group}",
                       _call(_rounded, stats.response_times, grid_ids, *window, group=group),
                       _call(_rounded, stats.raw_response_times, grid_ids, *window, group=group))
        timer.pair(f"complainants {label}", _call(stats.complainants, grid_ids, *window),
                   _call(stats.raw_complainants, grid_ids, *window))
    timer.pair("open_overdue (top 20)", lambda s: stats.open_overdue(s, grid_ids, now)[0], None)
    timer.pair("open_counts_by_grid", lambda s: stats.open_counts_by_grid(s, grid_ids), None)
    with timer.db.session(readonly=True) as s:
        total = stats.totals(s, grid_ids, *year)[None]
        rt = stats.response_times(s, grid_ids, *year)[None]
    print(f"12 months: {total}\nresponse: n={rt.n} median={rt.median_seconds:.0f}s p90={rt.p90_seconds:.0f}s")


def _dashboards(timer: Timer, now: datetime) -> None:
    from sqlalchemy import select

    from gongzhi.auth.models import User
    from gongzhi.geo.models import Area
    from gongzhi.simulate.district import DISTRICT_CODE, STREET_CODE

    try:
        from gongzhi.analytics import dashboards
        from gongzhi.analytics.periods import month_of, months_back
    except Exception as exc:
        timer.rows.append(("dashboards", None, None, f"skipped: {exc}"))
        return
    with timer.db.session(readonly=True) as s:
        admin = s.scalars(select(User).where(User.username == "admin")).one()
        street = s.scalars(select(Area).where(Area.code == STREET_CODE)).one()
        district = s.scalars(select(Area).where(Area.code == DISTRICT_CODE)).one()
        s.expunge_all()
    period = months_back(month_of(now), 2)[0]  # the last whole month
    def overview(s: Any, area: Area) -> Any:
        return dashboards.overview(s, s.merge(admin, load=False), s.merge(area, load=False), period,
                                   measure="complaint_rate", now=now, lang="zh")

    def board(s: Any, module: str) -> Any:
        return dashboards.board(s, s.merge(admin, load=False), module, s.merge(street, load=False), period,
                                now=now, lang="zh")

    for label, area in (("street", street), ("district", district)):
        timer.guarded(f"dashboards.overview {label}", _call(overview, area))
    for module in dashboards.MODULES:
        timer.guarded(f"dashboards.board {module} (street)", _call(board, module))


def _pages(db: Any, url: str, runs: int, now: datetime) -> None:
    """The whole request, as an official's browser gets it: the real app in-process (routing, auth,
    the dashboard dict, Plotly figures, Jinja), logged in as the demo admin. Median of `runs` after a
    warm-up, ms."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from gongzhi.analytics import dashboards
    from gongzhi.analytics.periods import month_of, months_back
    from gongzhi.app import create_app
    from gongzhi.auth import service as accounts
    from gongzhi.auth.deps import SESSION_COOKIE
    from gongzhi.auth.models import User
    from gongzhi.clock import FrozenClock
    from gongzhi.config import Settings
    from gongzhi.simulate.district import DISTRICT_CODE, STREET_CODE

    with db.session() as s:
        admin = s.scalars(select(User).where(User.username == "admin")).one()
        cookie, _csrf = accounts.start_web_session(s, admin, now)
    app = create_app(settings=Settings(database_url=url, log_json=False, embedded_worker=False),
                     database=db, clock=FrozenClock(now), start_worker=False)
    month = months_back(month_of(now), 2)[0].label()
    paths = [f"/dashboard?area={STREET_CODE}&month={month}", f"/dashboard?area={DISTRICT_CODE}&month={month}",
             f"/api/v1/analytics/overview?area={STREET_CODE}&month={month}"]
    paths += [f"/dashboard/{m}?area={STREET_CODE}&month={month}" for m in dashboards.MODULES]
    paths += ["/home", f"/monthly-report?area={STREET_CODE}&month={month}"]
    print("\n| 页面 page (HTTP, whole response) | ms | status | KB | < 500 ms |\n|---|---:|---:|---:|---|")
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        for path in paths:
            times: list[float] = []
            for k in range(runs + 1):
                t = time.perf_counter()
                r = client.get(path)
                took = (time.perf_counter() - t) * 1000
                if k:
                    times.append(took)
            ms = statistics.median(times)
            print(f"| {path} | {ms:.1f} | {r.status_code} | {len(r.content) / 1024:.0f} | "
                  f"{'yes' if ms < TARGET_MS and r.status_code == 200 else 'NO'} |")


def _incremental(db: Any, now: datetime) -> None:
    from sqlalchemy import select, update

    from gongzhi.cases import stats
    from gongzhi.cases.models import Case

    with db.session() as s:
        # The latest 1,000 cases climb one escalation level (what a sweep of missed clocks does).
        ids = list(s.scalars(select(Case.id).order_by(Case.id.desc()).limit(1000)))
        s.execute(update(Case).where(Case.id.in_(ids)).values(
            escalation_level=Case.escalation_level + 1, updated_at=now))
    with db.session() as s:
        t = time.perf_counter()
        days = stats.refresh(s, now)
        print(f"\nincremental refresh after {len(ids)} recent cases escalated: {days} days in "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")
    with db.session(readonly=True) as s:
        t = time.perf_counter()
        stats.refresh(s, now)
        print(f"refresh with nothing changed: {(time.perf_counter() - t) * 1000:.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--readings", type=int, default=10_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = p.parse_args()

    from gongzhi.db import Database, make_engine, upgrade_schema

    now = datetime.now(UTC).replace(microsecond=0)
    name, url = _pg_create()
    print(f"# bench/dashboard.py — PostgreSQL {url}\n")
    try:
        upgrade_schema(url)
        db = Database(make_engine(url))
        _load(db, args, now)
        timer = Timer(db, args.runs)
        _figures(timer, now)
        _dashboards(timer, now)
        timer.print()
        _pages(db, url, args.runs, now)
        _incremental(db, now)
        db.engine.dispose()
    finally:
        if not args.keep:
            _pg_drop(name)


if __name__ == "__main__":
    main()
