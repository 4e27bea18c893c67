"""The measures (成效评估): each defined once here, computed for any area and period.

A measure is computed over the union of the grids under the chosen area, never as an average of
the children's figures, so a district's complaint rate equals the rate computed over all its
grids' households at once. The raw figures come from the producing modules' `stats` functions
(cases, mediation, eldercare) and from analytics.households / surveys; this module only divides.

Cohorts: a case, dispute or alarm belongs to the period in which it was created / raised (local
Asia/Shanghai day); survey responses by the day they were submitted; elder coverage is a snapshot
at the period end, or now when the period has not ended yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

import gongzhi.analytics.messages  # noqa: F401  (registers the measure names and formulas)
from gongzhi.analytics import households as household_stats
from gongzhi.analytics import periods
from gongzhi.analytics import surveys as survey_stats
from gongzhi.analytics.periods import Period, next_month
from gongzhi.cases import stats as case_stats
from gongzhi.eldercare import stats as elder_stats
from gongzhi.errors import Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.mediation import stats as dispute_stats

Unit = Literal["percent", "count", "seconds", "score"]
Kind = Literal["rate", "count", "duration", "score"]


@dataclass(frozen=True)
class Measure:
    code: str
    unit: Unit
    higher_is_better: bool
    kind: Kind

    def name(self, lang: str) -> str:
        return translate(f"measure.{self.code}.name", lang)

    def formula(self, lang: str) -> str:
        return translate(f"measure.{self.code}.formula", lang)


MEASURE_CODES = ("complaint_rate", "dispute_count", "satisfaction", "satisfaction_survey",
                 "safety_score", "response_median", "response_p90", "on_time_rate",
                 "mediation_success", "resolution_rate", "petitions", "alarm_ack_median",
                 "alarm_scene_median", "elder_coverage")

MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("complaint_rate", "percent", False, "rate"),
    Measure("dispute_count", "count", False, "count"),
    Measure("satisfaction", "percent", True, "rate"),
    Measure("satisfaction_survey", "score", True, "score"),
    Measure("safety_score", "score", True, "score"),
    Measure("response_median", "seconds", False, "duration"),
    Measure("response_p90", "seconds", False, "duration"),
    Measure("on_time_rate", "percent", True, "rate"),
    Measure("mediation_success", "percent", True, "rate"),
    Measure("resolution_rate", "percent", True, "rate"),
    Measure("petitions", "count", False, "count"),
    Measure("alarm_ack_median", "seconds", False, "duration"),
    Measure("alarm_scene_median", "seconds", False, "duration"),
    Measure("elder_coverage", "percent", True, "rate"),
)}
assert tuple(MEASURES) == MEASURE_CODES


@dataclass(frozen=True)
class Result:
    code: str
    value: float | None  # None when there is nothing to measure (n == 0); percent as 0–100
    numerator: float | None  # rates: the counted part; counts: the count; None for durations/scores
    denominator: float | None  # rates: the whole; None otherwise
    n: int  # cases/disputes/alarms/responses/households behind the figure


def parse_period(*, month: str = "", start: str = "", end: str = "", now: datetime) -> Period:
    """periods.parse for query parameters and options, with dates at the edges of the calendar
    (year 1, 9999-12) an Invalid (422), not an OverflowError (500)."""
    try:
        period = periods.parse(month_text=month, start=start, end=end, now=now)
        period.utc_bounds()
    except (ValueError, OverflowError):
        raise Invalid("analytics_period_invalid") from None
    return period


def measure(code: str) -> Measure:
    found = MEASURES.get(code)
    if found is None:
        raise NotFound("analytics_measure_unknown", code=code[:40])
    return found


# ---------------------------------------------------------------- pure constructors


def rate(code: str, numerator: int, denominator: int) -> Result:
    """Percent 0–100; n is the denominator (the population the rate is about)."""
    value = 100.0 * numerator / denominator if denominator else None
    return Result(code, value, float(numerator), float(denominator), denominator)


def count(code: str, number: int) -> Result:
    return Result(code, float(number), float(number), None, number)


def duration(code: str, seconds: float | None, n: int) -> Result:
    return Result(code, float(seconds) if seconds is not None and n else None, None, None, n)


def score(code: str, mean: float | None, n: int) -> Result:
    return Result(code, float(mean) if mean is not None and n else None, None, None, n)


def complaint_households(complainants: Iterable[Any], keys: dict[str, int]) -> int:
    """Distinct households among the complainants: matched by account first, then by phone; a
    complainant matched to no household counts as a household of their own (by account or phone,
    so one unmatched person reporting twice is still one)."""
    seen: set[str] = set()
    for i, c in enumerate(complainants):
        by_user = f"u:{c.user_id}" if c.user_id is not None else None
        by_phone = f"p:{c.phone}" if c.phone else None
        household = (keys.get(by_user) if by_user else None) or (keys.get(by_phone) if by_phone else None)
        if household is not None:
            seen.add(f"h:{household}")
        else:
            seen.add(by_user or by_phone or f"anon:{i}")
    return len(seen)


# ---------------------------------------------------------------- per-measure computation

Keyed = dict[Any, Result]  # grouping key (None: the total; grid id; 1st of a local month) -> Result
Group = Literal["total", "grid", "month"]


@dataclass(frozen=True)
class _Ask:
    """One question to the producers: these grids, this window, as a total, per grid or per month."""

    session: Session
    grid_ids: Sequence[int]
    period: Period
    now: datetime
    group: Group = "total"
    months: tuple[date, ...] = ()  # the keys asked for with group "month"
    # Producer answers already fetched for this ask (satisfaction, on-time and petitions share one
    # totals() call; the three dispute measures one dispute_totals() call).
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def once(self, key: str, fetch: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = fetch()
        return self.memo[key]

    @property
    def start(self) -> datetime:
        return self.period.utc_bounds()[0]

    @property
    def end(self) -> datetime:
        return self.period.utc_bounds()[1]

    def grid_keys(self) -> list[Any]:
        if self.group == "grid":
            return list(self.grid_ids)
        if self.group == "month":
            return list(self.months)
        return [None]


def _from(ask: _Ask, found: dict[Any, Any], build: Callable[[Any], Result], empty: Any) -> Keyed:
    # Producers leave out keys with nothing in them; every asked key gets a Result.
    return {key: build(found.get(key, empty)) for key in ask.grid_keys()}


def _case_totals(ask: _Ask, pick: Callable[[Any], Result]) -> Keyed:
    found = ask.once("cases", lambda: case_stats.totals(ask.session, ask.grid_ids, ask.start, ask.end,
                                                        group=ask.group))
    return _from(ask, found, pick, case_stats.CaseTotals())


def _satisfaction(ask: _Ask) -> Keyed:
    return _case_totals(ask, lambda t: rate("satisfaction", t.rated_good, t.rated))


def _on_time(ask: _Ask) -> Keyed:
    return _case_totals(ask, lambda t: rate("on_time_rate", t.resolved_on_time, t.resolved))


def _petitions(ask: _Ask) -> Keyed:
    return _case_totals(ask, lambda t: count("petitions", t.petitions))


def _response(code: str, attr: str) -> Callable[[_Ask], Keyed]:
    def compute_(ask: _Ask) -> Keyed:
        found = ask.once("response", lambda: case_stats.response_times(ask.session, ask.grid_ids, ask.start,
                                                                       ask.end, group=ask.group))
        empty = case_stats.Percentiles(0, None, None)
        return _from(ask, found, lambda p: duration(code, getattr(p, attr), p.n), empty)
    return compute_


def _disputes(ask: _Ask, pick: Callable[[Any], Result]) -> Keyed:
    found = ask.once("disputes", lambda: dispute_stats.dispute_totals(ask.session, ask.grid_ids, ask.start,
                                                                      ask.end, group=ask.group))
    return _from(ask, found, pick, dispute_stats.DisputeTotals())


def _dispute_count(ask: _Ask) -> Keyed:
    return _disputes(ask, lambda t: count("dispute_count", t.filed))


def _mediation_success(ask: _Ask) -> Keyed:
    return _disputes(ask, lambda t: rate("mediation_success", t.agreements, t.concluded))


def _resolution_rate(ask: _Ask) -> Keyed:
    return _disputes(ask, lambda t: rate("resolution_rate", t.resolved, t.filed))


def _alarms(code: str, value_attr: str, n_attr: str) -> Callable[[_Ask], Keyed]:
    def compute_(ask: _Ask) -> Keyed:
        found = ask.once("alarms", lambda: elder_stats.alarm_totals(ask.session, ask.grid_ids, ask.start,
                                                                    ask.end, group=ask.group))
        return _from(ask, found, lambda t: duration(code, getattr(t, value_attr), getattr(t, n_attr)),
                     elder_stats.AlarmTotals())
    return compute_


def _coverage(ask: _Ask) -> Keyed:
    at = min(ask.end, ask.now)  # a snapshot: the period's end, or now while it is still running
    group = ask.group
    assert group != "month"  # a snapshot has no months (not in BY_MONTH)
    found = elder_stats.coverage(ask.session, ask.grid_ids, at, group=group)
    return _from(ask, found, lambda c: rate("elder_coverage", c.covered, c.registered),
                 elder_stats.Coverage(0, 0))


def _survey(code: str, kind: Literal["satisfaction", "safety"]) -> Callable[[_Ask], Keyed]:
    def compute_(ask: _Ask) -> Keyed:
        found = survey_stats.survey_scores(ask.session, kind, ask.grid_ids, ask.start, ask.end, group=ask.group)
        return _from(ask, found, lambda sn: score(code, sn[0], sn[1]), (None, 0))
    return compute_


def _complaint_rate(ask: _Ask) -> Keyed:
    people = case_stats.complainants(ask.session, ask.grid_ids, ask.start, ask.end)
    keys = household_stats.household_keys(ask.session, ask.grid_ids)
    if ask.group == "total":
        households = household_stats.household_count(ask.session, ask.grid_ids)
        return {None: rate("complaint_rate", complaint_households(people, keys), households)}
    out: Keyed = {}
    for grid_id in ask.grid_ids:
        mine = [p for p in people if p.grid_id == grid_id]
        households = household_stats.household_count(ask.session, [grid_id])
        out[grid_id] = rate("complaint_rate", complaint_households(mine, keys), households)
    return out


_COMPUTE: dict[str, Callable[[_Ask], Keyed]] = {
    "complaint_rate": _complaint_rate,
    "dispute_count": _dispute_count,
    "satisfaction": _satisfaction,
    "satisfaction_survey": _survey("satisfaction_survey", "satisfaction"),
    "safety_score": _survey("safety_score", "safety"),
    "response_median": _response("response_median", "median_seconds"),
    "response_p90": _response("response_p90", "p90_seconds"),
    "on_time_rate": _on_time,
    "mediation_success": _mediation_success,
    "resolution_rate": _resolution_rate,
    "petitions": _petitions,
    "alarm_ack_median": _alarms("alarm_ack_median", "ack_median_seconds", "acknowledged"),
    "alarm_scene_median": _alarms("alarm_scene_median", "scene_median_seconds", "on_scene"),
    "elder_coverage": _coverage,
}
assert set(_COMPUTE) == set(MEASURE_CODES)
# Measures whose producers answer per local month (group="month"); the others are asked per period.
BY_MONTH = frozenset(MEASURE_CODES) - {"complaint_rate", "elder_coverage"}


def _grid_ids(session: Session, area: Area) -> list[int]:
    return [g.id for g in geo.grids_under(session, area)]


def compute_grids(session: Session, code: str, grid_ids: Sequence[int], period: Period, *,
                  now: datetime) -> Result:
    """The measure over exactly these grids (their union)."""
    measure(code)
    if not grid_ids:
        return _empty(code)
    return _COMPUTE[code](_Ask(session, list(grid_ids), period, now))[None]


def _many(ask: _Ask, codes: Sequence[str]) -> dict[str, Result]:
    return {code: _COMPUTE[code](ask)[None] for code in codes}


def _empty(code: str) -> Result:
    kind = measure(code).kind
    if kind == "rate":
        return rate(code, 0, 0)
    if kind == "count":
        return count(code, 0)
    return Result(code, None, None, None, 0)


def compute(session: Session, code: str, area: Area, period: Period, *, now: datetime) -> Result:
    measure(code)
    grid_ids = _grid_ids(session, area)
    if not grid_ids:
        return _empty(code)
    return compute_grids(session, code, grid_ids, period, now=now)


def compute_many(session: Session, codes: Sequence[str], area: Area, period: Period, *,
                 now: datetime) -> dict[str, Result]:
    for code in codes:
        measure(code)  # an unknown code fails before any work
    grid_ids = _grid_ids(session, area)
    if not grid_ids:
        return {code: _empty(code) for code in codes}
    return _many(_Ask(session, grid_ids, period, now), codes)


def by_grid(session: Session, code: str, area: Area, period: Period, *, now: datetime) -> dict[int, Result]:
    """grid id -> Result for every grid under the area (for maps); one grouped query per producer."""
    measure(code)
    grid_ids = _grid_ids(session, area)
    if not grid_ids:
        return {}
    found = _COMPUTE[code](_Ask(session, grid_ids, period, now, "grid"))
    return {int(k): v for k, v in found.items()}


def by_child(session: Session, code: str, area: Area, period: Period, *, now: datetime) -> dict[int, Result]:
    """child area id -> Result computed over the union of that child's grids (roll-up table).
    A grid has no children: its own figure is returned under its own id."""
    measure(code)
    kids = geo.children(session, area)
    if not kids:
        return {area.id: compute(session, code, area, period, now=now)} if area.level == "grid" else {}
    return {kid.id: compute(session, code, kid, period, now=now) for kid in kids}


def trend(session: Session, code: str, area: Area, periods: Sequence[Period], *, now: datetime) -> list[Result]:
    """One result per period. Whole calendar months are asked in one grouped call per producer
    (the same figures as asking month by month; complaint rate and coverage are asked per period)."""
    measure(code)
    grid_ids = _grid_ids(session, area)
    if not grid_ids or not periods:
        return [_empty(code) for _ in periods]
    if code in BY_MONTH and all(_whole_month(p) for p in periods):
        span = Period(min(p.start for p in periods), max(p.end for p in periods))
        found = _COMPUTE[code](_Ask(session, grid_ids, span, now, "month", tuple(p.start for p in periods)))
        return [found[p.start] for p in periods]
    return [compute_grids(session, code, grid_ids, p, now=now) for p in periods]


def _whole_month(period: Period) -> bool:
    return period.start.day == 1 and period.end == next_month(period.start)


# ---------------------------------------------------------------- formatting


def format_seconds(seconds: float, lang: str) -> str:
    total = round(seconds)
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return translate("measure.duration.days", lang, d=d, h=h)
    if h:
        return translate("measure.duration.hours", lang, h=h, m=m)
    if m:
        return translate("measure.duration.minutes", lang, m=m, s=s)
    return translate("measure.duration.seconds", lang, s=s)


def format_value(result: Result, lang: str) -> str:
    """"92.0%", "12分30秒", "1,234", "89.0分", "—" (nothing to measure)."""
    if result.value is None:
        return "—"
    unit = measure(result.code).unit
    if unit == "percent":
        return f"{result.value:.1f}%"
    if unit == "seconds":
        return format_seconds(result.value, lang)
    if unit == "count":
        return f"{round(result.value):,}"
    return translate("measure.score", lang, value=f"{result.value:.1f}")
