"""Determinism, the area GeoJSON, the shared password hash and `run_demo` end to end (SQLite)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import shapely
from rich.console import Console
from shapely.geometry import shape
from sqlalchemy import func, select
from tests.simulate.conftest import END, SEED, Demo, build_demo, fresh_database

from gongzhi.audit.models import AuditEntry
from gongzhi.auth.models import User
from gongzhi.cases import service as cases_service
from gongzhi.cases.models import Case
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine
from gongzhi.simulate import district as district_module
from gongzhi.simulate.casegen import generate_cases, plan_cases
from gongzhi.simulate.demo import run_demo, sqlite_files
from gongzhi.simulate.district import (
    DEMO_PASSWORD,
    LAT0,
    LAT1,
    LNG0,
    LNG1,
    feature_collection,
)

History = list[tuple[object, ...]]


def _history(database: Database) -> tuple[History, int]:
    with database.session(readonly=True) as s:
        rows = s.execute(select(Case.id, Case.status, Case.priority, Case.title, Case.rating, Case.grid_id)
                         .order_by(Case.id)).all()
        entries = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return [tuple(r) for r in rows], entries


def test_same_seed_same_history_other_seed_other_history(tmp_path: Path) -> None:
    histories = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        (tmp_path / name).mkdir()
        with fresh_database("sqlite", tmp_path / name) as database:
            _district, stats = build_demo(database, n=30, days=8, seed=seed)
            assert stats.failures == []
            histories.append((_history(database), stats.statuses))
    assert histories[0] == histories[1]
    assert histories[0][0] != histories[2][0]


def test_too_few_cases_for_every_state_is_refused(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as database:
        with database.session() as s:
            district = district_module.build_district(s, END - timedelta(days=3), 1)
        with pytest.raises(ValueError):
            generate_cases(database, FrozenClock(END), n=5, days=2, seed=1, district=district)


def test_feature_collection_is_a_deterministic_tiling_of_the_street() -> None:
    first, again, other = feature_collection(1), feature_collection(1), feature_collection(2)
    assert first == again and first != other
    props = [f["properties"] for f in first["features"]]
    assert [p["level"] for p in props].count("grid") == 20
    geoms = {p["code"]: shape(f["geometry"]) for p, f in zip(props, first["features"], strict=True)
             if f["geometry"]}
    street = geoms.pop("SFQ-GZ")
    grids = [g for code, g in geoms.items() if code.count("-") == 3]
    assert shapely.union_all(grids).symmetric_difference(street).area < 1e-12
    x0, y0, x1, y1 = street.bounds
    # The outline wobbles a little around the nominal box.
    assert LNG0 - 0.002 < x0 < x1 < LNG1 + 0.002 and LAT0 - 0.002 < y0 < y1 < LAT1 + 0.002


def test_sqlite_files_lists_the_database_and_its_companions(tmp_path: Path) -> None:
    main = tmp_path / "x.db"
    assert sqlite_files(f"sqlite:///{main}") == [main, tmp_path / "x.db-wal", tmp_path / "x.db-shm",
                                                 tmp_path / "x.db-journal"]
    assert sqlite_files("postgresql://u@h/db") == []


def _run(settings: Settings, *, reset: bool) -> str:
    out = io.StringIO()
    run_demo(reset=reset, console=Console(file=out, width=200), settings=settings, n=30, days=8)
    return out.getvalue()


def _count(url: str, model: type[Case] | type[User]) -> int:
    database = Database(make_engine(url))
    try:
        with database.session(readonly=True) as s:
            return s.scalar(select(func.count()).select_from(model)) or 0
    finally:
        database.engine.dispose()


def _count_source(url: str, sources: tuple[str, ...]) -> int:
    database = Database(make_engine(url))
    try:
        with database.session(readonly=True) as s:
            return s.scalar(select(func.count()).select_from(Case).where(Case.source.in_(sources))) or 0
    finally:
        database.engine.dispose()


def test_run_demo_builds_once_prints_logins_and_resets(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.write_bytes(b"not a database")  # --reset removes whatever is there
    (tmp_path / "demo.db-wal").write_bytes(b"stale")
    url = f"sqlite:///{path}"
    settings = Settings(database_url=url, demo_seed=11, log_json=False)

    first = _run(settings, reset=True)
    assert "已生成 30 件工单" in first
    for expected in ("admin", "jiedao", "wgy", "jumin", DEMO_PASSWORD, "http://127.0.0.1:8000", "/report",
                     "/queue", "/dashboard", "/monthly-report", "/eldercare", "/mediation", "/councils", "/ballots", "/volunteers",
                     "o311_demo_gongzhi_street_2026"):
        assert expected in first, expected
    cases, users = _count(url, Case), _count(url, User)
    # The 30 generated cases, and those the modules' own demo data filed through their rules.
    assert _count_source(url, ("citizen", "staff")) >= 30 and users > 120
    for source in ("open311", "dispute", "council", "volunteer"):
        assert _count_source(url, (source,)) > 0, source

    second = _run(settings, reset=False)  # idempotent: logins again, nothing added
    assert "演示街道已存在" in second and DEMO_PASSWORD in second
    assert (_count(url, Case), _count(url, User)) == (cases, users)

    third = _run(settings, reset=True)
    assert "已删除旧的演示数据库" in third
    assert (_count(url, Case), _count(url, User)) == (cases, users)


def test_a_low_rating_is_followed_by_a_new_dispatch(demo: Demo) -> None:
    # A rating of 1-2 reopens a case (the service's rule); the generator's dispatcher then sends it
    # out again, as people do. Left alone, a reopened case's accept clock would escalate it every
    # hour for the rest of the history.
    with demo.database.session(readonly=True) as session:
        priorities = {c.code: c.default_priority for c in cases_service.list_categories(session)}
    plans = plan_cases(demo.district, priorities, start=END - timedelta(days=90), end=END, n=500, seed=SEED)
    low = [p for p in plans if any(st.action == "rate" and (st.rating or 5) <= 2 for st in p.steps)]
    assert low
    for plan in low:
        actions = [st.action for st in plan.steps]
        rated = max(i for i, st in enumerate(plan.steps) if st.action == "rate" and (st.rating or 5) <= 2)
        assert "dispatch" in actions[rated:], actions
        assert plan.steps[-1].action == "rate" and (plan.steps[-1].rating or 0) >= 3
