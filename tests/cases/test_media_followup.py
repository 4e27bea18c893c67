"""Follow-up rules and their API: the rating questionnaire reopens on 1–2 stars or "not fixed",
photos over HTTP, nearby open reports, following a report or an area, moderation in the
timeline, and validation of categories' extra questions (Open311 attributes)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from tests import factories

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.cases import admin, reports, service
from gongzhi.cases.models import Case, CaseMedia, Category
from gongzhi.errors import Conflict, Forbidden, Invalid
from gongzhi.notify import service as notify
from gongzhi.notify.models import OutboxMessage

from .conftest import World


def headers(w: World, user: User) -> dict[str, str]:
    w.session.commit()
    return factories.auth_header(factories.api_token(w.session, user, w.now))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def resolved(w: World, **kw: object) -> Case:
    case = w.report("G1", "road_damage", **kw)
    w.act(w.worker_g1, case, "accept")
    w.act(w.worker_g1, case, "resolve", note="已修补")
    return case


# ---------------------------------------------------------------- rating questionnaire


@pytest.mark.parametrize(
    ("rating", "fixed", "status"),
    [(5, True, "closed"), (3, None, "closed"), (2, True, "reopened"), (1, None, "reopened"),
     (5, False, "reopened")],
)
def test_rating_reopens_when_unhappy_or_not_fixed(world: World, rating: int, fixed: bool | None,
                                                  status: str) -> None:
    case = resolved(world)
    service.transition(world.session, user=world.resident, case_id=case.id, action="rate", now=world.now,
                       rating=rating, fixed=fixed, note="评价")
    assert case.status == status and case.rating == rating and case.rating_fixed is fixed
    last = service.timeline_of(world.session, case)[-1]
    assert last.action == "rate" and last.to_status == status
    if status == "reopened":
        assert case.reopen_count == 1 and case.resolved_at is None and case.accept_due_at is not None
        assert last.data["reopened"] is True
        # Back in the dispatcher's hands; it can be dispatched, resolved and rated again.
        world.act(world.official_s1, case, "dispatch", unit_code="U-MUNI")
        world.act(world.muni_staff, case, "accept")
        world.act(world.muni_staff, case, "resolve", note="重新修补")
        world.act(world.resident, case, "rate", rating=5, fixed=True)
        assert case.status == "closed" and case.rating == 5
    else:
        assert case.closed_at == world.now


def test_unhappy_rating_after_the_reopen_window_is_refused(world: World) -> None:
    case = resolved(world)
    later = world.now + timedelta(days=8)
    with pytest.raises(Conflict):
        service.transition(world.session, user=world.resident, case_id=case.id, action="rate", now=later,
                           rating=1)


def test_rating_over_the_api_takes_fixed(client: TestClient, world: World) -> None:
    case = resolved(world)
    h = headers(world, world.resident)
    r = client.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "rate", "rating": 4, "fixed": False},
                    headers=h)
    assert r.status_code == 200 and r.json()["status"] == "reopened"
    r = client.post(f"/api/v1/cases/{case.id}/transitions", json={"action": "rate", "rating": 9}, headers=h)
    assert r.status_code == 422


# ---------------------------------------------------------------- photos over HTTP


def test_photo_upload_api(client: TestClient, world: World) -> None:
    case = world.report()
    h = headers(world, world.resident)
    url = f"/api/v1/cases/{case.id}/media"
    r = client.post(url, files={"file": ("x.png", png(), "image/png")}, headers=h)
    assert r.status_code == 201 and r.json()["content_type"] == "image/png" and r.json()["url"].startswith("/media/")
    fake = client.post(url, files={"file": ("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg")}, headers=h)
    assert fake.status_code == 422 and fake.json()["error"]["code"] == "media_type_invalid"
    for _ in range(2):
        assert client.post(url, files={"file": ("x.png", png(), "image/png")}, headers=h).status_code == 201
    fourth = client.post(url, files={"file": ("x.png", png(), "image/png")}, headers=h)
    assert fourth.status_code == 422 and fourth.json()["error"]["code"] == "media_too_many"
    assert world.session.scalar(select(func.count()).select_from(CaseMedia)) == 3
    assert [i["action"] for i in client.get(f"/api/v1/cases/{case.id}", headers=h).json()["timeline"]].count(
        "add_photo") == 3
    # Someone else's case: not even visible.
    other = headers(world, world.resident2)
    assert client.post(url, files={"file": ("x.png", png(), "image/png")}, headers=other).status_code == 404
    assert len(client.get(url, headers=h).json()) == 3


# ---------------------------------------------------------------- nearby, following


def test_nearby_open_reports(world: World) -> None:
    lat, lng = world.points["G1"]
    near = world.report("G1", "road_damage")
    world.report("G1", "garbage")  # other category
    closed = world.report("G1", "road_damage")
    world.act(world.worker_g1, closed, "reject", note="不属实")
    world.clock.advance(timedelta(hours=10))
    found = reports.nearby_open(world.session, category="road_damage", lat=lat + 0.0003, lng=lng, now=world.now)
    assert [n.case.id for n in found] == [near.id] and 30 < found[0].metres < 36
    assert reports.nearby_open(world.session, category="road_damage", lat=lat + 0.0005, lng=lng,
                               now=world.now) == []  # ~56 m
    assert reports.nearby_open(world.session, category="road_damage", lat=lat, lng=lng,
                               now=world.now + timedelta(hours=63)) == []  # filed 73 h before
    with pytest.raises(Invalid):
        reports.nearby_open(world.session, category="nope", lat=lat, lng=lng, now=world.now)


def test_nearby_api_and_follow_api(client: TestClient, world: World) -> None:
    case = world.report("G1", "road_damage")
    lat, lng = world.points["G1"]
    h = headers(world, world.resident2)
    r = client.get("/api/v1/reports/nearby", params={"category": "road_damage", "lat": lat, "lng": lng}, headers=h)
    assert r.status_code == 200 and [i["id"] for i in r.json()] == [case.id] and r.json()[0]["distance_m"] == 0
    assert client.get("/api/v1/reports/nearby", params={"category": "road_damage", "lat": 91, "lng": lng},
                      headers=h).status_code == 422
    assert client.put(f"/api/v1/cases/{case.id}/follow", headers=h).status_code == 204
    assert world.resident2.id in notify.subscribers(world.session, "case", str(case.id))
    world.act(world.worker_g1, case, "accept")
    notes = world.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == f"user:{world.resident2.id}", OutboxMessage.topic == "case.status")).all()
    assert len(notes) == 1 and "已签收" in notes[0].subject
    assert client.delete(f"/api/v1/cases/{case.id}/follow", headers=h).status_code == 204
    assert world.resident2.id not in notify.subscribers(world.session, "case", str(case.id))


def test_area_followers_hear_of_new_reports_and_changes(world: World) -> None:
    reports.follow_area(world.session, user=world.resident2, area_code="S1", now=world.now)
    case = world.report("G2", "garbage")
    world.act(world.worker_g2, case, "accept")
    topics = [m.topic for m in world.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == f"user:{world.resident2.id}").order_by(OutboxMessage.id))]
    assert topics == ["case.status", "case.status"]
    # The reporter also hears of each status change; the actor does not hear of their own.
    to_worker = world.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == f"user:{world.worker_g2.id}", OutboxMessage.topic == "case.status")).all()
    assert to_worker == []
    with pytest.raises(Invalid):
        reports.follow_area(world.session, user=world.resident2, area_code="NOPE", now=world.now)


# ---------------------------------------------------------------- moderation


def test_moderation_is_in_the_timeline_and_scoped(client: TestClient, world: World) -> None:
    case = world.report("G1")
    h_res = headers(world, world.resident)
    r = client.post(f"/api/v1/cases/{case.id}/media", files={"file": ("x.png", png(), "image/png")}, headers=h_res)
    media_id = r.json()["id"]
    h_off = headers(world, world.official_c2)  # another community: cannot see it
    assert client.put(f"/api/v1/media/{media_id}/moderation", json={"hidden": True, "reason": "x"},
                      headers=h_off).status_code == 404
    r = client.put(f"/api/v1/cases/{case.id}/moderation", json={"hidden": True, "reason": "x"}, headers=h_res)
    assert r.status_code == 403 and r.json()["error"]["code"] == "moderation_forbidden"  # sees it, may not moderate
    h = headers(world, world.official_c1)
    r = client.put(f"/api/v1/cases/{case.id}/moderation", json={"hidden": True, "reason": ""}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "moderation_reason_required"
    r = client.put(f"/api/v1/cases/{case.id}/moderation", json={"hidden": True, "reason": "人身攻击"}, headers=h)
    assert r.status_code == 200 and r.json()["timeline"][-1]["action"] == "hide_text"
    r = client.put(f"/api/v1/media/{media_id}/moderation", json={"hidden": True, "reason": "隐私"}, headers=h)
    assert r.status_code == 200 and r.json()["hidden"] is True
    entries = audit.entries_for(world.session, "case", case.id)
    assert [e.data["action"] for e in entries][-2:] == ["hide_text", "hide_photo"]
    assert entries[-1].data["media_id"] == media_id and entries[-1].data["note"] == "隐私"
    world.session.refresh(case)
    assert case.description_hidden
    # The reporter's list no longer includes the hidden photo; the moderator's does.
    assert client.get(f"/api/v1/cases/{case.id}/media", headers=h_res).json() == []
    assert len(client.get(f"/api/v1/cases/{case.id}/media", headers=h).json()) == 1


def test_moderation_rights(world: World) -> None:
    case = world.report("G1")
    with pytest.raises(Forbidden):
        reports.set_text_hidden(world.session, user=world.muni_staff, case_id=case.id, hidden=True,
                                reason="x", now=world.now)
    reports.set_text_hidden(world.session, user=world.worker_g1, case_id=case.id, hidden=True, reason="辱骂",
                            now=world.now)
    assert case.description_hidden


# ---------------------------------------------------------------- extra questions (Open311 attributes)


def test_extra_question_definitions_are_validated(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    good = [
        {"code": "seen_at", "datatype": "datetime", "required": True, "description": "发现时间", "order": 2},
        {"code": "kinds", "datatype": "multivaluelist", "description": "类型", "description_en": "Kinds",
         "order": 1, "values": [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙", "name_en": "B"}]},
        {"code": "depth_cm", "datatype": "number", "description": "深度（厘米）"},
    ]
    r = client.patch("/api/v1/categories/road_damage", json={"attributes": good}, headers=h)
    assert r.status_code == 200, r.text
    assert [a["code"] for a in r.json()["attributes"]] == ["kinds", "seen_at", "depth_cm"]
    bad_cases = [
        ([{"code": "9x", "description": "问"}], "category_attribute_code_invalid"),
        ([{"code": "a", "description": "问", "datatype": "photo"}], "category_attribute_datatype"),
        ([{"code": "a", "description": ""}], "category_attribute_label"),
        ([{"code": "a", "description": "问", "datatype": "singlevaluelist", "values": []}],
         "category_attribute_values"),
        ([{"code": "a", "description": "问", "datatype": "singlevaluelist",
           "values": [{"key": "x", "name": "X"}, {"key": "x", "name": "Y"}]}], "category_attribute_values"),
        ([{"code": "a", "description": "问", "values": [{"key": "x", "name": "X"}]}],
         "category_attribute_values_unexpected"),
        ([{"code": "a", "description": "问"}, {"code": "a", "description": "问"}], "category_attribute_duplicate"),
        ([{"code": "a", "description": "问", "order": -1}], "category_attribute_order"),
        ([{"code": "a", "description": "问", "colour": "red"}], "category_attribute_field"),
    ]
    for attrs, code in bad_cases:
        r = client.patch("/api/v1/categories/road_damage", json={"attributes": attrs}, headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (attrs, r.text)
    cat = world.session.scalars(select(Category).where(Category.code == "road_damage")).one()
    world.session.refresh(cat)
    assert len(cat.attributes) == 3

    # Answers are checked against the definitions.
    with pytest.raises(Invalid) as err:
        world.report("G1", "road_damage", attributes={"kinds": "a,c", "seen_at": "2026-11-23T09:00"})
    assert err.value.code == "case_attribute_invalid"
    with pytest.raises(Invalid):
        world.report("G1", "road_damage", attributes={"kinds": "a", "seen_at": "yesterday"})
    with pytest.raises(Invalid) as err:
        world.report("G1", "road_damage", attributes={"kinds": "a"})
    assert err.value.code == "case_attribute_required"
    case = world.report("G1", "road_damage", attributes={"kinds": "a,b", "seen_at": "2026-11-23T09:00",
                                                          "depth_cm": "12.5"})
    assert case.attributes == {"kinds": "a,b", "seen_at": "2026-11-23T09:00:00+08:00", "depth_cm": 12.5}


def test_admin_check_keeps_priority_bumps(world: World) -> None:
    clean = admin.check_attributes([{"code": "trapped", "datatype": "singlevaluelist", "description": "是否有人被困",
                                     "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
                                     "raise_priority": {"yes": "P1"}}])
    assert clean[0]["raise_priority"] == {"yes": "P1"} and clean[0]["order"] == 1
    with pytest.raises(Invalid):
        admin.check_attributes([{"code": "t", "datatype": "singlevaluelist", "description": "问",
                                 "values": [{"key": "yes", "name": "是"}], "raise_priority": {"maybe": "P1"}}])
