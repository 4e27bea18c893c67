"""Pages: filing form, dispute page (masked parties, triage and match reasons), caseload, board, registry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import login_cookie
from tests.mediation.mediation_world import World, make_world, profile

from gongzhi.audit import service as audit
from gongzhi.clock import FrozenClock
from gongzhi.mediation import tasks
from gongzhi.mediation.models import Dispute

MEDIUM = "隔壁邻居装修把我家的墙弄裂了，维修要两万块钱，他不肯赔，已经找过物业调了两次都没用。"
HIGH = "邻居因为占道的事和我吵架，他扬言要拿菜刀砍死我全家，还说不会放过我们。"


@pytest.fixture
def w(session: Session, clock: FrozenClock) -> World:
    return make_world(session, clock)


def _file(client: TestClient, csrf: str, **extra: str) -> tuple[int, str]:
    data = {"csrf_token": csrf, "description": MEDIUM, "a_name": "张三", "a_phone": "13812345678",
            "a_address": "宝石路1号2幢301", "r_name": "李四", "r_phone": "13900001111", "grid_code": "G1",
            "amount": "20000", "people": "2"} | extra
    r = client.post("/mediation/new", data=data, follow_redirects=False)
    return r.status_code, r.headers.get("location", "") or r.text


def test_resident_files_and_sees_masked_parties_and_reasons(client: TestClient, w: World) -> None:
    csrf = login_cookie(client, w.session, w.resident)
    assert "申请纠纷调解" in client.get("/mediation/new").text
    status, where = _file(client, csrf)
    assert status == 303 and where.startswith("/mediation/disputes/")
    page = client.get(where)
    assert page.status_code == 200
    assert "138****5678" in page.text and "13812345678" not in page.text
    assert "中风险" in page.text and "智能分诊" in page.text
    assert "查看完整信息" not in page.text  # a resident may not reveal


def test_bad_form_rerenders_with_the_reason(client: TestClient, w: World) -> None:
    csrf = login_cookie(client, w.session, w.resident)
    status, text = _file(client, csrf, a_phone="12345")
    assert status == 422 and "电话号码格式不正确" in text
    status, text = _file(client, csrf, r_name="")
    assert status == 422 and "被申请人" in text
    status, text = _file(client, csrf, amount="很多")
    assert status == 422 and "须为数字" in text
    assert w.session.scalar(select(Dispute.id)) is None
    # No CSRF token: refused.
    r = client.post("/mediation/new", data={"description": MEDIUM}, follow_redirects=False)
    assert r.status_code == 403


def test_mediator_caseload_countdown_contact_and_match_reasons(client: TestClient, w: World) -> None:
    d = w.file(HIGH)
    w.session.flush()
    csrf = login_cookie(client, w.session, w.med_d1)
    page = client.get("/mediation/caseload")
    assert page.status_code == 200 and "首次联系" in page.text and "data-deadline" in page.text
    detail = client.get(f"/mediation/disputes/{d.id}")
    assert "高风险立即分派" in detail.text and "在办案件" in detail.text and "扬言" in detail.text
    revealed = client.post(f"/mediation/disputes/{d.id}/reveal", data={"csrf_token": csrf})
    assert "13812345678" in revealed.text
    r = client.post(f"/mediation/disputes/{d.id}/act", data={"csrf_token": csrf, "action": "contact", "note": "已电话"},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/mediation/disputes/{d.id}/act", data={"csrf_token": csrf, "action": "outcome",
                                                             "outcome": "agreement", "terms": ""})
    assert r.status_code == 422 and "协议内容" in r.text
    r = client.post(f"/mediation/disputes/{d.id}/evidence", data={"csrf_token": csrf},
                    files={"file": ("录音.mp3", b"ID3" + b"x" * 100, "audio/mpeg")}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/mediation/disputes/{d.id}/act", data={"csrf_token": csrf, "action": "outcome",
                                                             "outcome": "agreement", "terms": "双方互相道歉，李四不再占道。"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/mediation/disputes/{d.id}")
    assert "SHA-256" in page.text and "存证序号" in page.text and "打印调解协议书" in page.text
    printed = client.post(f"/mediation/disputes/{d.id}/agreement", data={"csrf_token": csrf})
    assert printed.status_code == 200 and "人民调解协议书" in printed.text and "张三" in printed.text
    w.session.expire_all()
    assert [e for e in audit.entries_for(w.session, "dispute", d.id) if e.kind == audit.PII_READ]


def test_board_and_registry(client: TestClient, w: World, clock: FrozenClock) -> None:
    for _ in range(3):
        w.file(HIGH)
        clock.advance(timedelta(hours=2))
    tasks.sweep(w.session, clock.now())
    w.session.flush()
    login_cookie(client, w.session, w.official_s1)
    board = client.get("/mediation/board")
    assert board.status_code == 200 and "首次联系超时 (3)" in board.text and "区（市）矛调中心" in board.text
    client.cookies.clear()
    login_cookie(client, w.session, w.worker_g1)
    reg = client.get("/mediation/registry")
    assert reg.status_code == 200 and "本周走访清单" in reg.text and "重复纠纷" in reg.text
    client.cookies.clear()
    login_cookie(client, w.session, w.resident)
    assert client.get("/mediation/board").status_code == 403


def test_supervisor_sets_a_mediators_specialties_and_limit(client: TestClient, w: World) -> None:
    csrf = login_cookie(client, w.session, w.official_c1)
    page = client.get("/mediation/mediators")
    assert page.status_code == 200 and 'data-mediator="tj_c1"' in page.text
    assert 'data-mediator="tj_c2"' not in page.text  # another community's mediator is out of scope
    r = client.post("/mediation/mediators", data={"csrf_token": csrf, "username": "tj_c1",
                                                  "specialties": ["labor", "consumer"], "capacity": "3",
                                                  "available": "on"}, follow_redirects=False)
    assert r.status_code == 303
    w.session.expire_all()
    m = profile(w.session, w.med_c1)
    assert m.specialties == ["consumer", "labor"] and m.capacity == 3 and m.available
    r = client.post("/mediation/mediators", data={"csrf_token": csrf, "username": "tj_c2", "capacity": "3"})
    assert r.status_code == 403
    r = client.post("/mediation/mediators", data={"csrf_token": csrf, "username": "tj_c1", "capacity": "0"})
    assert r.status_code == 422 and "案件上限" in r.text
