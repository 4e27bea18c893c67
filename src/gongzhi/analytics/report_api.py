"""Monthly report and pilots over HTTP: JSON for programs, PDF for people (thin routes over reports)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gongzhi.analytics import pdf, pilots, reports
from gongzhi.analytics.periods import parse
from gongzhi.auth.deps import require_roles
from gongzhi.auth.models import User
from gongzhi.http import LangDep, NowDep, SessionDep

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Reader = Annotated[User, Depends(require_roles(*sorted(pilots.READER_ROLES)))]
Manager = Annotated[User, Depends(require_roles(*sorted(pilots.MANAGER_ROLES)))]
AreaQ = Annotated[str, Query(max_length=32, description="区域编码 area code (default: your own area)")]
MonthQ = Annotated[str, Query(max_length=20, description="YYYY-MM (default: this month)")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PilotIn(BaseModel):
    name: str = Field(max_length=100)
    area: str = Field(max_length=32, description="区域编码 area code")
    start_date: date = Field(description="试点开始日期（当地） local start date")
    problem: str = Field(default="", max_length=4000, description="问题")
    actions: list[str] = Field(default_factory=list, max_length=20, description="措施")
    measure_codes: list[str] = Field(min_length=1, max_length=14)
    targets: dict[str, float] = Field(default_factory=dict)


def _pdf(body: bytes, name: str) -> Response:
    # RFC 5987 file name: Chinese report names survive the header.
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"report.pdf\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


def _monthly(user: User, session: Session, now: datetime, lang: str, area: str, month: str) -> dict[str, Any]:
    period = parse(month_text=month, now=now)
    target = pilots.resolve_area(session, user, area)
    return reports.monthly_report(session, user, target, period, now=now, lang=lang)


@router.get("/reports/monthly", summary="月度报告 Monthly area report")
def monthly(user: Reader, session: SessionDep, now: NowDep, lang: LangDep, area: AreaQ = "",
            month: MonthQ = "") -> dict[str, Any]:
    return _monthly(user, session, now, lang, area, month)


@router.get("/reports/monthly.pdf", summary="月度报告 PDF Monthly area report as PDF",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def monthly_pdf(user: Reader, session: SessionDep, now: NowDep, lang: LangDep, area: AreaQ = "",
                month: MonthQ = "") -> Response:
    report = _monthly(user, session, now, lang, area, month)
    return _pdf(pdf.monthly_pdf(report, lang), f"{report['area']['code']}-{report['period']['label']}.pdf")


@router.get("/pilots", summary="试点列表 Pilots in my area")
def list_pilots(user: Reader, session: SessionDep, lang: LangDep) -> list[dict[str, Any]]:
    return [pilots.pilot_view(p, a, lang) for p, a in pilots.list_pilots(session, user)]


@router.post("/pilots", status_code=status.HTTP_201_CREATED, summary="登记试点 Record a pilot")
def create_pilot(body: PilotIn, user: Manager, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    data = pilots.PilotData(name=body.name, area_code=body.area, start_date=body.start_date, problem=body.problem,
                            actions=body.actions, measure_codes=body.measure_codes, targets=body.targets)
    pilot = pilots.create_pilot(session, actor=user, data=data, now=now)
    return pilots.pilot_view(pilot, pilots.get_pilot(session, user, pilot.id)[1], lang)


@router.get("/pilots/{pilot_id}/report", summary="试点成效报告 Pilot before/after report")
def pilot_report(pilot_id: Id, user: Reader, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    return reports.pilot_report(session, user, pilot_id, now=now, lang=lang)


@router.get("/pilots/{pilot_id}/report.pdf", summary="试点成效报告 PDF Pilot report as PDF",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def pilot_report_pdf(pilot_id: Id, user: Reader, session: SessionDep, now: NowDep, lang: LangDep) -> Response:
    report = reports.pilot_report(session, user, pilot_id, now=now, lang=lang)
    return _pdf(pdf.pilot_pdf(report, lang), f"pilot-{pilot_id}.pdf")
