"""城市大脑 board: road congestion now and in 30 minutes, a detector's forecast against what it then
counted, the detour advisories in force, and open crowd alerts and smoke/gas episodes — for
officials, admins and grid workers, limited to their area."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import Response
from plotly.subplots import make_subplots

from gongzhi.auth.scope import area_path
from gongzhi.clock import local
from gongzhi.devices import service as devices
from gongzhi.errors import Forbidden
from gongzhi.geo import service as geo
from gongzhi.http import SessionDep, get_lang
from gongzhi.i18n import register, translate
from gongzhi.sensing import traffic
from gongzhi.web.mapfig import figure_json
from gongzhi.web.pages import PLOTLY_URL, PageUser
from gongzhi.web.render import MAP_ROLES, now_of, render
from gongzhi.web.views import area_name

router = APIRouter(include_in_schema=False)

LEVEL_COLOURS = {"free": "#2e7d32", "slow": "#f9a825", "congested": "#ef6c00", "severe": "#c62828",
                 "unknown": "#90a4ae"}
CHART_HOURS = 24

register(
    {
        "web.cb.title": ("城市大脑", "City brain"),
        "web.cb.lead": (
            "交通检测器按拥堵程度着色：流量/通行能力 <60% 畅通，60–80% 缓行，80–100% 拥堵，≥100% 严重拥堵"
            "（实测车速 <25 km/h 至少缓行，<15 km/h 至少拥堵）。30 分钟后的程度来自检测器自身近两周数据的预测。",
            "Traffic detectors coloured by congestion: volume/capacity <60% free flow, 60–80% slow, "
            "80–100% congested, ≥100% severe (a measured speed under 25 km/h is at least slow, under 15 at "
            "least congested). The +30 min level comes from a forecast fitted on each detector's last two weeks.",
        ),
        "web.cb.now": ("当前", "Now"),
        "web.cb.next": ("30 分钟后（预测）", "In 30 min (forecast)"),
        "web.cb.noscript": ("地图和图表需要 JavaScript；下表列出同样的数据。",
                            "The map and chart need JavaScript; the tables below hold the same data."),
        "web.cb.segments": ("路段", "Road segments"),
        "web.cb.col.segment": ("路段", "Segment"),
        "web.cb.col.grid": ("网格", "Grid"),
        "web.cb.col.now": ("当前", "Now"),
        "web.cb.col.next": ("30 分钟后", "+30 min"),
        "web.cb.col.alternative": ("绕行建议", "Detour"),
        "web.cb.col.detectors": ("检测器", "Detectors"),
        "web.cb.col.issued": ("发布时间", "Issued"),
        "web.cb.col.level": ("预测程度", "Forecast level"),
        "web.cb.col.recipients": ("已通知居民", "Residents told"),
        "web.cb.col.place": ("地点", "Place"),
        "web.cb.col.kind": ("类型", "Kind"),
        "web.cb.col.opened": ("开始", "Since"),
        "web.cb.col.count": ("次数", "Count"),
        "web.cb.col.case": ("工单", "Case"),
        "web.cb.no_segments": ("本辖区还没有登记路段", "No road segments in your area yet"),
        "web.cb.advisories": ("生效中的绕行提示", "Detour advisories in force"),
        "web.cb.no_advisories": ("当前没有绕行提示", "No advisories in force"),
        "web.cb.alerts": ("未结束的聚集与烟雾/燃气报警", "Open crowd alerts and smoke/gas alarms"),
        "web.cb.no_alerts": ("当前没有未结束的报警", "No open alerts"),
        "web.cb.chart": ("预测与实测对比（近 24 小时）", "Forecast vs actual (last 24 h)"),
        "web.cb.detector": ("检测器", "Detector"),
        "web.cb.show": ("查看", "Show"),
        "web.cb.actual": ("实测车流", "Counted"),
        "web.cb.predicted": ("30 分钟前的预测", "Forecast made 30 min before"),
        "web.cb.mae": ("平均绝对误差 {mae} 辆/5 分钟", "Mean absolute error {mae} vehicles / 5 min"),
        "web.cb.no_chart": ("该检测器还没有足够的数据", "Not enough data from this detector yet"),
        "web.cb.kind.crowd": ("异常聚集", "Crowd"),
        "web.cb.kind.smoke": ("烟雾", "Smoke"),
        "web.cb.kind.gas": ("燃气", "Gas"),
    }
)


@dataclass(frozen=True)
class DetectorDot:
    code: str
    segment: str
    lat: float
    lng: float
    level_now: str
    level_next: str
    label: str


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coords[0]] if coords else []
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in coords if poly]
    return []


def _map_figure(grids: list[tuple[str, dict[str, Any] | None]], dots: list[DetectorDot], lang: str) -> str:
    """Two panels, now and +30 min: grid outlines and the detectors as dots in their level's colour."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(translate("web.cb.now", lang), translate("web.cb.next", lang)),
                        horizontal_spacing=0.03)
    lats: list[float] = [d.lat for d in dots]
    in_legend: set[str] = set()
    for col in (1, 2):
        for name, geometry in grids:
            for ring in _rings(geometry):
                fig.add_trace(go.Scatter(x=[p[0] for p in ring], y=[p[1] for p in ring], mode="lines",
                                         line={"color": "#90a4ae", "width": 1}, hoverinfo="text", text=name,
                                         showlegend=False), row=1, col=col)
                lats.extend(p[1] for p in ring)
        for level, colour in LEVEL_COLOURS.items():
            mine = [d for d in dots if (d.level_now if col == 1 else d.level_next) == level]
            if not mine:
                continue
            fig.add_trace(go.Scatter(
                x=[d.lng for d in mine], y=[d.lat for d in mine], mode="markers",
                name=translate(f"sensing.level.{level}", lang), legendgroup=level, showlegend=level not in in_legend,
                marker={"size": 13, "color": colour, "line": {"color": "#ffffff", "width": 1.5}},
                text=[d.label for d in mine], hoverinfo="text",
            ), row=1, col=col)
            in_legend.add(level)
    mid = (min(lats) + max(lats)) / 2 if lats else 30.0
    ratio = 1 / math.cos(math.radians(mid))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_yaxes(scaleanchor="x", scaleratio=ratio, row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", scaleratio=ratio, row=1, col=2)
    fig.update_layout(template="none", margin={"l": 8, "r": 8, "t": 28, "b": 8}, height=420, dragmode="pan",
                      hovermode="closest", legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
                      plot_bgcolor="#f8fafb")
    return figure_json(fig)


def _chart_figure(cmp: traffic.Comparison, ahead: traffic.DetectorNow | None, lang: str) -> str:
    xs = [local(t).strftime("%Y-%m-%d %H:%M") for t in cmp.times]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=cmp.actual, name=translate("web.cb.actual", lang), mode="lines",
                             line={"color": "#37474f"}, connectgaps=False))
    fig.add_trace(go.Scatter(x=xs, y=cmp.predicted, name=translate("web.cb.predicted", lang), mode="lines",
                             line={"color": "#ef6c00", "dash": "dot"}, connectgaps=False))
    if ahead is not None and ahead.predicted is not None and ahead.target_at is not None:
        # The live forecast, 30 minutes past the last reading: what the board's +30 level is made of.
        fig.add_trace(go.Scatter(x=[local(ahead.target_at).strftime("%Y-%m-%d %H:%M")], y=[round(ahead.predicted, 1)],
                                 name=translate("web.cb.next", lang), mode="markers",
                                 marker={"color": "#ef6c00", "size": 10, "symbol": "diamond"}))
    fig.update_layout(template="none", margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=320,
                      legend={"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"}, hovermode="x unified")
    return figure_json(fig)


