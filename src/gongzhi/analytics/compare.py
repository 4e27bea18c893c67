"""Before/after a pilot start: difference, relative change, improved?, and a significance test.

Tests (two-sided, α = 0.05), chosen by the measure's kind:
- rate: two-proportion z-test with pooled variance on numerator/denominator; Fisher's exact test
  when any expected cell of the 2×2 table is below 5.
- count: the conditional binomial test for two Poisson counts: given k = c_before + c_after, under
  "same daily rate" c_after ~ Binomial(k, t_after / (t_before + t_after)), t = days of each window.
- duration: Mann-Whitney U on the raw durations (`_raw_durations`: cases.stats.response_durations,
  eldercare.stats.alarm_durations).
- score: the survey producer gives means only, so no test (p None).
note_key: "no_data" when either side has no value; "small_sample" when n < 30 on either side;
"no_test" when no p-value exists; else "significant" (p < 0.05) / "not_significant".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from scipy import stats as sps
from sqlalchemy.orm import Session

from gongzhi.analytics import measures as m
from gongzhi.analytics.periods import MAX_DAYS, Period, local_day
from gongzhi.errors import Invalid
from gongzhi.geo.models import Area

ALPHA = 0.05
SMALL_SAMPLE = 30


@dataclass(frozen=True)
class Comparison:
    code: str
    before: m.Result
    after: m.Result
    difference: float | None  # after.value - before.value (percentage points for rates)
    relative_change: float | None  # difference / before.value, a fraction (-0.7 = −70%)
    improved: bool | None  # by Measure.higher_is_better; None without data
    p_value: float | None
    note_key: str  # "compare.note.<significant|not_significant|small_sample|no_data|no_test>"
    method: str | None = None  # i18n key of the test used: "compare.method.<…>"
    before_period: Period | None = None
    after_period: Period | None = None


# ---------------------------------------------------------------- the tests (pure)


def two_proportions(x1: int, n1: int, x2: int, n2: int) -> tuple[float | None, str | None]:
    """(p, method key). Fisher's exact test when an expected cell < 5, else the pooled z-test."""
    if n1 <= 0 or n2 <= 0:
        return None, None
    total, hits = n1 + n2, x1 + x2
    expected = [n * c / total for n in (n1, n2) for c in (hits, total - hits)]
    if min(expected) < 5:
        _, p = sps.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return float(p), "compare.method.fisher"
    pooled = hits / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x2 / n2 - x1 / n1) / se
    return float(2 * sps.norm.sf(abs(z))), "compare.method.two_proportion"


def poisson_counts(c1: int, t1: float, c2: int, t2: float) -> tuple[float | None, str | None]:
    """(p, method key) for 'the daily rate changed': conditional binomial test on c2 of c1 + c2."""
    k = c1 + c2
    if k == 0 or t1 <= 0 or t2 <= 0:
        return None, None
    p = sps.binomtest(c2, k, t2 / (t1 + t2), alternative="two-sided").pvalue
    return float(p), "compare.method.poisson"


def mann_whitney(before: Sequence[float], after: Sequence[float]) -> tuple[float | None, str | None]:
    if not before or not after:
        return None, None
    p = sps.mannwhitneyu(list(before), list(after), alternative="two-sided").pvalue
    return float(p), "compare.method.mann_whitney"


def note_for(before: m.Result, after: m.Result, p_value: float | None) -> str:
    if before.value is None or after.value is None:
        return "compare.note.no_data"
    if before.n < SMALL_SAMPLE or after.n < SMALL_SAMPLE:
        return "compare.note.small_sample"
    if p_value is None:
        return "compare.note.no_test"
    return "compare.note.significant" if p_value < ALPHA else "compare.note.not_significant"


