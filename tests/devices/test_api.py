from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.devices.helpers import Recorder, ms
from tests.factories import T0, api_token, area_by_code, auth_header, make_area_tree, make_user

from gongzhi.devices import handlers, service
from gongzhi.devices.models import Device, DeviceReading

KIND = "api_test_kind"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    handlers.register(KIND, rec)
    yield rec
    handlers._handlers[KIND].remove(rec)


@pytest.fixture
def device(session: Session, recorder: Recorder) -> tuple[Device, str]:
    return service.register_device(session, code="HT-1", kind=KIND, now=T0)


def _stored(session: Session, device: Device) -> list[tuple[str, float]]:
    rows = session.execute(
        select(DeviceReading.key, DeviceReading.value).where(DeviceReading.device_id == device.id)
        .order_by(DeviceReading.ts, DeviceReading.key)
    )
    return [(k, v) for k, v in rows]


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"temperature": 42, "humidity": 73.5, "active": False}, [("active", 0.0), ("humidity", 73.5), ("temperature", 42.0)]),
        ({"ts": ms(T0 - timedelta(seconds=30)), "values": {"temperature": 40}}, [("temperature", 40.0)]),
        ([{"ts": ms(T0 - timedelta(seconds=30)), "values": {"t": 1}}, {"t": 2}], [("t", 1.0), ("t", 2.0)]),
    ],
)
def test_thingsboard_forms(client: TestClient, session: Session, device: tuple[Device, str],
                           recorder: Recorder, payload: object, expected: list[tuple[str, float]]) -> None:
    dev, token = device
    resp = client.post(f"/api/v1/{token}/telemetry", json=payload)
    assert resp.status_code == 200
    assert resp.content == b""
    assert _stored(session, dev) == expected
    assert len(recorder.readings) == len(expected)


def test_duplicates_stored_once(client: TestClient, session: Session, device: tuple[Device, str],
                                recorder: Recorder) -> None:
    dev, token = device
    body = [{"ts": ms(T0) - i, "values": {"v": i}} for i in range(5)]
    assert client.post(f"/api/v1/{token}/telemetry", json=body).status_code == 200
    assert client.post(f"/api/v1/{token}/telemetry", json=[*body, {"ts": ms(T0) - 9, "values": {"v": 9}}]).status_code == 200
    assert len(_stored(session, dev)) == 6
    assert len(recorder.readings) == 6


def test_unknown_and_disabled_tokens(client: TestClient, session: Session, device: tuple[Device, str]) -> None:
    dev, token = device
    resp = client.post("/api/v1/not-a-token/telemetry", json={"t": 1})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "device_token_invalid"
    assert resp.json()["error"]["message"] == "设备令牌无效"
    service.set_enabled(session, dev, False, now=T0)
    resp = client.post(f"/api/v1/{token}/telemetry", json={"t": 1}, headers={"Accept-Language": "en"})
    assert resp.status_code == 403
    assert resp.json()["error"]["message"] == "The device is disabled and accepts no data"
    assert _stored(session, dev) == []


