"""Figures of elder care for the measures and dashboards (issue 8): alarm response and coverage.

Alarms: cohort by `raised_at` in the UTC half-open window [start, end); an alarm's grid is its
elder's grid. States (models.ALARM_STATES): active → acknowledged → on_scene → resolved | false_alarm.
Going on scene or closing an active alarm acknowledges it first (service.on_scene / close), so
`acknowledged_at` is set for every alarm someone answered. Low-battery alarms are left out by
default, as on the module's own coverage page (nobody is called for them: NON_MEDICAL_KINDS).

Durations (seconds) are fetched for the window and computed in Python, so SQLite and PostgreSQL
give the same figures. Percentiles use LINEAR INTERPOLATION between closest ranks (NumPy's default,
Hyndman–Fan type 7): sorted x[0..n-1], h = (n-1)·q, value = x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]);
so the median of an even count is the mean of the two middle values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gongzhi.auth import pii
from gongzhi.clock import local, local_time, utc
from gongzhi.devices.models import Device
from gongzhi.eldercare.models import OPEN_STATES, Alarm, Elder, Wearable
from gongzhi.eldercare.service import NON_MEDICAL_KINDS
from gongzhi.geo.service import codes_by_id
from gongzhi.i18n import register, translate

register({
    "eldercare.stats.alarm_label": ("{kind} · {elder} · {state}", "{kind} · {elder} · {state}"),
})

AlarmGroup = Literal["total", "grid", "month", "kind"]
TEN_MINUTES = 600.0
# A band counts as working when it reported within this many hours (the coverage page's rule) …
FRESH_HOURS = 24


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (type 7); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])


@dataclass(frozen=True)
class AlarmTotals:
    """Alarm response over the alarms raised in a window.

    raised              alarms raised (medical kinds unless asked otherwise)
    acknowledged        acknowledged_at set (someone answered: link, app, on scene or close)
    on_scene            on_scene_at set (a responder marked arrival)
    ack_within_10min    acknowledged_at - raised_at <= 600 s
    ack_median/p90      of raised → acknowledged, over acknowledged alarms (seconds)
    scene_median/p90    of raised → on scene, over on-scene alarms (seconds)
    scene_within_10min  on_scene_at - raised_at <= 600 s (the DOMAIN target "≤ 10 min")
    Not additive (percentiles): no `+`; ask with the grouping you need.
    """

    raised: int = 0
    acknowledged: int = 0
    on_scene: int = 0
    ack_within_10min: int = 0
    ack_median_seconds: float | None = None
    ack_p90_seconds: float | None = None
    scene_median_seconds: float | None = None
    scene_p90_seconds: float | None = None
    scene_within_10min: int = 0


def _totals(rows: list[tuple[datetime, datetime | None, datetime | None]]) -> AlarmTotals:
    ack = [(utc(a) - utc(r)).total_seconds() for r, a, _ in rows if a is not None]
    scene = [(utc(s) - utc(r)).total_seconds() for r, _, s in rows if s is not None]
    return AlarmTotals(
        raised=len(rows), acknowledged=len(ack), on_scene=len(scene),
        ack_within_10min=sum(1 for x in ack if x <= TEN_MINUTES),
        ack_median_seconds=percentile(ack, 0.5), ack_p90_seconds=percentile(ack, 0.9),
        scene_median_seconds=percentile(scene, 0.5), scene_p90_seconds=percentile(scene, 0.9),
        scene_within_10min=sum(1 for x in scene if x <= TEN_MINUTES),
    )


def _month(instant: datetime) -> date:
    return local(instant).date().replace(day=1)


def alarm_totals(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime, *,
                 group: AlarmGroup = "total", include_non_medical: bool = False) -> dict[object, AlarmTotals]:
    """Alarm response (see AlarmTotals) of the alarms raised in [start, end) for elders in the grids.

    Keys: "total" → None; "grid" → the elder's grid id; "month" → 1st of the local (Shanghai) month;
    "kind" → alarm kind. Missing keys mean nothing was raised.
    """
    out: dict[object, AlarmTotals] = {None: AlarmTotals()} if group == "total" else {}
    if not grid_ids:
        return out
    stmt = (
        select(Elder.grid_id, Alarm.kind, Alarm.raised_at, Alarm.acknowledged_at, Alarm.on_scene_at)
        .join(Elder, Elder.id == Alarm.elder_id)
        .where(Elder.grid_id.in_(list(grid_ids)), Alarm.raised_at >= start, Alarm.raised_at < end)
    )
    if not include_non_medical:
        stmt = stmt.where(Alarm.kind.not_in(sorted(NON_MEDICAL_KINDS)))
    buckets: dict[object, list[tuple[datetime, datetime | None, datetime | None]]] = {}
    for grid_id, kind, raised, acked, scene in session.execute(stmt):
        if group == "total":
            key: object = None
        elif group == "grid":
            key = grid_id
        elif group == "month":
            key = _month(raised)
        elif group == "kind":
            key = kind
        else:
            raise ValueError(f"unknown group {group!r}")
        buckets.setdefault(key, []).append((raised, acked, scene))
    out.update({key: _totals(rows) for key, rows in buckets.items()})
    return out


def alarm_durations(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime, *,
                    to: Literal["ack", "scene"] = "ack", include_non_medical: bool = False) -> list[float]:
    """Seconds from raised to acknowledged (or on scene) of each such alarm raised in [start, end):
    the raw sample behind AlarmTotals' medians, for a rank test between two periods."""
    if not grid_ids:
        return []
    until = Alarm.acknowledged_at if to == "ack" else Alarm.on_scene_at
    stmt = (select(Alarm.raised_at, until).join(Elder, Elder.id == Alarm.elder_id)
            .where(Elder.grid_id.in_(list(grid_ids)), Alarm.raised_at >= start, Alarm.raised_at < end,
                   until.is_not(None)))
    if not include_non_medical:
        stmt = stmt.where(Alarm.kind.not_in(sorted(NON_MEDICAL_KINDS)))
    return sorted((utc(done) - utc(raised)).total_seconds() for raised, done in session.execute(stmt) if done)


