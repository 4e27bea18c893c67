"""Logins, lock-out, CSRF, scoping and masking through the HTTP API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import (
    DEFAULT_PASSWORD,
    api_token,
    auth_header,
    build_area_tree,
    id_number,
    login_cookie,
    make_user,
)

from gongzhi.auth.models import LoginThrottle, User
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.geo.models import Area

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def areas(session: Session, clock: FrozenClock) -> dict[str, Area]:
    return build_area_tree(session, clock.now())


def _login(client: TestClient, username: str, password: str = DEFAULT_PASSWORD) -> Response:
    response: Response = client.post(TOKEN_URL, json={"username": username, "password": password})
    return response


# --- tokens ------------------------------------------------------------------------------------


def test_token_from_json_and_form(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1")
    r = _login(client, "gw_g1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_at"].startswith(str((clock.now() + timedelta(days=settings.token_days)).date()))
    me = client.get("/api/v1/auth/me", headers=auth_header(body["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "gw_g1" and me.json()["area_code"] == "G1"

    r = client.post(
        TOKEN_URL, data={"username": "gw_g1", "password": DEFAULT_PASSWORD, "grant_type": "password"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["access_token"] != body["access_token"]

    session.expire_all()
    user = session.scalars(select(User).where(User.username == "gw_g1")).one()
    assert user.last_login_at == clock.now()


def test_token_bad_bodies_are_422_not_500(client: TestClient) -> None:
    for kwargs in (
        {"json": {"username": "x"}},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"data": {"password": "x"}},
        {"json": ["a", "b"]},
    ):
        r = client.post(TOKEN_URL, **kwargs)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "validation_error"


def test_no_and_bad_credentials(client: TestClient, session: Session, areas: dict[str, Area]) -> None:
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "unauthorized", "message": "请先登录"}
    r = client.get("/api/v1/auth/me", headers=auth_header("made-up"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"
    r = client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_expired_token_is_refused(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    token = api_token(session, make_user(session, "gw_g1", "grid_worker", "G1"), clock.now())
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 200
    clock.advance(timedelta(days=settings.token_days))
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 401


def test_logout_revokes_the_bearer_token(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    token, other = api_token(session, user, clock.now()), api_token(session, user, clock.now())
    assert client.post("/api/v1/auth/logout", headers=auth_header(token)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth_header(token)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth_header(other)).status_code == 200


# --- lock-out ------------------------------------------------------------------------------------


def test_lockout_after_failures_even_with_the_right_password(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock, settings: Settings
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1")
    limit = settings.login_max_failures
    for _ in range(limit - 1):
        r = _login(client, "gw_g1", "wrong-password")
        assert r.status_code == 401
        assert r.json()["error"] == {"code": "login_failed", "message": "用户名或密码错误"}
    r = _login(client, "gw_g1", "wrong-password")
    assert r.status_code == 429
    assert r.headers["retry-after"] == str(settings.login_lock_minutes * 60)

    # The failures were committed although every one of those requests answered with an error.
    session.expire_all()
    row = session.get(LoginThrottle, "gw_g1")
    assert row is not None and row.failures == limit and row.locked_until is not None

    r = _login(client, "gw_g1")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "login_locked"
    assert f"{settings.login_lock_minutes} 分钟" in r.json()["error"]["message"]
    # Case does not dodge the lock.
    assert _login(client, "GW_G1").status_code == 429

    clock.advance(timedelta(minutes=settings.login_lock_minutes - 1))
    r = client.post(
        TOKEN_URL, json={"username": "gw_g1", "password": DEFAULT_PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert (
        r.status_code == 429
        and r.json()["error"]["message"] == "Too many failed logins; try again in 1 minutes"
    )
    clock.advance(timedelta(minutes=1))
    assert _login(client, "gw_g1").status_code == 200


def test_unknown_username_locks_too(client: TestClient, settings: Settings) -> None:
    responses = [_login(client, "nobody_here", "whatever1") for _ in range(settings.login_max_failures + 1)]
    codes = [r.status_code for r in responses]
    assert codes == [401] * (settings.login_max_failures - 1) + [429, 429]
    # Same message as for a wrong password: no hint whether the account exists.
    assert responses[0].json()["error"]["code"] == "login_failed"


def test_success_resets_the_counter(
    client: TestClient, session: Session, areas: dict[str, Area], settings: Settings
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1")
    for _ in range(2):
        for _ in range(settings.login_max_failures - 1):
            assert _login(client, "gw_g1", "wrong-password").status_code == 401
        assert _login(client, "gw_g1").status_code == 200


def test_inactive_user_gets_the_same_401(
    client: TestClient, session: Session, areas: dict[str, Area]
) -> None:
    make_user(session, "gw_g1", "grid_worker", "G1").is_active = False
    session.flush()
    r = _login(client, "gw_g1")
    assert r.status_code == 401 and r.json()["error"]["code"] == "login_failed"


# --- CSRF ----------------------------------------------------------------------------------------


def test_cookie_session_needs_csrf_on_unsafe_methods(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    user = make_user(session, "gw_g1", "grid_worker", "G1")
    csrf = login_cookie(client, session, user, clock.now())

    assert client.get("/api/v1/auth/me").status_code == 200  # safe method: no token needed
    r = client.post("/api/v1/auth/logout")
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf + "x"})
    assert r.status_code == 403
    # Someone else's session token is no good either.
    other_csrf = login_cookie(
        TestClient(client.app), session, make_user(session, "gw_g2", "grid_worker", "G2")
    )
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": other_csrf}).status_code == 403

    assert client.get("/api/v1/auth/me").status_code == 200  # the failed POSTs changed nothing
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_csrf_token_in_a_form_field(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    csrf = login_cookie(client, session, make_user(session, "gw_g1", "grid_worker", "G1"), clock.now())
    assert client.post("/api/v1/auth/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/api/v1/auth/logout", data={"csrf_token": csrf}).status_code == 204


def test_bearer_needs_no_csrf(
    client: TestClient, session: Session, areas: dict[str, Area], clock: FrozenClock
) -> None:
    admin = make_user(session, "admin_s1", "admin", "S1")
    # A cookie is also present, but the bearer header is what authenticates the request.
    login_cookie(client, session, admin, clock.now())
    r = client.post(
        "/api/v1/users",
        json={"username": "new_gw", "role": "grid_worker", "password": "password1", "area_code": "G1"},
        headers=auth_header(api_token(session, admin, clock.now())),
    )
    assert r.status_code == 201, r.text


# --- accounts: scope and masking --------------------------------------------------------------------


@pytest.fixture
def people(session: Session, areas: dict[str, Area], clock: FrozenClock) -> dict[str, User]:
    return {
        "admin_s1": make_user(session, "admin_s1", "admin", "S1"),
        "admin_c1": make_user(session, "admin_c1", "admin", "C1"),
        "off_c1": make_user(session, "off_c1", "official", "C1"),
        "gw_g1": make_user(session, "gw_g1", "grid_worker", "G1"),
        "res_g1": make_user(
            session,
            "res_g1",
            "resident",
            "G1",
            phone="13812345678",
            id_number=id_number(seq="007"),
            display_name="张三",
        ),
        "res_g3": make_user(session, "res_g3", "resident", "G3", phone="13900001111"),
    }


def _as(session: Session, clock: FrozenClock, user: User) -> dict[str, str]:
    return auth_header(api_token(session, user, clock.now()))


def test_list_users_scoped_and_masked(
    client: TestClient, session: Session, clock: FrozenClock, people: dict[str, User]
) -> None:
    r = client.get("/api/v1/users", headers=_as(session, clock, people["off_c1"]))
    assert r.status_code == 200
    rows = {u["username"]: u for u in r.json()}
    assert set(rows) == {"admin_c1", "off_c1", "gw_g1", "res_g1"}
    res = rows["res_g1"]
    assert res["phone"] == "138****5678"
    assert res["id_number"] == people["res_g1"].id_number[:6] + "********" + people["res_g1"].id_number[-4:]
    assert "13812345678" not in r.text and people["res_g1"].id_number not in r.text
    assert "password" not in r.text

    r = client.get(
        "/api/v1/users", params={"role": "resident"}, headers=_as(session, clock, people["admin_s1"])
    )
    assert {u["username"] for u in r.json()} == {"res_g1", "res_g3"}

    for who in ("gw_g1", "res_g1"):
        r = client.get("/api/v1/users", headers=_as(session, clock, people[who]))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_get_user_outside_scope_is_404(
    client: TestClient, session: Session, clock: FrozenClock, people: dict[str, User]
) -> None:
    target_c2 = people["res_g3"].id
    for who in ("off_c1", "gw_g1", "admin_c1", "res_g1"):
        r = client.get(f"/api/v1/users/{target_c2}", headers=_as(session, clock, people[who]))
        assert r.status_code == 404, who
        assert r.json()["error"]["code"] == "user_not_found"
    r = client.get(f"/api/v1/users/{target_c2}", headers=_as(session, clock, people["admin_s1"]))
    assert r.status_code == 200 and r.json()["phone"] == "139****1111"
    r = client.get(f"/api/v1/users/{people['res_g1'].id}", headers=_as(session, clock, people["gw_g1"]))
    assert r.status_code == 200 and r.json()["phone"] == "138****5678"
    assert (
        client.get("/api/v1/users/99999999", headers=_as(session, clock, people["admin_s1"])).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/users/99999999999999", headers=_as(session, clock, people["admin_s1"])
        ).status_code
        == 422
    )


def test_own_record_is_unmasked(
    client: TestClient, session: Session, clock: FrozenClock, people: dict[str, User]
) -> None:
    me = people["res_g1"]
    headers = _as(session, clock, me)
    for url in ("/api/v1/auth/me", f"/api/v1/users/{me.id}"):
        body = client.get(url, headers=headers).json()
        assert body["phone"] == "13812345678" and body["id_number"] == me.id_number


def test_create_user_admin_only_within_subtree(
    client: TestClient, session: Session, clock: FrozenClock, people: dict[str, User]
) -> None:
    admin_c1 = _as(session, clock, people["admin_c1"])
    new = {
        "username": "new_gw",
        "role": "grid_worker",
        "password": "password1",
        "area_code": "G2",
        "phone": "13700001234",
        "display_name": "李四",
    }
    r = client.post("/api/v1/users", json=new, headers=admin_c1)
    assert r.status_code == 201, r.text
    assert r.json()["area_code"] == "G2" and r.json()["phone"] == "137****1234"
    # The new account can log in.
    assert _login(client, "new_gw", "password1").status_code == 200

    r = client.post("/api/v1/users", json={**new, "username": "new_gw3", "area_code": "G3"}, headers=admin_c1)
    assert r.status_code == 403 and r.json()["error"]["code"] == "area_out_of_scope"
    r = client.post("/api/v1/users", json={**new, "username": "new_x", "area_code": "ZZ"}, headers=admin_c1)
    assert r.status_code == 404 and r.json()["error"]["message"] == "区域不存在：ZZ"
    r = client.post(
        "/api/v1/users", json={**new, "username": "new_none", "area_code": None}, headers=admin_c1
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "area_required"
    r = client.post("/api/v1/users", json={**new, "username": "new_gw"}, headers=admin_c1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "username_taken"
    r = client.post("/api/v1/users", json={**new, "username": "pw", "password": "short"}, headers=admin_c1)
    assert r.status_code == 422
    r = client.post("/api/v1/users", json={**new, "username": "badphone", "phone": "12"}, headers=admin_c1)
    assert r.status_code == 422 and r.json()["error"]["message"] == "电话号码格式不正确"
    r = client.post(
        "/api/v1/users", json={**new, "username": "new_off"}, headers=_as(session, clock, people["off_c1"])
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"

    session.expire_all()
    created = set(session.scalars(select(User.username).where(User.username.like("new%"))))
    assert created == {"new_gw"}


def test_openapi_documents_both_login_encodings(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    content = spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
    assert "/api/v1/users/{user_id}" in spec["paths"]
