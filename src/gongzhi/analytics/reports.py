"""Monthly area report and pilot before/after report, as plain JSON-able dicts.

The same dict feeds the API, the printable page and the PDF, so the three always show the same
figures. Every figure comes from `analytics.measures` / `compare` (the one place measures are
defined) or from the modules' `stats` producers; nothing here counts rows itself.

Shape shared by both reports: `sections`, each {key, title, summary, rows, charts}; a row is
{label, value, raw} (value already formatted); a chart is {key, kind: "bar"|"line", title, unit,
labels, series: [{name, values}]} with numbers only, so HTML (Plotly) and PDF (fpdf2) draw the
same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import compare as cmp_mod
from gongzhi.analytics import measures as ms
from gongzhi.analytics import (
    periods,
    report_messages,  # noqa: F401  (registers the texts)
)
from gongzhi.analytics.periods import Period
from gongzhi.analytics.pilots import area_label, check_area, get_pilot, pilot_view
from gongzhi.auth.models import User
from gongzhi.cases import stats as case_stats
from gongzhi.cases.models import Category
from gongzhi.clock import local_time
from gongzhi.eldercare import stats as elder_stats
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.mediation import stats as med_stats

HEADLINE = ("satisfaction", "response_median", "on_time_rate", "complaint_rate", "dispute_count",
            "mediation_success", "petitions", "alarm_ack_median", "elder_coverage")
SECTION_ONLY = ("resolution_rate",)  # shown inside a section, not in the headline
TREND_MONTHS = 12
TOP_CATEGORIES = 12
OVERDUE_LIST = 10


# ---------------------------------------------------------------- number text


def span(seconds: float, lang: str) -> str:
    """A duration for people, as the measures write it (12分30秒)."""
    return ms.format_seconds(abs(seconds), lang)


def change_text(unit: str, before: float | None, after: float | None, lang: str) -> str:
    """How `after` differs from `before` in words: 上升 3.1 个百分点, 减少 4 件（-20.0%）, 缩短 2分0秒."""
    if before is None or after is None:
        return translate("reports.change.none", lang)
    diff = after - before
    if abs(diff) < 1e-9:
        return translate("reports.change.flat", lang)
    up = diff > 0
    if unit == "percent":
        return translate("reports.change.pp_up" if up else "reports.change.pp_down", lang, v=f"{abs(diff):.1f}")
    if unit == "seconds":
        return translate("reports.change.longer" if up else "reports.change.shorter", lang, v=span(diff, lang))
    if unit == "score":
        return translate("reports.change.score_up" if up else "reports.change.score_down", lang, v=f"{abs(diff):.1f}")
    rel = f"{diff / before * 100:+.1f}%" if before else "—"
    return translate("reports.change.more" if up else "reports.change.fewer", lang, v=f"{abs(diff):,.0f}", rel=rel)


def _pct(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _row(label: str, value: str, raw: float | int | None = None) -> dict[str, Any]:
    return {"label": label, "value": value, "raw": raw}


def _section(key: str, lang: str, summary: str, rows: list[dict[str, Any]],
             charts: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "title": translate(f"reports.section.{key}", lang), "summary": summary, "rows": rows,
            "charts": charts or [], **extra}


def _chart(key: str, kind: str, lang: str, unit: str, labels: Sequence[str],
           series: list[tuple[str, Sequence[float | None]]]) -> dict[str, Any]:
    return {"key": key, "kind": kind, "title": translate(f"reports.chart.{key}", lang), "unit": unit,
            "labels": list(labels), "series": [{"name": n, "values": list(v)} for n, v in series]}


def _area_info(area: Area, lang: str) -> dict[str, Any]:
    return {"code": area.code, "name": area_label(area, lang), "level": area.level}


def _period_info(period: Period) -> dict[str, str]:
    return {"label": period.label(), "start": period.start.isoformat(),
            "end": (period.end - timedelta(days=1)).isoformat()}


def measure_name(code: str, lang: str) -> str:
    return translate(f"measure.{code}.name", lang)


def _grid_ids(session: Session, area: Area) -> list[int]:
    return [area.id] if area.level == "grid" else [g.id for g in geo.grids_under(session, area)]


# ---------------------------------------------------------------- monthly report


def monthly_report(session: Session, user: User, area: Area, period: Period, *, now: datetime,
                   lang: str) -> dict[str, Any]:
    """The month's figures for an area (the caller's subtree only), section by section."""
    check_area(session, user, area)
    previous = periods.months_back(period, 2)[0]
    grid_ids = _grid_ids(session, area)
    current = ms.compute_many(session, (*HEADLINE, *SECTION_ONLY), area, period, now=now)
    before = ms.compute_many(session, HEADLINE, area, previous, now=now)
    headline = [_headline_item(code, current[code], before[code], lang) for code in HEADLINE]
    sections = [
        _headline_section(headline, lang),
        _cases_section(session, grid_ids, period, lang),
        _trend_section(session, area, period, now, lang),
        _disputes_section(session, grid_ids, period, current, lang),
        _eldercare_section(session, grid_ids, period, current, now, lang),
        _overdue_section(session, grid_ids, now, lang),
    ]
    return {
        "kind": "monthly",
        "title": translate("reports.monthly.title", lang, area=area_label(area, lang), month=period.label()),
        "area": _area_info(area, lang), "period": _period_info(period), "previous": _period_info(previous),
        "generated_at": local_time(now), "headline": headline, "sections": sections,
    }


def _headline_item(code: str, now_r: ms.Result, prev_r: ms.Result, lang: str) -> dict[str, Any]:
    measure = ms.MEASURES[code]
    change = change_text(measure.unit, prev_r.value, now_r.value, lang)
    improved: bool | None = None
    if now_r.value is not None and prev_r.value is not None and now_r.value != prev_r.value:
        improved = (now_r.value > prev_r.value) == measure.higher_is_better
    return {
        "code": code, "name": measure_name(code, lang), "unit": measure.unit,
        "value": now_r.value, "formatted": ms.format_value(now_r, lang), "n": now_r.n,
        "previous": prev_r.value, "previous_formatted": ms.format_value(prev_r, lang),
        "change": None if now_r.value is None or prev_r.value is None else round(now_r.value - prev_r.value, 4),
        "change_text": change, "improved": improved,
        "sentence": _sentence(measure_name(code, lang), ms.format_value(now_r, lang), change, prev_r.value, lang),
    }


def _sentence(name: str, value: str, change: str, previous: float | None, lang: str) -> str:
    if previous is None:
        return translate("reports.sentence.no_previous", lang, name=name, value=value)
    return translate("reports.sentence.change", lang, name=name, value=value, change=change)


def _headline_section(headline: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    by_code = {h["code"]: h for h in headline}
    said = [by_code[c]["sentence"] for c in ("satisfaction", "response_median") if by_code[c]["value"] is not None]
    summary = translate("reports.joiner", lang).join(said) if said else translate("reports.summary.no_cases", lang)
    rows = [_row(h["name"], h["formatted"], h["value"]) for h in headline]
    return _section("headline", lang, summary, rows)


def _category_names(session: Session, lang: str) -> dict[str, str]:
    rows = session.execute(select(Category.code, Category.name_zh, Category.name_en)).all()
    return {code: (en or zh) if lang == "en" else zh for code, zh, en in rows}


def _cases_section(session: Session, grid_ids: list[int], period: Period, lang: str) -> dict[str, Any]:
    start, end = period.utc_bounds()
    total = case_stats.totals(session, grid_ids, start, end).get(None) or case_stats.CaseTotals()
    by_cat = case_stats.totals(session, grid_ids, start, end, group="category")
    names = _category_names(session, lang)
    ranked = sorted(((str(code), t.created) for code, t in by_cat.items() if t.created),
                    key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]
    if total.created and ranked:
        top_code, top_n = ranked[0]
        summary = translate("reports.summary.cases", lang, n=f"{total.created:,}", top=names.get(top_code, top_code),
                            top_n=f"{top_n:,}", share=_pct_text(_pct(top_n, total.created)))
    else:
        summary = translate("reports.summary.no_cases", lang)
    t = "reports.row."
    rows = [
        _row(translate(t + "created", lang), f"{total.created:,}", total.created),
        _row(translate(t + "resolved", lang), f"{total.resolved:,}", total.resolved),
        _row(translate(t + "resolved_on_time", lang), f"{total.resolved_on_time:,}", total.resolved_on_time),
        _row(translate(t + "rated", lang), f"{total.rated:,}", total.rated),
        _row(translate(t + "rated_good", lang), f"{total.rated_good:,}", total.rated_good),
        _row(translate(t + "reopened", lang), f"{total.reopened:,}", total.reopened),
        _row(translate(t + "escalated", lang), f"{total.escalated:,}", total.escalated),
        _row(translate(t + "petitions", lang), f"{total.petitions:,}", total.petitions),
    ]
    chart = _chart("by_category", "bar", lang, translate("reports.unit.cases", lang),
                   [names.get(c, c) for c, _ in ranked],
                   [(translate("reports.row.created", lang), [float(n) for _, n in ranked])])
    categories = [{"code": c, "name": names.get(c, c), "count": n} for c, n in ranked]
    return _section("cases", lang, summary, rows, [chart] if ranked else [], categories=categories)


def _trend_section(session: Session, area: Area, period: Period, now: datetime, lang: str) -> dict[str, Any]:
    months = periods.months_back(period, TREND_MONTHS)
    labels = [p.label() for p in months]
    sat = ms.trend(session, "satisfaction", area, months, now=now)
    resp = ms.trend(session, "response_median", area, months, now=now)
    sat_values = [None if r.value is None else round(r.value, 1) for r in sat]
    resp_minutes = [None if r.value is None else round(r.value / 60, 1) for r in resp]
    charts = [
        _chart("satisfaction_trend", "line", lang, "%", labels, [(measure_name("satisfaction", lang), sat_values)]),
        _chart("response_trend", "line", lang, translate("reports.unit.minutes", lang), labels,
               [(measure_name("response_median", lang), resp_minutes)]),
    ]
    said = [_trend_sentence("satisfaction", labels, sat, lang), _trend_sentence("response_median", labels, resp, lang)]
    said = [s for s in said if s]
    summary = translate("reports.joiner", lang).join(said) if said else translate("reports.summary.no_trend", lang)
    rows = [_row(label, f"{ms.format_value(s, lang)} / {ms.format_value(r, lang)}", s.value)
            for label, s, r in zip(labels, sat, resp, strict=True)]
    return _section("trend", lang, summary, rows, charts, months=labels, satisfaction=sat_values,
                    response_median_minutes=resp_minutes)


def _trend_sentence(code: str, labels: list[str], results: list[ms.Result], lang: str) -> str:
    known = [(label, r) for label, r in zip(labels, results, strict=True) if r.value is not None]
    if len(known) < 2:
        return ""
    (first_label, first), (last_label, last) = known[0], known[-1]
    return translate("reports.sentence.trend", lang, name=measure_name(code, lang), first_month=first_label,
                     first=ms.format_value(first, lang), last_month=last_label, last=ms.format_value(last, lang),
                     change=change_text(ms.MEASURES[code].unit, first.value, last.value, lang))


def _disputes_section(session: Session, grid_ids: list[int], period: Period, current: dict[str, ms.Result],
                      lang: str) -> dict[str, Any]:
    start, end = period.utc_bounds()
    d = med_stats.dispute_totals(session, grid_ids, start, end).get(None) or med_stats.DisputeTotals()
    success, resolution = current["mediation_success"], current["resolution_rate"]
    t = "reports.row."
    rows = [
        _row(translate(t + "filed", lang), f"{d.filed:,}", d.filed),
        _row(translate(t + "concluded", lang), f"{d.concluded:,}", d.concluded),
        _row(translate(t + "agreements", lang), f"{d.agreements:,}", d.agreements),
        _row(translate(t + "disputes_resolved", lang), f"{d.resolved:,}", d.resolved),
        _row(translate(t + "high_risk", lang), f"{d.high_risk:,}", d.high_risk),
        _row(measure_name("mediation_success", lang), ms.format_value(success, lang), success.value),
        _row(measure_name("resolution_rate", lang), ms.format_value(resolution, lang), resolution.value),
    ]
    labels = [r["label"] for r in rows[:5]]
    chart = _chart("disputes", "bar", lang, translate("reports.unit.disputes", lang), labels,
                   [(translate("reports.unit.count", lang), [float(d.filed), float(d.concluded), float(d.agreements),
                                                            float(d.resolved), float(d.high_risk)])])
    if d.filed:
        summary = translate("reports.summary.disputes", lang, n=f"{d.filed:,}", agreements=f"{d.agreements:,}",
                            success=ms.format_value(success, lang))
    else:
        summary = translate("reports.summary.no_disputes", lang)
    return _section("disputes", lang, summary, rows, [chart] if d.filed else [])


def _eldercare_section(session: Session, grid_ids: list[int], period: Period, current: dict[str, ms.Result],
                       now: datetime, lang: str) -> dict[str, Any]:
    start, end = period.utc_bounds()
    a = elder_stats.alarm_totals(session, grid_ids, start, end).get(None) or elder_stats.AlarmTotals()
    at = min(end, now)  # the measure's own snapshot: the month's end, or now while it runs
    cov = elder_stats.coverage(session, grid_ids, at).get(None) or elder_stats.Coverage(0, 0)
    t = "reports.row."
    rows = [
        _row(translate(t + "alarms", lang), f"{a.raised:,}", a.raised),
        _row(translate(t + "acknowledged", lang), f"{a.acknowledged:,}", a.acknowledged),
        _row(translate(t + "ack_within_10min", lang), f"{a.ack_within_10min:,}", a.ack_within_10min),
        _row(translate(t + "on_scene", lang), f"{a.on_scene:,}", a.on_scene),
        _row(measure_name("alarm_ack_median", lang), ms.format_value(current["alarm_ack_median"], lang),
             current["alarm_ack_median"].value),
        _row(translate(t + "registered", lang), f"{cov.registered:,}", cov.registered),
        _row(translate(t + "covered", lang), f"{cov.covered:,}", cov.covered),
        _row(measure_name("elder_coverage", lang), ms.format_value(current["elder_coverage"], lang),
             current["elder_coverage"].value),
    ]
    chart = _chart("alarms", "bar", lang, translate("reports.unit.times", lang), [r["label"] for r in rows[:4]],
                   [(translate("reports.unit.count", lang), [float(a.raised), float(a.acknowledged),
                                                            float(a.ack_within_10min), float(a.on_scene)])])
    summary = translate("reports.summary.eldercare", lang, n=f"{a.raised:,}", fast=f"{a.ack_within_10min:,}",
                        share=_pct_text(_pct(a.ack_within_10min, a.raised)),
                        coverage=ms.format_value(current["elder_coverage"], lang))
    return _section("eldercare", lang, summary, rows, [chart] if a.raised else [])


def _overdue_section(session: Session, grid_ids: list[int], now: datetime, lang: str) -> dict[str, Any]:
    from gongzhi.cases.service import case_number

    count, cases = case_stats.open_overdue(session, grid_ids, now, limit=OVERDUE_LIST)
    names = _category_names(session, lang)
    by_id = {c.id: c.code for c in session.scalars(select(Category))}
    items = []
    for case in cases:
        due = case.accept_due_at if case.accepted_at is None else case.resolve_due_at
        items.append({"id": case.id, "number": case_number(case), "url": f"/cases/{case.id}",
                      "category": names.get(by_id.get(case.category_id, ""), ""), "status": case.status,
                      "due": local_time(due) if due else ""})
    summary = translate("reports.summary.overdue", lang, at=local_time(now), n=f"{count:,}")
    rows = [_row(translate("reports.row.overdue", lang), f"{count:,}", count)]
    return _section("overdue", lang, summary, rows, overdue=items, overdue_count=count)


# ---------------------------------------------------------------- pilot report


def pilot_windows(start: date, now: datetime) -> tuple[Period, Period] | None:
    """compare.windows' default (same number of days either side, the after side through today);
    None while the pilot has not started."""
    if periods.local_day(now) < start:
        return None
    return cmp_mod.windows(start, now=now)


def pilot_report(session: Session, user: User, pilot_id: int, *, now: datetime, lang: str) -> dict[str, Any]:
    """问题 / 措施 / 成效: the pilot's problem and measures, then each chosen measure before and after."""
    pilot, area = get_pilot(session, user, pilot_id)
    info = pilot_view(pilot, area, lang)
    windows = pilot_windows(pilot.start_date, now)
    results: list[dict[str, Any]] = []
    if windows is not None:
        before, after = windows
        codes = [c for c in pilot.measure_codes if c in ms.MEASURES]
        comparisons = cmp_mod.compare_many(session, codes, area, pilot.start_date, before=before, after=after,
                                           now=now)
        results = [_result_item(c, _target(pilot.targets, c.code), lang) for c in comparisons]
    improved = sum(1 for r in results if r["improved"])
    significant = sum(1 for r in results if r["improved"] and r["note_key"] == "compare.note.significant")
    if windows is None:
        summary = translate("reports.pilot.not_started", lang, start=pilot.start_date.isoformat())
    else:
        summary = translate("reports.pilot.summary", lang, n=len(results), improved=improved, significant=significant)
    return {
        "kind": "pilot",
        "title": translate("reports.pilot.title", lang, name=pilot.name),
        "pilot": info, "area": _area_info(area, lang),
        "before": None if windows is None else _period_info(windows[0]),
        "after": None if windows is None else _period_info(windows[1]),
        "generated_at": local_time(now), "summary": summary, "results": results,
        "charts": _pilot_charts(results, lang),
    }


