"""Cases over HTTP: codes, language, scope, masking, and that a failed request writes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests import factories

from gongzhi.auth.models import User
from gongzhi.cases.models import Case

from .conftest import World


def headers(w: World, user: User) -> dict[str, str]:
    w.session.commit()  # make the world visible to requests (a savepoint inside the test transaction)
    return factories.auth_header(factories.api_token(w.session, user, w.now))


def post_case(client: TestClient, h: dict[str, str], w: World, grid: str = "G1", **extra: object) -> dict:
    lat, lng = w.points[grid]
    body = {"category": "road_damage", "description": "路面塌陷一个坑", "lat": lat, "lng": lng} | extra
    r = client.post("/api/v1/cases", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def test_file_accept_and_read_back(client: TestClient, world: World) -> None:
    created = post_case(client, headers(world, world.resident), world)
    assert created["status"] == "dispatched" and created["grid"]["code"] == "G1"
    assert [t["action"] for t in created["timeline"]] == ["create", "dispatch"]
    assert created["number"].startswith("GZ20261123")
    h = headers(world, world.worker_g1)
    r = client.post(f"/api/v1/cases/{created['id']}/transitions", json={"action": "accept"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["status_label"] == "已签收"
    r = client.get(f"/api/v1/cases/{created['id']}", headers=h)
    assert [t["action_label"] for t in r.json()["timeline"]] == ["受理登记", "派单", "签收"]


def test_illegal_transition_is_409_with_a_clear_message(client: TestClient, world: World) -> None:
    case = post_case(client, headers(world, world.resident), world)
    h = headers(world, world.worker_g1)
    r = client.post(f"/api/v1/cases/{case['id']}/transitions", json={"action": "start"}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "case_transition_illegal",
        "message": "工单当前状态为“已派单”，不能执行“开始处置”",
    }
    h_en = h | {"Accept-Language": "en"}
    r = client.post(f"/api/v1/cases/{case['id']}/transitions", json={"action": "start"}, headers=h_en)
    assert r.json()["error"]["message"] == "The case is Dispatched; it cannot be Start work"


def test_worker_of_another_grid_gets_404(client: TestClient, world: World) -> None:
    case = post_case(client, headers(world, world.resident2), world, grid="G3")
    h = headers(world, world.worker_g1)
    assert client.get(f"/api/v1/cases/{case['id']}", headers=h).status_code == 404
    r = client.post(f"/api/v1/cases/{case['id']}/transitions", json={"action": "accept"}, headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "case_not_found"
    listed = client.get("/api/v1/cases", headers=h).json()
    assert case["id"] not in [c["id"] for c in listed["items"]]


def test_phone_masked_unless_revealed_and_logged(client: TestClient, world: World) -> None:
    case = post_case(client, headers(world, world.resident), world)
    h = headers(world, world.worker_g1)
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=h).json()
    assert seen["reporter_phone"] == "138****5678" and seen["reporter_name"] == "张*"
    own = client.get(f"/api/v1/cases/{case['id']}", headers=headers(world, world.resident)).json()
    assert own["reporter_phone"] == "13812345678"
    r = client.post(f"/api/v1/cases/{case['id']}/contact", headers=h)
    assert r.json() == {"reporter_name": "张三", "reporter_phone": "13812345678"}
    r = client.post(f"/api/v1/cases/{case['id']}/contact", headers=headers(world, world.resident2))
    assert r.status_code == 404


def test_bad_input_is_4xx_in_chinese_and_writes_nothing(client: TestClient, world: World) -> None:
    h = headers(world, world.resident)
    count = lambda: world.session.scalar(select(func.count()).select_from(Case))  # noqa: E731
    before = count()
    for body, status in [
        ({"category": "road_damage", "description": "x", "lat": 91, "lng": 120}, 422),
        ({"category": "road_damage", "description": "", "lat": 30, "lng": 120}, 422),
        ({"category": "nope", "description": "x", "lat": 30, "lng": 120}, 422),
        ({"category": "road_damage", "description": "x", "lat": 10.0, "lng": 10.0}, 422),
        ({"category": "road_damage", "description": "x"}, 422),
        ({"category": "road_damage", "description": "x", "grid_code": "G1", "surprise": 1}, 422),
    ]:
        r = client.post("/api/v1/cases", json=body, headers=h)
        assert r.status_code == status, (body, r.text)
        assert set(r.json()["error"]) == {"code", "message"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"]["message"])
    assert (
        client.post(
            "/api/v1/cases", content=b"{not json", headers=h | {"content-type": "application/json"}
        ).status_code
        == 422
    )
    world.session.expire_all()
    assert count() == before


def test_unauthenticated_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/cases")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_filing_needs_credentials_and_a_cookie_caller_needs_the_csrf_token(
    client: TestClient, world: World
) -> None:
    # POST /cases authenticates inside its own one-hop transaction: the same rules as everywhere.
    lat, lng = world.points["G1"]
    body = {"category": "road_damage", "description": "路面塌陷一个坑", "lat": lat, "lng": lng}
    count = lambda: world.session.scalar(select(func.count()).select_from(Case))  # noqa: E731
    before = count()
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = client.post("/api/v1/cases", json=body, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
    csrf = factories.login_cookie(client, world.session, world.resident, world.now)
    world.session.commit()
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf + "x"})
    assert r.status_code == 403
    world.session.expire_all()
    assert count() == before
    r = client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "dispatched"


def test_huge_id_is_422_not_500(client: TestClient, world: World) -> None:
    h = headers(world, world.admin)
    assert client.get("/api/v1/cases/99999999999999999999", headers=h).status_code == 422


def test_categories_listed_in_both_languages(client: TestClient) -> None:
    zh = {c["code"]: c["name"] for c in client.get("/api/v1/categories").json()}
    en = {c["code"]: c["name"] for c in client.get("/api/v1/categories?lang=en").json()}
    assert zh["streetlight"] == "路灯故障" and en["streetlight"] == "Streetlight out"
