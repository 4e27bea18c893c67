"""Measures and before/after comparison over HTTP: thin routes over analytics.measures / compare.

Who: officials and admins (their area's subtree; an admin without an area sees every area) and grid
workers (their own grid or area). An area outside the caller's scope is 403
`analytics_area_forbidden`; an unknown area 404 `area_not_found`; a bad month 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from gongzhi.analytics import compare as cmp
from gongzhi.analytics import measures as m
from gongzhi.analytics import periods
from gongzhi.analytics.schemas import (
    AreaRef,
    BreakdownOut,
    BreakdownRow,
    CompareOut,
    ComparisonOut,
    MeasureListOut,
    MeasureOut,
    MeasureValueOut,
    PeriodOut,
    ResultOut,
)
from gongzhi.auth.deps import require_roles
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.errors import Forbidden, Invalid
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.http import LangDep, NowDep, SessionDep
from gongzhi.i18n import translate

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

VIEWER_ROLES = ("official", "admin", "grid_worker")
Viewer = Annotated[User, Depends(require_roles(*VIEWER_ROLES))]
AreaQ = Annotated[str, Query(max_length=32, description="区域编码 area code (default: your own area)")]
MonthQ = Annotated[str, Query(max_length=20, description="YYYY-MM")]
DayQ = Annotated[str, Query(max_length=20, description="YYYY-MM-DD (local date, inclusive)")]


def scoped_area(session: Session, user: User, code: str) -> Area:
    """The asked area (or the caller's own), checked against the caller's scope."""
    if not code:
        if user.area_id is None:
            raise Invalid("analytics_area_required")
        return geo.get_area_by_id(session, user.area_id)
    area = geo.get_area(session, code)
    if user.role == "admin" and user.area_id is None:
        return area  # a system-wide administrator
    if not in_scope(area_path(session, user), area.path):
        raise Forbidden("analytics_area_forbidden", area=code)
    return area


def _area_ref(area: Area, lang: str) -> AreaRef:
    name = area.name_en if lang == "en" and area.name_en else area.name
    return AreaRef(code=area.code, name=name, level=area.level)


def _period_out(period: periods.Period) -> PeriodOut:
    return PeriodOut(start=period.start.isoformat(), end=period.end.isoformat(), label=period.label(),
                     days=period.days)


def result_out(result: m.Result, lang: str) -> ResultOut:
    measure = m.measure(result.code)
    return ResultOut(code=result.code, name=measure.name(lang), unit=measure.unit, value=result.value,
                     numerator=result.numerator, denominator=result.denominator, n=result.n,
                     formatted=m.format_value(result, lang))


def measure_out(measure: m.Measure, lang: str) -> MeasureOut:
    return MeasureOut(code=measure.code, name=measure.name(lang), formula=measure.formula(lang),
                      unit=measure.unit, kind=measure.kind, higher_is_better=measure.higher_is_better)


def _codes(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()] if text else list(m.MEASURE_CODES)
    for code in codes:
        m.measure(code)  # 404 analytics_measure_unknown
    return codes


@router.get("/measures/{code}", response_model=MeasureValueOut, summary="指标值 One measure for an area and period")
def measure_value(code: str, user: Viewer, session: SessionDep, now: NowDep, lang: LangDep, area: AreaQ = "",
                  month: MonthQ = "", start: DayQ = "", end: DayQ = "") -> MeasureValueOut:
    measure = m.measure(code)
    period = m.parse_period(month=month, start=start, end=end, now=now)
    place = scoped_area(session, user, area)
    result = m.compute(session, code, place, period, now=now)
    return MeasureValueOut(**result_out(result, lang).model_dump(), formula=measure.formula(lang),
                           area=_area_ref(place, lang), period=_period_out(period))


@router.get("/measures/{code}/breakdown", response_model=BreakdownOut,
            summary="分区域指标 One measure per child area or per grid")
def breakdown(code: str, user: Viewer, session: SessionDep, now: NowDep, lang: LangDep, area: AreaQ = "",
              month: MonthQ = "", start: DayQ = "", end: DayQ = "",
              by: Annotated[Literal["child", "grid"], Query()] = "child") -> BreakdownOut:
    measure = m.measure(code)
    period = m.parse_period(month=month, start=start, end=end, now=now)
    place = scoped_area(session, user, area)
    found = (m.by_child if by == "child" else m.by_grid)(session, code, place, period, now=now)
    areas = {a.id: a for a in geo.subtree(session, place)}
    rows = [BreakdownRow(area=_area_ref(areas[area_id], lang), result=result_out(result, lang))
            for area_id, result in sorted(found.items(), key=lambda kv: areas[kv[0]].code)]
    total = m.compute(session, code, place, period, now=now)
    return BreakdownOut(code=code, name=measure.name(lang), by=by, area=_area_ref(place, lang),
                        period=_period_out(period), total=result_out(total, lang), rows=rows)


@router.get("/measures", summary="指标目录或全部指标值 Catalogue, or every measure for an area")
def measures(user: Viewer, session: SessionDep, now: NowDep, lang: LangDep, area: AreaQ = "",
             month: MonthQ = "", start: DayQ = "", end: DayQ = "",
             codes: Annotated[str, Query(max_length=400)] = "") -> list[MeasureOut] | MeasureListOut:
    """Without area/month/start/end: the catalogue (code, name, formula, unit, direction).
    With any of them: the values for the area (default: your own) and period."""
    if not (area or month or start or end or codes):
        return [measure_out(mm, lang) for mm in m.MEASURES.values()]
    wanted = _codes(codes)
    period = m.parse_period(month=month, start=start, end=end, now=now)
    place = scoped_area(session, user, area)
    results = m.compute_many(session, wanted, place, period, now=now)
    return MeasureListOut(area=_area_ref(place, lang), period=_period_out(period),
                          results=[result_out(results[c], lang) for c in wanted])


def _optional_period(first: str, last: str, now: datetime) -> periods.Period | None:
    if not (first or last):
        return None
    return m.parse_period(start=first, end=last, now=now)


def comparison_out(c: cmp.Comparison, lang: str) -> ComparisonOut:
    return ComparisonOut(code=c.code, name=m.measure(c.code).name(lang), before=result_out(c.before, lang),
                         after=result_out(c.after, lang), difference=c.difference,
                         relative_change=c.relative_change, improved=c.improved, p_value=c.p_value,
                         method=translate(c.method, lang) if c.method else None, note_key=c.note_key,
                         note=translate(c.note_key, lang))


@router.get("/compare", response_model=CompareOut, summary="试点前后对比 Before/after a pilot start")
def compare(user: Viewer, session: SessionDep, now: NowDep, lang: LangDep, pilot_start: DayQ, area: AreaQ = "",
            before_start: DayQ = "", before_end: DayQ = "", after_start: DayQ = "", after_end: DayQ = "",
            codes: Annotated[str, Query(max_length=400)] = "") -> CompareOut:
    wanted = _codes(codes)
    day = periods.parse_day(pilot_start)
    before = _optional_period(before_start, before_end, now)
    after = _optional_period(after_start, after_end, now)
    before, after = cmp.windows(day, now=now, before=before, after=after)
    place = scoped_area(session, user, area)
    found = cmp.compare_many(session, wanted, place, day, before=before, after=after, now=now)
    return CompareOut(area=_area_ref(place, lang), pilot_start=day.isoformat(), before=_period_out(before),
                      after=_period_out(after), comparisons=[comparison_out(c, lang) for c in found])
