"""Volunteer API and pages: roster, check-in from the shift page, hours, warnings → cases, bad input."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.council.test_volunteers import START, inside_g1, make_team, shift_for
from tests.factories import GRID_BOXES, api_token, auth_header, login_cookie

from gongzhi.cases.models import Case
from gongzhi.clock import FrozenClock
from gongzhi.council import volunteers as vol


def test_api_roster_checkin_checkout_hours(client: TestClient, session: Session, clock: FrozenClock) -> None:
    t = make_team(session)
    lead_h = auth_header(api_token(session, t.leader))
    v2_h = auth_header(api_token(session, t.v2))
    session.flush()
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/shifts", headers=lead_h, json={
        "volunteer_id": t.v2.id, "area_code": "G1", "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat(), "route": "环线"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/shifts", headers=v2_h, json={
        "volunteer_id": t.v2.id, "area_code": "G1", "starts_at": (START + timedelta(hours=5)).isoformat(),
        "ends_at": (START + timedelta(hours=6)).isoformat()})
    assert r.status_code == 403
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/shifts", headers=lead_h, json={
        "volunteer_id": t.v2.id, "area_code": "G1", "starts_at": "2026-11-25T09:00:00",  # no zone
        "ends_at": "2026-11-25T10:00:00"})
    assert r.status_code == 422
    roster = client.get(f"/api/v1/volunteer-teams/{t.team.id}/shifts", headers=v2_h).json()
    assert [s["id"] for s in roster] == [sid]
    clock.set(START - timedelta(minutes=5))
    lat, lng = inside_g1()
    r = client.post(f"/api/v1/patrol-shifts/{sid}/check-in", headers=v2_h,
                    json={"lat": 30.252, "lng": GRID_BOXES["G1"][2] + 0.01})
    assert r.status_code == 422 and "超出允许" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/patrol-shifts/{sid}/check-in", headers=v2_h, json={"lat": 999, "lng": lng})
    assert r.status_code == 422
    r = client.post(f"/api/v1/patrol-shifts/{sid}/check-in", headers=v2_h, json={"lat": lat, "lng": lng})
    assert r.status_code == 200 and r.json()["status"] == "checked_in"
    clock.set(START + timedelta(hours=4))
    r = client.post(f"/api/v1/patrol-shifts/{sid}/check-out", headers=v2_h)
    assert r.status_code == 200 and r.json()["minutes"] == 120
    r = client.post(f"/api/v1/patrol-shifts/{sid}/check-out", headers=v2_h)
    assert r.status_code == 409
    team = client.get(f"/api/v1/volunteer-teams/{t.team.id}", headers=lead_h).json()
    assert {m["user_id"]: m["minutes"] for m in team["members"]}[t.v2.id] == 120


def test_api_warning_becomes_case_and_bad_report(client: TestClient, session: Session) -> None:
    t = make_team(session)
    v2_h = auth_header(api_token(session, t.v2))
    session.flush()
    lat, lng = inside_g1()
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/reports", headers=v2_h, json={
        "kind": "warning", "category": "elevator", "description": "电梯困人", "lat": lat, "lng": lng,
        "attributes": {"trapped": "yes"}})
    assert r.status_code == 201, r.text
    case = session.get_one(Case, r.json()["case_id"])
    assert case.source == "volunteer" and case.priority == "P1"
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/reports", headers=v2_h, json={
        "kind": "warning", "category": "no_such_category", "description": "x"})
    assert r.status_code == 422
    r = client.post(f"/api/v1/volunteer-teams/{t.team.id}/reports", headers=v2_h, json={
        "kind": "gossip", "description": "x"})
    assert r.status_code == 422
    r = client.post("/api/v1/volunteer-teams/999999/reports", headers=v2_h, json={
        "kind": "report", "description": "x"})
    assert r.status_code == 404


def test_shift_page_check_in_from_phone_form(client: TestClient, session: Session, clock: FrozenClock) -> None:
    t = make_team(session)
    shift = shift_for(session, t, t.v2)
    clock.set(START - timedelta(hours=1))  # the browser session starts on the day of the shift
    csrf = login_cookie(client, session, t.v2, clock.now())
    session.flush()
    home = client.get("/volunteers")
    assert home.status_code == 200 and f"/volunteers/shifts/{shift.id}" in home.text
    page = client.get(f"/volunteers/shifts/{shift.id}")
    assert page.status_code == 200 and 'id="locate"' in page.text
    clock.set(START)
    r = client.post(f"/volunteers/shifts/{shift.id}/check-in", data={"csrf_token": csrf, "lat": "", "lng": ""})
    assert r.status_code == 422 and "使用我的位置" in r.text
    lat, lng = inside_g1()
    r = client.post(f"/volunteers/shifts/{shift.id}/check-in",
                    data={"csrf_token": csrf, "lat": str(lat), "lng": str(lng)}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/volunteers/shifts/{shift.id}")
    assert 'id="check-out"' in page.text and 'id="report"' in page.text
    r = client.post(f"/volunteers/shifts/{shift.id}/report", data={
        "csrf_token": csrf, "kind": "warning", "category": "elevator", "description": "3幢电梯停运",
        "attr__elevator__trapped": "no", "lat": str(lat), "lng": str(lng)}, follow_redirects=False)
    assert r.status_code == 303
    report = vol.team_reports(session, t.team)[0]
    assert report.case_id is not None and report.shift_id == shift.id
    r = client.post(f"/volunteers/shifts/{shift.id}/report", data={
        "csrf_token": csrf, "kind": "warning", "category": "elevator", "description": "漏答问题"})
    assert r.status_code == 422
    clock.set(START + timedelta(minutes=90))
    r = client.post(f"/volunteers/shifts/{shift.id}/check-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/volunteers/teams/{t.team.id}")
    assert page.status_code == 200
    assert f'data-user="{t.v2.id}"><td>李志愿</td><td class="num">1小时30分' in page.text.replace("\n", "")


def test_team_page_schedule_and_swap(client: TestClient, session: Session) -> None:
    t = make_team(session)
    csrf = login_cookie(client, session, t.leader)
    session.flush()
    r = client.post(f"/volunteers/teams/{t.team.id}/shifts", data={
        "csrf_token": csrf, "volunteer_id": str(t.v2.id), "area_code": "G2", "starts_at": "2026-11-24T19:00",
        "hours": "2", "route": "夜巡"}, follow_redirects=False)
    assert r.status_code == 303
    shift = session.scalars(select(vol.PatrolShift).where(vol.PatrolShift.team_id == t.team.id)).one()
    assert shift.starts_at == START + timedelta(hours=9)  # 19:00 Shanghai = 11:00 UTC
    r = client.post(f"/volunteers/teams/{t.team.id}/shifts", data={
        "csrf_token": csrf, "volunteer_id": str(t.v2.id), "area_code": "G2", "starts_at": "2026-11-24T20:00",
        "hours": "1"})
    assert r.status_code == 409 and "已有班次" in r.text
    client.cookies.clear()
    csrf2 = login_cookie(client, session, t.v2)
    session.flush()
    r = client.post(f"/volunteers/shifts/{shift.id}/swap", data={"csrf_token": csrf2, "target_id": str(t.v3.id)},
                    follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    csrf3 = login_cookie(client, session, t.v3)
    session.flush()
    home = client.get("/volunteers")
    assert "李志愿 请 赵志愿 接" in home.text
    swap_id = vol.pending_swaps_for(session, t.v3)[0].id
    r = client.post(f"/volunteers/swaps/{swap_id}", data={"csrf_token": csrf3, "accept": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    session.refresh(shift)
    assert shift.volunteer_id == t.v3.id
