"""Reporting periods: whole local days in Asia/Shanghai, stored and queried as UTC instants.

A period is half-open, [start, end) in local dates, so May is 2026-05-01 .. 2026-06-01 and two
adjacent periods never count a case twice. A case created at 2026-05-31 23:30 Shanghai time
(15:30 UTC) belongs to May even though its UTC date is the 31st and 16:30 UTC would be June.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gongzhi.clock import local, local_day, local_midnight, next_month
from gongzhi.errors import Invalid
from gongzhi.i18n import register

register({
    "analytics_period_invalid": ("统计时段无效：结束日期须晚于开始日期，且不超过三年。",
                                 "Invalid period: the end must follow the start, within three years."),
    "analytics_month_invalid": ("月份格式应为 YYYY-MM，例如 2026-05（收到：{value}）。",
                                "A month is written YYYY-MM, e.g. 2026-05 (got: {value})."),
    "analytics_date_invalid": ("日期格式应为 YYYY-MM-DD（收到：{value}）。",
                               "A date is written YYYY-MM-DD (got: {value})."),
})

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_DAYS = 3 * 366  # a dashboard period; longer asks are a typo, not a question
# Years a period may touch: wide enough for any record, narrow enough that the day after the end
# and local midnight in UTC always exist (year 9999 or 1 would overflow).
MIN_YEAR, MAX_YEAR = 1970, 2200


@dataclass(frozen=True, order=True)
class Period:
    start: date  # first local day, inclusive
    end: date  # first local day after the period (exclusive)

    def __post_init__(self) -> None:
        if self.end <= self.start or self.start.year < MIN_YEAR or self.end.year > MAX_YEAR:
            raise Invalid("analytics_period_invalid")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC instants: local midnight of each bound."""
        return local_midnight(self.start), local_midnight(self.end)

    def label(self) -> str:
        if self.start.day == 1 and self.end == next_month(self.start):
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}–{self.end - timedelta(days=1):%Y-%m-%d}"

    def contains(self, instant: datetime) -> bool:
        return self.start <= local(instant).date() < self.end


__all__ = ["Period", "local_day", "local_midnight", "month", "month_of", "months_back", "next_month", "parse",
           "parse_day", "split_months"]


def month(year: int, month_no: int) -> Period:
    if not 1 <= month_no <= 12 or not MIN_YEAR <= year < MAX_YEAR:
        raise Invalid("analytics_period_invalid")
    first = date(year, month_no, 1)
    return Period(first, next_month(first))


def month_of(instant: datetime) -> Period:
    day = local_day(instant)
    return month(day.year, day.month)


def months_back(last: Period, count: int) -> list[Period]:
    """`count` calendar months ending with the month that holds `last.start`, oldest first."""
    periods: list[Period] = []
    first = date(last.start.year, last.start.month, 1)
    for _ in range(count):
        periods.append(Period(first, next_month(first)))
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return periods[::-1]


def split_months(period: Period) -> list[Period]:
    """The period cut at month boundaries (first and last pieces may be partial months)."""
    pieces: list[Period] = []
    start = period.start
    while start < period.end:
        end = min(next_month(date(start.year, start.month, 1)), period.end)
        pieces.append(Period(start, end))
        start = end
    return pieces


def parse_day(text: str) -> date:
    m = _DAY.match(text.strip())
    if not m:
        raise Invalid("analytics_date_invalid", value=text[:40])
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Invalid("analytics_date_invalid", value=text[:40]) from None
    if not MIN_YEAR <= day.year < MAX_YEAR:
        raise Invalid("analytics_date_invalid", value=text[:40])
    return day


def parse(*, month_text: str = "", start: str = "", end: str = "", now: datetime) -> Period:
    """From query parameters: `month=2026-05`, or `start`/`end` local dates (end inclusive, as
    people write ranges), or nothing = the current month so far."""
    if month_text:
        m = _MONTH.match(month_text.strip())
        if not m:
            raise Invalid("analytics_month_invalid", value=month_text[:40])
        return month(int(m[1]), int(m[2]))
    if start or end:
        if not (start and end):
            raise Invalid("analytics_period_invalid")
        first, last = parse_day(start), parse_day(end)
        if last < first or (last - first).days >= MAX_DAYS:
            raise Invalid("analytics_period_invalid")
        return Period(first, last + timedelta(days=1))
    return month_of(now)
