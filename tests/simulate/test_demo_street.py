"""The generated demo street and its case history, checked on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from tests.simulate.conftest import END, N_CASES, START, Demo

from gongzhi.audit import service as audit
from gongzhi.audit.models import AuditEntry
from gongzhi.auth import service as accounts
from gongzhi.auth.models import ROLES, Unit, User
from gongzhi.cases import service as cases
from gongzhi.cases.models import OPEN_STATUSES, STATUSES, Case, CaseUnit
from gongzhi.geo import service as geo
from gongzhi.notify.models import OutboxMessage
from gongzhi.simulate.district import DEMO_PASSWORD, STREET_CODE


def test_every_role_has_a_user_with_a_chinese_name(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        users = list(s.scalars(select(User)))
    assert {u.role for u in users} == set(ROLES)
    assert all(u.display_name and "\u4e00" <= u.display_name[0] <= "\u9fff" for u in users)
    assert sum(1 for u in users if u.role == "resident") == 60
    # Phones are stored in the normalised mainland-mobile form and never repeat.
    phones = [u.phone for u in users]
    assert all(len(p) == 11 and p.startswith("1") for p in phones)
    assert len(set(phones)) == len(phones)


def test_grids_tile_their_communities_each_with_a_worker(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        street = geo.get_area(s, STREET_CODE)
        communities = geo.children(s, street)
        assert sorted(c.level for c in communities) == ["community", "community", "community", "village"]
        grids = geo.grids_under(s, street)
        assert len(grids) == 20
        for grid in grids:
            assert grid.geometry is not None and shape(grid.geometry).is_valid
            assert grid.households > 0
            workers = accounts.users_with_role_in_area(s, role="grid_worker", area_id=grid.id)
            assert len(workers) == 1
        shapes = {g.id: shape(g.geometry) for g in grids if g.geometry}
        for community in communities:
            assert community.geometry is not None
            own = [shapes[g.id] for g in geo.children(s, community)]
            # A tiling: the grids' areas add up to the community's and no two overlap.
            assert sum(p.area for p in own) == pytest.approx(shape(community.geometry).area, rel=1e-9)
            assert community.households == sum(g.households for g in geo.children(s, community))
        ordered = list(shapes.values())
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                assert a.intersection(b).area < 1e-12


def test_every_category_routes_to_a_demo_unit_in_every_grid(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        grids = geo.grids_under(s, geo.get_area(s, STREET_CODE))
        for category in cases.list_categories(s):
            for grid in grids:
                unit = cases.route_unit(s, category.unit_kind, grid)
                assert unit is not None, (category.code, grid.code)
                assert unit.code in demo.district.units
        hooks = [u.webhook_url for u in s.scalars(select(Unit))]
    assert 0 < sum(1 for h in hooks if not h) < len(hooks) / 2


def test_demo_password_logs_in(demo: Demo) -> None:
    with demo.database.write() as s:
        user = accounts.authenticate(s, "wgy01", DEMO_PASSWORD, END)
        assert user.role == "grid_worker"
        s.rollback()


def test_cases_cover_every_status_without_refused_steps(demo: Demo) -> None:
    assert demo.stats.failures == []
    assert demo.stats.cases == N_CASES
    assert set(demo.stats.statuses) == set(STATUSES)
    assert sum(demo.stats.statuses.values()) == N_CASES


def test_audit_chain_verifies(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        report = audit.verify(s)
    assert report.ok, report
    assert report.checked > N_CASES * 4


def test_timelines_start_with_create_and_chain_statuses(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        for case in s.scalars(select(Case).order_by(Case.id)):
            items = cases.timeline_of(s, case)
            assert items[0].action == "create" and items[0].at == case.created_at
            assert [i.at for i in items] == sorted(i.at for i in items)
            status = None
            for item in items:
                assert item.from_status == status, (case.id, item)
                status = item.to_status
            assert status == case.status


def test_every_case_lies_inside_its_grid_and_period(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        street = geo.get_area(s, STREET_CODE)
        grids = {g.id: shape(g.geometry) for g in geo.grids_under(s, street) if g.geometry}
        for case in s.scalars(select(Case)):
            assert case.grid_id in grids and case.lat is not None and case.lng is not None
            assert grids[case.grid_id].contains(Point(case.lng, case.lat)), case.id
            assert START <= case.created_at < END


def test_side_paths_happen_through_the_services(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        all_cases = list(s.scalars(select(Case)))
        actions = Counter(e.data.get("action") for e in s.scalars(select(AuditEntry)))
        by_id = {c.id: c for c in all_cases}
        for dup in (c for c in all_cases if c.status == "duplicate"):
            original = by_id[dup.duplicate_of_id or 0]
            assert original.grid_id == dup.grid_id and original.created_at <= dup.created_at
        co_units = s.scalar(select(func.count()).select_from(CaseUnit))
    for action in ("return", "reopen", "reject", "duplicate", "rate", "close", "auto_close", "escalate",
                   "add_unit", "start", "comment"):
        assert actions[action] > 0, action
    assert co_units == actions["add_unit"]
    ratings = [c.rating for c in all_cases if c.rating is not None]
    assert set(ratings) <= {1, 2, 3, 4, 5} and Counter(ratings).most_common(1)[0][0] >= 4
    # 改派: some returned cases ended with another unit than the one that returned them.
    assert any(c.return_count and c.unit_id is not None for c in all_cases)


def test_escalations_come_from_the_sweep(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        swept = [e for e in s.scalars(select(AuditEntry)) if e.data.get("action") == "escalate"]
        open_cases = list(s.scalars(select(Case).where(Case.status.in_(OPEN_STATUSES))))
    assert len(swept) == demo.stats.escalations > 0
    assert all(e.actor_id is None and e.data["reason"] in ("accept", "resolve") for e in swept)
    # Some open cases are overdue at the end, and the sweep has already climbed for them.
    overdue = [c for c in open_cases if cases.due_info(c, END)[2]]
    assert overdue and any(c.escalation_level > 0 for c in overdue)
    # What is still open is mostly what came in lately.
    recent = [c for c in open_cases if c.created_at > END - timedelta(days=3)]
    assert len(recent) >= 0.75 * len(open_cases)


def test_outbox_history_is_delivered(demo: Demo) -> None:
    with demo.database.session(readonly=True) as s:
        rows = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        by_status = {status: count for status, count in rows}
    assert by_status.get("sent", 0) > N_CASES
    assert set(by_status) == {"sent"}
