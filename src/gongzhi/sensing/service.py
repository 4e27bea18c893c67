"""Readings from city devices turned into work: late-night crowds, smoke and gas alarms, doors.

Called by the devices module (sensing/handlers.py registers these per device kind) inside the
ingestion transaction: the episode, its case and the notices commit with the readings. Only
counts and events are stored, never images or faces.

One episode per device and kind: while it is open (repeats within `episode_quiet_minutes`, and
its case still open) repeats update it and add to its case's timeline instead of opening a new
case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import gongzhi.sensing.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import local, local_time
from gongzhi.config import Settings, get_settings
from gongzhi.db import lock_for_update
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.errors import AppError
from gongzhi.geo import service as geo
from gongzhi.i18n import translate
from gongzhi.notify import service as notify
from gongzhi.sensing.crowd import History, Verdict, tail_probability
from gongzhi.sensing.models import CrowdBaseline, Episode

log = logging.getLogger("gongzhi.sensing")

CROWD_KEYS = ("people_count", "count", "people")
ALARM_KEYS = {"smoke_detector": ("smoke", "alarm"), "gas_detector": ("gas", "alarm")}
ALARM_EPISODE = {"smoke_detector": "smoke", "gas_detector": "gas"}
# Readings enough to trust the hour of the week itself (else the same hour of every day is used),
# and enough to judge at all.
MIN_HOUR_HISTORY = 12
MIN_HISTORY = 6


def hour_of_week(ts: datetime) -> int:
    at = local(ts)
    return at.weekday() * 24 + at.hour


def is_night(ts: datetime, settings: Settings) -> bool:
    hour = local(ts).hour
    start, end = settings.crowd_night_start_hour, settings.crowd_night_end_hour
    return hour >= start or hour < end if start > end else start <= hour < end


def _place(device: DeviceInfo) -> str:
    return device.owner_ref or device.code


# ---------------------------------------------------------------- episodes


def open_episode(session: Session, device: DeviceInfo, kind: str, now: datetime,
                 settings: Settings | None = None) -> Episode | None:
    """The device's open episode of `kind`, locked; one that went quiet or whose case is done is closed."""
    settings = settings or get_settings()
    stmt = lock_for_update(
        select(Episode)
        .where(Episode.device_id == device.id, Episode.kind == kind, Episode.closed_at.is_(None))
        .order_by(Episode.id.desc()),
        session,
    )
    episode = session.scalars(stmt).first()
    if episode is None:
        return None
    quiet = now - episode.last_at > timedelta(minutes=settings.episode_quiet_minutes)
    if quiet or (episode.case_id is not None and not cases.is_open(session, episode.case_id)):
        episode.closed_at = now
        return None
    return episode


def _new_episode(session: Session, device: DeviceInfo, kind: str, at: datetime,
                 evidence: dict[str, Any]) -> Episode:
    episode = Episode(device_id=device.id, device_code=device.code, kind=kind, grid_id=device.grid_id,
                      place=_place(device)[:200], opened_at=at, last_at=at, count=1, evidence=evidence)
    session.add(episode)
    return episode


def _file_case(session: Session, device: DeviceInfo, *, category: str, title: str, description: str,
               now: datetime, priority: str | None = None) -> int | None:
    """A case at the device's place (its grid), or None when the device has no usable place."""
    grid_code = None
    if device.grid_id is not None:
        try:
            grid_code = geo.get_area_by_id(session, device.grid_id).code
        except AppError:
            grid_code = None
    if grid_code is None and (device.lat is None or device.lng is None):
        log.warning("device without a place: no case", extra={"device": device.code})
        return None
    data = CaseIn(category=category, title=title[:200], description=description[:4000], source="sensing",
                  grid_code=grid_code, lat=device.lat, lng=device.lng, address=_place(device)[:300],
                  external_ref=f"device:{device.code}"[:100])
    try:
        done = cases.intake(session, actor=None, data=data, now=now, internal=True, priority=priority)
    except AppError as exc:  # e.g. a device placed outside every grid: keep the readings, log it
        log.warning("sensing case not filed", extra={"device": device.code, "error": exc.code})
        return None
    return done.case.id


# ---------------------------------------------------------------- crowds


