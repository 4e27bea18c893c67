"""Device figures for the dashboards (issue 8): readings per period and device health.

A device's grid is `Device.grid_id` (set at registration; devices without a grid are in no area).

Readings live in two places, each reading in exactly one (service.prune moves whole hours):
  - `device_rollups`: hourly count/min/max/sum per device and key, for hours past raw retention
    (30 days) — the pre-aggregated part, cheap however many readings it stands for;
  - `device_readings`: the raw rows of the last 30 days (not yet folded).
reading_counts() adds the two (as service.hourly() does), so the figure is exact for any window.
Windows of whole local days (every dashboard period) read `device_day_counts` instead: one row per
device and day, kept by service.store() in the insert's own transaction, so a month of a street is
a few thousand rows however many millions of readings it stands for.
Pass include_raw=False to read the roll-ups only (never touches the raw table; exact only for
windows wholly past raw retention). Hour rows are bucketed by LOCAL day in Python: Shanghai is a
whole number of hours from UTC, so an hour never straddles two local days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from gongzhi.clock import SHANGHAI, local
from gongzhi.db import is_postgres
from gongzhi.devices.models import Device, DeviceDayCount, DeviceReading, DeviceRollup

ReadingGroup = Literal["total", "day", "kind"]


def _local_day(session: Session) -> ColumnElement[Any]:
    """The local (Shanghai) date of a raw reading, in SQL; Shanghai has been UTC+8 all year since 1991."""
    if is_postgres(session):
        return func.date(func.timezone(SHANGHAI.key, DeviceReading.ts))
    return func.date(DeviceReading.ts, "+8 hours")


def reading_counts(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime, *,
                   group: ReadingGroup = "total", include_raw: bool = True) -> dict[object, int]:
    """Number of readings (one value of one key at one instant) with timestamps in [start, end) from
    devices in the grids. start/end should be whole hours (Period bounds are local midnights);
    roll-up hours are taken when the hour starts inside the window.

    Keys: "total" → None; "day" → local (Shanghai) date; "kind" → device kind. Missing keys = 0.
    """
    out: dict[object, int] = {None: 0} if group == "total" else {}
    if not grid_ids:
        return out
    devices = select(Device.id).where(Device.grid_id.in_(list(grid_ids))).scalar_subquery()

    def add(key: object, n: int) -> None:
        out[key] = out.get(key, 0) + n

    first, last = local(start), local(end)
    if include_raw and first.time() == last.time() == time(0):
        return _day_counts(session, devices, first.date(), last.date(), group, out)

    roll = (DeviceRollup.device_id.in_(devices), DeviceRollup.hour >= start, DeviceRollup.hour < end)
    raw = (DeviceReading.device_id.in_(devices), DeviceReading.ts >= start, DeviceReading.ts < end)
    if group == "total":
        add(None, int(session.scalar(select(func.coalesce(func.sum(DeviceRollup.count), 0)).where(*roll)) or 0))
        if include_raw:
            add(None, int(session.scalar(select(func.count()).select_from(DeviceReading).where(*raw)) or 0))
    elif group == "kind":
        for kind, n in session.execute(select(Device.kind, func.sum(DeviceRollup.count))
                                       .join(Device, Device.id == DeviceRollup.device_id)
                                       .where(*roll).group_by(Device.kind)):
            add(kind, int(n))
        if include_raw:
            for kind, n in session.execute(select(Device.kind, func.count())
                                           .select_from(DeviceReading).join(Device, Device.id == DeviceReading.device_id)
                                           .where(*raw).group_by(Device.kind)):
                add(kind, int(n))
    elif group == "day":
        for hour, n in session.execute(select(DeviceRollup.hour, func.sum(DeviceRollup.count))
                                       .where(*roll).group_by(DeviceRollup.hour)):
            add(local(hour).date(), int(n))
        if include_raw:
            day = _local_day(session).label("day")
            for value, n in session.execute(select(day, func.count()).where(*raw).group_by(day)):
                add(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]), int(n))
    else:
        raise ValueError(f"unknown group {group!r}")
    return out


def _day_counts(session: Session, devices: Any, first: date, last: date, group: ReadingGroup,
                out: dict[object, int]) -> dict[object, int]:
    where = (DeviceDayCount.device_id.in_(devices), DeviceDayCount.day >= first, DeviceDayCount.day < last)
    total = func.coalesce(func.sum(DeviceDayCount.count), 0)
    if group == "total":
        out[None] = int(session.scalar(select(total).where(*where)) or 0)
    elif group == "kind":
        for kind, n in session.execute(select(Device.kind, total).join(Device, Device.id == DeviceDayCount.device_id)
                                       .where(*where).group_by(Device.kind)):
            out[kind] = int(n)
    elif group == "day":
        for day, n in session.execute(select(DeviceDayCount.day, total).where(*where).group_by(DeviceDayCount.day)):
            out[day if isinstance(day, date) else date.fromisoformat(str(day)[:10])] = int(n)
    else:
        raise ValueError(f"unknown group {group!r}")
    return out


def device_health(session: Session, grid_ids: Sequence[int], now: datetime) -> dict[str, int]:
    """Enabled devices in the grids at `now`: {"total", "online", "silent", "disabled"}.

    silent: marked silent by the sweep (silent_since set) or past its silence window already
    (silent_after <= now: nothing for silence_grace × expected interval since it was last seen or
    registered). online = total - silent; a device without an expected interval is never silent.
    Disabled devices are not in total (their data is refused and they are never reported silent).
    """
    out = {"total": 0, "online": 0, "silent": 0, "disabled": 0}
    if not grid_ids:
        return out
    silent = or_(Device.silent_since.is_not(None), Device.silent_after <= now)
    for enabled, n, n_silent in session.execute(
        select(Device.enabled, func.count(Device.id), func.coalesce(func.sum(case((silent, 1), else_=0)), 0))
        .where(Device.grid_id.in_(list(grid_ids)), Device.created_at <= now)
        .group_by(Device.enabled)
    ):
        if not enabled:
            out["disabled"] += int(n)
            continue
        out["total"] += int(n)
        out["silent"] += int(n_silent)
    out["online"] = out["total"] - out["silent"]
    return out
