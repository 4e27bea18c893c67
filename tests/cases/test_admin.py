"""Admins edit categories, SLA clocks and the holiday calendar; the changes drive new cases and are audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from gongzhi.audit import service as audit
from gongzhi.clock import SHANGHAI

from .conftest import World
from .test_api import headers, post_case


def test_only_admins_edit_reference_data(client: TestClient, world: World) -> None:
    h = headers(world, world.official_s1)
    assert client.patch("/api/v1/categories/garbage", json={"default_priority": "P2"}, headers=h).status_code == 403
    body = {"accept_amount": 5, "accept_unit": "minutes", "resolve_amount": 60, "resolve_unit": "minutes"}
    assert client.put("/api/v1/sla-policies/P1", json=body, headers=h).status_code == 403
    r = client.put("/api/v1/calendar/days/2026-11-24", json={"is_workday": False}, headers=h)
    assert r.status_code == 403 and r.json()["error"]["message"] == "无权执行此操作"


def test_category_edit_changes_priority_routing_and_is_audited(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    r = client.patch(
        "/api/v1/categories/garbage",
        json={"default_priority": "P2", "unit_kind": "municipal", "name_zh": "垃圾乱堆"},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["name"] == "垃圾乱堆"
    case = post_case(client, headers(world, world.resident), world, category="garbage")
    assert case["priority"] == "P2" and case["unit"]["code"] == "U-MUNI"
    entries = audit.entries_for(world.session, "config", "garbage")
    assert entries[-1].data["old"]["default_priority"] == "P3"
    assert entries[-1].data["new"]["default_priority"] == "P2"


def test_category_validation(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    assert client.patch("/api/v1/categories/nope", json={"public": False}, headers=h).status_code == 404
    r = client.patch("/api/v1/categories/garbage", json={"accept_amount": 3}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "sla_override_incomplete"
    r = client.patch("/api/v1/categories/garbage", json={"default_priority": "P9"}, headers=h)
    assert r.status_code == 422
    new = {"code": "pet_nuisance", "name_zh": "宠物扰民", "name_en": "Pet nuisance", "unit_kind": "urban_mgmt"}
    assert client.post("/api/v1/categories", json=new, headers=h).status_code == 201
    r = client.post("/api/v1/categories", json=new, headers=h)
    assert r.status_code == 409 and "pet_nuisance" in r.json()["error"]["message"]


def test_sla_policy_edit_applies_to_new_cases(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    body = {"accept_amount": 30, "accept_unit": "minutes", "resolve_amount": 2, "resolve_unit": "working_days"}
    assert client.put("/api/v1/sla-policies/P3", json=body, headers=h).status_code == 200
    case = post_case(client, headers(world, world.resident), world, category="garbage")
    due = datetime.fromisoformat(case["accept_due_at"])
    assert due == world.now + timedelta(minutes=30)
    assert datetime.fromisoformat(case["resolve_due_at"]) == datetime(2026, 11, 26, tzinfo=SHANGHAI).astimezone(UTC)
    listed = {p["priority"]: p for p in client.get("/api/v1/sla-policies", headers=h).json()}
    assert listed["P3"]["accept_amount"] == 30


def test_declared_holiday_moves_working_day_deadlines(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    # A local holiday on Tuesday: a P3 case filed Monday is due at the end of Wednesday instead.
    r = client.put("/api/v1/calendar/days/2026-11-24", json={"is_workday": False, "name": "地方假日"}, headers=h)
    assert r.status_code == 200
    case = post_case(client, headers(world, world.resident), world, category="garbage")
    assert datetime.fromisoformat(case["accept_due_at"]) == datetime(2026, 11, 26, tzinfo=SHANGHAI).astimezone(UTC)
    days = {d["day"]: d for d in client.get("/api/v1/calendar/2026", headers=h).json()}
    assert days["2026-11-24"]["name"] == "地方假日" and days["2026-10-10"]["is_workday"] is True
    assert client.delete("/api/v1/calendar/days/2026-11-24", headers=h).status_code == 204
    assert client.delete("/api/v1/calendar/days/2026-11-24", headers=h).status_code == 404
    case = post_case(client, headers(world, world.resident), world, category="garbage")
    assert datetime.fromisoformat(case["accept_due_at"]) == datetime(2026, 11, 25, tzinfo=SHANGHAI).astimezone(UTC)


def test_explicit_null_on_a_required_field_is_422(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    for field in ("default_priority", "attributes", "public", "name_zh", "unit_kind", "sort_order"):
        r = client.patch("/api/v1/categories/streetlight", json={field: None}, headers=h)
        assert r.status_code == 422, (field, r.text)
    # null does clear an optional clock override
    r = client.patch("/api/v1/categories/streetlight", json={"accept_amount": None, "accept_unit": None}, headers=h)
    assert r.status_code == 200
