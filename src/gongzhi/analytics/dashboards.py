"""Dashboards as plain data: the street overview, the per-module boards and each role's home page.

Every function returns a JSON-able dict. The API returns it as is and the pages render from the
same dict, so a figure on a page is always the number the API gives. Figures come from
`analytics.measures` (the one definition of each measure) and from each module's `stats`
functions; nothing here reads another module's tables. A producer that is not there (yet) makes
its panel `{"available": false}` instead of failing the whole page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from gongzhi.analytics import (  # noqa: F401  (labels of the tools links)
    dashboard_messages,
    report_messages,
    survey_messages,
)
from gongzhi.analytics import messages as _analytics_messages  # noqa: F401  (analytics_area_* errors)
from gongzhi.analytics.periods import Period, local_day, month_of, months_back, next_month
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.cases import service as cases
from gongzhi.clock import local, utc
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import has, translate

DASHBOARD_ROLES = frozenset({"official", "admin", "grid_worker"})
MODULES = ("cases", "mediation", "eldercare", "citybrain", "council")
Module = Literal["cases", "mediation", "eldercare", "citybrain", "council"]
# Headline tiles of the overview, in reading order (DOMAIN.md "Measures").
HEADLINE = ("satisfaction", "response_median", "on_time_rate", "dispute_count", "petitions",
            "alarm_ack_median", "elder_coverage", "complaint_rate")
TREND_CODES = ("satisfaction", "response_median", "on_time_rate", "dispute_count")
TREND_MONTHS = 12
DEFAULT_MEASURE = "complaint_rate"  # defined for every grid (households), so the map always has colour
LIST_LIMIT = 10
BOARD_TILES: dict[str, tuple[str, ...]] = {
    "cases": ("on_time_rate", "response_median", "response_p90", "satisfaction", "petitions", "complaint_rate"),
    "mediation": ("dispute_count", "mediation_success", "resolution_rate"),
    "eldercare": ("alarm_ack_median", "alarm_scene_median", "elder_coverage"),
    "citybrain": (),
    "council": (),
}


# ---------------------------------------------------------------- producers (looked up when called)


def _producer(module: str, name: str) -> Callable[..., Any] | None:
    """A stats function of another part, or None while that part has not shipped it."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def _measures() -> Any | None:
    try:
        mod = importlib.import_module("gongzhi.analytics.measures")
    except ImportError:
        return None
    needed = ("MEASURES", "compute_many", "by_grid", "trend", "format_value")
    return mod if all(hasattr(mod, n) for n in needed) else None


UNAVAILABLE: dict[str, Any] = {"available": False}


def _plain(value: Any) -> Any:
    """Dataclasses, dates and datetimes into JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, datetime):
        return utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- access and scope


def check_role(user: User) -> None:
    if user.role not in DASHBOARD_ROLES:
        raise Forbidden("forbidden")
    if user.area_id is None and user.role != "admin":
        raise Invalid("analytics_area_required")


def _top_area(session: Session, user: User) -> Area:
    """The user's own area; a system-wide admin (no area) starts at the first root area."""
    if user.area_id is not None:
        return geo.get_area_by_id(session, user.area_id)
    roots = [a for a in geo.list_areas(session) if a.parent_id is None]
    if not roots:
        raise Invalid("analytics_area_required")
    return roots[0]


def resolve_area(session: Session, user: User, code: str = "") -> Area:
    """The area asked for (default: the user's own); 403 outside the user's subtree, 404 unknown."""
    check_role(user)
    if not code:
        return _top_area(session, user)
    area = geo.get_area(session, code.strip()[:40])
    if user.area_id is None:
        return area  # a system-wide administrator
    if not in_scope(area_path(session, user), area.path):
        raise Forbidden("analytics_area_forbidden", area=code[:40])
    return area


def area_choices(session: Session, user: User, lang: str) -> list[dict[str, str]]:
    """Every area in the user's subtree, parents before children, for the filter's select."""
    check_role(user)
    top = _top_area(session, user)
    depth0 = top.path.count("/")
    areas = geo.subtree(session, top) if user.area_id is not None else \
        sorted(geo.list_areas(session), key=lambda a: a.path)
    return [{"code": a.code, "name": _area_name(a, lang), "level": a.level,
             "indent": str(max(a.path.count("/") - depth0, 0))} for a in areas]


