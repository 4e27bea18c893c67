"""HTTP: NEWS2 endpoint, the register with masking, alarm actions, the link and the pages."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests import factories
from tests.eldercare.conftest import ElderWorld

from gongzhi.audit.models import AuditEntry
from gongzhi.audit.service import PII_READ
from gongzhi.cases.models import Case


def _h(world: ElderWorld, user: object) -> dict[str, str]:
    return factories.auth_header(factories.api_token(world.session, user))  # type: ignore[arg-type]


def test_news2_endpoint_full_and_partial(client: TestClient, world: ElderWorld) -> None:
    h = _h(world, world.doctor)
    body = {"respiration_rate": 22, "spo2": 95, "on_oxygen": False, "systolic_bp": 105, "pulse": 115,
            "consciousness": "A", "temperature": 38.5}
    r = client.post("/api/v1/eldercare/news2", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 2 + 1 + 0 + 1 + 2 + 0 + 1 and r.json()["band"] == "high"
    assert r.json()["complete"] is True and r.json()["missing"] == []
    r = client.post("/api/v1/eldercare/news2", json={"pulse": 130, "spo2": 93, "spo2_scale": 2}, headers=h)
    assert r.json()["scores"] == {"pulse": 2, "spo2": 0} and "consciousness" in r.json()["missing"]
    r = client.post("/api/v1/eldercare/news2", json={}, headers=h)
    assert r.status_code == 422 and "至少" in r.json()["error"]["message"]
    r = client.post("/api/v1/eldercare/news2", json={"consciousness": "X"}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/eldercare/news2", json={"pulse": 80}, headers=_h(world, world.resident))
    assert r.status_code == 403


def test_register_and_masking_by_role(client: TestClient, world: ElderWorld) -> None:
    body = {"name": "李建国", "id_number": factories.id_number("19380704", seq="456"), "grid_code": "G1",
            "phone": "13700001234", "address": "宝石一网格 5 幢", "living_alone": True,
            "doctor_username": "yisheng", "buddy_username": "zhiyuan",
            "contacts": [{"name": "李强", "relation": "儿子", "phone": "13911112222"}]}
    r = client.post("/api/v1/eldercare/elders", json=body, headers=_h(world, world.worker))
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    # The doctor reads the record unmasked, and the read is logged.
    r = client.get(f"/api/v1/eldercare/elders/{eid}", headers=_h(world, world.doctor))
    assert r.json()["id_number"] == body["id_number"] and r.json()["contacts"][0]["phone"] == "13911112222"
    logged = world.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "elder",
                                                            AuditEntry.subject_id == str(eid),
                                                            AuditEntry.kind == PII_READ)).all()
    assert len(logged) >= 1
    # The volunteer buddy sees the elder masked.
    r = client.get(f"/api/v1/eldercare/elders/{eid}", headers=_h(world, world.buddy))
    data = r.json()
    assert data["masked"] is True and data["name"] == "李*国" and data["phone"] == "137****1234"
    assert data["id_number"].startswith("330106") and "*" in data["id_number"] and data["address"] == ""
    # A grid worker of another grid does not see the elder at all.
    assert client.get(f"/api/v1/eldercare/elders/{eid}", headers=_h(world, world.stranger_worker)).status_code == 404
    # Bad input: a clear 4xx in Chinese, nothing written.
    bad = {**body, "id_number": "330106193807044560"}
    r = client.post("/api/v1/eldercare/elders", json=bad, headers=_h(world, world.worker))
    assert r.status_code == 422 and "身份证" in r.json()["error"]["message"]
    r = client.post("/api/v1/eldercare/elders", json=body, headers=_h(world, world.worker))
    assert r.status_code == 409
    r = client.post("/api/v1/eldercare/elders", json={**body, "id_number": factories.id_number("19400101"),
                                                      "grid_code": "G3"}, headers=_h(world, world.worker))
    assert r.status_code == 403


def test_consent_and_binding(client: TestClient, world: ElderWorld) -> None:
    h = _h(world, world.worker)
    r = client.post(f"/api/v1/eldercare/elders/{world.elder.id}/consents",
                    json={"given_by": "张秀英", "scope": ["monitoring", "notify_family"]}, headers=h)
    assert r.status_code == 201 and r.json()["scope"] == ["monitoring", "notify_family"]
    r = client.post(f"/api/v1/eldercare/elders/{world.elder.id}/wearables", json={"device_code": "BAND-002"},
                    headers=h)
    assert r.status_code == 201
    other = factories.make_user(world.session, "wgy_g1b", "grid_worker", "G1")
    r = client.post("/api/v1/eldercare/elders", json={
        "name": "王五", "id_number": factories.id_number("19450101", seq="777"), "grid_code": "G1"},
        headers=_h(world, other))
    r = client.post(f"/api/v1/eldercare/elders/{r.json()['id']}/wearables", json={"device_code": "BAND-002"},
                    headers=h)
    assert r.status_code == 409 and "已绑定" in r.json()["error"]["message"]


def test_alarm_api_flow(client: TestClient, world: ElderWorld) -> None:
    world.send(("sos", 1))
    h = _h(world, world.doctor)
    [alarm] = client.get("/api/v1/eldercare/alarms", headers=h).json()
    assert alarm["kind"] == "sos" and [c["role"] for c in alarm["calls"]] == ["doctor", "emergency"]
    r = client.post(f"/api/v1/eldercare/alarms/{alarm['id']}/ack", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged" and r.json()["case_id"]
    case = world.session.get(Case, r.json()["case_id"])
    assert case is not None and case.source == "eldercare"
    assert client.post(f"/api/v1/eldercare/alarms/{alarm['id']}/ack", headers=h).status_code == 409
    assert client.post(f"/api/v1/eldercare/alarms/{alarm['id']}/on_scene", headers=h).json()["status"] == "on_scene"
    r = client.post(f"/api/v1/eldercare/alarms/{alarm['id']}/close", json={"outcome": "resolved"}, headers=h)
    assert r.json()["status"] == "resolved"
    assert client.get("/api/v1/eldercare/alarms", headers=h).json() == []


def test_ack_link_pages(client: TestClient, world: ElderWorld) -> None:
    world.send(("fall", 1))
    [alarm] = world.alarms("fall")
    token = world.outbox(alarm)[0].payload["ack_url"].rsplit("/", 1)[1]
    page = client.get(f"/eldercare/ack/{token}")
    assert page.status_code == 200 and "跌倒" in page.text and "张*英" in page.text
    assert world.alarms("fall")[0].status == "active"  # a GET never acknowledges
    done = client.post(f"/eldercare/ack/{token}")
    assert done.status_code == 200 and "已确认" in done.text
    assert world.alarms("fall")[0].status == "acknowledged"
    assert client.post(f"/eldercare/ack/{token}").status_code == 404


def test_duty_board_and_elder_page(client: TestClient, world: ElderWorld) -> None:
    world.send(("heart_rate", 72), ("spo2", 97), ("temperature", 36.5))
    world.send(("sos", 1))
    csrf = factories.login_cookie(client, world.session, world.doctor)
    board = client.get("/eldercare")
    assert board.status_code == 200 and "SOS 呼救" in board.text and "距下一级升级" in board.text
    assert "李医生" in board.text and "急救 120" in board.text
    [alarm] = world.alarms("sos")
    r = client.post(f"/eldercare/alarms/{alarm.id}/act", data={"csrf_token": csrf, "action": "ack"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert world.alarms("sos")[0].status == "acknowledged"
    again = client.post(f"/eldercare/alarms/{alarm.id}/act", data={"csrf_token": csrf, "action": "ack"})
    assert again.status_code == 409 and "已响应" in again.text
    elder = client.get(f"/eldercare/elders/{world.elder.id}")
    assert elder.status_code == 200 and "vitals-figure" in elder.text and "13812345678" in elder.text
    assert re.search(r"plotly\.min\.js", elder.text)
    cov = client.get("/eldercare/coverage")
    assert cov.status_code == 200 and "100.0%" in cov.text and "发生→确认" in cov.text


def test_board_is_for_staff(client: TestClient, world: ElderWorld) -> None:
    factories.login_cookie(client, world.session, world.resident)
    assert client.get("/eldercare").status_code == 403


def test_coverage_counts_working_band_and_doctor(client: TestClient, world: ElderWorld) -> None:
    from gongzhi.eldercare import service

    assert service.coverage(world.session, world.official, world.now)[0].covered == 0  # band never reported
    world.send(("heart_rate", 70))
    [row] = service.coverage(world.session, world.official, world.now)
    assert (row.community, row.registered, row.covered, row.rate) == ("宝石社区", 1, 1, 1.0)
    r = client.get("/api/v1/eldercare/coverage", headers=_h(world, world.official))
    assert r.json() == [{"community": "宝石社区", "registered": 1, "covered": 1, "rate": 1.0}]


def test_config_is_admin_only_and_checked(client: TestClient, world: ElderWorld) -> None:
    r = client.patch("/api/v1/eldercare/config", json={"doctor_ack_seconds": 60}, headers=_h(world, world.doctor))
    assert r.status_code == 403
    admin = _h(world, world.admin)
    r = client.patch("/api/v1/eldercare/config", json={"emergency_channel": "webhook"}, headers=admin)
    assert r.status_code == 422  # "120:dispatch" is no URL: every SOS would fail to commit
    r = client.patch("/api/v1/eldercare/config", json={"doctor_ack_seconds": 60, "emergency_channel": "webhook",
                                                      "emergency_recipient": "https://120.example.invalid/hook"},
                     headers=admin)
    assert r.status_code == 200 and r.json()["doctor_ack_seconds"] == 60
    world.session.expire_all()  # the requests wrote the config and audit head through other sessions
    world.send(("sos", 1))
    [alarm] = world.alarms("sos")
    assert alarm.next_escalation_at == world.now + timedelta(seconds=60)
    emergency = next(c for c in world.calls(alarm) if c.role == "emergency")
    assert (emergency.channel, emergency.recipient) == ("webhook", "https://120.example.invalid/hook")


def test_update_elder_replaces_contacts_and_keeps_id_number(client: TestClient, world: ElderWorld) -> None:
    body = {"name": "张秀英", "id_number": world.elder.id_number, "grid_code": "G2", "living_alone": False,
            "doctor_username": "yisheng", "contacts": [{"name": "张小红", "relation": "女儿", "phone": "13900002222"}]}
    worker = _h(world, world.worker)
    # The G1 grid worker cannot move the elder out of their grid; the street official can.
    assert client.put(f"/api/v1/eldercare/elders/{world.elder.id}", json=body, headers=worker).status_code == 403
    h = _h(world, world.official)
    r = client.put(f"/api/v1/eldercare/elders/{world.elder.id}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["grid_code"] == "G2" and [c["name"] for c in r.json()["contacts"]] == ["张小红"]
    assert r.json()["buddy"] == ""
    r = client.put(f"/api/v1/eldercare/elders/{world.elder.id}",
                   json={**body, "id_number": factories.id_number("19500101")}, headers=h)
    assert r.status_code == 422 and "不能修改" in r.json()["error"]["message"]


def test_register_page_import_and_export(client: TestClient, world: ElderWorld) -> None:
    from tests.eldercare.test_register_io import _book, _row

    csrf = factories.login_cookie(client, world.session, world.worker)
    page = client.get("/eldercare/elders")
    assert page.status_code == 200 and "张秀英" in page.text and "导入登记表" in page.text
    bad = _book([_row("19400101", "111", 网格编码="G9")])
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("elders.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422, r.text[-3000:]
    assert "第 2 行" in r.text and "G9" in r.text
    r = client.post("/eldercare/register/import", files={"file": ("elders.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 403  # no CSRF token
    good = _book([_row("19400101", "111")])
    r = client.post("/eldercare/register/import", data={"csrf_token": csrf},
                    files={"file": ("elders.xlsx", good, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    assert "王桂兰" in client.get("/eldercare/elders").text
    x = client.get("/eldercare/register.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_pages_in_english_leak_no_keys(client: TestClient, world: ElderWorld) -> None:
    world.send(("heart_rate", 118), ("spo2", 93), ("temperature", 38.4))
    world.send(("fall", 1))
    factories.login_cookie(client, world.session, world.doctor)
    for url in ("/eldercare", f"/eldercare/elders/{world.elder.id}", "/eldercare/elders", "/eldercare/coverage"):
        page = client.get(url + "?lang=en")
        assert page.status_code == 200
        assert not re.search(r"\beldercare[._][a-z_.]+", page.text.replace("/eldercare", "")), url
    board = client.get("/eldercare?lang=en").text
    assert "Elder-care duty board" in board and "NEWS2 score 5 (Medium)" in board and "fall detector" in board


def test_register_form(client: TestClient, world: ElderWorld) -> None:
    csrf = factories.login_cookie(client, world.session, world.worker)
    page = client.get("/eldercare/elders/new")
    assert page.status_code == 200 and 'value="yisheng"' in page.text and 'value="G1"' in page.text
    assert 'value="G3"' not in page.text  # not the worker's grid
    form = {"csrf_token": csrf, "name": "陈阿婆", "id_number": factories.id_number("19360606", seq="606"),
            "grid_code": "G1", "living_alone": "1", "conditions": "高血压，冠心病", "doctor": "yisheng",
            "c1_name": "陈军", "c1_relation": "儿子", "c1_phone": "13911114444", "band": "BAND-777"}
    bad = client.post("/eldercare/elders/new", data={**form, "c1_phone": "123"})
    assert bad.status_code == 422 and "123" in bad.text and 'value="陈阿婆"' in bad.text  # the form is kept
    r = client.post("/eldercare/elders/new", data=form, follow_redirects=False)
    assert r.status_code == 303
    elder = client.get(r.headers["location"])
    assert "陈阿婆" in elder.text and "BAND-777" in elder.text and "冠心病" in elder.text
    factories.login_cookie(client, world.session, world.buddy)
    assert client.get("/eldercare/elders/new").status_code == 403
