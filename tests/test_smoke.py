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
