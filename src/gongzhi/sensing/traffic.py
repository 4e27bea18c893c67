"""Road congestion now and in 30 minutes, and detour advisories to the residents who follow the area.

A road segment is watched by one or more `traffic_detector` devices (key `vehicle_count`, vehicles
per reporting interval, and `speed_kmh` where the detector measures it). Its volume is the mean of
its detectors' latest counts (each detector sees the segment's flow at one point); the ratio
volume / capacity (free-flow capacity per 5 minutes) gives the level:

    < 0.6 畅通 free · 0.6–0.8 缓行 slow · 0.8–1.0 拥堵 congested · ≥ 1.0 严重拥堵 severe

and a measured mean speed below 25 km/h makes it at least 缓行, below 15 km/h at least 拥堵 (a jam
carries fewer vehicles than free flow, so counts alone would call it quiet). The +30 min level uses
the detectors' forecasts (`sensing.forecast`, fitted on their own last two weeks of readings, read
through the devices service; the fitted model is cached in the process and refitted at most every
REFIT_MINUTES). A reading older than STALE counts as no data.

When a segment is forecast 拥堵 or worse, one advisory (with the segment's detour) goes through the
outbox to everyone following its grid or an area above it; the episode stays open, and nobody is
told again, until the segment has been 畅通 (or without data) now and forecast for FREE_TO_CLOSE.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

import gongzhi.sensing.messages  # noqa: F401  (registers the module's i18n keys)
from gongzhi.auth.models import User
from gongzhi.auth.scope import in_scope, subtree_area_ids
from gongzhi.cases import service as cases
from gongzhi.clock import local
from gongzhi.db import lock_for_update
from gongzhi.devices import service as devices
from gongzhi.devices.models import Device
from gongzhi.errors import Conflict, Invalid
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import DEFAULT_LANGUAGE, translate
from gongzhi.notify import service as notify
from gongzhi.sensing import forecast
from gongzhi.sensing.models import Advisory, Episode, RoadSegment

LEVELS = ("free", "slow", "congested", "severe")
BANDS = (0.6, 0.8, 1.0)  # ratio thresholds between consecutive LEVELS
SPEED_SLOW_KMH = 25.0
SPEED_CONGESTED_KMH = 15.0
ADVISE_LEVELS = ("congested", "severe")
COUNT_KEY = "vehicle_count"
SPEED_KEY = "speed_kmh"
HORIZON = timedelta(minutes=30)
HISTORY_DAYS = 14
REFIT_MINUTES = 60
STALE = timedelta(minutes=20)
FREE_TO_CLOSE = timedelta(minutes=30)
DEFAULT_STEP = timedelta(minutes=5)
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def level_of(ratio: float | None, speed_kmh: float | None = None) -> str:
    """The congestion level of a volume/capacity ratio, raised by a slow measured speed."""
    if ratio is None or np.isnan(ratio):
        return "unknown"
    rank = int(np.searchsorted(np.array(BANDS), ratio, side="right"))
    if speed_kmh is not None:
        if speed_kmh < SPEED_CONGESTED_KMH:
            rank = max(rank, 2)
        elif speed_kmh < SPEED_SLOW_KMH:
            rank = max(rank, 1)
    return LEVELS[rank]


# ---------------------------------------------------------------- segments


def create_segment(session: Session, *, code: str, name: str, grid_id: int, detector_codes: Sequence[str],
                   capacity: float, alternative: str, now: datetime) -> RoadSegment:
    """Register a road segment over existing traffic detectors (flush only)."""
    if not CODE_RE.match(code):
        raise Invalid("sensing.segment_code_invalid")
    if not name.strip() or len(name) > 100:
        raise Invalid("sensing.segment_name_invalid")
    if not capacity > 0 or capacity != capacity or capacity == float("inf"):
        raise Invalid("sensing.segment_capacity_invalid")
    if len(alternative) > 300:
        raise Invalid("sensing.segment_alternative_too_long")
    codes = list(dict.fromkeys(c.strip() for c in detector_codes if c.strip()))
    if not codes:
        raise Invalid("sensing.segment_no_detectors")
    found = devices.devices_by_codes(session, codes)
    for c in codes:
        if c not in found or found[c].kind != "traffic_detector":
            raise Invalid("sensing.segment_detector_invalid", code=c)
    if session.get(Area, grid_id) is None:
        raise Invalid("sensing.segment_grid_invalid")
    if session.scalar(select(RoadSegment.id).where(RoadSegment.code == code)) is not None:
        raise Conflict("sensing.segment_code_taken", code=code)
    segment = RoadSegment(code=code, name=name.strip(), grid_id=grid_id, detector_codes=codes,
                          capacity=float(capacity), alternative=alternative.strip(), created_at=now)
    session.add(segment)
    session.flush()
    return segment


def all_segments(session: Session) -> list[tuple[RoadSegment, str]]:
    """Every segment with its grid's code (the command line, which answers to no area scope)."""
    stmt = select(RoadSegment, Area.code).join(Area, Area.id == RoadSegment.grid_id).order_by(RoadSegment.code)
    return [(seg, code) for seg, code in session.execute(stmt)]


