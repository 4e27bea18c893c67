"""Synthetic intersection-detector traffic: daily and weekly patterns, holidays, weather, incidents.

A documented stand-in for real loop-detector data (the demo, the tests, bench/forecast.py):
each detector's 5-minute vehicle count is Poisson around a level made of
  * its own size (lognormal: side streets to arterials),
  * a weekday profile with a morning and an evening peak (their heights and times vary per
    detector: some roads carry the morning inflow, others the evening outflow), a flatter
    weekend/holiday profile with a midday hump, and a night trough,
  * a street-wide factor per day (weather, events) and a slow per-detector demand wander
    (AR(1), about an hour's memory), which is what makes the last readings informative,
  * incidents: a detector's flow drops to 30–60% for 20–90 minutes while its neighbours
    (the next detectors in the list, same corridor) carry 20–40% more.
Deterministic for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from scipy.signal import lfilter

from gongzhi.clock import SHANGHAI


@dataclass(frozen=True)
class TrafficSpec:
    detectors: int = 40
    days: int = 35
    step_minutes: int = 5
    start: datetime = datetime(2026, 9, 7, tzinfo=SHANGHAI)  # a Monday
    holidays: tuple[date, ...] = (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))
    incidents_per_day: float = 1.5
    seed: int = 7


def _bump(hours: np.ndarray, centre: float | np.ndarray, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def generate(spec: TrafficSpec) -> tuple[list[str], list[datetime], np.ndarray]:
    """(detector ids, slot times, counts[detector, slot])."""
    rng = np.random.default_rng(spec.seed)
    per_day = 24 * 60 // spec.step_minutes
    n = spec.days * per_day
    times = [spec.start + timedelta(minutes=spec.step_minutes * k) for k in range(n)]
    hours = np.array([t.hour + t.minute / 60 for t in times])
    workday = np.array([t.weekday() < 5 and t.date() not in spec.holidays for t in times])
    day_index = np.arange(n) // per_day

    size = rng.lognormal(mean=math.log(60), sigma=0.5, size=spec.detectors)  # vehicles / 5 min at peak
    am = rng.uniform(0.5, 1.0, spec.detectors)
    pm = rng.uniform(0.5, 1.0, spec.detectors)
    am_at = rng.normal(8.0, 0.4, spec.detectors)
    pm_at = rng.normal(17.8, 0.4, spec.detectors)
    weather = rng.normal(1.0, 0.06, spec.days)
    ids = [f"D{k + 1:04d}" for k in range(spec.detectors)]

    night = 0.06 + 0.25 * _bump(hours, 13.0, 5.5)
    weekend = 0.06 + 0.55 * _bump(hours, 14.0, 3.5)
    weekday = (night[None, :] + am[:, None] * _bump(hours[None, :], am_at[:, None], 1.1)
               + pm[:, None] * _bump(hours[None, :], pm_at[:, None], 1.4))
    shape = np.where(workday[None, :], weekday, weekend[None, :])
    # Demand wander: AR(1) in log space, ~1 h memory.
    wander = lfilter([1.0], [1.0, -0.92], rng.normal(0, 0.035, (spec.detectors, n)), axis=1)
    counts = size[:, None] * shape * weather[day_index][None, :] * np.exp(wander)

    incidents = rng.poisson(spec.incidents_per_day * spec.days)
    for _ in range(incidents):
        d = int(rng.integers(spec.detectors))
        begin = int(rng.integers(n))
        length = int(rng.integers(20, 91)) // spec.step_minutes
        end = min(n, begin + length)
        counts[d, begin:end] *= rng.uniform(0.3, 0.6)
        for nb in (d + 1, d + 2):
            if nb < spec.detectors:
                counts[nb, begin:end] *= rng.uniform(1.2, 1.4)
    return ids, times, rng.poisson(counts).astype(np.float64)


def rows(spec: TrafficSpec) -> Iterator[tuple[str, str, float]]:
    """(ISO timestamp with +08:00, detector id, count) in time order: the backtest CSV's rows."""
    ids, times, counts = generate(spec)
    for k, t in enumerate(times):
        stamp = t.isoformat()
        for d, sensor in enumerate(ids):
            yield stamp, sensor, float(counts[d, k])


def write_csv(path: str, spec: TrafficSpec) -> int:
    import csv

    written = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["timestamp", "sensor_id", "value"])
        for stamp, sensor, value in rows(spec):
            out.writerow([stamp, sensor, int(value)])
            written += 1
    return written
