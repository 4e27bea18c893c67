"""SLA deadlines on the Chinese working-day calendar."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.reference import work_calendar
from gongzhi.cases.seed import load_calendar as shipped_days
from gongzhi.clock import SHANGHAI

CAL = WorkCalendar((d, w) for d, w, _ in shipped_days())


def sh(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def test_one_working_day_from_friday_ends_monday_midnight() -> None:
    # Fri 2026-11-20 10:00 -> end of Mon 11-23
    assert CAL.add_working_days(sh(2026, 11, 20, 10), 1) == sh(2026, 11, 24).astimezone(UTC)


def test_report_on_saturday_counts_from_monday() -> None:
    assert CAL.add_working_days(sh(2026, 11, 21, 15), 1) == sh(2026, 11, 24).astimezone(UTC)


def test_national_day_holiday_is_skipped() -> None:
    # Wed 2026-09-30 -> Oct 1–7 are holidays -> first working day is Thu Oct 8
    assert CAL.add_working_days(sh(2026, 9, 30, 9), 1) == sh(2026, 10, 9).astimezone(UTC)
    # five working days: Oct 8 (Thu), 9 (Fri), 10 (Sat, make-up workday 调休), 12 (Mon), 13 (Tue)
    assert CAL.add_working_days(sh(2026, 9, 30, 9), 5) == sh(2026, 10, 14).astimezone(UTC)


def test_make_up_saturday_counts_as_workday() -> None:
    assert CAL.is_workday(date(2026, 10, 10)) and not CAL.is_workday(date(2026, 10, 11))
    assert not CAL.is_workday(date(2026, 10, 5))  # a Monday inside the holiday


def test_spring_festival_span() -> None:
    # Fri 2026-02-13 -> Sat 02-14 is a make-up workday -> 1 working day ends then
    assert CAL.add_working_days(sh(2026, 2, 13, 18), 1) == sh(2026, 2, 15).astimezone(UTC)
    # From Sat 02-14: 15–23 holiday, so the next working day is Tue 02-24
    assert CAL.add_working_days(sh(2026, 2, 14, 18), 1) == sh(2026, 2, 25).astimezone(UTC)


def test_minutes_clock_ignores_calendar() -> None:
    start = sh(2026, 10, 1, 23, 50)  # in a holiday, at night: P1 clocks run around the clock
    assert CAL.deadline(start, 15, "minutes") == sh(2026, 10, 2, 0, 5).astimezone(UTC)


def test_deadline_rejects_unknown_unit() -> None:
    with pytest.raises(ValueError):
        CAL.deadline(sh(2026, 1, 5), 1, "fortnights")


def test_calendar_loaded_from_database_matches_seed(session: Session) -> None:
    cal = work_calendar(session)
    assert cal.add_working_days(sh(2026, 9, 30, 9), 1) == sh(2026, 10, 9).astimezone(UTC)
