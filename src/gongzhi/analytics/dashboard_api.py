"""The dashboards over HTTP: the same dicts the pages /dashboard and /dashboard/{module} render.

Who: officials and admins (their area's subtree) and grid workers (their own area); others 403.
An area outside the caller's scope is 403 `analytics_area_forbidden`, an unknown one 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from gongzhi.analytics import dashboards, periods
from gongzhi.auth.deps import require_roles
from gongzhi.auth.models import User
from gongzhi.http import LangDep, NowDep, SessionDep

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Viewer = Annotated[User, Depends(require_roles(*sorted(dashboards.DASHBOARD_ROLES)))]
AreaQ = Annotated[str, Query(max_length=32, description="区域编码 area code (default: your own area)")]
MonthQ = Annotated[str, Query(max_length=20, description="YYYY-MM")]
DayQ = Annotated[str, Query(max_length=20, description="YYYY-MM-DD (local date, inclusive)")]
MeasureQ = Annotated[str, Query(max_length=40, description="地图指标 measure code for the map")]
ModuleP = Annotated[str, Path(max_length=20, description="cases | mediation | eldercare | citybrain | council")]


@router.get("/overview", summary="街道综合看板 Street overview")
def overview(session: SessionDep, user: Viewer, now: NowDep, lang: LangDep, area: AreaQ = "",
             month: MonthQ = "", start: DayQ = "", end: DayQ = "", measure: MeasureQ = "") -> dict[str, Any]:
    chosen = dashboards.resolve_area(session, user, area)
    period = periods.parse(month_text=month, start=start, end=end, now=now)
    return dashboards.overview(session, user, chosen, period, measure=measure, now=now, lang=lang)


@router.get("/boards/{module}", summary="分项看板 Module board")
def board(module: ModuleP, session: SessionDep, user: Viewer, now: NowDep, lang: LangDep, area: AreaQ = "",
          month: MonthQ = "", start: DayQ = "", end: DayQ = "") -> dict[str, Any]:
    chosen = dashboards.resolve_area(session, user, area)
    period = periods.parse(month_text=month, start=start, end=end, now=now)
    return dashboards.board(session, user, module, chosen, period, now=now, lang=lang)
