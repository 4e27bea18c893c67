"""Case routes: thin — an auth dependency, a service call, a view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from fastapi import Path as FPath
from pydantic import BaseModel, Field

from gongzhi.auth.deps import CurrentUser, authenticate
from gongzhi.cases import admin, reports, service
from gongzhi.cases import media as case_media
from gongzhi.cases.models import CaseMedia, Category
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
from gongzhi.i18n import translate

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
    return await anyio.to_thread.run_sync(_file_case, request, body, now, lang, limiter=_intake_limiter())


# Intakes serialize on the database anyway (SQLite's one writer, PostgreSQL's audit-head row lock):
# a few at a time in worker threads, the rest waiting in the event loop, not as dozens of threads
# fighting over the GIL and the connection pool while they queue for the same lock.
INTAKE_THREADS = 4


_limiter: RunVar[anyio.CapacityLimiter] = RunVar("gongzhi_intake_limiter")  # one per event loop


def _intake_limiter() -> anyio.CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(INTAKE_THREADS)
        _limiter.set(limiter)
        return limiter


def _file_case(request: Request, body: CaseIn, now: datetime, lang: str) -> Response:
    with request.app.state.sessions() as session:
        user = authenticate(request, session, now)
        done = service.intake(session, actor=user, data=body, now=now)
        detail = intake_detail(session, done, user, now, lang)
    # Committed: a 201 means the case is stored. Serialized here, out of the transaction (on SQLite,
    # out of the one-writer lock); a Response skips FastAPI's second validation against
    # response_model, which still documents the shape in the OpenAPI.
    content = detail.model_dump_json()
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
        fixed=body.fixed,
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


# ---------------------------------------------------------------- photos, nearby reports, following, moderation


class MediaOut(BaseModel):
    id: int
    url: str
    content_type: str
    width: int
    height: int
    size: int
    sha256: str
    hidden: bool
    created_at: datetime


class NearbyOut(BaseModel):
    id: int
    number: str
    status: str
    status_label: str
    category: str
    distance_m: float
    created_at: datetime


class ModerationIn(BaseModel):
    hidden: bool
    reason: str = Field(default="", max_length=500)


def _media_out(m: CaseMedia) -> MediaOut:
    return MediaOut(
        id=m.id,
        url=case_media.media_path(m),
        content_type=m.content_type,
        width=m.width,
        height=m.height,
        size=m.size,
        sha256=m.sha256,
        hidden=m.hidden,
        created_at=m.created_at,
    )


@router.get("/cases/{case_id}/media", response_model=list[MediaOut], summary="工单照片 Photos of a case")
def list_media(case_id: CaseId, user: CurrentUser, session: SessionDep) -> list[MediaOut]:
    case = service.get_case(session, user, case_id)
    moderator = reports.can_moderate(session, user, case)
    return [_media_out(m) for m in case_media.media_for(session, case.id, include_hidden=moderator)]


@router.post(
    "/cases/{case_id}/media",
    response_model=MediaOut,
    status_code=status.HTTP_201_CREATED,
    summary="上传照片（JPEG/PNG/WebP，去除 EXIF，每单最多 3 张）Add a photo",
)
def add_media(
    case_id: CaseId, user: CurrentUser, session: SessionDep, now: NowDep, file: Annotated[UploadFile, File()]
) -> MediaOut:
    # Bounded read: one byte over the limit is enough to refuse the upload.
    data = file.file.read(case_media.MAX_UPLOAD_BYTES + 1)
    photo = reports.add_photo(session, user=user, case_id=case_id, data=data, content_type=file.content_type,
                              now=now)
    return _media_out(photo)


@router.get(
    "/reports/nearby",
    response_model=list[NearbyOut],
    summary="附近 50 米内 72 小时内同类未办结上报 Open reports of a category nearby",
)
def nearby(
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    lang: LangDep,
    category: Annotated[str, Query(min_length=1, max_length=40)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
) -> list[NearbyOut]:
    found = reports.nearby_open(session, category=category, lat=lat, lng=lng, now=now)
    cats = {c.id: c for c in service.list_categories(session)}
    return [
        NearbyOut(
            id=n.case.id,
            number=service.case_number(n.case),
            status=n.case.status,
            status_label=translate(f"case_status.{n.case.status}", lang),
            category=cats[n.case.category_id].code if n.case.category_id in cats else category,
            distance_m=round(n.metres, 1),
            created_at=n.case.created_at,
        )
        for n in found
    ]


@router.put("/cases/{case_id}/follow", status_code=status.HTTP_204_NO_CONTENT, summary="关注上报 Follow a report")
def follow(case_id: CaseId, user: CurrentUser, session: SessionDep, now: NowDep) -> None:
    reports.follow_case(session, user=user, case_id=case_id, now=now)


@router.delete(
    "/cases/{case_id}/follow", status_code=status.HTTP_204_NO_CONTENT, summary="取消关注 Unfollow a report"
)
def unfollow(case_id: CaseId, user: CurrentUser, session: SessionDep) -> None:
    reports.unfollow_case(session, user=user, case_id=case_id)


@router.put(
    "/cases/{case_id}/moderation",
    response_model=CaseDetail,
    summary="屏蔽/恢复上报描述（记入时间线）Hide or restore a report's text",
)
def moderate_text(
    case_id: CaseId, body: ModerationIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep
) -> CaseDetail:
    case = reports.set_text_hidden(session, user=user, case_id=case_id, hidden=body.hidden, reason=body.reason,
                                   now=now)
    return case_detail(session, case, user, now, lang)


@router.put(
    "/media/{media_id}/moderation",
    response_model=MediaOut,
    summary="屏蔽/恢复照片（记入时间线）Hide or restore a photo",
)
def moderate_media(
    media_id: Annotated[int, FPath(ge=1, le=2**31 - 1)],
    body: ModerationIn,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
) -> MediaOut:
    photo = reports.set_photo_hidden(session, user=user, media_id=media_id, hidden=body.hidden,
                                     reason=body.reason, now=now)
    return _media_out(photo)