def _result_item(c: cmp_mod.Comparison, target: float | None, lang: str) -> dict[str, Any]:
    measure = ms.MEASURES[c.code]
    rel = None if c.relative_change is None else round(c.relative_change * 100, 1)
    return {
        "code": c.code, "name": measure_name(c.code, lang), "unit": measure.unit,
        "higher_is_better": measure.higher_is_better,
        "before": c.before.value, "before_formatted": ms.format_value(c.before, lang), "n_before": c.before.n,
        "after": c.after.value, "after_formatted": ms.format_value(c.after, lang), "n_after": c.after.n,
        "difference": c.difference, "change_text": change_text(measure.unit, c.before.value, c.after.value, lang),
        "relative_change": rel, "relative_text": "—" if rel is None else f"{rel:+.1f}%",
        "improved": c.improved, "p_value": c.p_value,
        "p_text": "—" if c.p_value is None else ("p<0.001" if c.p_value < 0.001 else f"p={c.p_value:.3f}"),
        "note_key": c.note_key, "note": translate(c.note_key, lang),
        "method": translate(c.method, lang) if c.method else "",
        "target": target, "target_formatted": "" if target is None else _target_text(measure.unit, target, lang),
    }


def _target_text(unit: str, value: float, lang: str) -> str:
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "seconds":
        return span(value, lang)
    return f"{value:,.1f}" if unit == "score" else f"{value:,.0f}"


def _plot_value(unit: str, value: float | None) -> float | None:
    """Seconds drawn as minutes (bars of 900 s read badly); the rest as is."""
    if value is None:
        return None
    return round(value / 60, 2) if unit == "seconds" else round(value, 2)


def _pilot_charts(results: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One small before/after pair per measure: each has its own unit, so each gets its own scale."""
    charts = []
    for r in results:
        unit = translate("reports.unit.minutes", lang) if r["unit"] == "seconds" else (
            "%" if r["unit"] == "percent" else "")
        chart = _chart("before_after", "bar", lang, unit,
                       [translate("reports.before", lang), translate("reports.after", lang)],
                       [(r["name"], [_plot_value(r["unit"], r["before"]), _plot_value(r["unit"], r["after"])])])
        chart["title"] = r["name"]
        chart["key"] = f"pilot-{r['code']}"
        chart["palette"] = "before_after"
        charts.append(chart)
    return charts


def _target(targets: dict[str, Any], code: str) -> float | None:
    value = targets.get(code)
    return float(value) if isinstance(value, int | float) else None
