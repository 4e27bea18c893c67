"""Area routes. Areas carry no personal data, so reading them needs no login."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query

from gongzhi.geo import service
from gongzhi.geo.coords import gcj02_to_wgs84
from gongzhi.geo.models import Area
from gongzhi.geo.schemas import AreaDetail, AreaOut, AreaRef, CoordSystem, Level, LocateOut
from gongzhi.http import SessionDep

router = APIRouter(prefix="/api/v1", tags=["areas"])


def _out(area: Area, parent_code: str | None) -> AreaOut:
    return AreaOut(
        code=area.code, name=area.name, name_en=area.name_en, level=cast(Level, area.level),
        parent_code=parent_code, centroid_lat=area.centroid_lat, centroid_lng=area.centroid_lng,
        households=area.households,
    )


@router.get("/areas", summary="区域列表 List areas")
def list_areas(
    session: SessionDep,
    level: Annotated[Level | None, Query(description="只列该层级 Only this level")] = None,
    parent: Annotated[str | None, Query(max_length=32, description="直接下级 Children of this code")] = None,
    under: Annotated[str | None, Query(max_length=32, description="全部下级 Subtree below this code")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AreaOut]:
    areas = service.list_areas(session, level=level, parent=parent, under=under, limit=limit, offset=offset)
    codes = service.codes_by_id(session, (a.parent_id for a in areas))
    return [_out(a, codes.get(a.parent_id) if a.parent_id else None) for a in areas]


# Declared before /areas/{code} so "locate" is not taken for a code.
@router.get("/areas/locate", summary="坐标所在网格 Which grid contains a point")
def locate(
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False, description="纬度 Latitude")],
    lng: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False, description="经度 Longitude")],
    coord: Annotated[CoordSystem, Query(description="wgs84（GPS）或 gcj02（高德/腾讯地图）")] = "wgs84",
) -> LocateOut:
    if coord == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    grid = service.locate_grid(session, lat, lng)
    out = None
    if grid is not None:
        parent_code = service.codes_by_id(session, [grid.parent_id]).get(grid.parent_id or 0)
        out = _out(grid, parent_code)
    return LocateOut(grid=out, lat=lat, lng=lng)


@router.get("/areas/{code}", summary="区域详情（含边界） Area with its boundary")
def get_area(session: SessionDep, code: str) -> AreaDetail:
    area = service.get_area(session, code)
    chain = service.ancestors(session, area)[1:]  # self first, then up to the root
    parent_code = chain[0].code if chain else None
    return AreaDetail(
        **_out(area, parent_code).model_dump(),
        geometry=area.geometry,
        ancestors=[AreaRef(code=a.code, name=a.name, level=cast(Level, a.level))
                   for a in reversed(chain)],
    )
