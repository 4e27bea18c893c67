"""Detector forecasts: backtest accuracy against persistence and the weekly average, and the time
to refresh every detector's +30/+60-minute forecast for 5,000 intersections x 4 detectors.

    .venv/bin/python bench/forecast.py [--intersections 5000] [--history-days 15]

1. Backtest (rolling origin, exactly what `gongzhi forecast backtest` does) on the synthetic
   traffic of gongzhi.simulate.traffic: 40 detectors, 35 days, 5-minute counts, the last 8 days
   forecast; MAE/RMSE of the model, persistence and the weekly historical average, 30 and 60 min.
2. Refresh: 20,000 detectors with `--history-days` of 5-minute history in memory (float64);
   fit the coefficients on 256 of them, then forecast every detector at +30 and +60 min.
   Target: the refresh in under 30 s. The history comes from the generator, not the database:
   this measures the model's work, not reading readings.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import numpy as np

from gongzhi.sensing.backtest import Readings, backtest
from gongzhi.sensing.forecast import Panel, fit_latest, forecast_latest, horizon_slots
from gongzhi.simulate.traffic import TrafficSpec, generate

TARGET_REFRESH_S = 30.0


def _readings(spec: TrafficSpec) -> Readings:
    ids, times, counts = generate(spec)
    n_det, n_slot = counts.shape
    epoch = np.repeat(np.array([t.timestamp() for t in times]), n_det)
    sensor = np.tile(np.arange(n_det, dtype=np.int64), n_slot)
    raw = [t.isoformat() for t in times for _ in range(n_det)]
    return Readings(raw, epoch, sensor, counts.T.reshape(-1).astype(np.float64), ids, spec.start.tzinfo)  # type: ignore[arg-type]


def bench_backtest() -> None:
    spec = TrafficSpec(detectors=40, days=35)
    readings = _readings(spec)
    until = spec.start + timedelta(days=27)
    print(f"## 回测 Backtest — {spec.detectors} 检测器 detectors × {spec.days} 天 days, 5 min, 预测最后 8 天 last 8 days\n")
    print("| 提前量 horizon | 方法 method | MAE | RMSE | 模型相对 model vs |")
    print("|---|---|---:|---:|---:|")
    for minutes in (30, 60):
        t = time.perf_counter()
        r = backtest(readings, horizon=timedelta(minutes=minutes), train_until=until)
        took = time.perf_counter() - t
        for name, sc in (("模型 model", r.model), ("持续 persistence", r.persistence),
                         ("周均值 weekly average", r.weekly_average)):
            ratio = r.model.mae / sc.mae
            print(f"| {minutes} min | {name} | {sc.mae:.3f} | {sc.rmse:.3f} | {ratio:.0%} |")
        print(f"| {minutes} min | ({len(r.rows)} 行 rows, {took:.1f} s) | | | |")
    print()


def bench_refresh(intersections: int, history_days: int) -> None:
    detectors = intersections * 4
    spec = TrafficSpec(detectors=detectors, days=history_days, seed=11, incidents_per_day=detectors / 20)
    t = time.perf_counter()
    ids, times, counts = generate(spec)
    made = time.perf_counter() - t
    panel = Panel(ids, times[0], timedelta(minutes=5), counts)
    print(f"## 刷新 Refresh — {intersections} 路口 intersections × 4 = {detectors} 检测器 detectors, "
          f"{history_days} 天历史 days of history (generated in {made:.1f} s)\n")
    print("| 提前量 horizon | 拟合 fit s | 预测 forecast s | 合计 total s | 目标 target |")
    print("|---|---:|---:|---:|---|")
    total = 0.0
    for minutes in (30, 60):
        h = horizon_slots(timedelta(minutes=minutes), panel.step)
        t = time.perf_counter()
        model = fit_latest(panel, h)
        fitted = time.perf_counter() - t
        t = time.perf_counter()
        out = forecast_latest(panel, h, model)
        forecast = time.perf_counter() - t
        assert out.shape == (detectors,) and np.isfinite(out).all()
        total += fitted + forecast
        print(f"| {minutes} min | {fitted:.1f} | {forecast:.1f} | {fitted + forecast:.1f} | |")
    verdict = "✅" if total < TARGET_REFRESH_S else "❌"
    print(f"| 30 + 60 min | | | **{total:.1f}** | < {TARGET_REFRESH_S:.0f} s {verdict} |\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intersections", type=int, default=5000)
    parser.add_argument("--history-days", type=int, default=15)
    args = parser.parse_args()
    bench_backtest()
    bench_refresh(args.intersections, args.history_days)


if __name__ == "__main__":
    main()
