"""ThingsBoard-compatible device telemetry ingestion and the device registry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.deps import require_roles
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.devices import metrics, service
from gongzhi.devices.config import get_device_settings
from gongzhi.devices.models import Device
from gongzhi.devices.schemas import DeviceDetail, DeviceIn, DeviceOut, DeviceWithToken, HourOut, ReadingOut
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.geo.models import Area
from gongzhi.http import NowDep, SessionDep

router = APIRouter()

Admin = Annotated[User, Depends(require_roles("admin"))]
Viewer = Annotated[User, Depends(require_roles("admin", "official", "grid_worker"))]


async def _body(request: Request) -> bytes:
    """The body, refused as soon as it passes the limit (never buffered whole when oversize)."""
    limit = get_device_settings().max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise service.TelemetryError("telemetry_too_large", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise service.TelemetryError("telemetry_too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/api/v1/{token}/telemetry",
    tags=["devices"],
    status_code=status.HTTP_200_OK,
    response_class=Response,
    summary="设备上报遥测（兼容 ThingsBoard）Post telemetry (ThingsBoard device API)",
    responses={400: {"description": "bad payload, nothing stored"}, 401: {"description": "unknown token"},
               403: {"description": "device disabled"}},
    # The body is read raw (size-limited while streaming), so describe it here for the OpenAPI.
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}],
        "examples": [{"temperature": 21.5}, {"ts": 1763863200000, "values": {"heart_rate": 72}}],
    }}}}},
)
def post_telemetry(token: str, body: Annotated[bytes, Depends(_body)], session: SessionDep, now: NowDep) -> Response:
    """`{"key": value}`, `{"ts": ms, "values": {…}}` or a list of those; 200 with an empty body once committed."""
    device = service.authenticate(session, token)
    try:
        result = service.ingest(session, device, service.parse_json(body), now)
    except service.TelemetryError:
        metrics.REJECTED.labels("http").inc()
        raise
    metrics.READINGS.labels("http").inc(result.stored)
    metrics.DUPLICATES.labels("http").inc(result.duplicates)
    return Response(status_code=status.HTTP_200_OK)


# --------------------------------------------------------------------------- registry (admins)


def _grid_codes(session: Session, devices: list[Device]) -> dict[int, str]:
    ids = {d.grid_id for d in devices if d.grid_id is not None}
    if not ids:
        return {}
    return {i: c for i, c in session.execute(select(Area.id, Area.code).where(Area.id.in_(ids)))}


def _out(device: Device, grid_code: str | None) -> DeviceOut:
    return DeviceOut(
        code=device.code, kind=device.kind, name=device.name, grid=grid_code, lat=device.lat, lng=device.lng,
        owner_ref=device.owner_ref, expected_interval_s=device.expected_interval_s, enabled=device.enabled,
        last_seen_at=device.last_seen_at, silent_since=device.silent_since, created_at=device.created_at,
    )


def _one(session: Session, device: Device) -> DeviceOut:
    return _out(device, _grid_codes(session, [device]).get(device.grid_id or 0))


@router.post("/api/v1/devices", tags=["devices"], status_code=status.HTTP_201_CREATED,
             summary="登记设备 Register a device")
def register(body: DeviceIn, user: Admin, session: SessionDep, now: NowDep) -> DeviceWithToken:
    grid_id = None
    viewer_path = area_path(session, user)
    if body.grid is not None:
        grid = session.scalar(select(Area).where(Area.code == body.grid))
        if grid is None:
            raise NotFound("not_found")
        if not in_scope(viewer_path, grid.path):
            raise Forbidden("device_out_of_scope")
        grid_id = grid.id
    elif viewer_path is None or viewer_path.count("/") != 2:
        raise Invalid("area_required")  # only an admin of the whole tree registers ungridded devices
    device, token = service.register_device(
        session, code=body.code, kind=body.kind, name=body.name, grid_id=grid_id, lat=body.lat, lng=body.lng,
        owner_ref=body.owner_ref, expected_interval_s=body.expected_interval_s, now=now, actor=user,
    )
    return DeviceWithToken(**_one(session, device).model_dump(), token=token)


@router.get("/api/v1/devices", tags=["devices"], summary="设备列表 List devices")
def list_devices(
    user: Viewer,
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    enabled: bool | None = None,
    silent: Annotated[bool | None, Query(description="只列失联/在线 Only silent / only reporting")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DeviceOut]:
    devices = service.list_devices(session, user, kind=kind, enabled=enabled, silent=silent, limit=limit, offset=offset)
    codes = _grid_codes(session, devices)
    return [_out(d, codes.get(d.grid_id or 0)) for d in devices]


@router.get("/api/v1/devices/{code}", tags=["devices"], summary="设备详情 Device with its newest readings")
def get_device(code: str, user: Viewer, session: SessionDep) -> DeviceDetail:
    device = service.visible_device(session, user, code)
    latest = [ReadingOut(key=r.key, ts=r.ts, value=r.value)
              for r in sorted(service.latest(session, device.id).values(), key=lambda r: r.key)]
    return DeviceDetail(**_one(session, device).model_dump(), latest=latest)


@router.get("/api/v1/devices/{code}/readings", tags=["devices"], summary="读数 Raw readings, newest first")
def get_readings(
    code: str, user: Viewer, session: SessionDep,
    key: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None, until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[ReadingOut]:
    device = service.visible_device(session, user, code)
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Invalid("validation_error", detail="since/until need a timezone")
    rows = service.readings(session, device.id, key=key, since=since, until=until, limit=limit)
    return [ReadingOut(key=k, ts=r.ts, value=r.value) for k, r in rows]


@router.get("/api/v1/devices/{code}/hourly", tags=["devices"], summary="小时统计 Hourly count/min/max/avg")
def get_hourly(
    code: str, user: Viewer, session: SessionDep, now: NowDep,
    key: Annotated[str, Query(min_length=1, max_length=64)],
    since: datetime, until: datetime | None = None,
) -> list[HourOut]:
    device = service.visible_device(session, user, code)
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Invalid("validation_error", detail="since/until need a timezone")
    # Readings may run a few minutes ahead of the server clock; the default end includes them.
    stats = service.hourly(session, device.id, key, since, until or now + timedelta(hours=1))
    return [HourOut(hour=s.hour, count=s.count, min=s.min, max=s.max, avg=s.avg) for s in stats]


@router.post("/api/v1/devices/{code}/disable", tags=["devices"], summary="停用设备 Disable")
def disable(code: str, user: Admin, session: SessionDep, now: NowDep) -> DeviceOut:
    device = service.set_enabled(session, service.visible_device(session, user, code), False, now=now, actor=user)
    return _one(session, device)


@router.post("/api/v1/devices/{code}/enable", tags=["devices"], summary="启用设备 Enable")
def enable(code: str, user: Admin, session: SessionDep, now: NowDep) -> DeviceOut:
    device = service.set_enabled(session, service.visible_device(session, user, code), True, now=now, actor=user)
    return _one(session, device)


@router.post("/api/v1/devices/{code}/rotate-token", tags=["devices"], summary="更换访问令牌 Rotate the token")
def rotate(code: str, user: Admin, session: SessionDep, now: NowDep) -> DeviceWithToken:
    device = service.visible_device(session, user, code)
    token = service.rotate_token(session, device, now=now, actor=user)
    return DeviceWithToken(**_one(session, device).model_dump(), token=token)