def segments_in_scope(session: Session, viewer_path: str | None) -> list[RoadSegment]:
    stmt = select(RoadSegment).where(RoadSegment.grid_id.in_(subtree_area_ids(viewer_path)))
    return list(session.scalars(stmt.order_by(RoadSegment.code)))


# ---------------------------------------------------------------- detector forecasts


@dataclass(frozen=True)
class DetectorNow:
    code: str
    last: float | None  # latest count (None: nothing fresh)
    last_at: datetime | None
    predicted: float | None  # forecast for target_at
    target_at: datetime | None
    speed: float | None


_cache_lock = threading.Lock()
_models: dict[tuple[str, tuple[str, ...]], tuple[datetime, forecast.Model]] = {}


def clear_model_cache() -> None:
    """Forget fitted models and cached histories (tests; a database restored from a backup)."""
    with _cache_lock:
        _models.clear()
        _series.clear()


def _history(session: Session, codes: Sequence[str], since: datetime, until: datetime
             ) -> tuple[list[tuple[datetime, str, float]], dict[str, Device]]:
    found = devices.devices_by_codes(session, codes)
    rows: list[tuple[datetime, str, float]] = []
    for code in sorted(found):
        rows.extend((ts, code, v) for ts, v in _read(session, found[code], since, until))
    return rows, found