@dataclass(frozen=True)
class Coverage:
    registered: int  # active elders (on the register, not deactivated, registered by `now`)
    covered: int  # … with a working wearable AND an assigned doctor

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.registered + other.registered, self.covered + other.covered)


def coverage(session: Session, grid_ids: Sequence[int], now: datetime, *, group: Literal["total", "grid"] = "total",
             fresh_hours: int = FRESH_HOURS) -> dict[object, Coverage]:
    """Elder coverage at `now` (DOMAIN: elders with a working wearable and a doctor / registered elders).

    registered: Elder.is_active and created_at <= now, in the grids.
    covered: registered, doctor_id set, and at least one bound band that is WORKING at `now`:
      - it reported within `fresh_hours` (24 h, as /eldercare/coverage): last_seen_at >= now - 24 h;
      - it is not marked silent (Wearable.silent_since is NULL: set by the devices silence sweep,
        cleared by the next reading);
      - and, when the band is in the devices registry, the device is enabled and still inside its
        silence window (Device.silent_after = last seen + silence_grace × expected interval, > now),
        so a band that just went quiet counts as silent even before the sweep has run.
    Keys: "total" → None; "grid" → grid id (grids without elders are absent).
    """
    out: dict[object, Coverage] = {None: Coverage(0, 0)} if group == "total" else {}
    if not grid_ids:
        return out
    elders = select(Elder.id).where(Elder.grid_id.in_(list(grid_ids)), Elder.is_active.is_(True),
                                    Elder.created_at <= now)
    working = set(session.scalars(
        select(Wearable.elder_id).distinct()
        .outerjoin(Device, Device.code == Wearable.device_code)
        .where(
            Wearable.elder_id.in_(elders.scalar_subquery()),
            Wearable.last_seen_at.is_not(None), Wearable.last_seen_at >= now - timedelta(hours=fresh_hours),
            Wearable.silent_since.is_(None),
            or_(Device.id.is_(None),
                and_(Device.enabled.is_(True), or_(Device.silent_after.is_(None), Device.silent_after > now))),
        )
    ))
    counts: dict[object, list[int]] = {}
    rows = session.execute(select(Elder.id, Elder.grid_id, Elder.doctor_id)
                           .where(Elder.id.in_(elders.scalar_subquery())))
    for elder_id, grid_id, doctor_id in rows:
        row = counts.setdefault(None if group == "total" else grid_id, [0, 0])
        row[0] += 1
        row[1] += int(doctor_id is not None and elder_id in working)
    out.update({key: Coverage(r[0], r[1]) for key, r in counts.items()})
    return out


def active_alarms(session: Session, grid_ids: Sequence[int], *, limit: int = 20,
                  lang: str = "zh") -> tuple[int, list[dict[str, Any]]]:
    """Open alarms (active / acknowledged / on scene, every kind) of elders in the grids:
    (count, the `limit` newest by raised_at). The elder's name is masked (mask_name)."""
    if not grid_ids:
        return 0, []
    where = (Elder.grid_id.in_(list(grid_ids)), Alarm.status.in_(OPEN_STATES))
    total = int(session.scalar(select(func.count(Alarm.id)).join(Elder, Elder.id == Alarm.elder_id)
                               .where(*where)) or 0)
    rows = session.execute(
        select(Alarm, Elder.name, Elder.grid_id).join(Elder, Elder.id == Alarm.elder_id).where(*where)
        .order_by(Alarm.raised_at.desc(), Alarm.id.desc()).limit(limit)
    ).all()
    codes = codes_by_id(session, {grid_id for _, _, grid_id in rows})
    items = []
    for alarm, name, grid_id in rows:
        kind_label = translate(f"eldercare.kind.{alarm.kind}", lang)
        state_label = translate(f"eldercare.state.{alarm.status}", lang)
        elder = pii.mask_name(name)
        items.append({
            "id": alarm.id, "elder_id": alarm.elder_id, "elder": elder, "kind": alarm.kind, "kind_label": kind_label,
            "status": alarm.status, "status_label": state_label, "severity": alarm.severity,
            "grid_id": grid_id, "grid_code": codes.get(grid_id, ""),
            "raised_at": utc(alarm.raised_at).isoformat(), "raised_local": local_time(alarm.raised_at),
            "label": translate("eldercare.stats.alarm_label", lang, kind=kind_label, elder=elder, state=state_label),
            "url": f"/eldercare/elders/{alarm.elder_id}",
        })
    return total, items