def check_measure(code: str) -> str:
    m = _measures()
    if not code:
        return DEFAULT_MEASURE
    if m is not None and code not in m.MEASURES:
        raise Invalid("dashboard_measure_unknown", code=code[:40])
    return code


def _area_name(area: Area, lang: str) -> str:
    return area.name_en if lang == "en" and area.name_en else area.name


def _area_doc(area: Area, lang: str) -> dict[str, Any]:
    return {"code": area.code, "name": _area_name(area, lang), "level": area.level}


def _grid_ids(session: Session, area: Area) -> tuple[list[Area], list[int]]:
    grids = geo.grids_under(session, area)
    return grids, [g.id for g in grids]


def previous_period(period: Period) -> Period:
    """The month before a calendar month; otherwise as many days just before the period."""
    if period.start.day == 1 and period.end == next_month(period.start):
        return months_back(period, 2)[0]
    return Period(period.start - timedelta(days=period.days), period.start)


def _period_doc(period: Period) -> dict[str, Any]:
    is_month = period.start.day == 1 and period.end == next_month(period.start)
    return {"start": period.start.isoformat(), "end": (period.end - timedelta(days=1)).isoformat(),
            "label": period.label(), "month": f"{period.start:%Y-%m}" if is_month else ""}


def query_string(area: Area, period: Period, **extra: str) -> str:
    """The filters as query parameters, the same for pages, API and links."""
    doc = _period_doc(period)
    params: list[tuple[str, str]] = [("area", area.code)]
    if doc["month"]:
        params.append(("month", doc["month"]))
    else:
        params += [("start", doc["start"]), ("end", doc["end"])]
    params += [(k, v) for k, v in extra.items() if v]
    return urlencode(params)


# ---------------------------------------------------------------- measures as tiles


def _measure_meta(code: str, lang: str) -> dict[str, Any]:
    m = _measures()
    meta: dict[str, Any] = {"code": code, "name": translate(f"measure.{code}.name", lang)}
    if m is not None and code in m.MEASURES:
        spec = m.MEASURES[code]
        meta |= {"unit": spec.unit, "higher_is_better": spec.higher_is_better,
                 "formula": translate(f"measure.{code}.formula", lang)}
    return meta


def _change_text(code: str, diff: float, unit: str, lang: str) -> str:
    m = _measures()
    assert m is not None
    if unit == "percent":
        size = translate("dash.pts", lang, v=f"{abs(diff):.1f}")
    else:
        size = m.format_value(m.Result(code=code, value=abs(diff), numerator=None, denominator=None, n=1), lang)
    return translate("dash.change.up" if diff > 0 else "dash.change.down", lang, diff=size)


def _tile(code: str, now_r: Any, prev_r: Any | None, lang: str) -> dict[str, Any]:
    m = _measures()
    assert m is not None
    spec = m.MEASURES[code]
    tile = _measure_meta(code, lang) | {
        "value": now_r.value, "formatted": m.format_value(now_r, lang), "n": now_r.n,
        "numerator": now_r.numerator, "denominator": now_r.denominator,
        "previous": None, "previous_formatted": "", "difference": None, "relative_change": None,
        "improved": None, "change_text": translate("dash.change.none", lang),
    }
    if prev_r is None:
        return tile
    tile["previous"] = prev_r.value
    tile["previous_formatted"] = m.format_value(prev_r, lang)
    if now_r.value is None or prev_r.value is None:
        return tile
    diff = float(now_r.value) - float(prev_r.value)
    tile["difference"] = round(diff, 6)
    tile["relative_change"] = round(diff / float(prev_r.value), 6) if prev_r.value else None
    if diff == 0:
        tile["change_text"] = translate("dash.change.same", lang)
    else:
        tile["improved"] = (diff > 0) == bool(spec.higher_is_better)
        tile["change_text"] = _change_text(code, diff, str(spec.unit), lang)
    return tile


