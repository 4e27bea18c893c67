"""Working-day arithmetic for SLA clocks, on the Chinese calendar (weekends, holidays, 调休 make-up days).

"N working days" follows the usual administrative reading: counting starts the day after
the clock starts, and the deadline is the end (24:00 Shanghai time) of the Nth working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from gongzhi.clock import SHANGHAI


class WorkCalendar:
    def __init__(self, exceptions: Iterable[tuple[date, bool]] = ()) -> None:
        self._exceptions = dict(exceptions)

    def is_workday(self, day: date) -> bool:
        return self._exceptions.get(day, day.weekday() < 5)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        if days < 0:
            raise ValueError("days must be >= 0")
        day = start.astimezone(SHANGHAI).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        if days == 0:
            return start.astimezone(UTC)
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        return end_of_day.astimezone(UTC)

    def deadline(self, start: datetime, amount: int, unit: str) -> datetime:
        if unit == "minutes":
            return (start + timedelta(minutes=amount)).astimezone(UTC)
        if unit == "working_days":
            return self.add_working_days(start, amount)
        raise ValueError(f"unknown SLA unit {unit!r}")