def _history(session: Session, device_id: int, how: int) -> tuple[CrowdBaseline | None, History]:
    rows = session.scalars(
        select(CrowdBaseline).where(
            CrowdBaseline.device_id == device_id,
            CrowdBaseline.hour_of_week.in_([how % 24 + 24 * d for d in range(7)]),
        )
    ).all()
    own = next((r for r in rows if r.hour_of_week == how), None)
    if own is not None and own.n >= MIN_HOUR_HISTORY:
        return own, History(own.n, own.total, own.total_sq)
    pooled = History(0, 0.0, 0.0)
    for r in rows:
        pooled = pooled + History(r.n, r.total, r.total_sq)
    return own, pooled


def _learn(session: Session, device_id: int, how: int, row: CrowdBaseline | None, count: float) -> None:
    if row is None:
        row = CrowdBaseline(device_id=device_id, hour_of_week=how, n=0, total=0.0, total_sq=0.0)
        session.add(row)
    row.n += 1
    row.total += count
    row.total_sq += count * count


def crowd_verdict(session: Session, device_id: int, ts: datetime, count: float) -> Verdict:
    """How unusual `count` is for the place at that hour of the week (nothing is learnt)."""
    _, history = _history(session, device_id, hour_of_week(ts))
    return tail_probability(count, history)


def handle_people_count(session: Session, device: DeviceInfo, readings: Sequence[Reading],
                        now: datetime) -> None:
    settings = get_settings()
    for reading in readings:
        if reading.key not in CROWD_KEYS or reading.value < 0:
            continue
        how = hour_of_week(reading.ts)
        row, history = _history(session, device.id, how)
        verdict = tail_probability(reading.value, history)
        crowd = (
            is_night(reading.ts, settings)
            and history.n >= MIN_HISTORY
            and reading.value >= settings.crowd_min_count
            and verdict.probability < settings.crowd_alert_probability
        )
        if not crowd:
            _learn(session, device.id, how, row, reading.value)  # a crowd is not the usual level
            continue
        _crowd(session, device, reading, verdict, now, settings)


def _crowd(session: Session, device: DeviceInfo, reading: Reading, verdict: Verdict, now: datetime,
           settings: Settings) -> None:
    params: dict[str, Any] = {
        "place": _place(device), "device": device.code, "at": local_time(reading.ts),
        "count": f"{reading.value:g}", "expected": f"{verdict.expected:.1f}",
        "model": translate(f"sensing.model.{verdict.model}"), "history": verdict.history,
        "probability": f"{verdict.probability:.1e}",
    }
    evidence = {"at": reading.ts.isoformat(), "count": reading.value, "expected": round(verdict.expected, 2),
                "variance": round(verdict.variance, 2), "probability": verdict.probability,
                "model": verdict.model, "history": verdict.history}
    episode = open_episode(session, device, "crowd", now, settings)
    if episode is None:
        episode = _new_episode(session, device, "crowd", reading.ts, {"first": evidence, "peak": evidence})
        episode.case_id = _file_case(
            session, device, category="suspicious", title=translate("sensing.crowd.title", **params),
            description=translate("sensing.crowd.description", **params), now=now,
        )
        return
    episode.count += 1
    episode.last_at = max(episode.last_at, reading.ts)
    peak = episode.evidence.get("peak", {})
    if reading.value > float(peak.get("count", 0)):
        episode.evidence = {**episode.evidence, "peak": evidence}
    if episode.case_id is not None:
        case = cases.case_by_id(session, episode.case_id)
        cases.system_note(session, case, note=translate("sensing.crowd.again", **params), now=now,
                          extra={"evidence": evidence})


# ---------------------------------------------------------------- smoke and gas


def _alarming(kind: str, keys: tuple[str, ...], reading: Reading, settings: Settings) -> bool:
    """A detector's own alarm flag (`smoke`/`gas`/`alarm` >= 1), or a gas concentration at or above
    the configured level (`gas_ppm` / `ppm`, or `lel_percent` of the lower explosive limit)."""
    if reading.key in keys:
        return reading.value >= 1
    if kind == "gas_detector" and reading.key in ("gas_ppm", "ppm"):
        return reading.value >= settings.gas_alarm_ppm
    if kind == "gas_detector" and reading.key == "lel_percent":
        return reading.value >= settings.gas_alarm_lel_percent
    return False