def tiles(session: Session, codes: Sequence[str], area: Area, period: Period, *, now: datetime,
          lang: str) -> dict[str, Any]:
    """Each measure now and in the previous period, with the change between them."""
    m = _measures()
    if m is None or not codes:
        return UNAVAILABLE if m is None else {"available": True, "items": []}
    wanted = [c for c in codes if c in m.MEASURES]
    current = m.compute_many(session, wanted, area, period, now=now)
    before = m.compute_many(session, wanted, area, previous_period(period), now=now)
    return {"available": True, "previous_period": previous_period(period).label(),
            "items": [_tile(c, current[c], before.get(c), lang) for c in wanted]}


def _grid_map(session: Session, code: str, area: Area, grids: list[Area], period: Period, *, now: datetime,
              lang: str) -> dict[str, Any]:
    m = _measures()
    if m is None:
        return UNAVAILABLE
    results = m.by_grid(session, code, area, period, now=now)
    rows = []
    for g in grids:
        r = results.get(g.id)
        rows.append({"grid_id": g.id, "code": g.code, "name": _area_name(g, lang),
                     "value": None if r is None else r.value, "n": 0 if r is None else r.n,
                     "formatted": "—" if r is None else m.format_value(r, lang)})
    return {"available": True, "measure": _measure_meta(code, lang), "grids": rows}


def _trends(session: Session, area: Area, period: Period, *, now: datetime, lang: str) -> dict[str, Any]:
    m = _measures()
    if m is None:
        return UNAVAILABLE
    months = months_back(period, TREND_MONTHS)
    series = []
    for code in TREND_CODES:
        results = m.trend(session, code, area, months, now=now)
        series.append(_measure_meta(code, lang) | {"points": [
            {"period": p.label(), "value": r.value, "n": r.n, "formatted": m.format_value(r, lang)}
            for p, r in zip(months, results, strict=True)]})
    return {"available": True, "series": series}


# ---------------------------------------------------------------- case panels


def _category_names(session: Session, lang: str) -> dict[str, str]:
    return {c.code: (c.name_en if lang == "en" and c.name_en else c.name_zh)
            for c in cases.list_categories(session)}


def _source_name(source: str, lang: str) -> str:
    key = f"web.source.{'mediation' if source == 'dispute' else source}"
    return translate(key, lang) if has(key) else source


def _case_totals(session: Session, grid_ids: Sequence[int], period: Period, group: str) -> dict[Any, Any] | None:
    fn = _producer("gongzhi.cases.stats", "totals")
    if fn is None:
        return None
    start, end = period.utc_bounds()
    result: dict[Any, Any] = fn(session, grid_ids, start, end, group=group)
    return result


def _top_categories(session: Session, grid_ids: Sequence[int], period: Period, lang: str,
                    limit: int = LIST_LIMIT) -> dict[str, Any]:
    by_cat = _case_totals(session, grid_ids, period, "category")
    if by_cat is None:
        return UNAVAILABLE
    names = _category_names(session, lang)
    ranked = sorted(((str(code), t) for code, t in by_cat.items() if t.created), key=lambda kv: (-kv[1].created, kv[0]))
    return {"available": True, "items": [
        {"code": code, "name": names.get(code, code), "created": t.created, "resolved": t.resolved}
        for code, t in ranked[:limit]]}


def _overdue(session: Session, grid_ids: Sequence[int], *, now: datetime, lang: str,
             limit: int = LIST_LIMIT) -> dict[str, Any]:
    fn = _producer("gongzhi.cases.stats", "open_overdue")
    if fn is None:
        return UNAVAILABLE
    count, items = fn(session, grid_ids, now, limit=limit)
    cats = {c.id: (c.name_en if lang == "en" and c.name_en else c.name_zh) for c in cases.list_categories(session)}
    grid_names = {g.id: _area_name(g, lang) for g in _areas_by_id(session, {c.grid_id for c in items})}
    rows = []
    for c in items:
        clock, due, _missed = cases.due_info(c, now)
        rows.append({
            "id": c.id, "number": cases.case_number(c), "url": f"/cases/{c.id}",
            "category": cats.get(c.category_id, ""), "grid": grid_names.get(c.grid_id, ""),
            "status": translate(f"case_status.{c.status}", lang), "clock": translate(f"dash.clock.{clock}", lang)
            if clock else "", "due_at": _plain(due) if due else None,
            "due_local": local(due).strftime("%Y-%m-%d %H:%M") if due else "",
            "over_seconds": int((utc(now) - utc(due)).total_seconds()) if due else None,
            "over_text": _seconds_text((utc(now) - utc(due)).total_seconds(), lang, _measures()) if due else "",
        })
    return {"available": True, "count": int(count), "items": rows}


