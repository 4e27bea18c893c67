"""One source of 'now' so tests and the simulator can drive time.

Services take `now` as an argument; the app and the worker read it from a Clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, simulation)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


def utc(dt: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already (what SQLite gives back)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local(dt: datetime) -> datetime:
    """For display: Asia/Shanghai."""
    return utc(dt).astimezone(SHANGHAI)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as people read it here (Asia/Shanghai); empty for None."""
    return "" if value is None else local(value).strftime(fmt)


def local_day(instant: datetime) -> date:
    """The Asia/Shanghai calendar day of an instant (what people call "that day" here)."""
    return local(instant).date()


def local_midnight(day: date) -> datetime:
    """Start of a Shanghai calendar day, as an aware UTC instant."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def next_month(day: date) -> date:
    """First day of the month after `day`'s month."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
