"""The grid map as a Plotly figure: polygons on plain lon/lat axes, no map tiles, nothing fetched.

Grids are filled by their count of open cases; open cases are dots coloured by priority and
carry their page address in `customdata` so a click opens the case.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

COLOURSCALE = "YlOrRd"
PRIORITY_COLOURS = {"P1": "#d32f2f", "P2": "#ef6c00", "P3": "#1976d2", "P4": "#78909c"}
EMPTY_FILL = "rgba(236, 239, 241, 0.7)"


@dataclass(frozen=True)
class GridShape:
    code: str
    name: str
    geometry: dict[str, Any] | None
    count: int
    centroid: tuple[float, float] | None  # (lng, lat)


@dataclass(frozen=True)
class CasePoint:
    url: str
    lng: float
    lat: float
    priority: str
    label: str


def fill_colour(count: int, top: int) -> str:
    if count <= 0 or top <= 0:
        return EMPTY_FILL
    colour: str = sample_colorscale(COLOURSCALE, [0.15 + 0.85 * min(count / top, 1.0)])[0]
    return colour.replace("rgb(", "rgba(").replace(")", ", 0.75)")


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Outer rings of a Polygon / MultiPolygon (holes are not drawn: a fill cannot show them)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords[0]] if coords else []
    if kind == "MultiPolygon":
        return [poly[0] for poly in coords if poly]
    return []


def _outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in _rings(geometry):
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(float(p[0]) for p in ring)
        ys.extend(float(p[1]) for p in ring)
    return xs, ys


def build_figure(grids: list[GridShape], points: list[CasePoint], *, count_label: str,
                 priority_labels: dict[str, str]) -> go.Figure:
    top = max((g.count for g in grids), default=0)
    fig = go.Figure()
    lats: list[float] = []
    for g in grids:
        if not g.geometry:
            continue
        xs, ys = _outline(g.geometry)
        if not xs:
            continue
        lats.extend(y for y in ys if y is not None)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill_colour(g.count, top),
            line={"color": "#455a64", "width": 1}, hoveron="fills", hoverinfo="text",
            text=f"{g.name}: {g.count}", name=g.name, showlegend=False,
        ))
    labelled = [g for g in grids if g.centroid is not None and g.geometry]
    if labelled:
        fig.add_trace(go.Scatter(
            x=[g.centroid[0] for g in labelled if g.centroid],
            y=[g.centroid[1] for g in labelled if g.centroid],
            mode="text", text=[f"{g.name}<br><b>{g.count}</b>" for g in labelled],
            textfont={"size": 11, "color": "#263238"}, hoverinfo="skip", showlegend=False,
        ))
        # An invisible trace that only carries the colour bar of the fill scale.
        fig.add_trace(go.Scatter(
            x=[labelled[0].centroid[0]] * 2 if labelled[0].centroid else [],
            y=[labelled[0].centroid[1]] * 2 if labelled[0].centroid else [],
            mode="markers", hoverinfo="skip", showlegend=False,
            marker={"size": 0.1, "opacity": 0, "color": [0, max(top, 1)], "colorscale": COLOURSCALE,
                    "cmin": 0, "cmax": max(top, 1), "showscale": True,
                    "colorbar": {"title": {"text": count_label}, "thickness": 12, "len": 0.6, "x": 1.0}},
        ))
    for prio, colour in PRIORITY_COLOURS.items():
        mine = [p for p in points if p.priority == prio]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[p.lng for p in mine], y=[p.lat for p in mine], mode="markers",
            name=priority_labels.get(prio, prio),
            marker={"size": 11, "color": colour, "line": {"color": "#ffffff", "width": 1.5}},
            text=[p.label for p in mine], customdata=[[p.url] for p in mine], hoverinfo="text",
        ))
    mid_lat = (min(lats) + max(lats)) / 2 if lats else 30.0
    fig.update_layout(
        template="none",
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#f8fafb",
        dragmode="pan",
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
        font={"family": "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"},
        xaxis={"visible": False},
        # One degree of latitude is longer on the ground than one of longitude by 1/cos(lat).
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(mid_lat))},
    )
    return fig


def figure_json(fig: go.Figure) -> str:
    """JSON safe to place inside <script type="application/json">: no '</script>' can close it early."""
    raw = fig.to_json()
    text = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