def _areas_by_id(session: Session, ids: set[int | None]) -> list[Area]:
    return [geo.get_area_by_id(session, i) for i in sorted(i for i in ids if i is not None)]


def _listing(module: str, name: str, *args: Any, limit: int = LIST_LIMIT, **kw: Any) -> dict[str, Any]:
    """A (count, [dict]) producer as a panel; its items carry label, url and local times."""
    fn = _producer(module, name)
    if fn is None:
        return UNAVAILABLE
    count, items = fn(*args, limit=limit, **kw)
    return {"available": True, "count": int(count), "items": [_plain(i) for i in items]}


def _links(area: Area, period: Period, lang: str) -> dict[str, Any]:
    qs = query_string(area, period)
    report_qs = urlencode([("area", area.code), ("month", f"{period.start:%Y-%m}")])
    return {
        "overview": f"/dashboard?{qs}",
        "boards": [{"module": mod, "label": translate(f"dash.board.{mod}", lang), "url": f"/dashboard/{mod}?{qs}",
                    "api": f"/api/v1/analytics/boards/{mod}?{qs}"} for mod in MODULES],
        "report": {"label": translate("dash.report", lang), "url": f"/monthly-report?{report_qs}"},
        # The rest of 成效评估, reached from here rather than from an ever longer menu.
        "tools": [{"label": translate(f"web.nav.{key}", lang), "url": url}
                  for key, url in (("pilots", "/pilots"), ("surveys", "/surveys"), ("households", "/households"))],
    }


# ---------------------------------------------------------------- the overview


def overview(session: Session, user: User, area: Area, period: Period, *, measure: str, now: datetime,
             lang: str) -> dict[str, Any]:
    """The street overview: map by `measure`, headline tiles, trends, top categories, overdue work,
    active alarms, advisories and alerts, links to the boards and the monthly report."""
    check_role(user)
    measure = check_measure(measure)
    grids, grid_ids = _grid_ids(session, area)
    m = _measures()
    return {
        "kind": "overview",
        "area": _area_doc(area, lang),
        "period": _period_doc(period),
        "generated_at": _plain(now),
        "measure": _measure_meta(measure, lang),
        "measure_choices": [_measure_meta(c, lang) for c in (m.MEASURES if m is not None else ())],
        "tiles": tiles(session, HEADLINE, area, period, now=now, lang=lang),
        "map": _grid_map(session, measure, area, grids, period, now=now, lang=lang),
        "trends": _trends(session, area, period, now=now, lang=lang),
        "top_categories": _top_categories(session, grid_ids, period, lang),
        "overdue": _overdue(session, grid_ids, now=now, lang=lang),
        "alarms": _listing("gongzhi.eldercare.stats", "active_alarms", session, grid_ids, lang=lang),
        "advisories": _listing("gongzhi.sensing.stats", "active_advisories", session, grid_ids, now, lang=lang),
        "alerts": _listing("gongzhi.sensing.stats", "open_alerts", session, grid_ids, now, lang=lang),
        "links": _links(area, period, lang),
    }


# ---------------------------------------------------------------- boards


def _rate(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 6) if whole else None


def _pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _cases_board(session: Session, area: Area, grids: list[Area], grid_ids: list[int], period: Period, *,
                 now: datetime, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"top_categories": _top_categories(session, grid_ids, period, lang, limit=50),
                           "overdue": _overdue(session, grid_ids, now=now, lang=lang)}
    total = _case_totals(session, grid_ids, period, "total")
    if total is None:
        out |= {"funnel": UNAVAILABLE, "by_source": UNAVAILABLE, "by_grid": UNAVAILABLE}
        return out
    t = total.get(None) or _empty_totals()
    stages = ("created", "accepted", "accepted_on_time", "resolved", "resolved_on_time", "rated", "rated_good",
              "reopened", "escalated")
    out["funnel"] = {"available": True, "escalated": int(getattr(t, "escalated", 0)), "items": [
        {"stage": s, "label": translate(f"dash.stage.{s}", lang), "count": int(getattr(t, s, 0))} for s in stages]}
    by_source = _case_totals(session, grid_ids, period, "source") or {}
    out["by_source"] = {"available": True, "items": [
        {"source": str(s), "name": _source_name(str(s), lang), "count": v.created}
        for s, v in sorted(by_source.items(), key=lambda kv: (-kv[1].created, str(kv[0]))) if v.created]}
    out["by_grid"] = _cases_by_grid(session, grids, grid_ids, period, lang)
    return out


