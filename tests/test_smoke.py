from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.cases.models import Category


def test_migrated_schema_has_seeded_categories(session: Session) -> None:
    assert session.scalar(select(func.count()).select_from(Category)) >= 15


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_unknown_route_is_json_404_in_chinese(client: TestClient) -> None:
    r = client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "not_found", "message": "未找到该资源"}
    r = client.get("/api/v1/nope", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json()["error"]["message"] == "Not found"


def test_nul_byte_is_a_422_not_a_500(client: TestClient, session: Session) -> None:
    """PostgreSQL refuses NUL in text; whatever the database refuses is the caller's error."""
    from tests import factories

    factories.make_area_tree(session)
    admin = factories.make_user(session, "admin_nul", "admin", area_code="D1")
    session.commit()
    h = factories.auth_header(factories.api_token(session, admin))
    body = {"code": "nul_test", "name_zh": "空字符", "name_en": "bad\u0000name", "unit_kind": "x"}
    r = client.post("/api/v1/categories", json=body, headers=h)
    if session.get_bind().dialect.name == "postgresql":
        assert r.status_code == 422 and r.json()["error"]["code"] == "value_not_storable"
    else:
        assert r.status_code == 201  # SQLite stores it