@router.get("/citybrain")
def board(request: Request, session: SessionDep, user: PageUser, detector: str = "") -> Response:
    if user.role not in MAP_ROLES or user.area_id is None:
        raise Forbidden("forbidden")
    lang = get_lang(request)
    now = now_of(request)
    viewer_path = area_path(session, user)
    top = geo.get_area_by_id(session, user.area_id)
    grids = geo.grids_under(session, top) if top.level != "grid" else [top]
    grid_names = {g.id: area_name(g, lang) for g in grids}
    for g_id in {s.grid_id for s in traffic.segments_in_scope(session, viewer_path)} - set(grid_names):
        grid_names[g_id] = area_name(geo.get_area_by_id(session, g_id), lang)
    segments = traffic.segments_in_scope(session, viewer_path)
    codes = sorted({c for s in segments for c in s.detector_codes})
    state = traffic.detectors_now(session, codes, now) if codes else {}
    found = devices.devices_by_codes(session, codes)
    dots: list[DetectorDot] = []
    for seg in segments:
        for code in seg.detector_codes:
            d, dev = state.get(code), found.get(code)
            if d is None or dev is None or dev.lat is None or dev.lng is None:
                continue
            now_ratio = None if d.last is None else d.last / seg.capacity
            next_ratio = None if d.predicted is None else d.predicted / seg.capacity
            lv_now, lv_next = traffic.level_of(now_ratio, d.speed), traffic.level_of(next_ratio)
            label = "<br>".join([
                f"{seg.name} · {code}",
                f"{translate('web.cb.now', lang)}: {translate(f'sensing.level.{lv_now}', lang)}"
                + (f" ({d.last:g}/{seg.capacity:g})" if d.last is not None else ""),
                f"{translate('web.cb.next', lang)}: {translate(f'sensing.level.{lv_next}', lang)}"
                + (f" ({d.predicted:.0f})" if d.predicted is not None else ""),
            ])
            dots.append(DetectorDot(code, seg.name, dev.lat, dev.lng, lv_now, lv_next, label))
    chosen = detector if detector in codes else (codes[0] if codes else "")
    chart_json = ""
    mae: float | None = None
    if chosen:
        cmp = traffic.forecast_vs_actual(session, chosen, now, hours=CHART_HOURS)
        if cmp.times:
            chart_json, mae = _chart_figure(cmp, state.get(chosen), lang), cmp.mae
    segment_rows = [
        {"seg": s, "grid": grid_names.get(s.grid_id, ""), "colour_now": LEVEL_COLOURS.get(s.level_now, "#90a4ae"),
         "colour_next": LEVEL_COLOURS.get(s.level_next, "#90a4ae")}
        for s in segments
    ]
    advisories = [{"a": a, "seg": s, "grid": grid_names.get(a.grid_id, "")}
                  for a, s in traffic.open_advisories(session, viewer_path)]
    alerts = [{"e": e, "grid": grid_names.get(e.grid_id or 0, "")}
              for e in traffic.open_episodes(session, viewer_path, ("crowd", "smoke", "gas"))]
    return render(request, "citybrain/board.html", {
        "map_json": _map_figure([(area_name(g, lang), g.geometry) for g in grids], dots, lang) if dots else "",
        "chart_json": chart_json, "mae": None if mae is None else f"{mae:.1f}", "codes": codes, "chosen": chosen,
        "segments": segment_rows, "advisories": advisories, "alerts": alerts, "colours": LEVEL_COLOURS,
        "plotly_url": PLOTLY_URL,
    })
