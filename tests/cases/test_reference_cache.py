"""The per-process caches of intake's reference data never serve a stale snapshot.

Each runs on SQLite and PostgreSQL (the `session`/`client` fixtures): a rolled-back edit, an
admin edit through the API in the same process, and a user whose role or area changes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from gongzhi.auth.models import User
from gongzhi.cases import reference
from gongzhi.cases.models import CalendarDay, Category, SlaPolicy
from gongzhi.db import CacheToken, cache_tokens
from gongzhi.geo.models import Area

from .conftest import World
from .test_api import headers, post_case


def _grid(world: World, code: str) -> Area:
    area = world.session.scalar(select(Area).where(Area.code == code))
    assert area is not None
    return area


def test_rolled_back_edits_never_look_current(world: World) -> None:
    s = world.session
    g1 = _grid(world, "G1")
    # Prime every cache under the current tokens.
    cat = reference.category(s, "garbage")
    assert cat is not None and cat.default_priority == "P3"
    sla = reference.sla_clock(s, "P3")
    assert sla is not None
    unit = reference.routed_unit(s, "municipal", g1)
    assert unit is not None and unit.code == "U-MUNI"
    worker = reference.grid_worker(s, g1)
    assert worker is not None and worker.id == world.worker_g1.id
    assert [p.id for p in reference.unit_staff(s, world.municipal.id)] == [world.muni_staff.id]
    before = dict(cache_tokens(s))

    with s.begin_nested() as savepoint:
        category = s.scalar(select(Category).where(Category.code == "garbage"))
        assert category is not None
        category.default_priority = "P1"
        policy = s.get(SlaPolicy, "P3")
        assert policy is not None
        policy.accept_amount = 7
        world.municipal.is_active = False
        world.worker_g1.role = "official"
        world.muni_staff.is_active = False
        s.flush()
        # Inside the change, the caches follow it (and store snapshots under the new tokens).
        assert cache_tokens(s) != before
        changed = reference.category(s, "garbage")
        assert changed is not None and changed.default_priority == "P1"
        changed_sla = reference.sla_clock(s, "P3")
        assert changed_sla is not None and changed_sla.accept_amount == 7
        assert reference.routed_unit(s, "municipal", g1) is None
        assert reference.grid_worker(s, g1) is None
        assert reference.unit_staff(s, world.municipal.id) == ()
        savepoint.rollback()

    # Rolled back: the old tokens are current again, and with them the old answers.
    assert cache_tokens(s) == before
    again = reference.category(s, "garbage")
    assert again is not None and again.default_priority == "P3"
    assert reference.sla_clock(s, "P3") == sla
    assert reference.routed_unit(s, "municipal", g1) == unit
    assert reference.grid_worker(s, g1) == worker
    assert [p.id for p in reference.unit_staff(s, world.municipal.id)] == [world.muni_staff.id]


def test_tokens_are_random_and_bumped_in_the_same_flush(world: World) -> None:
    s = world.session
    first = dict(cache_tokens(s))
    s.add(CalendarDay(day=date(2026, 12, 1), is_workday=False, name="测试"))
    s.flush()
    second = dict(cache_tokens(s))
    assert second["cases.calendar"] != first["cases.calendar"]
    assert {k: v for k, v in second.items() if k != "cases.calendar"} == {
        k: v for k, v in first.items() if k != "cases.calendar"
    }
    stored = s.scalar(select(CacheToken.token).where(CacheToken.name == "cases.calendar"))
    assert stored == second["cases.calendar"] and len(stored) == 32


def test_admin_edits_reach_the_next_intake(client: TestClient, world: World) -> None:
    resident, admin = headers(world, world.resident), headers(world, world.admin)
    # Warm the caches with a first case.
    first = post_case(client, resident, world, category="garbage")
    assert first["priority"] == "P3"

    r = client.patch("/api/v1/categories/garbage", json={"default_priority": "P2"}, headers=admin)
    assert r.status_code == 200
    assert post_case(client, resident, world, category="garbage")["priority"] == "P2"

    body = {"accept_amount": 25, "accept_unit": "minutes", "resolve_amount": 3, "resolve_unit": "minutes"}
    assert client.put("/api/v1/sla-policies/P2", json=body, headers=admin).status_code == 200
    case = post_case(client, resident, world, category="garbage")
    assert case["accept_due_at"] is not None
    assert datetime.fromisoformat(case["accept_due_at"]) == world.now + timedelta(minutes=25)

    r = client.patch("/api/v1/categories/garbage", json={"is_active": False}, headers=admin)
    assert r.status_code == 200
    lat, lng = world.points["G1"]
    body = {"category": "garbage", "description": "垃圾", "lat": lat, "lng": lng}
    r = client.post("/api/v1/cases", json=body, headers=resident)
    assert r.status_code == 422 and r.json()["error"]["code"] == "category_not_found"


def test_holiday_declared_after_warm_cache_moves_deadlines(client: TestClient, world: World) -> None:
    resident, admin = headers(world, world.resident), headers(world, world.admin)
    # P3 resolves in 5 working days; warm the calendar cache first.
    before = post_case(client, resident, world, category="garbage")["resolve_due_at"]
    day = {"is_workday": False, "name": "测试假日"}
    r = client.put("/api/v1/calendar/days/2026-11-24", json=day, headers=admin)
    assert r.status_code == 200
    after = post_case(client, resident, world, category="garbage")["resolve_due_at"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) == timedelta(days=1)


def test_user_role_and_area_changes_reach_routing(client: TestClient, world: World) -> None:
    s = world.session
    resident = headers(world, world.resident)
    case = post_case(client, resident, world)
    assert case["assignee"]["id"] == world.worker_g1.id

    # The worker becomes an official: the grid has no worker any more.
    world.worker_g1.role = "official"
    s.commit()
    case = post_case(client, resident, world)
    assert case["assignee"] is None

    # Another worker moves into G1.
    world.worker_g2.area_id = _grid(world, "G1").id
    s.commit()
    case = post_case(client, resident, world)
    assert case["assignee"]["id"] == world.worker_g2.id

    # A unit moved to another jurisdiction no longer serves G1.
    world.municipal.area_id = _grid(world, "G3").id
    s.commit()
    case = post_case(client, resident, world)
    assert case["unit"] is None or case["unit"]["code"] != "U-MUNI"


def test_a_login_does_not_bump_the_users_token(world: World) -> None:
    s = world.session
    before = cache_tokens(s)["auth.users"]
    world.worker_g1.last_login_at = world.now
    world.worker_g1.password_hash = world.worker_g1.password_hash + "x"
    world.worker_g1.display_name = world.worker_g1.display_name  # same value: no change
    s.flush()
    assert cache_tokens(s)["auth.users"] == before
    world.worker_g1.language = "en"
    s.flush()
    assert cache_tokens(s)["auth.users"] != before


def test_staff_notices_follow_unit_membership(world: World) -> None:
    s = world.session
    assert [p.id for p in reference.unit_staff(s, world.municipal.id)] == [world.muni_staff.id]
    extra = User(
        username="muni2",
        display_name="",
        password_hash="$argon2id$x",
        role="dept_staff",
        area_id=world.muni_staff.area_id,
        unit_id=world.municipal.id,
        is_active=True,
        created_at=world.now,
    )
    s.add(extra)
    s.flush()
    assert [p.id for p in reference.unit_staff(s, world.municipal.id)] == [world.muni_staff.id, extra.id]