@pytest.mark.parametrize(
    "body, code",
    [
        (b'{"t": "warm"}', "telemetry_not_numeric"),
        (b'{"t": {"a": 1}}', "telemetry_not_numeric"),
        (b'[{"t": 1}, {"ts": 5, "values": {"t": 2}}]', "telemetry_ancient"),
        (json.dumps({"ts": ms(T0 + timedelta(hours=1)), "values": {"t": 1}}).encode(), "telemetry_future"),
        (b'{"t": 1', "telemetry_not_json"),
        (b"\xff\xfe", "telemetry_not_json"),
        (b'{"t": NaN}', "telemetry_not_numeric"),
        (b'"hello"', "telemetry_bad_shape"),
        (b"[]", "telemetry_empty"),
        (b'{"ts": 1700000000000}', "telemetry_bad_shape"),
    ],
)
def test_bad_payloads_are_400_and_store_nothing(client: TestClient, session: Session, device: tuple[Device, str],
                                                recorder: Recorder, body: bytes, code: str) -> None:
    dev, token = device
    resp = client.post(f"/api/v1/{token}/telemetry", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == code
    assert resp.json()["error"]["message"]
    assert _stored(session, dev) == []
    assert recorder.calls == []


def test_oversize_body_refused(client: TestClient, session: Session, device: tuple[Device, str]) -> None:
    dev, token = device
    big = json.dumps([{"ts": ms(T0) - i, "values": {"key_number_padding": i}} for i in range(40_000)])
    assert len(big) > 1_048_576
    resp = client.post(f"/api/v1/{token}/telemetry", content=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "telemetry_too_large"
    assert _stored(session, dev) == []


def test_handler_failure_rolls_back_everything(client: TestClient, session: Session) -> None:
    kind = "api_failing_kind"

    def broken(*_args: object) -> None:
        raise RuntimeError("handler bug")

    handlers.register(kind, broken)
    try:
        dev, token = service.register_device(session, code="HT-F", kind=kind, now=T0)
        resp = client.post(f"/api/v1/{token}/telemetry", json={"t": 1})
        assert resp.status_code == 500
        assert _stored(session, dev) == []
    finally:
        handlers._handlers[kind].remove(broken)


def test_admin_registry_api_is_scoped(client: TestClient, session: Session) -> None:
    make_area_tree(session)
    root_admin = make_user(session, "dev_root", "admin", "D1")
    c2_admin = make_user(session, "dev_c2", "admin", "C2")
    worker = make_user(session, "dev_gw", "grid_worker", "G1")
    h_root, h_c2, h_gw = (auth_header(api_token(session, u)) for u in (root_admin, c2_admin, worker))

    resp = client.post("/api/v1/devices", headers=h_root, json={
        "code": "SMK-1", "kind": "smoke_detector", "grid": "G1", "lat": 30.252, "lng": 120.202,
        "expected_interval_s": 300, "owner_ref": "place:1号楼"})
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert resp.json()["grid"] == "G1"
    # A community admin cannot register into another community, nor see its devices.
    resp = client.post("/api/v1/devices", headers=h_c2, json={"code": "SMK-2", "kind": "smoke_detector", "grid": "G1"})
    assert resp.status_code == 403
    assert client.get("/api/v1/devices", headers=h_c2).json() == []
    assert client.get("/api/v1/devices/SMK-1", headers=h_c2).status_code == 403
    # The grid worker of G1 sees it but cannot change it.
    assert [d["code"] for d in client.get("/api/v1/devices", headers=h_gw).json()] == ["SMK-1"]
    assert client.post("/api/v1/devices/SMK-1/disable", headers=h_gw).status_code == 403
    # Duplicate code, unknown kind.
    assert client.post("/api/v1/devices", headers=h_root, json={"code": "SMK-1", "kind": "smoke_detector", "grid": "G1"}).status_code == 409
    assert client.post("/api/v1/devices", headers=h_root, json={"code": "SMK-3", "kind": "toaster", "grid": "G1"}).status_code == 422

    assert client.post(f"/api/v1/{token}/telemetry", json={"smoke": 0}).status_code == 200
    detail = client.get("/api/v1/devices/SMK-1", headers=h_gw).json()
    assert [(r["key"], r["value"]) for r in detail["latest"]] == [("smoke", 0.0)]
    assert detail["last_seen_at"] is not None

    assert client.post("/api/v1/devices/SMK-1/disable", headers=h_root).json()["enabled"] is False
    assert client.post(f"/api/v1/{token}/telemetry", json={"smoke": 1}).status_code == 403
    assert client.post("/api/v1/devices/SMK-1/enable", headers=h_root).json()["enabled"] is True
    rotated = client.post("/api/v1/devices/SMK-1/rotate-token", headers=h_root).json()["token"]
    assert client.post(f"/api/v1/{token}/telemetry", json={"smoke": 1}).status_code == 401
    assert client.post(f"/api/v1/{rotated}/telemetry", json={"smoke": 1}).status_code == 200
    readings = client.get("/api/v1/devices/SMK-1/readings", headers=h_root, params={"key": "smoke"}).json()
    assert [r["value"] for r in readings] == [0.0]  # the second {"smoke": 1} had the same ts (now) → deduped
    hourly = client.get("/api/v1/devices/SMK-1/hourly", headers=h_root,
                        params={"key": "smoke", "since": (T0 - timedelta(hours=1)).isoformat()}).json()
    assert [(h["count"], h["max"]) for h in hourly] == [(1, 0.0)]
    grid = area_by_code(session, "G1")
    assert session.scalar(select(func.count()).select_from(Device).where(Device.grid_id == grid.id)) == 1