def _empty_totals() -> Any:
    cls = getattr(importlib.import_module("gongzhi.cases.stats"), "CaseTotals", None)
    return cls() if cls is not None else None


def _cases_by_grid(session: Session, grids: list[Area], grid_ids: list[int], period: Period,
                   lang: str) -> dict[str, Any]:
    by_grid = _case_totals(session, grid_ids, period, "grid") or {}
    response = _producer("gongzhi.cases.stats", "response_times")
    open_counts = _producer("gongzhi.cases.stats", "open_counts_by_grid")
    start, end = period.utc_bounds()
    times: dict[Any, Any] = response(session, grid_ids, start, end, group="grid") if response else {}
    opened: dict[int, int] = open_counts(session, grid_ids) if open_counts else {}
    m = _measures()
    rows = []
    for g in grids:
        t = by_grid.get(g.id)
        p = times.get(g.id)
        created, resolved, on_time = (t.created, t.resolved, t.resolved_on_time) if t is not None else (0, 0, 0)
        median = None if p is None else p.median_seconds
        rate = _rate(on_time, resolved)
        rows.append({
            "grid_id": g.id, "code": g.code, "name": _area_name(g, lang), "created": created,
            "open": int(opened.get(g.id, 0)), "resolved": resolved, "resolved_on_time": on_time,
            "on_time_rate": rate, "on_time_formatted": _pct_text(rate),
            "response_median_seconds": median, "response_n": 0 if p is None else p.n,
            "response_formatted": _seconds_text(median, lang, m),
        })
    return {"available": True, "items": rows}


def _seconds_text(seconds: float | None, lang: str, m: Any | None) -> str:
    if seconds is None or m is None:
        return "—"
    text: str = m.format_seconds(seconds, lang)
    return text


def _mediation_board(session: Session, grid_ids: list[int], period: Period, *, now: datetime,
                     lang: str) -> dict[str, Any]:
    fn = _producer("gongzhi.mediation.stats", "dispute_totals")
    out: dict[str, Any] = {"high_risk": _listing("gongzhi.mediation.stats", "open_high_risk", session, grid_ids,
                                                 lang=lang, now=now)}
    if fn is None:
        return out | {"by_type": UNAVAILABLE, "by_tier": UNAVAILABLE}
    start, end = period.utc_bounds()

    def rows(group: str, prefix: str) -> dict[str, Any]:
        found: dict[Any, Any] = fn(session, grid_ids, start, end, group=group)
        return {"available": True, "items": [
            {"key": str(k), "name": translate(f"{prefix}.{k}", lang), "filed": v.filed, "concluded": v.concluded,
             "agreements": v.agreements, "resolved": v.resolved, "high_risk": v.high_risk}
            for k, v in sorted(found.items(), key=lambda kv: (-kv[1].filed, str(kv[0])))]}
    return out | {"by_type": rows("type", "mediation.type"), "by_tier": rows("tier", "mediation.tier")}