def compare_results(before: m.Result, after: m.Result, *, before_days: int, after_days: int,
                    durations: tuple[Sequence[float], Sequence[float]] | None = None,
                    before_period: Period | None = None, after_period: Period | None = None) -> Comparison:
    """Compare two computed results of one measure (pure: no database)."""
    measure = m.measure(before.code)
    difference = relative = None
    improved: bool | None = None
    if before.value is not None and after.value is not None:
        difference = after.value - before.value
        relative = difference / before.value if before.value else None
        improved = difference > 0 if measure.higher_is_better else difference < 0
    p_value, method = _test(measure, before, after, before_days, after_days, durations)
    return Comparison(before.code, before, after, difference, relative, improved, p_value,
                      note_for(before, after, p_value), method, before_period, after_period)


def _test(measure: m.Measure, before: m.Result, after: m.Result, before_days: int, after_days: int,
          durations: tuple[Sequence[float], Sequence[float]] | None) -> tuple[float | None, str | None]:
    if before.value is None or after.value is None:
        return None, None
    if measure.kind == "rate":
        return two_proportions(int(before.numerator or 0), int(before.denominator or 0),
                               int(after.numerator or 0), int(after.denominator or 0))
    if measure.kind == "count":
        return poisson_counts(before.n, before_days, after.n, after_days)
    if measure.kind == "duration" and durations is not None:
        return mann_whitney(*durations)
    return None, None


# ---------------------------------------------------------------- windows and the database


def windows(pilot_start: date, *, now: datetime, before: Period | None = None,
            after: Period | None = None) -> tuple[Period, Period]:
    """Default: after = pilot start .. today (today included, so a pilot that started today has
    a window), before = the same number of days just before the pilot start."""
    today = local_day(now)
    if after is None:
        if pilot_start > today:
            raise Invalid("analytics_pilot_start_future", day=pilot_start.isoformat())
        after = Period(pilot_start, today + timedelta(days=1))
    if after.days > MAX_DAYS or (before is not None and before.days > MAX_DAYS):
        raise Invalid("analytics_period_invalid")  # also keeps the dates far from the calendar's ends
    if before is None:
        before = Period(pilot_start - timedelta(days=after.days), pilot_start)
    if before.end > pilot_start or after.start < pilot_start:
        raise Invalid("analytics_compare_windows")
    try:
        before.utc_bounds(), after.utc_bounds()
    except (ValueError, OverflowError):
        raise Invalid("analytics_period_invalid") from None
    return before, after


def _raw_durations(session: Session, code: str, area: Area, before: Period, after: Period
                   ) -> tuple[list[float], list[float]] | None:
    """Raw durations on each side, for the rank test: case response, or alarm acknowledgement / arrival."""
    from gongzhi.cases import stats as case_stats
    from gongzhi.eldercare import stats as elder_stats
    from gongzhi.geo import service as geo

    if code in ("response_median", "response_p90"):
        def fetch(grids: list[int], start: datetime, end: datetime) -> list[float]:
            return case_stats.response_durations(session, grids, start, end)
    elif code in ("alarm_ack_median", "alarm_scene_median"):
        to: Literal["ack", "scene"] = "ack" if code == "alarm_ack_median" else "scene"

        def fetch(grids: list[int], start: datetime, end: datetime) -> list[float]:
            return elder_stats.alarm_durations(session, grids, start, end, to=to)
    else:
        return None
    grid_ids = [g.id for g in geo.grids_under(session, area)]
    out = [fetch(grid_ids, *p.utc_bounds()) for p in (before, after)]
    return out[0], out[1]


def compare(session: Session, code: str, area: Area, pilot_start: date, *, before: Period | None = None,
            after: Period | None = None, now: datetime) -> Comparison:
    m.measure(code)
    before, after = windows(pilot_start, now=now, before=before, after=after)
    b = m.compute(session, code, area, before, now=now)
    a = m.compute(session, code, area, after, now=now)
    return compare_results(b, a, before_days=before.days, after_days=after.days,
                           durations=_raw_durations(session, code, area, before, after),
                           before_period=before, after_period=after)


def compare_many(session: Session, codes: Sequence[str], area: Area, pilot_start: date, *,
                 before: Period | None = None, after: Period | None = None, now: datetime) -> list[Comparison]:
    for code in codes:
        m.measure(code)
    return [compare(session, code, area, pilot_start, before=before, after=after, now=now) for code in codes]
