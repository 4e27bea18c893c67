"""City-brain demo: road segments over the demo street's traffic detectors, with two weeks of
history so the board shows real forecasts and congestion levels.

The devices demo gives each traffic detector its last 24 hours; here the 14 days before that come
from the synthetic generator (`simulate.traffic`: weekday peaks, weekends, weather, incidents),
scaled to each detector's own level, stored through the ingestion path a day per batch. Segments
get capacities from comfortable to tight, so rush hours congest some roads and not others; a first
refresh sets their levels and sends whatever detour advisories the forecasts call for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.clock import local
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device
from gongzhi.sensing import traffic
from gongzhi.sensing.models import RoadSegment
from gongzhi.simulate.devices_demo import PREFIX
from gongzhi.simulate.district import District
from gongzhi.simulate.traffic import TrafficSpec, generate

HISTORY_DAYS = 14
MIN_DETECTORS = 4
STEP = timedelta(minutes=5)
# Capacity as a multiple of the detector's usual weekday peak: tight roads congest at rush hour.
CAPACITY_FACTORS = (0.95, 1.15, 1.5, 2.0)


def _detectors(session: Session, district: District, now: datetime) -> list[Device]:
    found = list(session.scalars(
        select(Device).where(Device.kind == "traffic_detector", Device.code.startswith(PREFIX, autoescape=True))
        .order_by(Device.code)
    ))
    k = 0
    while len(found) < MIN_DETECTORS:  # the devices demo did not run or made too few
        k += 1
        grid = district.grids[(len(found) + k) % len(district.grids)]
        spot = grid.geometry.representative_point()
        lat, lng = spot.y + 0.0003 * k, spot.x
        device, _ = devices.register_device(
            session, code=f"{PREFIX}CB-TD-{k:02d}", kind="traffic_detector", name=f"{grid.name} CB-TD-{k:02d}",
            grid_id=grid.id, lat=lat, lng=lng, expected_interval_s=300, now=now - timedelta(days=HISTORY_DAYS + 2))
        found.append(device)
    return found


def seed_citybrain(session: Session, district: District, now: datetime, *, seed: int = 20261124) -> dict[str, int]:
    """Segments, two weeks of detector history and a first refresh (idempotent: does nothing when the
    demo segments exist). Returns counts: segments, readings stored, advisories sent."""
    if session.scalar(select(RoadSegment.id).where(RoadSegment.code.startswith("DEMO-SEG-")).limit(1)):
        return {"segments": 0, "readings": 0, "advisories": 0}
    dets = _detectors(session, district, now)
    grids = {g.id: g for g in district.grids}
    stored = 0
    for n, device in enumerate(dets):
        existing = devices.readings(session, device.id, key=traffic.COUNT_KEY, limit=400)
        oldest = min((r.ts for _, r in existing), default=now)
        # The generator's slots end one step before the detector's first real reading, on its grid.
        start = oldest - HISTORY_DAYS * timedelta(days=1)
        _, times, counts = generate(TrafficSpec(detectors=1, days=HISTORY_DAYS, start=local(start),
                                                seed=seed + n, incidents_per_day=0.4))
        series = counts[0]
        # Scale to the detector's own level when it has one (its busiest real hour against the generator's).
        if existing:
            real_peak = float(np.percentile([r.value for _, r in existing], 95))
            synth_peak = float(np.percentile(series, 95)) or 1.0
            series = np.round(series * real_peak / synth_peak)
        per_day = 24 * 60 // 5
        for day in range(HISTORY_DAYS):
            chunk = [Reading(traffic.COUNT_KEY, times[k], float(series[k]))
                     for k in range(day * per_day, (day + 1) * per_day) if times[k] < oldest]
            if chunk:
                stored += sum(r.stored for r in devices.store(session, [(device, chunk)], chunk[-1].ts))
        weekday_peak = float(np.percentile(series, 97))
        grid = grids.get(device.grid_id or 0) or district.grids[n % len(district.grids)]
        roads = grid.roads or (grid.name,)
        other = next((g for g in district.grids if g.id != grid.id and g.roads), None)
        detour = other.roads[-1] if other else roads[-1]
        traffic.create_segment(
            session, code=f"DEMO-SEG-{n + 1:02d}", name=f"{roads[n % len(roads)]}（{grid.name}段）",
            grid_id=grid.id, detector_codes=[device.code],
            capacity=max(10.0, round(weekday_peak * CAPACITY_FACTORS[n % len(CAPACITY_FACTORS)])),
            alternative=f"经{detour}绕行", now=now,
        )
    session.flush()
    advisories = traffic.refresh(session, now)
    return {"segments": len(dets), "readings": stored, "advisories": advisories}
