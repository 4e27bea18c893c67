"""The council API and pages on both databases: a meeting from notice to published minutes, the secret
ballot's hidden tally, clear 4xx errors, who may do what."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests import factories
from tests.council.council_fixtures import Town, town_fixture  # noqa: F401  (the `town` fixture)

from gongzhi.auth.models import User
from gongzhi.cases.models import Case
from gongzhi.council.models import AgendaItem

API = "/api/v1/councils"


def _h(town: Town, user: User) -> dict[str, str]:
    return factories.auth_header(factories.api_token(town.session, user, town.now))


def test_meeting_from_notice_to_published_minutes(client: TestClient, town: Town) -> None:
    chair, sec = _h(town, town.chair), _h(town, town.secretary)
    council = client.get(f"{API}/{town.council.id}", headers=chair).json()
    assert [(g["code"], g["quota"], g["in_term"]) for g in council["groups"]] == [
        ("residents", "50.0%", 4), ("property", "30.0%", 2), ("social_org", "20.0%", 2)]
    assert council["can_run"] and not council["can_manage"]
    starts = (town.now + timedelta(hours=2)).isoformat()
    r = client.post(f"{API}/{town.council.id}/meetings", headers=chair, json={"starts_at": starts, "title": "临时议事会"})
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    r = client.post(f"{API}/meetings/{mid}/agenda", headers=sec, json={"title": "维修基金使用", "description": "更换3号楼水泵"})
    item_id = r.json()["agenda"][0]["id"]
    r = client.post(f"{API}/agenda/{item_id}/documents", headers=sec, json={
        "title": "报价单", "filename": "quote.txt", "content_base64": base64.b64encode(b"pump 12000").decode()})
    doc = r.json()["agenda"][0]["documents"][0]
    assert doc["size"] == 10 and len(doc["sha256"]) == 64
    assert client.get(doc["url"], headers=sec).content == b"pump 12000"
    assert client.post(f"{API}/meetings/{mid}/notice", headers=chair).json()["status"] == "noticed"
    for u in (town.chair, town.secretary, *town.residents, town.social):
        assert client.post(f"{API}/meetings/{mid}/attendance", headers=_h(town, u), json={"mode": "online"}).status_code == 200
    r = client.post(f"{API}/meetings/{mid}/open", headers=chair)
    assert r.json()["status"] == "in_session" and r.json()["quorum"]["met"] is True
    assert r.json()["quorum"]["present_fraction"] == "3/5"
    r = client.post(f"{API}/meetings/{mid}/motions", headers=chair, json={
        "title": "同意使用维修基金更换水泵", "rule": "two_thirds", "abstentions": "excluded", "agenda_item_id": item_id})
    assert r.status_code == 201
    motion_id = r.json()["id"]
    for u, c in ((town.chair, "yes"), (town.secretary, "yes"), (town.residents[0], "abstain"), (town.social, "no")):
        assert client.post(f"{API}/motions/{motion_id}/votes", headers=_h(town, u), json={"choice": c}).status_code == 201
    live = client.get(f"{API}/motions/{motion_id}", headers=chair).json()
    assert live["tally"]["yes"] == "25.00%" and live["votes_cast"] == 4 and len(live["votes"]) == 4
    r = client.post(f"{API}/motions/{motion_id}/close", headers=chair)
    body = r.json()
    # yes 1/4, no 1/5 (social worker alone carries the group's 20%): 1/4 < 2/3 × 9/20 = 3/10 -> fails
    assert body["result"] == "failed" and body["tally"]["conditions"][1].startswith("赞成 25.00% (1/4) ≥ 2/3")
    r = client.post(f"{API}/motions/{motion_id}/votes", headers=_h(town, town.residents[1]), json={"choice": "yes"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "council_motion_closed"
    r = client.post(f"{API}/motions/{motion_id}/action-items", headers=chair, json={
        "title": "x", "due_on": "2026-12-31", "owner_unit_code": "U-PROP"})
    assert r.status_code == 409
    # A second motion passes and gets an action item that becomes a case.
    r = client.post(f"{API}/meetings/{mid}/motions", headers=chair, json={"title": "先做水泵检测"})
    m2 = r.json()["id"]
    for u in (town.chair, town.secretary, town.social):
        client.post(f"{API}/motions/{m2}/votes", headers=_h(town, u), json={"choice": "yes"})
    assert client.post(f"{API}/motions/{m2}/close", headers=chair).json()["result"] == "passed"
    r = client.post(f"{API}/motions/{m2}/action-items", headers=chair, json={
        "title": "委托检测水泵", "due_on": "2026-12-15", "owner_unit_code": "U-PROP", "grid_code": "G2"})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["progress"] == "not_started" and item["case_number"].startswith("GZ")
    case = town.session.scalars(select(Case).where(Case.id == item["case_id"])).one()
    assert case.source == "council" and case.unit_id == town.unit.id
    r = client.post(f"{API}/meetings/{mid}/close", headers=chair)
    assert r.json()["status"] == "closed" and "委托检测水泵" in r.json()["minutes"]
    assert client.put(f"{API}/meetings/{mid}/minutes", headers=chair, json={"text": "改"}).status_code == 403
    r = client.put(f"{API}/meetings/{mid}/minutes", headers=sec, json={"text": r.json()["minutes"] + "\n散会。"})
    assert r.status_code == 200
    resident = _h(town, town.resident)
    assert client.get(f"{API}/meetings/{mid}/minutes", headers=resident).status_code == 404
    assert client.post(f"{API}/meetings/{mid}/minutes/publish", headers=sec).status_code == 200
    r = client.get(f"{API}/meetings/{mid}/minutes", headers=resident)
    assert r.status_code == 200 and r.json()["minutes"].endswith("散会。")
    # The council page shows the action item's progress to residents too.
    items = client.get(f"{API}/{town.council.id}", headers=resident).json()["action_items"]
    assert [(i["title"], i["progress_label"]) for i in items] == [("委托检测水泵", "未开始")]


def test_secret_ballot_api_hides_the_tally_until_closed(client: TestClient, town: Town) -> None:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social])
    chair = _h(town, town.chair)
    motion_id = client.post(f"{API}/meetings/{m.id}/motions", headers=chair,
                            json={"title": "无记名表决", "secret": True}).json()["id"]
    client.post(f"{API}/motions/{motion_id}/votes", headers=_h(town, town.social), json={"choice": "no"})
    live = client.get(f"{API}/motions/{motion_id}", headers=chair).json()
    assert live["tally"] is None and live["votes"] == [] and live["votes_cast"] == 1
    done = client.post(f"{API}/motions/{motion_id}/close", headers=chair).json()
    assert done["tally"]["no"] == "20.00%" and done["votes"] == []


def test_permissions_and_errors(client: TestClient, town: Town) -> None:
    m = town.in_session([town.chair, town.secretary, *town.residents, town.social])
    motion_id = client.post(f"{API}/meetings/{m.id}/motions", headers=_h(town, town.chair),
                            json={"title": "表决"}).json()["id"]
    # A resident cannot vote in council (and cannot see the meeting record).
    r = client.post(f"{API}/motions/{motion_id}/votes", headers=_h(town, town.resident), json={"choice": "yes"})
    assert r.status_code == 404
    # A member outside the community sees nothing.
    assert client.get(f"{API}/meetings/{m.id}", headers=_h(town, town.outsider)).status_code == 404
    # An ordinary member may not run the meeting.
    member = _h(town, town.residents[0])
    assert client.post(f"{API}/meetings/{m.id}/close", headers=member).status_code == 403
    assert client.post(f"{API}/motions/{motion_id}/close", headers=member).status_code == 403
    # Bad input: clear 422s in the caller's language, Chinese by default.
    r = client.post(f"{API}/motions/{motion_id}/votes", headers=member, json={"choice": "maybe"})
    assert r.status_code == 422
    r = client.post(API, headers=_h(town, town.official), json={"area_code": "C1", "name": "第二议事会", "groups": [
        {"code": "residents", "name": "居民", "quota_permille": 600}, {"code": "property", "name": "物业", "quota_permille": 300}]})
    assert r.status_code == 422 and "100%" in r.json()["error"]["message"]
    r = client.post(API, headers={**_h(town, town.official), "Accept-Language": "en"},
                    json={"area_code": "G1", "name": "x"})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("A council belongs")
    r = client.post(API, headers=_h(town, town.official), json={"area_code": "NOPE", "name": "x"})
    assert r.status_code == 422
    r = client.post(f"{API}/{town.council.id}/meetings", headers=_h(town, town.chair),
                    json={"starts_at": "9999-12-31T23:59:59Z"})
    assert r.status_code == 422
    r = client.post(API, headers=_h(town, town.chair), json={"area_code": "C1", "name": "x"})
    assert r.status_code == 403
    r = client.patch(f"{API}/{town.council.id}", headers=_h(town, town.official), json={"quorum": "3/2"})
    assert r.status_code == 422
    r = client.patch(f"{API}/{town.council.id}", headers=_h(town, town.official), json={"quorum": "2/3", "time": "19:30"})
    assert r.status_code == 200 and r.json()["quorum"] == "2/3"
    assert client.get(f"{API}/999999", headers=member).status_code == 404
    # Resident follows the council.
    assert client.put(f"{API}/{town.council.id}/subscription", headers=_h(town, town.resident)).status_code == 204


def test_pages_render_and_act(client: TestClient, town: Town) -> None:
    m = town.meeting(hours=3)
    csrf = factories.login_cookie(client, town.session, town.chair, town.now)
    page = client.get(f"/councils/{town.council.id}")
    assert page.status_code == 200 and "宝石社区议事会" in page.text and "50.0%" in page.text
    english = client.get(f"/councils/{town.council.id}?lang=en")
    assert "Seats" in english.text and "Resident representatives" in english.text
    page = client.get(f"/councils/meetings/{m.id}")
    assert page.status_code == 200 and "发送会议通知" in page.text
    r = client.post(f"/councils/meetings/{m.id}/act", data={"csrf_token": csrf, "action": "item", "title": "垃圾分类"},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/councils/meetings/{m.id}/act", data={"csrf_token": csrf, "action": "open"})
    assert r.status_code == 409 and "已排期" in r.text  # the page says why, with the service's status
    r = client.post(f"/councils/meetings/{m.id}/act", data={"csrf_token": csrf, "action": "notice"},
                    follow_redirects=False)
    assert r.status_code == 303
    item_id = town.session.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id == m.id)).one()
    r = client.post(f"/councils/meetings/{m.id}/act", data={"csrf_token": csrf, "action": "document",
                                                            "item_id": str(item_id), "title": "分类点位图"},
                    files={"file": ("map.txt", b"points: 12", "text/plain")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/councils/meetings/{m.id}")
    assert "分类点位图" in page.text and "map.txt" in page.text
    doc_url = re.search(r'href="(/api/v1/councils/documents/\d+)"', page.text)
    assert doc_url is not None and client.get(doc_url.group(1)).content == b"points: 12"
    r = client.post(f"/councils/meetings/{m.id}/act", data={"action": "open"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    # The community official edits quotas and adds a member through the council page.
    client.cookies.clear()
    csrf = factories.login_cookie(client, town.session, town.official, town.now)
    r = client.post(f"/councils/{town.council.id}/act", data={
        "csrf_token": csrf, "action": "quotas", "quota_residents": "50", "quota_property": "25",
        "quota_social_org": "20"})
    assert r.status_code == 422 and "95%" in r.text  # must add up to 100%
    r = client.post(f"/councils/{town.council.id}/act", data={
        "csrf_token": csrf, "action": "quotas", "quota_residents": "52.5", "quota_property": "27.5",
        "quota_social_org": "20"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/councils/{town.council.id}/act", data={
        "csrf_token": csrf, "action": "member", "group_code": "social_org", "name": "冯律师",
        "organisation": "社区法律顾问", "position": "member", "term_start": "2026-11-23", "term_end": "2027-11-22"},
        follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/councils/{town.council.id}").text
    assert "52.5%" in page and "27.5%" in page and "冯律师" in page
    # A resident sees the council page but not the meeting record.
    client.cookies.clear()
    factories.login_cookie(client, town.session, town.resident, town.now)
    assert client.get(f"/councils/{town.council.id}").status_code == 200
    assert client.get(f"/councils/meetings/{m.id}").status_code == 404
