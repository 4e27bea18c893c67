"""The HTTP API: filing, errors in the caller's language, evidence upload, outcome, agreement PDF, registry."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import api_token, auth_header
from tests.mediation.mediation_world import World, make_world

from gongzhi.audit import service as audit
from gongzhi.clock import FrozenClock
from gongzhi.mediation import agreement, tasks

HIGH = "邻居因为占道的事和我吵架，他扬言要拿菜刀砍死我全家，还说不会放过我们。"
MEDIUM = "隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。"


@pytest.fixture
def w(session: Session, clock: FrozenClock) -> World:
    return make_world(session, clock)


def _body(w: World, text: str = MEDIUM, grid: str = "G1", **extra: object) -> dict[str, object]:
    lat, lng = w.points[grid]
    return {"description": text, "lat": lat, "lng": lng, "amount": 20000, "people": 2,
            "parties": [{"role": "applicant", "name": "张三", "phone": "13812345678", "address": "宝石路1号"},
                        {"role": "respondent", "name": "李四", "phone": "13900001111"}], **extra}


def test_file_and_read_masked(client: TestClient, w: World) -> None:
    h = auth_header(api_token(w.session, w.resident))
    r = client.post("/api/v1/mediation/disputes", json=_body(w), headers=h)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["triage"]["risk"] == "medium" and d["match"]["tier"] == "town" and d["status"] == "waiting"
    assert d["parties"][0]["phone"] == "138****5678" and d["parties"][0]["masked"]
    # Only a PII role may reveal; the resident asking gets 403 in Chinese.
    r = client.get(f"/api/v1/mediation/disputes/{d['id']}?reveal=true", headers=h)
    assert r.status_code == 403 and "无权" in r.json()["error"]["message"]
    hs = auth_header(api_token(w.session, w.official_s1))
    r = client.get(f"/api/v1/mediation/disputes/{d['id']}?reveal=true", headers=hs)
    assert r.status_code == 200 and r.json()["parties"][0]["phone"] == "13812345678"
    assert any(e.kind == audit.PII_READ for e in audit.entries_for(w.session, "dispute", d["id"]))
    # Another resident: 404, not 403 (no leak that it exists).
    h2 = auth_header(api_token(w.session, w.resident2))
    assert client.get(f"/api/v1/mediation/disputes/{d['id']}", headers=h2).status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"parties": [{"role": "applicant", "name": "张三"}]}, 422, None),
        ({"parties": [{"role": "applicant", "name": "张三", "phone": "123"}, {"role": "respondent", "name": "李四"}]},
         422, "电话号码"),
        ({"lat": 30.2575, "lng": 120.2075}, 422, "网格"),
        ({"amount": -5}, 422, None),
        ({"people": 0}, 422, None),
        ({"description": ""}, 422, None),
        ({"unknown": 1}, 422, None),
    ],
)
def test_bad_input_is_a_clear_4xx(client: TestClient, w: World, change: dict[str, object], status: int,
                                  needle: str | None) -> None:
    h = auth_header(api_token(w.session, w.resident))
    r = client.post("/api/v1/mediation/disputes", json=_body(w) | change, headers=h)
    assert r.status_code == status, r.text
    if needle:
        assert needle in r.json()["error"]["message"]
    en = client.post("/api/v1/mediation/disputes", json=_body(w) | change, headers=h | {"Accept-Language": "en"})
    assert en.status_code == status


def test_full_flow_evidence_outcome_pdf(client: TestClient, w: World, clock: FrozenClock) -> None:
    hr = auth_header(api_token(w.session, w.resident))
    d = client.post("/api/v1/mediation/disputes", json=_body(w), headers=hr).json()
    w.session.expire_all()  # the requests committed in their own sessions
    tasks.sweep(w.session, clock.now())
    w.session.flush()
    hm = auth_header(api_token(w.session, w.med_s1))
    did = d["id"]
    assert client.post(f"/api/v1/mediation/disputes/{did}/contact", json={"note": "已电话联系"}, headers=hm).status_code == 200
    blob = b"%PDF-1.4 receipt" * 100
    r = client.post(f"/api/v1/mediation/disputes/{did}/evidence", files={"file": ("发票.pdf", blob, "application/pdf")},
                    headers=hm)
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["sha256"] == hashlib.sha256(blob).hexdigest() and ev["audit_seq"]
    got = client.get(f"/api/v1/mediation/disputes/{did}/evidence/{ev['id']}", headers=hm)
    assert got.content == blob and got.headers["x-content-sha256"] == ev["sha256"]
    r = client.post(f"/api/v1/mediation/disputes/{did}/sessions", headers=hm, json={
        "held_at": (clock.now() + timedelta(hours=1)).isoformat(), "place": "社区调解室", "attendees": "双方",
        "notes": "达成一致"})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/mediation/disputes/{did}/outcome", headers=hm, json={"outcome": "agreement"})
    assert r.status_code == 422 and "协议内容" in r.json()["error"]["message"]
    r = client.post(f"/api/v1/mediation/disputes/{did}/outcome", headers=hm,
                    json={"outcome": "agreement", "terms": "李四赔偿张三一万五千元。"})
    assert r.status_code == 200 and r.json()["status"] == "agreement"
    assert r.json()["followup_due_at"]
    if agreement.find_font() is not None:
        pdf = client.get(f"/api/v1/mediation/disputes/{did}/agreement.pdf", headers=hm)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) < 200_000
    assert client.get(f"/api/v1/mediation/disputes/{did}/agreement.pdf", headers=hr).status_code == 403
    again = client.post(f"/api/v1/mediation/disputes/{did}/outcome", headers=hm, json={"outcome": "withdrawn"})
    assert again.status_code == 409


def test_mediators_admin_and_match_now(client: TestClient, w: World) -> None:
    hs = auth_header(api_token(w.session, w.official_s1))
    r = client.put("/api/v1/mediation/mediators", headers=hs,
                   json={"username": "tj_c1", "specialties": ["labor"], "capacity": 3, "available": True})
    assert r.status_code == 200 and r.json()["tier"] == "village" and r.json()["specialties"] == ["labor"]
    r = client.put("/api/v1/mediation/mediators", headers=hs, json={"username": "jumin1", "specialties": []})
    assert r.status_code == 422
    hr = auth_header(api_token(w.session, w.resident))
    assert client.get("/api/v1/mediation/mediators", headers=hr).status_code == 403
    client.post("/api/v1/mediation/disputes", json=_body(w), headers=hr)
    assert client.post("/api/v1/mediation/match", headers=hs).json() == {"done": 1}


def test_registry_and_visits(client: TestClient, w: World, clock: FrozenClock) -> None:
    hr = auth_header(api_token(w.session, w.resident))
    for _ in range(3):
        assert client.post("/api/v1/mediation/disputes", json=_body(w, HIGH), headers=hr).status_code == 201
        clock.advance(timedelta(days=1))
    hg = auth_header(api_token(w.session, w.worker_g1))
    visits = client.get("/api/v1/mediation/registry/visits", headers=hg).json()
    assert visits and visits[0]["score"] > 2.5
    assert any("重复" in r for r in visits[0]["reasons"])
    top = visits[0]
    r = client.post("/api/v1/mediation/registry/visits", headers=hg,
                    json={"kind": top["kind"], "key": top["key"], "note": "已上门走访，双方情绪平稳"})
    assert r.status_code == 201
    after = client.get("/api/v1/mediation/registry/visits", headers=hg).json()
    assert top["key"] not in {e["key"] for e in after}
    # Another grid's worker sees none of it and cannot record a visit for it.
    hg3 = auth_header(api_token(w.session, w.worker_g3))
    assert client.get("/api/v1/mediation/registry", headers=hg3).json() == []
    r = client.post("/api/v1/mediation/registry/visits", headers=hg3,
                    json={"kind": top["kind"], "key": top["key"], "note": "x"})
    assert r.status_code == 404
    assert client.get("/api/v1/mediation/registry", headers=hr).status_code == 403
