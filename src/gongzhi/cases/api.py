"""Case routes: thin — an auth dependency, a service call, a view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi import Path as FPath
from starlette.concurrency import run_in_threadpool

from gongzhi.auth.deps import CurrentUser, authenticate
from gongzhi.cases import admin, service
from gongzhi.cases.models import Category
from gongzhi.cases.schemas import (
    CalendarDayIn,
    CalendarDayOut,
    CaseDetail,
    CaseId,
    CaseIn,
    CaseList,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ContactOut,
    CoUnitIn,
    Order,
    Priority,
    SlaPolicyIn,
    SlaPolicyOut,
    StatusName,
    TransitionIn,
)
from gongzhi.cases.views import case_detail, case_out, intake_detail
from gongzhi.http import LangDep, NowDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["cases"])

StatusFilter = Annotated[list[StatusName] | None, Query(description="filter by status; repeat for several")]


@router.get("/categories", response_model=list[CategoryOut], summary="问题类别 Case categories")
def categories(session: SessionDep, lang: LangDep, public: bool = False) -> list[CategoryOut]:
    return [_category_out(c, lang) for c in service.list_categories(session, public_only=public)]


@router.post(
    "/cases", response_model=CaseDetail, status_code=status.HTTP_201_CREATED, summary="登记工单 File a case"
)
async def create_case(request: Request, body: CaseIn, now: NowDep, lang: LangDep) -> Response:
    # The busiest write: its whole transaction (credentials, intake, response, commit) runs in one
    # thread-pool hop instead of four (session open, credentials, route, commit), so the SQLite
    # writer lock and the PostgreSQL audit-head lock are held only while it works.
    return await run_in_threadpool(_file_case, request, body, now, lang)


def _file_case(request: Request, body: CaseIn, now: datetime, lang: str) -> Response:
    with request.app.state.sessions() as session:
        user = authenticate(request, session, now)
        done = service.intake(session, actor=user, data=body, now=now)
        detail = intake_detail(session, done, user, now, lang)
        # Built and validated once here: a Response skips FastAPI's second validation against
        # response_model, which still documents the shape in the OpenAPI.
        content = detail.model_dump_json()
    # Committed: a 201 means the case is stored.
    return Response(content=content, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.get("/cases", response_model=CaseList, summary="我可见的工单 Cases in my scope")
def list_cases(
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    lang: LangDep,
    status_: StatusFilter = None,
    open_only: bool = False,
    order: Order = "due",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseList:
    items, total = service.list_cases(
        session,
        user,
        statuses=list(status_ or []) or None,
        open_only=open_only,
        order=order,
        limit=limit,
        offset=offset,
    )
    return CaseList(
        items=[case_out(session, c, user, now, lang) for c in items], total=total, limit=limit, offset=offset
    )


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="工单详情与时间线 A case and its timeline")
def get_case(
    case_id: CaseId, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep
) -> CaseDetail:
    return case_detail(session, service.get_case(session, user, case_id), user, now, lang)


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseDetail,
    summary="流转：签收、办结、退单、改派… Move a case on",
)
def transition(
    case_id: CaseId, body: TransitionIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep
) -> CaseDetail:
    case = service.transition(
        session,
        user=user,
        case_id=case_id,
        action=body.action,
        now=now,
        note=body.note,
        unit_code=body.unit_code,
        assignee_id=body.assignee_id,
        duplicate_of=body.duplicate_of,
        rating=body.rating,
        lang=lang,
    )
    return case_detail(session, case, user, now, lang)


@router.post(
    "/cases/{case_id}/units", response_model=CaseDetail, summary="增加协办单位 Add a co-handling unit"
)
def add_unit(
    case_id: CaseId, body: CoUnitIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep
) -> CaseDetail:
    service.add_co_unit(
        session, user=user, case_id=case_id, unit_code=body.unit_code, now=now, note=body.note
    )
    return case_detail(session, service.get_case(session, user, case_id), user, now, lang)


@router.post(
    "/cases/{case_id}/contact",
    response_model=ContactOut,
    summary="查看上报人联系方式（记录在案）Reveal the reporter's contact (logged)",
)
def contact(case_id: CaseId, user: CurrentUser, session: SessionDep, now: NowDep) -> ContactOut:
    name, phone = service.reveal_contact(session, user=user, case_id=case_id, now=now)
    return ContactOut(reporter_name=name, reporter_phone=phone)


# ---------------------------------------------------------------- admin: reference data


def _category_out(c: Category, lang: str) -> CategoryOut:
    return CategoryOut(
        code=c.code,
        name=c.name_en if lang == "en" else c.name_zh,
        name_zh=c.name_zh,
        name_en=c.name_en,
        unit_kind=c.unit_kind,
        default_priority=c.default_priority,
        public=c.public,
        attributes=c.attributes,
    )


@router.post(
    "/categories",
    response_model=CategoryOut,
    status_code=status.HTTP_201_CREATED,
    summary="新增类别（管理员）",
)
def create_category(
    body: CategoryIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep
) -> CategoryOut:
    return _category_out(admin.create_category(session, user=user, data=body, now=now), lang)


@router.patch(
    "/categories/{code}",
    response_model=CategoryOut,
    summary="修改类别：名称、承办单位类型、时限、补充问题（管理员）",
)
def update_category(
    code: Annotated[str, FPath(max_length=40)],
    body: CategoryPatch,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    lang: LangDep,
) -> CategoryOut:
    return _category_out(admin.update_category(session, user=user, code=code, patch=body, now=now), lang)


@router.get("/sla-policies", response_model=list[SlaPolicyOut], summary="各优先级默认时限 SLA clocks")
def sla_policies(user: CurrentUser, session: SessionDep) -> list[SlaPolicyOut]:
    return [SlaPolicyOut.model_validate(p, from_attributes=True) for p in admin.list_sla_policies(session)]


@router.put("/sla-policies/{priority}", response_model=SlaPolicyOut, summary="设置优先级时限（管理员）")
def set_sla_policy(
    priority: Priority, body: SlaPolicyIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> SlaPolicyOut:
    policy = admin.set_sla_policy(session, user=user, priority=priority, data=body, now=now)
    return SlaPolicyOut.model_validate(policy, from_attributes=True)


@router.get(
    "/calendar/{year}",
    response_model=list[CalendarDayOut],
    summary="节假日与调休安排 Holidays and make-up days",
)
def calendar(
    year: Annotated[int, FPath(ge=2000, le=2100)], user: CurrentUser, session: SessionDep
) -> list[CalendarDayOut]:
    return [
        CalendarDayOut.model_validate(d, from_attributes=True) for d in admin.list_calendar(session, year)
    ]


@router.put("/calendar/days/{day}", response_model=CalendarDayOut, summary="设置节假日或调休上班日（管理员）")
def set_calendar_day(
    day: date, body: CalendarDayIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> CalendarDayOut:
    row = admin.set_calendar_day(session, user=user, day=day, data=body, now=now)
    return CalendarDayOut.model_validate(row, from_attributes=True)


@router.delete(
    "/calendar/days/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="恢复为普通工作日/周末规则（管理员）",
)
def delete_calendar_day(day: date, user: CurrentUser, session: SessionDep, now: NowDep) -> None:
    admin.delete_calendar_day(session, user=user, day=day, now=now)