def _read(session: Session, device: Device, since: datetime, until: datetime) -> list[tuple[datetime, float]]:
    step_s = device.expected_interval_s or int(DEFAULT_STEP.total_seconds())
    limit = int((until - since).total_seconds() // max(step_s, 10)) * 2 + 10
    got = devices.readings(session, device.id, key=COUNT_KEY, since=since, until=until, limit=limit)
    return [(r.ts, r.value) for _, r in got]


# Per detector, its counts of the last HISTORY_DAYS already read, and up to when: a refresh then
# reads only what came since (minus LATE, for readings that arrive late), not two weeks again.
LATE = timedelta(hours=1)
_series: dict[tuple[str, str], tuple[datetime, dict[datetime, float]]] = {}


def _recent_history(session: Session, codes: Sequence[str], now: datetime
                    ) -> tuple[list[tuple[datetime, str, float]], dict[str, Device]]:
    found = devices.devices_by_codes(session, codes)
    url = str(session.get_bind().engine.url)
    horizon_start = now - timedelta(days=HISTORY_DAYS)
    rows: list[tuple[datetime, str, float]] = []
    for code in sorted(found):
        with _cache_lock:
            hit = _series.get((url, code))
        if hit is not None and horizon_start <= hit[0] - LATE and hit[0] <= now:
            read_until, values = hit[0], dict(hit[1])
            since = read_until - LATE
        else:
            values, since = {}, horizon_start
        values.update(_read(session, found[code], since, now + timedelta(seconds=1)))
        values = {ts: v for ts, v in values.items() if ts >= horizon_start}
        with _cache_lock:
            _series[(url, code)] = (now, values)
        rows.extend((ts, code, v) for ts, v in values.items())
    return rows, found


def _panel(rows: list[tuple[datetime, str, float]]) -> forecast.Panel:
    rows.sort(key=lambda r: r[0])
    try:
        return forecast.build_panel(rows)
    except ValueError:  # a single reading per detector: no gap to learn the interval from
        return forecast.build_panel(rows, step=DEFAULT_STEP)


def _model(session: Session, codes: tuple[str, ...], panel: forecast.Panel, horizon: int,
           now: datetime) -> forecast.Model:
    """The cached fit for these detectors, refitted when older than REFIT_MINUTES."""
    key = (str(session.get_bind().engine.url), codes)
    with _cache_lock:
        hit = _models.get(key)
    if hit is not None and timedelta(0) <= now - hit[0] < timedelta(minutes=REFIT_MINUTES):
        return hit[1]
    model = forecast.fit_latest(panel, horizon)
    with _cache_lock:
        _models[key] = (now, model)
    return model


def detectors_now(session: Session, codes: Sequence[str], now: datetime) -> dict[str, DetectorNow]:
    """Each detector's latest fresh count and speed, and its forecast HORIZON after its latest slot."""
    wanted = tuple(sorted(set(codes)))
    rows, found = _recent_history(session, wanted, now)
    out: dict[str, DetectorNow] = {}
    if rows:
        panel = _panel(rows)
        horizon = forecast.horizon_slots(HORIZON, panel.step)
        model = _model(session, tuple(panel.sensors), panel, horizon, now)
        predicted = forecast.forecast_latest(panel, horizon, model)
        target = panel.time_of(panel.slots - 1 + horizon)
        for n, code in enumerate(panel.sensors):
            series = panel.values[n]
            ok = np.nonzero(~np.isnan(series))[0]
            if len(ok) == 0:
                continue
            at = panel.time_of(int(ok[-1]))
            fresh = now - at <= STALE
            speed = None
            if fresh:
                latest = devices.latest(session, found[code].id).get(SPEED_KEY)
                if latest is not None and now - latest.ts <= STALE:
                    speed = latest.value
            pred = float(predicted[n])
            out[code] = DetectorNow(
                code=code, last=float(series[ok[-1]]) if fresh else None, last_at=at,
                predicted=pred if fresh and not np.isnan(pred) else None,
                target_at=target if fresh else None, speed=speed,
            )
    for code in wanted:
        out.setdefault(code, DetectorNow(code, None, None, None, None, None))
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------- refresh and advisories


def refresh(session: Session, now: datetime) -> int:
    """Recompute every segment's levels, send advisories for new congestion episodes and close the
    episodes of segments free again. Returns advisories sent plus episodes closed."""
    segments = list(session.scalars(
        lock_for_update(select(RoadSegment).order_by(RoadSegment.id), session, skip_locked=True)
    ))
    if not segments:
        return 0
    state = detectors_now(session, [c for s in segments for c in s.detector_codes], now)
    done = 0
    for seg in segments:
        mine = [state[c] for c in seg.detector_codes if c in state]
        volume = _mean([d.last for d in mine if d.last is not None])
        ahead = _mean([d.predicted for d in mine if d.predicted is not None])
        seg.speed_now = _mean([d.speed for d in mine if d.speed is not None])
        seg.ratio_now = None if volume is None else round(volume / seg.capacity, 3)
        seg.ratio_next = None if ahead is None else round(ahead / seg.capacity, 3)
        seg.level_now = level_of(seg.ratio_now, seg.speed_now)
        seg.level_next = level_of(seg.ratio_next)
        seg.refreshed_at = now
        targets = [d.target_at for d in mine if d.target_at is not None]
        done += _advise(session, seg, max(targets) if targets else now + HORIZON, now)
    session.flush()
    return done


def open_advisory(session: Session, segment_id: int) -> Advisory | None:
    return session.scalars(
        select(Advisory).where(Advisory.segment_id == segment_id, Advisory.closed_at.is_(None))
        .order_by(Advisory.id.desc())
    ).first()


def _advise(session: Session, seg: RoadSegment, target_at: datetime, now: datetime) -> int:
    current = open_advisory(session, seg.id)
    if current is None:
        seg.free_since = None
        if seg.level_next in ADVISE_LEVELS and seg.ratio_next is not None:
            _issue(session, seg, seg.ratio_next, target_at, now)
            return 1
        return 0
    # Free flow now and ahead ends the episode after a while; so does silence (an advisory no data
    # backs any more should not stay on the board for ever).
    if seg.level_now in ("free", "unknown") and seg.level_next in ("free", "unknown"):
        seg.free_since = seg.free_since or now
        if now - seg.free_since >= FREE_TO_CLOSE:
            current.closed_at = now
            seg.free_since = None
            return 1
    else:
        seg.free_since = None
    return 0


def _issue(session: Session, seg: RoadSegment, ratio: float, target_at: datetime, now: datetime) -> Advisory:
    grid = geo.get_area_by_id(session, seg.grid_id)
    followers = cases.area_follower_ids(session, grid.path)
    advisory = Advisory(segment_id=seg.id, grid_id=seg.grid_id, issued_at=now, level=seg.level_next,
                        ratio=ratio, alternative=seg.alternative, recipients=len(followers))
    session.add(advisory)
    session.flush()
    for user_id in followers:
        user = session.get(User, user_id)
        lang = user.language if user is not None and user.language else DEFAULT_LANGUAGE
        params: dict[str, Any] = {
            "segment": seg.name, "grid": (grid.name_en or grid.name) if lang == "en" else grid.name,
            "at": local(target_at).strftime("%H:%M"),
            "level": translate(f"sensing.level.{seg.level_next}", lang),
            "level_now": translate(f"sensing.level.{seg.level_now}", lang),
            "percent": round(ratio * 100),
            "alternative": seg.alternative or translate("sensing.advisory.no_alternative", lang),
        }
        notify.enqueue(session, channel="console", recipient=f"user:{user_id}",
                       subject=translate("sensing.advisory.subject", lang, **params),
                       body=translate("sensing.advisory.body", lang, **params), topic="sensing.advisory", now=now,
                       ref=f"advisory:{advisory.id}",
                       payload={"segment": seg.code, "level": seg.level_next, "ratio": ratio})
    return advisory


# ---------------------------------------------------------------- the board's reads


def open_advisories(session: Session, viewer_path: str | None) -> list[tuple[Advisory, RoadSegment]]:
    stmt = (
        select(Advisory, RoadSegment).join(RoadSegment, RoadSegment.id == Advisory.segment_id)
        .where(Advisory.closed_at.is_(None), Advisory.grid_id.in_(subtree_area_ids(viewer_path)))
        .order_by(Advisory.issued_at.desc())
    )
    return [(a, s) for a, s in session.execute(stmt)]


def open_episodes(session: Session, viewer_path: str | None, kinds: Sequence[str]) -> list[Episode]:
    stmt = (
        select(Episode)
        .where(Episode.closed_at.is_(None), Episode.kind.in_(list(kinds)),
               Episode.grid_id.in_(subtree_area_ids(viewer_path)))
        .order_by(Episode.opened_at.desc()).limit(200)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Comparison:
    times: list[datetime]
    actual: list[float | None]
    predicted: list[float | None]
    mae: float | None


def forecast_vs_actual(session: Session, code: str, now: datetime, hours: int = 24) -> Comparison:
    """The detector's +30 min forecasts over the last `hours` (each from data up to its origin only,
    rolling origin as in the backtest) beside what it then counted."""
    device = devices.get_device_by_code(session, code)
    if device is None:
        return Comparison([], [], [], None)
    rows, _ = _history(session, [code], now - timedelta(days=HISTORY_DAYS), now + timedelta(seconds=1))
    if len(rows) < 2:
        return Comparison([], [], [], None)
    panel = _panel(rows)
    horizon = forecast.horizon_slots(HORIZON, panel.step)
    first = max(horizon, panel.slot_of(now - timedelta(hours=hours)))
    js = np.arange(first, panel.slots, dtype=np.int64)
    if len(js) == 0:
        return Comparison([], [], [], None)
    got = forecast.rolling_forecast(panel, horizon, np.zeros(len(js), dtype=np.int64), js)
    actual = panel.values[0, js]
    pred = got.predicted
    ok = ~np.isnan(actual) & ~np.isnan(pred)
    mae = float(np.mean(np.abs(actual[ok] - pred[ok]))) if ok.any() else None
    return Comparison(
        times=[panel.time_of(int(j)) for j in js],
        actual=[None if np.isnan(v) else float(v) for v in actual],
        predicted=[None if np.isnan(v) else round(float(v), 1) for v in pred],
        mae=mae,
    )


def visible_segment(viewer_path: str | None, session: Session, seg: RoadSegment) -> bool:
    return in_scope(viewer_path, geo.get_area_by_id(session, seg.grid_id).path)
