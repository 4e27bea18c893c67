"""City-brain refresh: congestion levels and advisories for road segments, reading every detector's
two weeks of history through the devices service, on a throwaway SQLite database.

    .venv/bin/python bench/citybrain.py [--detectors 50] [--days 14]

Seeds `--detectors` traffic detectors (one segment each) with `--days` of 5-minute counts from the
synthetic generator (through devices.service.store), then times: the first refresh (reads, fits the
model, forecasts, writes levels), a second refresh within the refit interval (cached model), and
the board's forecast-vs-actual computation for one detector (24 h of rolling-origin forecasts).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta

from gongzhi.cases.seed import seed_reference_data
from gongzhi.clock import local
from gongzhi.db import Database, make_engine, upgrade_schema
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import Reading
from gongzhi.geo.models import Area
from gongzhi.sensing import traffic
from gongzhi.simulate.traffic import TrafficSpec, generate

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai: the evening peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detectors", type=int, default=50)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade_schema(url)
        db = Database(make_engine(url))
        spec = TrafficSpec(detectors=args.detectors, days=args.days, start=local(NOW - timedelta(days=args.days)))
        ids, times, counts = generate(spec)
        t0 = time.perf_counter()
        with db.session() as s:
            seed_reference_data(s)
            grid = Area(code="G1", name="网格", level="grid", path="", created_at=NOW, updated_at=NOW)
            s.add(grid)
            s.flush()
            grid.path = f"/{grid.id}/"
            for n, code in enumerate(ids):
                device, _ = devices.register_device(s, code=code, kind="traffic_detector", grid_id=grid.id,
                                                    expected_interval_s=300, now=times[0])
                per_day = len(times) // args.days
                for day in range(args.days):
                    ks = range(day * per_day, (day + 1) * per_day)
                    devices.store(s, [(device, [Reading("vehicle_count", times[k], counts[n, k]) for k in ks])],
                                  times[ks[-1]])
                traffic.create_segment(s, code=f"SEG-{code}", name=f"路段{code}", grid_id=grid.id,
                                       detector_codes=[code], capacity=float(counts[n].max()) * 0.9,
                                       alternative="绕行", now=NOW)
        print(f"seeded {args.detectors} detectors x {args.days} days ({counts.size} readings) "
              f"in {time.perf_counter() - t0:.1f} s")
        now = times[-1]
        for label in ("first refresh (fit)", "second refresh (cached model)"):
            with db.session() as s:
                t0 = time.perf_counter()
                done = traffic.refresh(s, now)
                print(f"{label}: {time.perf_counter() - t0:.2f} s, {done} advisories/episodes")
        with db.session() as s:
            t0 = time.perf_counter()
            cmp = traffic.forecast_vs_actual(s, ids[0], now)
            print(f"forecast vs actual, 24 h of {ids[0]}: {time.perf_counter() - t0:.2f} s, MAE {cmp.mae:.2f}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
