"""`gongzhi forecast backtest`: rolling-origin forecasts for a CSV of detector readings.

Input: a header row with `timestamp,sensor_id,value` (any column order, extra columns
ignored); timestamps in ISO 8601 (with or without an offset; without one they are taken as
Asia/Shanghai wall time) or Unix epoch seconds/milliseconds; the interval is inferred. Output:
`timestamp,sensor_id,predicted` for every input row after --train-until, in input order, the
timestamp written back exactly as it was read. Each prediction uses only readings at or before
`timestamp - horizon`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from gongzhi.clock import SHANGHAI
from gongzhi.sensing.forecast import horizon_slots, panel_from_arrays, rolling_forecast

REQUIRED = ("timestamp", "sensor_id", "value")


class BacktestError(ValueError):
    """Bad input, with a message for the person who ran the command."""


def parse_time(raw: str) -> datetime:
    text = raw.strip()
    if not text:
        raise ValueError("empty timestamp")
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        # Epoch: milliseconds when it is too large to be seconds (after year 5138).
        seconds = number / 1000 if abs(number) > 1e11 else number
        return datetime.fromtimestamp(seconds, UTC).astimezone(SHANGHAI)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SHANGHAI)


@dataclass
class Readings:
    """The input, column-wise, in input order."""

    raw_time: list[str]
    epoch: NDArray[np.float64]
    sensor: NDArray[np.int64]  # index into sensors
    value: NDArray[np.float64]  # NaN where the cell is empty
    sensors: list[str]
    tz: tzinfo


def read_rows(stream: TextIO) -> Readings:
    reader = csv.reader(stream)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BacktestError(f"输入缺少列 missing columns: {', '.join(missing)} (need {','.join(REQUIRED)})")
    ti, si, vi = (header.index(c) for c in REQUIRED)
    width = max(ti, si, vi) + 1
    times: dict[str, float] = {}  # many rows share a timestamp: parse each text once
    sensors: dict[str, int] = {}
    raw_time: list[str] = []
    epoch: list[float] = []
    sensor: list[int] = []
    value: list[float] = []
    tz: tzinfo | None = None
    for line, rec in enumerate(reader, start=2):
        if not rec or (len(rec) == 1 and not rec[0].strip()):
            continue  # blank line
        if len(rec) < width:
            raise BacktestError(f"第 {line} 行列数不足 line {line}: too few columns")
        raw, name, cell = rec[ti].strip(), rec[si].strip(), rec[vi].strip()
        if not name:
            raise BacktestError(f"第 {line} 行缺少 sensor_id (line {line})")
        seconds = times.get(raw)
        if seconds is None:
            try:
                parsed = parse_time(raw)
            except ValueError as exc:
                raise BacktestError(f"第 {line} 行时间无法解析 line {line}: {raw!r}") from exc
            tz = tz or parsed.tzinfo
            seconds = times[raw] = parsed.timestamp()
        try:
            number = float(cell) if cell and cell.lower() not in ("nan", "null", "na") else math.nan
        except ValueError as exc:
            raise BacktestError(f"第 {line} 行数值无法解析 line {line}: {cell!r}") from exc
        if math.isinf(number):
            raise BacktestError(f"第 {line} 行数值无穷大 (line {line})")
        raw_time.append(raw)
        epoch.append(seconds)
        sensor.append(sensors.setdefault(name, len(sensors)))
        value.append(number)
    if not raw_time:
        raise BacktestError("输入没有数据行 no data rows")
    return Readings(raw_time, np.array(epoch), np.array(sensor, dtype=np.int64), np.array(value),
                    list(sensors), tz or SHANGHAI)


@dataclass(frozen=True)
class Scores:
    n: int
    mae: float
    rmse: float


@dataclass(frozen=True)
class BacktestResult:
    step: timedelta
    horizon: timedelta
    readings: Readings
    rows: NDArray[np.int64]  # indices of the predicted input rows, in input order
    predicted: NDArray[np.float64]
    model: Scores
    persistence: Scores
    weekly_average: Scores


def _scores(actual: NDArray[np.float64], predicted: NDArray[np.float64]) -> Scores:
    ok = ~np.isnan(actual) & ~np.isnan(predicted)
    if not ok.any():
        return Scores(0, math.nan, math.nan)
    err = predicted[ok] - actual[ok]
    return Scores(int(ok.sum()), float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2))))


def backtest(readings: Readings, *, horizon: timedelta, train_until: datetime) -> BacktestResult:
    panel = panel_from_arrays(readings.epoch, readings.sensor, readings.value, readings.sensors, readings.tz)
    h = horizon_slots(horizon, panel.step)
    if h >= round(timedelta(days=1) / panel.step):
        raise BacktestError("预测时长须小于一天 the horizon must be shorter than a day")
    rows = np.nonzero(readings.epoch > train_until.timestamp())[0]
    s = readings.sensor[rows]
    j = panel.slots_of(readings.epoch[rows])
    result = rolling_forecast(panel, h, s, j)
    # A detector that never reported before its origin gets the street's typical reading.
    typical = np.nanmedian(panel.values) if not np.all(np.isnan(panel.values)) else 0.0
    predicted = np.where(np.isnan(result.predicted), typical, result.predicted)
    actual = readings.value[rows]
    return BacktestResult(
        step=panel.step, horizon=horizon, readings=readings, rows=rows, predicted=predicted,
        model=_scores(actual, predicted),
        persistence=_scores(actual, result.persistence),
        weekly_average=_scores(actual, result.weekly_average),
    )


def write_predictions(stream: TextIO, result: BacktestResult) -> None:
    out = csv.writer(stream, lineterminator="\n")
    out.writerow(["timestamp", "sensor_id", "predicted"])
    r = result.readings
    for row, value in zip(result.rows.tolist(), result.predicted.tolist(), strict=True):
        out.writerow([r.raw_time[row], r.sensors[r.sensor[row]], f"{value:.4f}"])


def run(input_path: Path, output_path: Path, *, horizon_minutes: int, train_until: str) -> BacktestResult:
    if not 1 <= horizon_minutes <= 24 * 60:
        raise BacktestError("--horizon-minutes 须在 1–1440 之间 must be 1–1440")
    try:
        cut = parse_time(train_until)
    except ValueError as exc:
        raise BacktestError(f"--train-until 无法解析 cannot parse: {train_until}") from exc
    with open(input_path, newline="", encoding="utf-8-sig") as f:
        rows = read_rows(f)
    try:
        result = backtest(rows, horizon=timedelta(minutes=horizon_minutes), train_until=cut)
    except ValueError as exc:
        if isinstance(exc, BacktestError):
            raise
        raise BacktestError(str(exc)) from exc
    with open(output_path, "w", newline="", encoding="utf-8") as f:
        write_predictions(f, result)
    return result


def iter_report(result: BacktestResult) -> Iterator[str]:
    yield (f"间隔 interval {int(result.step.total_seconds() // 60)} min, 预测时长 horizon "
           f"{int(result.horizon.total_seconds() // 60)} min, 预测 {len(result.rows)} 行 rows")
    yield f"{'方法 method':<28}{'n':>10}{'MAE':>12}{'RMSE':>12}"
    for name, sc in (("模型 model", result.model), ("持续 persistence", result.persistence),
                     ("周均值 weekly average", result.weekly_average)):
        yield f"{name:<28}{sc.n:>10}{sc.mae:>12.3f}{sc.rmse:>12.3f}"
