"""HTTP API of the household register (/api/v1/households) and resident surveys (/api/v1/surveys).

Thin routes: the services check roles and area scope. The answer link (`/api/v1/surveys/links/{token}`)
needs no login; the token is the key and works once.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gongzhi.analytics import households as hh
from gongzhi.analytics import surveys as sv
from gongzhi.analytics.models import Survey
from gongzhi.auth.deps import CurrentUser
from gongzhi.clock import local
from gongzhi.errors import Invalid
from gongzhi.http import LangDep, NowDep, SessionDep
from gongzhi.i18n import translate

router = APIRouter()
households_router = APIRouter(prefix="/api/v1/households", tags=["households"])
surveys_router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 10 * 1024 * 1024
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Path(min_length=8, max_length=100)]


# ---------------------------------------------------------------- households


class MemberIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=40)


class HouseholdIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, description="门牌号")
    grid_code: str = Field(min_length=1, max_length=32)
    head_name: str = Field(min_length=1, max_length=100)
    address: str = Field(default="", max_length=200)
    head_phone: str = Field(default="", max_length=40)
    head_id_number: str = Field(default="", max_length=32)
    head_username: str = Field(default="", max_length=64)
    members: int | None = Field(default=None, ge=1, le=hh.MAX_MEMBERS)
    others: list[MemberIn] = Field(default_factory=list, max_length=hh.MAX_MEMBERS)


def _filter(grid: str, q: str, active: bool | None) -> hh.HouseholdFilter:
    return hh.HouseholdFilter(grid_code=grid, q=q, active=active)


@households_router.get("", summary="住户登记列表 Households in my area (masked)")
def list_households(user: CurrentUser, session: SessionDep, grid: Annotated[str, Query(max_length=32)] = "",
                    q: Annotated[str, Query(max_length=100)] = "", active: bool | None = True,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    offset: Annotated[int, Query(ge=0, le=10**7)] = 0) -> dict[str, Any]:
    total, rows = hh.list_households(session, user, _filter(grid, q, active), limit=limit, offset=offset)
    people = hh.residents_of(session, [h.id for h in rows])
    return {"total": total, "items": [hh.household_view(session, user, h, people.get(h.id, [])) for h in rows]}


@households_router.post("", status_code=status.HTTP_201_CREATED, summary="登记住户 Register a household")
def create_household(body: HouseholdIn, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    data = hh.HouseholdData(
        code=body.code, grid_code=body.grid_code, head_name=body.head_name, address=body.address,
        head_phone=body.head_phone, head_id_number=body.head_id_number, head_username=body.head_username,
        members=body.members, others=tuple(hh.MemberData(m.name, m.phone) for m in body.others))
    h = hh.create_household(session, actor=user, data=data, now=now)
    return hh.household_view(session, user, h, hh.residents_of(session, [h.id]).get(h.id, []), detail=True, now=now)


@households_router.get("/export.xlsx", summary="导出住户登记 Export (.xlsx, masked by role, current filters)")
def export_households(user: CurrentUser, session: SessionDep, now: NowDep,
                      grid: Annotated[str, Query(max_length=32)] = "", q: Annotated[str, Query(max_length=100)] = "",
                      active: bool | None = True) -> Response:
    data = hh.export_xlsx(session, viewer=user, flt=_filter(grid, q, active), now=now)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="households.xlsx"', "Cache-Control": "no-store"})


@households_router.post("/import", summary="导入住户登记 Import (.xlsx body, all or nothing)")
async def import_households(request: Request, user: CurrentUser, session: SessionDep, now: NowDep,
                            lang: LangDep) -> Response:
    """Body: the .xlsx file itself. 422 with every bad row (`rows`) and nothing written."""
    data = await request.body()
    if not data or len(data) > MAX_IMPORT_BYTES:
        raise Invalid("household_import_not_xlsx", detail="empty or larger than 10 MB")
    # A bad row raises ImportRejected: the request rolls back and the app's error handler lists every row.
    report = hh.import_xlsx(session, actor=user, data=data, now=now, lang=lang)
    return JSONResponse(status_code=201, content={"created": report.created})


@households_router.get("/{household_id}", summary="住户详情 One household (unmasked for admins/officials, logged)")
def get_household(household_id: Id, user: CurrentUser, session: SessionDep, now: NowDep) -> dict[str, Any]:
    h = hh.get_household(session, user, household_id)
    return hh.household_view(session, user, h, hh.residents_of(session, [h.id]).get(h.id, []), detail=True, now=now)


# ---------------------------------------------------------------- surveys


class SurveyIn(BaseModel):
    kind: Literal["satisfaction", "safety"]
    title: str = Field(min_length=1, max_length=200)
    area_code: str = Field(min_length=1, max_length=32)
    opens_on: date
    closes_on: date
    sample_mode: Literal["fixed", "proportional"] = "fixed"
    sample_size: int = Field(default=30, ge=1, le=sv.MAX_SAMPLE)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class AnswerIn(BaseModel):
    score: int = Field(ge=0, le=100)
    answers: dict[str, int] = Field(default_factory=dict, max_length=10)
    comment: str = Field(default="", max_length=1000)


def survey_view(session: Session, survey: Survey, lang: str, *, with_results: bool = False) -> dict[str, Any]:
    from gongzhi.geo.models import Area

    area = session.get_one(Area, survey.area_id)
    out: dict[str, Any] = {
        "id": survey.id, "kind": survey.kind, "kind_name": translate(f"survey.kind.{survey.kind}", lang),
        "title": survey.title, "area_code": area.code, "area_name": sv.area_name(area, lang),
        "opens_on": local(survey.opens_at).date().isoformat(),
        "closes_at": local(survey.closes_at).isoformat(), "sample_mode": survey.sample_mode,
        "sample_size": survey.sample_size, "seed": survey.seed, "status": survey.status,
    }
    if with_results:
        total, rows = sv.results(session, survey, lang=lang)
        out["results"] = {"total": total.as_dict(), "communities": [r.as_dict() for r in rows],
                          "questions": sv.question_means(session, survey)}
    return out


@surveys_router.get("", summary="调查列表 Surveys of my area")
def list_surveys(user: CurrentUser, session: SessionDep, lang: LangDep,
                 kind: Annotated[str, Query(max_length=16)] = "",
                 status_: Annotated[str, Query(alias="status", max_length=12)] = "") -> list[dict[str, Any]]:
    return [survey_view(session, s, lang) for s in sv.list_surveys(session, user, kind=kind, status=status_)]


@surveys_router.post("", status_code=status.HTTP_201_CREATED, summary="新建调查（草稿） Create a survey draft")
def create_survey(body: SurveyIn, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    s = sv.create_survey(session, actor=user, now=now, data=sv.SurveyData(**body.model_dump()))
    return survey_view(session, s, lang)


@surveys_router.get("/links/{token}", summary="调查链接（无需登录） What a one-time link shows")
def link_info(token: Token, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    inv, survey = sv.invitation_for(session, token)
    return {"kind": survey.kind, "kind_name": translate(f"survey.kind.{survey.kind}", lang), "title": survey.title,
            "closes_at": local(survey.closes_at).isoformat(), "accepting": sv.is_accepting(survey, now),
            "answered": inv.answered_at is not None,
            "questions": [{"code": q, "text": translate(f"survey.q.{survey.kind}.{q}", lang)}
                          for q in sv.QUESTIONS[survey.kind]]}


@surveys_router.post("/links/{token}", status_code=status.HTTP_201_CREATED,
                     summary="提交答卷（无需登录，每个链接一次） Answer once")
def answer(token: Token, body: AnswerIn, session: SessionDep, now: NowDep) -> dict[str, Any]:
    sv.answer(session, token=token, data=sv.AnswerData(body.score, dict(body.answers), body.comment), now=now)
    return {"ok": True}


@surveys_router.get("/{survey_id}", summary="调查详情与各社区结果 A survey with results by community")
def get_survey(survey_id: Id, user: CurrentUser, session: SessionDep, lang: LangDep) -> dict[str, Any]:
    return survey_view(session, sv.get_survey(session, user, survey_id), lang, with_results=True)


@surveys_router.post("/{survey_id}/open", summary="抽样并发送邀请 Draw the sample and send the links")
def open_survey(survey_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    tokens = sv.open_survey(session, actor=user, survey_id=survey_id, now=now, lang=lang)
    # The tokens leave only inside the outbox messages: the API returns counts, not links.
    return survey_view(session, sv.get_survey(session, user, survey_id), lang) | {"invited": len(tokens)}


@surveys_router.post("/{survey_id}/close", summary="结束调查 Close the survey")
def close_survey(survey_id: Id, user: CurrentUser, session: SessionDep, now: NowDep, lang: LangDep) -> dict[str, Any]:
    return survey_view(session, sv.close_survey(session, actor=user, survey_id=survey_id, now=now), lang)


router.include_router(households_router)
router.include_router(surveys_router)
