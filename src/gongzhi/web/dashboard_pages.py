"""Dashboard pages: the street overview (/dashboard), the module boards (/dashboard/{module}) and
each role's home (/home).

The pages render the very dict `analytics.dashboards` returns to the API; charts are Plotly
figures built here from that dict's numbers (drawn by the local plotly.min.js), so what a page
shows is what /api/v1/analytics/overview and /boards/{module} return.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import Response
from plotly.colors import sample_colorscale

from gongzhi.analytics import dashboards, periods
from gongzhi.errors import NotFound
from gongzhi.geo.models import Area
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import translate
from gongzhi.web.mapfig import EMPTY_FILL, figure_json
from gongzhi.web.pages import PLOTLY_URL, PageUser
from gongzhi.web.render import now_of, render

router = APIRouter(include_in_schema=False)

FONT = {"family": "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"}
GOOD_SCALE = "RdYlGn"  # red = bad, green = good; reversed for "lower is better"
LINE_COLOURS = ("#0f5c8c", "#ef6c00", "#2e7d32", "#6a1b9a")


# ---------------------------------------------------------------- figures from the dashboard dicts


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coords[0]] if coords else []
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in coords if poly]
    return []


def value_colour(value: float | None, low: float, high: float, higher_is_better: bool) -> str:
    """Green for the best grid of the map, red for the worst; grey when there is nothing to measure."""
    if value is None:
        return EMPTY_FILL
    share = 0.5 if high <= low else (value - low) / (high - low)
    if not higher_is_better:
        share = 1 - share
    colour: str = sample_colorscale(GOOD_SCALE, [0.1 + 0.8 * share])[0]
    return colour.replace("rgb(", "rgba(").replace(")", ", 0.8)")


def measure_map(rows: list[dict[str, Any]], shapes: dict[int, Area], *, higher_is_better: bool) -> str:
    """Grids filled by the measure's value (the overview's `map.grids`), name and value at the top."""
    values = [r["value"] for r in rows if r["value"] is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    fig = go.Figure()
    lats: list[float] = []
    lngs: list[float] = []
    labels: list[tuple[float, float, str]] = []
    for r in rows:
        area = shapes.get(r["grid_id"])
        rings = _rings(area.geometry if area else None)
        if area is None or not rings:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in rings:
            if xs:
                xs.append(None)
                ys.append(None)
            xs += [float(p[0]) for p in ring]
            ys += [float(p[1]) for p in ring]
        ring_x = [x for x in xs if x is not None]
        ring_y = [y for y in ys if y is not None]
        lngs += ring_x
        lats += ring_y
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself",
            fillcolor=value_colour(r["value"], low, high, higher_is_better),
            line={"color": "#455a64", "width": 1}, hoveron="fills", hoverinfo="text",
            text=f"{r['name']}: {r['formatted']} (n={r['n']})", name=r["name"], showlegend=False,
        ))
        x = area.centroid_lng if area.centroid_lng is not None else (min(ring_x) + max(ring_x)) / 2
        labels.append((x, max(ring_y), f"{r['name']}<br><b>{r['formatted']}</b>"))
    if labels:
        fig.add_trace(go.Scatter(x=[x for x, _, _ in labels], y=[y for _, y, _ in labels], mode="text",
                                 text=[t for _, _, t in labels], textposition="bottom center",
                                 textfont={"size": 11, "color": "#263238"}, hoverinfo="skip", showlegend=False))
    if labels and values:
        # An invisible trace that only carries the colour bar: worst … best of this map.
        scale = GOOD_SCALE if higher_is_better else GOOD_SCALE + "_r"
        text_of = {r["value"]: r["formatted"] for r in rows if r["value"] is not None}
        ends = sorted({low, high})  # the bar is labelled as the tiles are, "12分30秒" not 750
        fig.add_trace(go.Scatter(
            x=[labels[0][0]] * 2, y=[labels[0][1]] * 2, mode="markers", hoverinfo="skip", showlegend=False,
            marker={"size": 0.1, "opacity": 0, "color": [low, high], "colorscale": scale, "cmin": low,
                    "cmax": high if high > low else low + 1, "showscale": True,
                    "colorbar": {"thickness": 10, "len": 0.6, "x": 1.0, "tickvals": ends,
                                 "ticktext": [text_of[v] for v in ends]}},
        ))
    mid = (min(lats) + max(lats)) / 2 if lats else 30.0
    pad_x = ((max(lngs) - min(lngs)) * 0.05 or 0.001) if lngs else 0.001
    pad_y = ((max(lats) - min(lats)) * 0.05 or 0.001) if lats else 0.001
    fig.update_layout(
        template="none", margin={"l": 4, "r": 4, "t": 4, "b": 4}, height=420, dragmode="pan",
        hovermode="closest", paper_bgcolor="#ffffff", plot_bgcolor="#f8fafb", font=FONT,
        xaxis={"visible": False, "range": [min(lngs) - pad_x, max(lngs) + pad_x] if lngs else None},
        yaxis={"visible": False, "range": [min(lats) - pad_y, max(lats) + pad_y] if lats else None,
               "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(mid))},
    )
    return figure_json(fig)


def _small_layout(fig: go.Figure, *, height: int = 260, horizontal: bool = False) -> None:
    fig.update_layout(template="none", height=height, font=FONT, showlegend=False, hovermode="closest",
                      margin={"l": 120 if horizontal else 44, "r": 12, "t": 8, "b": 40},
                      paper_bgcolor="#ffffff", plot_bgcolor="#ffffff")


def trend_figure(series: dict[str, Any], colour: str) -> str:
    """One measure over 12 months; empty months are gaps, not zeros."""
    pts = series["points"]
    ys = [p["value"] for p in pts]
    if series.get("unit") == "seconds":
        ys = [None if v is None else round(v / 60, 2) for v in ys]  # minutes read better on an axis
    fig = go.Figure(go.Scatter(x=[p["period"] for p in pts], y=ys, mode="lines+markers", connectgaps=False,
                               line={"color": colour, "width": 2}, marker={"size": 6},
                               text=[f"{p['period']}: {p['formatted']} (n={p['n']})" for p in pts],
                               hoverinfo="text"))
    _small_layout(fig, height=220)
    fig.update_xaxes(type="category", tickangle=-45, tickfont={"size": 10})
    if series.get("unit") == "percent":
        fig.update_yaxes(range=[0, 100], ticksuffix="%")
    else:
        fig.update_yaxes(rangemode="tozero")
        if series.get("unit") == "count":
            top = max((v for v in ys if v is not None), default=0)
            fig.update_yaxes(dtick=max(1, math.ceil(top / 4)))
    return figure_json(fig)


def bar_figure(labels: list[str], values: list[float], *, colour: str = "#0f5c8c", horizontal: bool = True) -> str:
    """Counts: whole-number ticks only."""
    tick = max(1, math.ceil(max(values, default=0) / 5))
    if horizontal:
        fig = go.Figure(go.Bar(y=labels[::-1], x=values[::-1], orientation="h", marker={"color": colour},
                               text=[f"{v:g}" for v in values[::-1]], textposition="auto", hoverinfo="y+x"))
        _small_layout(fig, height=max(160, 28 * len(labels) + 60), horizontal=True)
        fig.update_xaxes(dtick=tick, rangemode="tozero")
    else:
        fig = go.Figure(go.Bar(x=labels, y=values, marker={"color": colour}, hoverinfo="x+y"))
        _small_layout(fig, height=240)
        fig.update_xaxes(type="category", tickfont={"size": 10})
        fig.update_yaxes(rangemode="tozero")
    return figure_json(fig)


# ---------------------------------------------------------------- shared page pieces


def _filters(request: Request, session: SessionDep, user: PageUser, area: str, month: str, start: str,
             end: str) -> tuple[Area, periods.Period, dict[str, Any]]:
    chosen = dashboards.resolve_area(session, user, area)
    if start and end:
        month = ""  # the form sends its month too; a date range, when given, is what was asked
    period = periods.parse(month_text=month, start=start, end=end, now=now_of(request))
    form = {"area": chosen.code, "month": month if month or start or end else f"{period.start:%Y-%m}",
            "start": start, "end": end,
            "areas": dashboards.area_choices(session, user, get_lang(request))}
    return chosen, period, form


def _shapes(session: SessionDep, area: Area) -> dict[int, Area]:
    from gongzhi.geo import service as geo

    return {g.id: g for g in geo.grids_under(session, area)}


def _overview_charts(doc: dict[str, Any], shapes: dict[int, Area]) -> dict[str, Any]:
    charts: dict[str, Any] = {"map": "", "trends": [], "categories": ""}
    m = doc["map"]
    if m.get("available") and any(g.geometry for g in shapes.values()):
        charts["map"] = measure_map(m["grids"], shapes, higher_is_better=bool(m["measure"].get("higher_is_better",
                                                                                                True)))
    if doc["trends"].get("available"):
        charts["trends"] = [trend_figure(s, LINE_COLOURS[i % len(LINE_COLOURS)])
                            for i, s in enumerate(doc["trends"]["series"])]
    cats = doc["top_categories"]
    if cats.get("available") and cats["items"]:
        charts["categories"] = bar_figure([c["name"] for c in cats["items"]], [c["created"] for c in cats["items"]])
    return charts


def _board_charts(doc: dict[str, Any]) -> dict[str, str]:
    s = doc["sections"]
    charts: dict[str, str] = {}

    def bars(key: str, label: str, value: str, *, colour: str = "#0f5c8c", horizontal: bool = True) -> None:
        panel = s.get(key) or {}
        if panel.get("available") and panel.get("items"):
            items = panel["items"]
            charts[key] = bar_figure([str(i[label]) for i in items], [i[value] or 0 for i in items], colour=colour,
                                     horizontal=horizontal)
    if doc["module"] == "cases":
        bars("top_categories", "name", "created")
        bars("by_source", "name", "count", colour="#ef6c00")
        bars("funnel", "label", "count", colour="#2e7d32")
    elif doc["module"] == "mediation":
        bars("by_type", "name", "filed")
        bars("by_tier", "name", "filed", colour="#ef6c00")
    elif doc["module"] == "eldercare":
        bars("by_kind", "name", "raised", colour="#c62828")
    elif doc["module"] == "citybrain":
        bars("readings", "day", "count", horizontal=False)
    return charts


# ---------------------------------------------------------------- routes


@router.get("/dashboard")
def overview_page(request: Request, session: SessionDep, user: PageUser, area: str = "", month: str = "",
                  start: str = "", end: str = "", measure: str = "") -> Response:
    dashboards.check_role(user)
    chosen, period, form = _filters(request, session, user, area, month, start, end)
    lang = get_lang(request)
    doc = dashboards.overview(session, user, chosen, period, measure=measure, now=now_of(request), lang=lang)
    api = f"/api/v1/analytics/overview?{dashboards.query_string(chosen, period, measure=doc['measure']['code'])}"
    return render(request, "dashboard/overview.html", {
        "doc": doc, "form": form | {"measure": doc["measure"]["code"]}, "api_url": api,
        "charts": _overview_charts(doc, _shapes(session, chosen)), "plotly_url": PLOTLY_URL,
    })


@router.get("/dashboard/{module}")
def board_page(request: Request, session: SessionDep, user: PageUser, module: str, area: str = "",
               month: str = "", start: str = "", end: str = "") -> Response:
    dashboards.check_role(user)
    if module not in dashboards.MODULES:
        raise NotFound("dashboard_module_unknown", module=module[:40])
    chosen, period, form = _filters(request, session, user, area, month, start, end)
    doc = dashboards.board(session, user, module, chosen, period, now=now_of(request), lang=get_lang(request))
    api = f"/api/v1/analytics/boards/{module}?{dashboards.query_string(chosen, period)}"
    return render(request, "dashboard/board.html", {
        "doc": doc, "form": form, "api_url": api, "charts": _board_charts(doc), "plotly_url": PLOTLY_URL,
        "action": f"/dashboard/{module}",
    })


@router.get("/home")
def home_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    doc = dashboards.home(session, user, now=now_of(request), lang=get_lang(request))
    return render(request, "dashboard/home.html", {"doc": doc, "title": translate("home.title", get_lang(request))})