def _eldercare_board(session: Session, grids: list[Area], grid_ids: list[int], period: Period, *,
                     now: datetime, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"alarms": _listing("gongzhi.eldercare.stats", "active_alarms", session, grid_ids,
                                              lang=lang)}
    totals = _producer("gongzhi.eldercare.stats", "alarm_totals")
    m = _measures()
    if totals is None:
        out["by_kind"] = UNAVAILABLE
    else:
        start, end = period.utc_bounds()
        found: dict[Any, Any] = totals(session, grid_ids, start, end, group="kind")
        out["by_kind"] = {"available": True, "items": [
            {"kind": str(k), "name": translate(f"eldercare.kind.{k}", lang), "raised": v.raised,
             "acknowledged": v.acknowledged, "ack_within_10min": v.ack_within_10min,
             "ack_median_seconds": v.ack_median_seconds, "ack_median_formatted":
                 _seconds_text(v.ack_median_seconds, lang, m)}
            for k, v in sorted(found.items(), key=lambda kv: (-kv[1].raised, str(kv[0])))]}
    cov = _producer("gongzhi.eldercare.stats", "coverage")
    if cov is None:
        out["coverage"] = UNAVAILABLE
    else:
        by_grid: dict[Any, Any] = cov(session, grid_ids, now, group="grid")
        rows = []
        for g in grids:
            c = by_grid.get(g.id)
            registered, covered = (c.registered, c.covered) if c is not None else (0, 0)
            rate = _rate(covered, registered)
            rows.append({"grid_id": g.id, "code": g.code, "name": _area_name(g, lang), "registered": registered,
                         "covered": covered, "rate": rate, "rate_formatted": _pct_text(rate)})
        out["coverage"] = {"available": True, "items": rows}
    return out


def _citybrain_board(session: Session, grid_ids: list[int], period: Period, *, now: datetime,
                     lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "advisories": _listing("gongzhi.sensing.stats", "active_advisories", session, grid_ids, now, lang=lang),
        "alerts": _listing("gongzhi.sensing.stats", "open_alerts", session, grid_ids, now, lang=lang),
        "live_url": "/citybrain",
    }
    health = _producer("gongzhi.devices.stats", "device_health")
    out["health"] = UNAVAILABLE if health is None else {"available": True} | {
        str(k): int(v) for k, v in health(session, grid_ids, now).items()}
    counts = _producer("gongzhi.devices.stats", "reading_counts")
    if counts is None:
        out["readings"] = UNAVAILABLE
    else:
        start, end = period.utc_bounds()
        per_day: dict[Any, int] = counts(session, grid_ids, start, end, group="day")
        days = [period.start + timedelta(days=i) for i in range(period.days)]
        out["readings"] = {"available": True, "total": int(sum(per_day.values())),
                           "items": [{"day": d.isoformat(), "count": int(per_day.get(d, 0))} for d in days]}
    return out


def board(session: Session, user: User, module: str, area: Area, period: Period, *, now: datetime,
          lang: str) -> dict[str, Any]:
    """One module's board for the area and period (see BOARD_TILES for its headline measures)."""
    check_role(user)
    if module not in MODULES:
        raise NotFound("dashboard_module_unknown", module=module[:40])
    grids, grid_ids = _grid_ids(session, area)
    doc: dict[str, Any] = {
        "kind": "board", "module": module, "title": translate(f"dash.board.{module}", lang),
        "area": _area_doc(area, lang), "period": _period_doc(period), "generated_at": _plain(now),
        "tiles": tiles(session, BOARD_TILES[module], area, period, now=now, lang=lang),
        "links": _links(area, period, lang),
    }
    if module == "cases":
        doc["sections"] = _cases_board(session, area, grids, grid_ids, period, now=now, lang=lang)
    elif module == "mediation":
        doc["sections"] = _mediation_board(session, grid_ids, period, now=now, lang=lang)
    elif module == "eldercare":
        doc["sections"] = _eldercare_board(session, grids, grid_ids, period, now=now, lang=lang)
    elif module == "citybrain":
        doc["sections"] = _citybrain_board(session, grid_ids, period, now=now, lang=lang)
    else:
        doc["sections"] = {"links": [
            {"label": translate("dash.council.open", lang), "url": "/councils"},
            {"label": translate("dash.council.ballots", lang), "url": "/ballots"},
            {"label": translate("dash.council.volunteers", lang), "url": "/volunteers"},
        ]}
    return doc


# ---------------------------------------------------------------- home, per role


def _card(key: str, count: int | None, url: str, lang: str, *, warn: bool = False) -> dict[str, Any]:
    return {"key": key, "label": translate(key, lang), "count": count, "url": url, "warn": warn}


def _case_item(session: Session, c: Any, now: datetime, lang: str) -> dict[str, Any]:
    _clock, due, missed = cases.due_info(c, now)
    return {"id": c.id, "number": cases.case_number(c), "url": f"/cases/{c.id}",
            "status": translate(f"case_status.{c.status}", lang), "summary": (c.description or "")[:40],
            "due_local": local(due).strftime("%m-%d %H:%M") if due else "", "overdue": bool(missed),
            "created_local": local(c.created_at).strftime("%Y-%m-%d %H:%M")}


