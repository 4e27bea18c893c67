"""Area routes: no login needed, Chinese errors, GCJ-02 input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gongzhi.clock import FrozenClock
from gongzhi.geo import service
from gongzhi.geo.coords import wgs84_to_gcj02
from gongzhi.geo.models import Area

from .helpers import collection, feature, square


@pytest.fixture
def street(session: Session, tree: dict[str, Area]) -> dict[str, Area]:
    session.commit()  # a savepoint in tests: visible to the requests
    return tree


def test_list_areas_without_login(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas")
    assert r.status_code == 200
    rows = {a["code"]: a for a in r.json()}
    assert set(rows) == {"D", "S", "C1", "C2", "G1", "G2", "G3", "G4"}
    assert rows["G2"]["parent_code"] == "C1" and rows["D"]["parent_code"] is None
    assert rows["C1"]["households"] == 1200
    assert "geometry" not in rows["G2"]  # lists stay small; the detail route carries boundaries

    r = client.get("/api/v1/areas", params={"level": "grid", "parent": "C2"})
    assert [a["code"] for a in r.json()] == ["G3", "G4"]
    r = client.get("/api/v1/areas", params={"level": "grid", "under": "S", "limit": 3})
    assert [a["code"] for a in r.json()] == ["G1", "G2", "G3"]


def test_list_with_unknown_parent_or_level(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas", params={"parent": "NOPE"})
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "area_not_found", "message": "区域不存在：NOPE"}
    r = client.get("/api/v1/areas", params={"level": "town"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


def test_area_detail_has_geometry_and_ancestors(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas/G3")
    assert r.status_code == 200
    body = r.json()
    assert body["level"] == "grid" and body["parent_code"] == "C2"
    assert body["geometry"] == square(120.10, 30.26)
    assert body["centroid_lat"] == pytest.approx(30.265)
    assert [(a["code"], a["level"]) for a in body["ancestors"]] == [
        ("D", "district"),
        ("S", "street"),
        ("C2", "village"),
    ]


def test_unknown_code_is_404_in_chinese_and_english(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas/NOPE")
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "area_not_found", "message": "区域不存在：NOPE"}
    r = client.get("/api/v1/areas/NOPE", headers={"Accept-Language": "en"})
    assert r.json()["error"]["message"] == "No such area: NOPE"


def test_locate_wgs84(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas/locate", params={"lat": 30.265, "lng": 120.105})
    assert r.status_code == 200
    body = r.json()
    assert body["grid"]["code"] == "G3" and body["grid"]["parent_code"] == "C2"
    assert (body["lat"], body["lng"]) == (30.265, 120.105)


def test_locate_gcj02_is_converted_to_wgs84(client: TestClient, street: dict[str, Area]) -> None:
    # A WGS84 point in G1 whose GCJ-02 coordinates, read as WGS84, would fall in G2:
    # only a real conversion finds G1.
    lng, lat = 120.108, 30.258
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    naive = client.get("/api/v1/areas/locate", params={"lat": g_lat, "lng": g_lng}).json()
    assert naive["grid"]["code"] == "G2"

    r = client.get("/api/v1/areas/locate", params={"lat": g_lat, "lng": g_lng, "coord": "gcj02"})
    assert r.status_code == 200
    body = r.json()
    assert body["grid"]["code"] == "G1"
    assert body["lat"] == pytest.approx(lat, abs=1e-6) and body["lng"] == pytest.approx(lng, abs=1e-6)


def test_locate_on_no_grid(client: TestClient, street: dict[str, Area]) -> None:
    r = client.get("/api/v1/areas/locate", params={"lat": 39.9, "lng": 116.4})
    assert r.status_code == 200
    assert r.json() == {"grid": None, "lat": 39.9, "lng": 116.4}


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 200, "lng": 120.1},
        {"lat": 30.2, "lng": -181},
        {"lat": "nan", "lng": 120.1},
        {"lat": "abc", "lng": 120.1},
        {"lng": 120.1},
        {"lat": 30.2, "lng": 120.1, "coord": "bd09"},
    ],
)
def test_locate_rejects_bad_input_with_422_in_chinese(client: TestClient, params: dict[str, object]) -> None:
    r = client.get("/api/v1/areas/locate", params=params)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("请求参数有误")


def test_locate_sees_an_import_committed_after_the_first_lookup(
    client: TestClient, session: Session, clock: FrozenClock, street: dict[str, Area]
) -> None:
    far = {"lat": 30.305, "lng": 120.305}
    assert client.get("/api/v1/areas/locate", params=far).json()["grid"] is None
    service.import_geojson(
        session, collection(feature("G5", "grid", "C1", square(120.30, 30.30))), now=clock.now()
    )
    session.commit()
    assert client.get("/api/v1/areas/locate", params=far).json()["grid"]["code"] == "G5"


def test_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/areas", "/api/v1/areas/locate", "/api/v1/areas/{code}"} <= set(paths)
    assert paths["/api/v1/areas/locate"]["get"]["tags"] == ["areas"]