def handle_alarm(session: Session, device: DeviceInfo, readings: Sequence[Reading], now: datetime) -> None:
    keys = ALARM_KEYS.get(device.kind, ())
    kind = ALARM_EPISODE.get(device.kind)
    if kind is None:
        return
    settings = get_settings()
    for reading in readings:
        if not _alarming(device.kind, keys, reading, settings):
            continue  # all clear; the episode ends when quiet or when its case is done
        params: dict[str, Any] = {"place": _place(device), "device": device.code, "at": local_time(reading.ts),
                                  "kind": translate(f"sensing.kind.{device.kind}"), "field": reading.key,
                  "value": f"{reading.value:g}"}
        episode = open_episode(session, device, kind, now)
        if episode is not None:
            episode.count += 1
            episode.last_at = max(episode.last_at, reading.ts)
            if episode.case_id is not None:
                case = cases.case_by_id(session, episode.case_id)
                cases.system_note(session, case, note=translate("sensing.alarm.again", **params,
                                                                    count=episode.count),
                                  now=now, extra={"key": reading.key, "value": reading.value})
            continue
        episode = _new_episode(session, device, kind, reading.ts,
                               {"key": reading.key, "value": reading.value, "at": reading.ts.isoformat()})
        # P1 at once for the grid worker (the case's assignee) and the property company (co-handling).
        episode.case_id = _file_case(
            session, device, category="fire_hazard", title=translate(f"sensing.{kind}.title", **params),
            description=translate("sensing.alarm.description", **params), now=now, priority="P1",
        )
        if episode.case_id is not None:
            case = cases.case_by_id(session, episode.case_id)
            grid = geo.get_area_by_id(session, case.grid_id) if case.grid_id is not None else None
            company = cases.route_unit(session, "property", grid) if grid is not None else None
            if company is not None:
                cases.bring_in_unit(session, case, company, now=now)


# ---------------------------------------------------------------- doors


def handle_door(session: Session, device: DeviceInfo, readings: Sequence[Reading], now: datetime) -> None:
    settings = get_settings()
    for reading in readings:
        if reading.key == "forced" and reading.value >= 1:
            kind = "door_forced"
        elif (reading.key == "open_seconds" and reading.value >= settings.door_open_alert_seconds
              and is_night(reading.ts, settings)):
            kind = "door_open"
        else:
            continue
        episode = open_episode(session, device, kind, now, settings)
        if episode is not None:
            episode.count += 1
            episode.last_at = max(episode.last_at, reading.ts)
            continue
        _new_episode(session, device, kind, reading.ts,
                     {"key": reading.key, "value": reading.value, "at": reading.ts.isoformat()})
        _tell_grid_worker(session, device, kind, reading, now)


def _tell_grid_worker(session: Session, device: DeviceInfo, kind: str, reading: Reading, now: datetime) -> None:
    if device.grid_id is None:
        return
    grid = geo.get_area_by_id(session, device.grid_id)
    worker = cases.grid_worker_of(session, grid)
    if worker is None:
        return
    params = {"place": _place(device), "device": device.code, "at": local_time(reading.ts),
              "field": reading.key, "value": f"{reading.value:g}"}
    notify.enqueue(session, channel="console", recipient=f"user:{worker.id}",
                   subject=translate(f"sensing.{kind}.subject", **params),
                   body=translate("sensing.door.body", **params), topic=f"sensing.{kind}", now=now,
                   ref=f"device:{device.code}")


def close_quiet_episodes(session: Session, now: datetime, settings: Settings | None = None) -> int:
    """Close episodes without a repeat for `episode_quiet_minutes` (the sweep)."""
    settings = settings or get_settings()
    cutoff = now - timedelta(minutes=settings.episode_quiet_minutes)
    stmt = lock_for_update(
        select(Episode).where(Episode.closed_at.is_(None), Episode.last_at < cutoff).limit(500), session,
        skip_locked=True,
    )
    done = 0
    for episode in session.scalars(stmt):
        episode.closed_at = now
        done += 1
    return done