def _my_open(session: Session, user: User, now: datetime, lang: str) -> tuple[int, int, list[dict[str, Any]]]:
    """Open cases assigned to the user: (count, overdue among them, first few)."""
    items, _ = cases.list_cases(session, user, open_only=True, order="due", limit=200)
    mine = [c for c in items if c.assignee_id == user.id]
    overdue = sum(1 for c in mine if cases.due_info(c, now)[2])
    return len(mine), overdue, [_case_item(session, c, now, lang) for c in mine[:LIST_LIMIT]]


def home(session: Session, user: User, *, now: datetime, lang: str) -> dict[str, Any]:
    """What each role sees first: counts of its work with links, and the most urgent items."""
    doc: dict[str, Any] = {"role": user.role, "name": user.display_name or user.username, "cards": [],
                           "lists": [], "overview": None, "generated_at": _plain(now)}
    role = user.role
    if role in ("official", "admin") and user.area_id is not None:
        area = geo.get_area_by_id(session, user.area_id)
        period = month_of(now)
        doc["overview"] = {"area": _area_doc(area, lang), "period": _period_doc(period),
                           "tiles": tiles(session, HEADLINE, area, period, now=now, lang=lang),
                           "links": _links(area, period, lang)}
        _, grid_ids = _grid_ids(session, area)
        over = _overdue(session, grid_ids, now=now, lang=lang)
        if over.get("available"):
            doc["cards"].append(_card("dash.overdue", over["count"], "/queue", lang, warn=over["count"] > 0))
            doc["lists"].append({"key": "dash.overdue", "label": translate("dash.overdue", lang),
                                 "items": over["items"]})
    elif role == "grid_worker" and user.area_id is not None:
        _home_grid_worker(session, user, doc, now=now, lang=lang)
    elif role == "mediator":
        _home_mediator(session, user, doc, now=now, lang=lang)
    elif role == "doctor":
        _home_doctor(session, user, doc, now=now, lang=lang)
    elif role == "resident":
        items, total = cases.list_cases(session, user, order="created", limit=LIST_LIMIT)
        mine = [c for c in items if c.reporter_id == user.id]
        doc["cards"] += [_card("home.my_reports", total, "/my", lang), _card("home.report_new", None, "/report", lang)]
        doc["lists"].append({"key": "home.my_reports", "label": translate("home.my_reports", lang),
                             "items": [_case_item(session, c, now, lang) for c in mine]})
    else:
        _home_worker(session, user, doc, now=now, lang=lang)
    return doc


def _home_grid_worker(session: Session, user: User, doc: dict[str, Any], *, now: datetime, lang: str) -> None:
    assert user.area_id is not None
    area = geo.get_area_by_id(session, user.area_id)
    _, grid_ids = _grid_ids(session, area)
    count, overdue_mine, items = _my_open(session, user, now, lang)
    doc["cards"].append(_card("home.my_open", count, "/queue", lang, warn=overdue_mine > 0))
    over = _overdue(session, grid_ids, now=now, lang=lang)
    if over.get("available"):
        doc["cards"].append(_card("home.overdue_grid", over["count"], "/queue", lang, warn=over["count"] > 0))
    alarms = _listing("gongzhi.eldercare.stats", "active_alarms", session, grid_ids, lang=lang)
    if alarms.get("available"):
        doc["cards"].append(_card("home.alarms", alarms["count"], "/eldercare", lang, warn=alarms["count"] > 0))
    alerts = _listing("gongzhi.sensing.stats", "open_alerts", session, grid_ids, now, lang=lang)
    if alerts.get("available"):
        doc["cards"].append(_card("home.alerts", alerts["count"], "/citybrain", lang, warn=alerts["count"] > 0))
    today = Period(local_day(now), local_day(now) + timedelta(days=1))
    totals = _case_totals(session, grid_ids, today, "total")
    if totals is not None:
        t = totals.get(None)
        doc["today"] = {"day": today.start.isoformat(), "created": 0 if t is None else t.created,
                        "resolved": 0 if t is None else t.resolved}
    doc["lists"].append({"key": "home.my_open", "label": translate("home.my_open", lang), "items": items})
    if over.get("available"):
        doc["lists"].append({"key": "home.overdue_grid", "label": translate("home.overdue_grid", lang),
                             "items": over["items"]})
    if alarms.get("available"):
        doc["lists"].append({"key": "home.alarms", "label": translate("home.alarms", lang),
                             "items": alarms["items"]})
    if alerts.get("available"):
        doc["lists"].append({"key": "home.alerts", "label": translate("home.alerts", lang),
                             "items": alerts["items"]})


