"""Report pages: the printable monthly area report, the pilot list with its form, and each pilot's
before/after report in the manner of the seed case studies (问题 problem, 措施 measures, 成效 results).

The pages render the same dict as the JSON API and the PDF (analytics.reports); the charts are
that dict's chart specs drawn with the local Plotly. The monthly page lives at /monthly-report:
/reports/{case_id} (the public view of a resident's report) would swallow /reports/monthly.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import measures as ms
from gongzhi.analytics import pilots, reports
from gongzhi.analytics.periods import local_day, parse
from gongzhi.auth.models import User
from gongzhi.auth.scope import subtree_condition
from gongzhi.errors import AppError, Invalid, NotFound
from gongzhi.geo.models import Area
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web.mapfig import figure_json
from gongzhi.web.pages import PLOTLY_URL, PageUser
from gongzhi.web.render import now_of, redirect, render, set_flash

router = APIRouter(include_in_schema=False)
MONTHLY_PATH = "/monthly-report"
PRIMARY, BEFORE = "#0f5c8c", "#90a4ae"


async def _multi_form(request: Request) -> list[tuple[str, str]]:
    """The posted form with repeated keys kept (the measure checkboxes)."""
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


MultiForm = Annotated[list[tuple[str, str]], Depends(_multi_form)]


# ---------------------------------------------------------------- figures


def chart_figure(chart: dict[str, Any]) -> str:
    """A report chart spec as Plotly JSON: horizontal bars (labels read left of the bar) or lines."""
    fig = go.Figure()
    labels: list[str] = chart["labels"]
    if chart["kind"] == "line":
        for s in chart["series"]:
            fig.add_trace(go.Scatter(x=labels, y=s["values"], name=s["name"], mode="lines+markers+text",
                                     text=["" if v is None else f"{v:g}" for v in s["values"]],
                                     textposition="top center", line={"color": PRIMARY}, connectgaps=False))
        # Months as categories: Plotly would otherwise read "2026-05" as a date and relabel it.
        fig.update_xaxes(type="category", tickangle=-45, automargin=True)
        fig.update_yaxes(rangemode="tozero", automargin=True)
        height = 300
    else:
        paired = chart.get("palette") == "before_after"
        for s in chart["series"]:
            colours = [BEFORE, PRIMARY] if paired else [PRIMARY] * len(labels)
            fig.add_trace(go.Bar(y=labels, x=s["values"], orientation="h", name=s["name"],
                                 marker={"color": colours},
                                 text=["—" if v is None else f"{v:,g}" for v in s["values"]], textposition="auto"))
        fig.update_yaxes(autorange="reversed", automargin=True)
        fig.update_xaxes(rangemode="tozero")
        height = 60 + 34 * len(labels)
    fig.update_layout(template="none", height=height, margin={"l": 10, "r": 20, "t": 20, "b": 30},
                      showlegend=False)
    return figure_json(fig)


def _with_figures(charts: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{i}", "title": c["title"], "unit": c.get("unit", ""), "figure": chart_figure(c)}
            for i, c in enumerate(charts) if c["labels"]]


# ---------------------------------------------------------------- monthly


def _area_choices(session: Session, user: User, lang: str) -> list[dict[str, str]]:
    path = "/" if user.role == "admin" and user.area_id is None else None
    if path is None:
        viewer = session.get(Area, user.area_id) if user.area_id is not None else None
        path = viewer.path if viewer is not None else None
    rows = session.scalars(select(Area).where(subtree_condition(path)).order_by(Area.path).limit(500))
    return [{"code": a.code, "name": pilots.area_label(a, lang), "level": a.level} for a in rows]


@router.get(MONTHLY_PATH)
def monthly(request: Request, session: SessionDep, user: PageUser, area: str = "", month: str = "") -> Response:
    lang, now = get_lang(request), now_of(request)
    period = parse(month_text=month[:20], now=now)
    target = pilots.resolve_area(session, user, area[:32])
    report = reports.monthly_report(session, user, target, period, now=now, lang=lang)
    query = urlencode({"area": target.code, "month": period.label()})
    sections = [s | {"figures": _with_figures(s["charts"], f"m-{s['key']}")} for s in report["sections"]]
    return render(request, "reports_analytics/monthly.html", {
        "report": report, "sections": sections, "areas": _area_choices(session, user, lang),
        "area_code": target.code, "month": period.label(), "monthly_path": MONTHLY_PATH,
        "pdf_url": f"/api/v1/analytics/reports/monthly.pdf?{query}", "json_url": f"/api/v1/analytics/reports/monthly?{query}",
        "plotly_url": PLOTLY_URL,
    })


# ---------------------------------------------------------------- pilots


def _pilot_list(request: Request, session: Session, user: User, form: dict[str, Any] | None = None,
                error: str = "", status_code: int = 200) -> Response:
    lang = get_lang(request)
    rows = [pilots.pilot_view(p, a, lang) for p, a in pilots.list_pilots(session, user)]
    today = local_day(now_of(request))
    return render(request, "reports_analytics/pilots.html", {
        "pilots": rows, "can_create": user.role in pilots.MANAGER_ROLES,
        "areas": [a for a in _area_choices(session, user, lang) if a["level"] != "grid"] or
        _area_choices(session, user, lang),
        "measures": [{"code": c, "name": translate(f"measure.{c}.name", lang)} for c in ms.MEASURE_CODES],
        "form": form or {"start_date": today.isoformat(), "measure_codes": ["satisfaction", "dispute_count"]},
        "error": error, "monthly_path": MONTHLY_PATH,
    }, status_code=status_code)


@router.get("/pilots")
def pilot_list(request: Request, session: SessionDep, user: PageUser) -> Response:
    return _pilot_list(request, session, user)


def _form_data(items: list[tuple[str, str]]) -> dict[str, Any]:
    single = {k: v for k, v in items}
    return {"name": single.get("name", "")[:200], "area": single.get("area", "")[:32],
            "start_date": single.get("start_date", "")[:20], "problem": single.get("problem", "")[:5000],
            "actions": single.get("actions", "")[:20000],
            "measure_codes": [v[:40] for k, v in items if k == "measure_codes"][:20]}


@router.post("/pilots")
def pilot_create(request: Request, session: SessionDep, user: PageUser, items: MultiForm) -> Response:
    lang = get_lang(request)
    form = _form_data(items)
    try:
        with session.begin_nested():
            try:
                start = date.fromisoformat(form["start_date"])
            except ValueError:
                raise Invalid("analytics_date_invalid", value=form["start_date"]) from None
            data = pilots.PilotData(name=form["name"], area_code=form["area"], start_date=start,
                                    problem=form["problem"], actions=form["actions"].splitlines(),
                                    measure_codes=form["measure_codes"])
            pilot = pilots.create_pilot(session, actor=user, data=data, now=now_of(request))
    except AppError as exc:
        if exc.status_code == 403:
            raise
        return _pilot_list(request, session, user, form, translate(exc.code, lang, **exc.params), exc.status_code)
    response = redirect(f"/pilots/{pilot.id}")
    set_flash(response, "web.flash.reports_pilot_created", name=pilot.name)
    return response


def _pilot_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise NotFound("reports_pilot_unknown", id=raw[:20])
    return int(raw)


@router.get("/pilots/{pilot_id}")
def pilot_page(request: Request, session: SessionDep, user: PageUser, pilot_id: str) -> Response:
    lang, now = get_lang(request), now_of(request)
    report = reports.pilot_report(session, user, _pilot_id(pilot_id), now=now, lang=lang)
    return render(request, "reports_analytics/pilot.html", {
        "report": report, "figures": _with_figures(report["charts"], "p"),
        "pdf_url": f"/api/v1/analytics/pilots/{report['pilot']['id']}/report.pdf",
        "json_url": f"/api/v1/analytics/pilots/{report['pilot']['id']}/report",
        "plotly_url": PLOTLY_URL,
    })
