"""Resident surveys: `/surveys` (list, create), `/surveys/{id}` (open/close, results by community with a
Plotly bar chart and the same figures in a table) and `/s/{token}`, the phone-first answer form a
sampled household reaches through its one-time link, without logging in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import surveys as sv
from gongzhi.analytics.models import SAMPLE_MODES, SURVEY_KINDS, Survey
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, subtree_condition
from gongzhi.clock import local
from gongzhi.errors import AppError, Invalid
from gongzhi.geo.models import Area
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web.mapfig import figure_json
from gongzhi.web.pages import PLOTLY_URL, FormFields, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash

router = APIRouter(include_in_schema=False)
BAR_COLOUR = "#0f5c8c"


def _areas(session: Session, user: User, lang: str) -> list[dict[str, str]]:
    """Streets and communities a manager may survey."""
    path = area_path(session, user)
    rows = session.scalars(select(Area).where(subtree_condition(path),
                                              Area.level.in_(("street", "community", "village")))
                           .order_by(Area.path))
    return [{"code": a.code, "name": sv.area_name(a, lang)} for a in rows]


def _last_day(survey: Survey) -> date:
    """The closing day as the manager entered it (closes_at is the next local midnight)."""
    return local(survey.closes_at - timedelta(seconds=1)).date()


def _list_context(session: Session, user: User, lang: str, form: dict[str, str] | None = None,
                  error: str = "") -> dict[str, Any]:
    surveys = sv.list_surveys(session, user)
    names = {a.id: sv.area_name(a, lang) for a in session.scalars(
        select(Area).where(Area.id.in_({s.area_id for s in surveys})))}
    return {"surveys": [{"s": s, "area": names.get(s.area_id, ""), "opens": local(s.opens_at).date(),
                         "closes": _last_day(s)} for s in surveys],
            "areas": _areas(session, user, lang), "kinds": SURVEY_KINDS, "modes": SAMPLE_MODES,
            "form": form or {}, "error": error}


@router.get("/surveys")
def survey_list(request: Request, session: SessionDep, user: PageUser) -> Response:
    lang = get_lang(request)
    sv.scoped_surveys(session, user)  # 403 for roles that do not manage surveys
    today = local(now_of(request)).date()
    form = {"opens_on": today.isoformat(), "closes_on": (today + timedelta(days=14)).isoformat(),
            "sample_size": "30", "sample_mode": "fixed", "kind": "satisfaction"}
    return render(request, "surveys/list.html", _list_context(session, user, lang, form))


def _int(value: str, default: int | None = None, *, seed: bool = False) -> int | None:
    value = value.strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Invalid("survey_seed_invalid", max=2**31 - 1) if seed else Invalid("survey_sample_invalid",
                                                                                  max=sv.MAX_SAMPLE)
    return int(value)  # the range is the service's rule


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid("survey_period_invalid") from exc


@router.post("/surveys")
def survey_create(request: Request, session: SessionDep, user: PageUser, form: FormFields) -> Response:
    lang = get_lang(request)
    try:
        with session.begin_nested():
            data = sv.SurveyData(
                kind=form.get("kind", ""), title=form.get("title", ""), area_code=form.get("area_code", ""),
                opens_on=_day(form.get("opens_on", "")), closes_on=_day(form.get("closes_on", "")),
                sample_mode=form.get("sample_mode", "fixed"), sample_size=_int(form.get("sample_size", ""), 30) or 0,
                seed=_int(form.get("seed", ""), seed=True))
            survey = sv.create_survey(session, actor=user, data=data, now=now_of(request))
    except AppError as exc:
        if exc.status_code == 403:
            raise
        return render(request, "surveys/list.html", _list_context(
            session, user, lang, dict(form), translate(exc.code, lang, **exc.params)), status_code=exc.status_code)
    response = redirect(f"/surveys/{survey.id}")
    set_flash(response, "web.flash.survey_created")
    return response


def _chart(rows: list[sv.Summary], lang: str) -> str:
    """Mean score per community with its 95% interval as error bars; n under each bar."""
    shown = [r for r in rows if r.mean is not None]
    if not shown:
        return ""
    fig = go.Figure(go.Bar(
        x=[r.name for r in shown], y=[round(r.mean or 0, 1) for r in shown], marker={"color": BAR_COLOUR},
        text=[f"{r.mean:.1f}" for r in shown], textposition="inside", insidetextanchor="start",
        textfont={"color": "#ffffff"},
        customdata=[[r.n, r.ci_low, r.ci_high] for r in shown],
        error_y={"type": "data", "symmetric": False,
                 "array": [0 if r.ci_high is None else round(r.ci_high - (r.mean or 0), 2) for r in shown],
                 "arrayminus": [0 if r.ci_low is None else round((r.mean or 0) - r.ci_low, 2) for r in shown],
                 "color": "#37474f"},
        hovertemplate="%{x}<br>" + translate("web.survey.col.mean", lang) + " %{y}<br>n = %{customdata[0]}"
                      "<extra></extra>",
        name=translate("web.survey.chart_mean", lang),
    ))
    fig.update_layout(template="none", height=340, margin={"l": 40, "r": 10, "t": 20, "b": 60},
                      yaxis={"range": [0, 105], "title": translate("web.survey.chart_mean", lang)},
                      showlegend=False)
    return figure_json(fig)


def _detail(request: Request, session: Session, user: User, survey: Survey) -> Response:
    lang = get_lang(request)
    total, rows = sv.results(session, survey, lang=lang)
    area = session.get_one(Area, survey.area_id)
    return render(request, "surveys/detail.html", {
        "s": survey, "area": sv.area_name(area, lang), "total": total, "rows": rows,
        "questions": sv.question_means(session, survey), "chart_json": _chart(rows, lang), "plotly_url": PLOTLY_URL,
        "opens": local(survey.opens_at).date(), "closes": _last_day(survey),
    })


@router.get("/surveys/{survey_id}")
def survey_detail(request: Request, session: SessionDep, user: PageUser, survey_id: int) -> Response:
    return _detail(request, session, user, sv.get_survey(session, user, survey_id))


@router.post("/surveys/{survey_id}/open")
def survey_open(request: Request, session: SessionDep, user: PageUser, survey_id: int) -> Response:
    tokens = sv.open_survey(session, actor=user, survey_id=survey_id, now=now_of(request), lang=get_lang(request))
    response = redirect(f"/surveys/{survey_id}")
    set_flash(response, "web.flash.survey_opened", count=len(tokens))
    return response


@router.post("/surveys/{survey_id}/close")
def survey_close(request: Request, session: SessionDep, user: PageUser, survey_id: int) -> Response:
    sv.close_survey(session, actor=user, survey_id=survey_id, now=now_of(request))
    response = redirect(f"/surveys/{survey_id}")
    set_flash(response, "web.flash.survey_closed")
    return response


# ---------------------------------------------------------------- the resident's answer form (no login)


def _answer_page(request: Request, session: Session, token: str, *, error: str = "", status_code: int = 200,
                 form: dict[str, str] | None = None, done: bool = False) -> Response:
    lang = get_lang(request)
    inv, survey = sv.invitation_for(session, token)
    state = "thanks" if done else ("used" if inv.answered_at is not None else
                                   ("form" if sv.is_accepting(survey, now_of(request)) else "closed"))
    questions = [{"code": q, "text": translate(f"survey.q.{survey.kind}.{q}", lang)} for q in sv.QUESTIONS[survey.kind]]
    return render(request, "surveys/answer.html", {
        "survey": survey, "kind_name": translate(f"survey.kind.{survey.kind}", lang), "state": state,
        "questions": questions, "token": token, "error": error, "form": form or {},
        "closes": _last_day(survey).isoformat(),
    }, status_code=status_code, anonymous=True)


@router.get("/s/{token}")
def answer_form(request: Request, session: SessionDep, token: str) -> Response:
    return _answer_page(request, session, token)


@router.post("/s/{token}")
def answer_submit(request: Request, session: SessionDep, token: str, form: FormFields) -> Response:
    lang = get_lang(request)
    _, survey = sv.invitation_for(session, token)
    try:
        score = form.get("score", "").strip()
        if not score.isdigit():
            raise Invalid("survey_score_invalid")
        answers = {q: int(form[q]) for q in sv.QUESTIONS[survey.kind] if form.get(q, "").strip().isdigit()}
        with session.begin_nested():
            sv.answer(session, token=token, data=sv.AnswerData(int(score), answers, form.get("comment", "")),
                      now=now_of(request))
    except AppError as exc:
        if exc.code in ("survey_closed", "survey_already_answered"):
            return _answer_page(request, session, token, status_code=exc.status_code)
        return _answer_page(request, session, token, error=translate(exc.code, lang, **exc.params),
                            status_code=exc.status_code, form=dict(form))
    return _answer_page(request, session, token, done=True)