def _home_mediator(session: Session, user: User, doc: dict[str, Any], *, now: datetime, lang: str) -> None:
    from gongzhi.mediation import service as mediation

    load = mediation.caseload(session, user)
    due = [d for d in load if d.first_contact_at is None and d.status in ("waiting", "assigned")]
    late = [d for d in due if mediation.is_overdue(d, now)]
    doc["cards"] += [_card("home.caseload", len(load), "/mediation", lang),
                     _card("home.first_contacts", len(due), "/mediation", lang, warn=bool(late)),
                     _card("home.first_contacts_overdue", len(late), "/mediation", lang, warn=bool(late))]
    doc["lists"].append({"key": "home.first_contacts", "label": translate("home.first_contacts", lang), "items": [
        {"id": d.id, "number": mediation.dispute_number(d), "url": f"/mediation/disputes/{d.id}",
         "status": translate(f"mediation.type.{d.type}", lang), "summary": "",
         "due_local": local(d.first_contact_due_at).strftime("%m-%d %H:%M") if d.first_contact_due_at else "",
         "overdue": mediation.is_overdue(d, now), "created_local": local(d.created_at).strftime("%Y-%m-%d %H:%M")}
        for d in due[:LIST_LIMIT]]})
    count, _overdue_n, _items = _my_open(session, user, now, lang)
    doc["cards"].append(_card("home.my_open", count, "/queue", lang))


def _home_doctor(session: Session, user: User, doc: dict[str, Any], *, now: datetime, lang: str) -> None:
    from gongzhi.eldercare import service as eldercare

    alarms = eldercare.open_alarms(session, user)
    doc["cards"].append(_card("home.alarms", len(alarms), "/eldercare", lang, warn=bool(alarms)))
    doc["lists"].append({"key": "home.alarms", "label": translate("home.alarms", lang), "items": [
        {"id": a.id, "number": translate(f"eldercare.kind.{a.kind}", lang), "url": f"/eldercare/elders/{a.elder_id}",
         "status": translate(f"eldercare.state.{a.status}", lang),
         "summary": "", "due_local": "", "overdue": a.status == "active",
         "created_local": local(a.raised_at).strftime("%Y-%m-%d %H:%M")} for a in alarms[:LIST_LIMIT]]})
    count, overdue_n, items = _my_open(session, user, now, lang)
    doc["cards"].append(_card("home.my_open", count, "/queue", lang, warn=overdue_n > 0))
    doc["lists"].append({"key": "home.my_open", "label": translate("home.my_open", lang), "items": items})


def _home_worker(session: Session, user: User, doc: dict[str, Any], *, now: datetime, lang: str) -> None:
    """dept_staff, council_member, volunteer (and any other role): their queue, plus their own lists."""
    items, total = cases.list_cases(session, user, open_only=True, order="due", limit=200)
    overdue = sum(1 for c in items if cases.due_info(c, now)[2])
    doc["cards"] += [_card("home.queue", total, "/queue", lang),
                     _card("home.queue_overdue", overdue, "/queue", lang, warn=overdue > 0)]
    if user.role == "council_member":
        from gongzhi.council import service as council

        doc["cards"].append(_card("home.councils", len(council.visible_councils(session, user)), "/councils", lang))
    if user.role == "volunteer":
        from gongzhi.council import volunteers

        shifts = volunteers.my_shifts(session, user, now, now + timedelta(days=7))
        doc["cards"].append(_card("home.shifts", len(shifts), "/volunteers", lang))
    doc["lists"].append({"key": "home.queue", "label": translate("home.queue", lang),
                         "items": [_case_item(session, c, now, lang) for c in items[:LIST_LIMIT]]})
