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
    lngs: list[float] = []
    labels: list[tuple[float, float, str]] = []
    label_colours: list[str] = []
    for g in grids:
        if not g.geometry:
            continue
        xs, ys = _outline(g.geometry)
        if not xs:
            continue
        ring_x = [x for x in xs if x is not None]
        ring_y = [y for y in ys if y is not None]
        lats.extend(ring_y)
        lngs.extend(ring_x)
        label_x = g.centroid[0] if g.centroid else (min(ring_x) + max(ring_x)) / 2
        labels.append((label_x, max(ring_y), f"{g.name} <b>{g.count}</b>"))
        # Dark fills (the busiest grids) get white names.
        label_colours.append("#ffffff" if top and g.count / top > 0.6 else "#263238")
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill_colour(g.count, top),
            line={"color": "#455a64", "width": 1}, hoveron="fills", hoverinfo="text",
            text=f"{g.name}: {g.count}", name=g.name, showlegend=False,
        ))
    if labels:
        # Names just inside each grid's top edge, so they do not sit under the case dots.
        fig.add_trace(go.Scatter(
            x=[x for x, _, _ in labels], y=[y for _, y, _ in labels], mode="text",
            text=[text for _, _, text in labels], textposition="bottom center",
            textfont={"size": 11, "color": label_colours}, hoverinfo="skip", showlegend=False,
        ))
        # An invisible trace that only carries the colour bar of the fill scale.
        fig.add_trace(go.Scatter(
            x=[labels[0][0]] * 2, y=[labels[0][1]] * 2,
            mode="markers", hoverinfo="skip", showlegend=False,
            marker={"size": 0.1, "opacity": 0, "color": [0, max(top, 1)], "colorscale": COLOURSCALE,
                    "cmin": 0, "cmax": max(top, 1), "showscale": True,
                    "colorbar": {"title": {"text": count_label}, "thickness": 12, "len": 0.6, "x": 1.0,
                                 "dtick": max(1, math.ceil(top / 5))}},
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
    lngs.extend(p.lng for p in points)
    lats.extend(p.lat for p in points)
    mid_lat = (min(lats) + max(lats)) / 2 if lats else 30.0
    # A margin around everything, so edge grids do not touch the frame.
    x_range = y_range = None
    if lats and lngs:
        pad_x = (max(lngs) - min(lngs)) * 0.06 or 0.001
        pad_y = (max(lats) - min(lats)) * 0.06 or 0.001
        x_range = [min(lngs) - pad_x, max(lngs) + pad_x]
        y_range = [min(lats) - pad_y, max(lats) + pad_y]
    fig.update_layout(
        template="none",
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#f8fafb",
        dragmode="pan",
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
        font={"family": "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"},
        xaxis={"visible": False, "range": x_range},
        # One degree of latitude is longer on the ground than one of longitude by 1/cos(lat).
        yaxis={"visible": False, "range": y_range, "scaleanchor": "x",
               "scaleratio": 1 / math.cos(math.radians(mid_lat))},
    )
    return fig


def figure_json(fig: go.Figure) -> str:
    """JSON safe to place inside <script type="application/json">: no '</script>' can close it early."""
    raw = fig.to_json()
    text = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
