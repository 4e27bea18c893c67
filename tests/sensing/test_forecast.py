"""Forecasts and the backtest: better than persistence and the weekly average, and blind to the future."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gongzhi.cli import app as cli
from gongzhi.clock import SHANGHAI
from gongzhi.sensing import backtest as bt
from gongzhi.sensing.forecast import (
    Model,
    Panel,
    block_of_slots,
    build_panel,
    features,
    features_latest,
    fit_latest,
    forecast_latest,
    forward_fill,
    panel_from_arrays,
    seasonal_mean,
    street_anomaly,
)
from gongzhi.simulate.traffic import TrafficSpec, rows, write_csv

SPEC = TrafficSpec(detectors=10, days=22, seed=3)
TRAIN_UNTIL = SPEC.start + timedelta(days=15)


def _csv(records: list[tuple[str, str, float]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["timestamp", "sensor_id", "value"])
    w.writerows(records)
    return out.getvalue()


def _run(text: str, *, horizon: int = 30, until: datetime = TRAIN_UNTIL) -> bt.BacktestResult:
    return bt.backtest(bt.read_rows(io.StringIO(text)), horizon=timedelta(minutes=horizon), train_until=until)


@pytest.fixture(scope="module")
def records() -> list[tuple[str, str, float]]:
    return list(rows(SPEC))


# Two weeks of history only: the margin grows with more (bench/forecast.py prints it on five weeks).
@pytest.mark.parametrize(("horizon", "margin"), [(30, 0.9), (60, 0.97)])
def test_model_beats_persistence_and_the_weekly_average(records: list[tuple[str, str, float]],
                                                        horizon: int, margin: float) -> None:
    result = _run(_csv(records), horizon=horizon)
    assert result.step == timedelta(minutes=5)
    assert result.model.n == len(result.rows) > 0
    assert result.model.mae < margin * result.persistence.mae
    assert result.model.mae < margin * result.weekly_average.mae
    assert result.model.rmse < min(result.persistence.rmse, result.weekly_average.rmse)


def test_predictions_cannot_see_the_future(records: list[tuple[str, str, float]]) -> None:
    cut = TRAIN_UNTIL + timedelta(days=2, hours=7, minutes=35)
    horizon = timedelta(minutes=30)
    base = _run(_csv(records))
    rng = np.random.default_rng(0)
    # Everything from `cut` on is changed wildly: forecasts whose origin is before `cut` must not move.
    perturbed = [(t, s, v * float(rng.uniform(0, 5)) + 100 if datetime.fromisoformat(t) >= cut else v)
                 for t, s, v in records]
    other = _run(_csv(perturbed))
    origins = base.readings.epoch[base.rows] - horizon.total_seconds()
    blind = origins < cut.timestamp()
    assert blind.sum() > 1000 and (~blind).sum() > 1000
    assert np.array_equal(base.predicted[blind], other.predicted[blind])
    assert not np.allclose(base.predicted[~blind], other.predicted[~blind])
    # And dropping the future altogether gives the same forecasts for what remains.
    truncated = _run(_csv([r for r in records if datetime.fromisoformat(r[0]) < cut]))
    n = len(truncated.rows)
    assert np.array_equal(truncated.predicted, base.predicted[:n])


def test_one_prediction_per_row_after_train_until_with_the_timestamp_as_written() -> None:
    start = datetime(2026, 11, 2, tzinfo=SHANGHAI)
    recs = []
    for k in range(9 * 96):  # 15-minute data, nine days, a gap and an empty value
        t = start + timedelta(minutes=15 * k)
        for sensor in ("A", "B"):
            if sensor == "B" and 300 <= k < 320:
                continue
            value = "" if (sensor == "A" and k == 700) else str(20 + 10 * np.sin(k / 96 * 2 * np.pi))
            recs.append((t.strftime("%Y-%m-%d %H:%M:%S"), sensor, value))
    until = start + timedelta(days=8)
    result = _run(_csv(recs), until=until)  # naive times are Shanghai wall time
    assert result.step == timedelta(minutes=15)
    out = io.StringIO()
    bt.write_predictions(out, result)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    expected = [(t, s) for t, s, _ in recs if datetime.fromisoformat(t).replace(tzinfo=SHANGHAI) > until]
    assert lines[0] == ["timestamp", "sensor_id", "predicted"]
    assert [(t, s) for t, s, _ in lines[1:]] == expected
    assert all(np.isfinite(float(p)) for _, _, p in lines[1:])


def test_epoch_milliseconds_and_seconds_are_read() -> None:
    t0 = int(datetime(2026, 11, 2, tzinfo=SHANGHAI).timestamp())
    text = f"sensor_id,timestamp,value\nA,{t0},1\nA,{t0 + 300},2\nA,{t0 + 600}000,3\n"
    readings = bt.read_rows(io.StringIO(text))
    assert np.diff(readings.epoch).tolist() == [300.0, 300.0]


@pytest.mark.parametrize(("text", "needle"), [
    ("time,sensor,value\n2026-11-02T00:00:00,A,1\n", "missing columns"),
    ("timestamp,sensor_id,value\nyesterday,A,1\n", "line 2"),
    ("timestamp,sensor_id,value\n2026-11-02T00:00:00,A,abc\n", "line 2"),
    ("timestamp,sensor_id,value\n", "no data rows"),
])
def test_bad_input_is_refused_with_the_line(text: str, needle: str) -> None:
    with pytest.raises(bt.BacktestError, match=needle):
        bt.read_rows(io.StringIO(text))


def test_cli_writes_predictions_and_prints_the_three_scores(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    write_csv(str(src), TrafficSpec(detectors=3, days=9, seed=5))
    out = tmp_path / "pred.csv"
    until = (TrafficSpec().start + timedelta(days=8)).isoformat()
    r = CliRunner().invoke(cli, ["forecast", "backtest", "--input", str(src), "--horizon-minutes", "30",
                                 "--train-until", until, "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert "persistence" in r.output and "weekly average" in r.output and "MAE" in r.output
    # Every row after --train-until: the last day but its midnight (not after, equal).
    assert len(out.read_text().splitlines()) == 1 + 3 * 287
    bad = CliRunner().invoke(cli, ["forecast", "backtest", "--input", str(src), "--train-until", "soon",
                                   "--output", str(out)])
    assert bad.exit_code == 2 and "train-until" in bad.output


def test_features_use_only_the_past() -> None:
    y = np.array([[1.0, np.nan, 3.0, np.nan]])
    assert forward_fill(y).tolist() == [[1.0, 1.0, 3.0, 3.0]]
    z = np.arange(8, dtype=float)[None, :]
    m = seasonal_mean(z, 2)  # mean of z[j-2], z[j-4], …
    assert np.isnan(m[0, :2]).all() and m[0, 2:].tolist() == [0.0, 1.0, 1.0, 2.0, 2.0, 3.0]
    panel = build_panel([(datetime(2026, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=5 * k), "A", 1.0)
                         for k in range(3)])
    assert panel.step == timedelta(minutes=5) and panel.values.shape == (1, 3)


def test_the_refresh_forecasts_what_the_backtest_would(records: list[tuple[str, str, float]]) -> None:
    readings = bt.read_rows(io.StringIO(_csv(records[: 10 * 288 * 16 + 7 * 10])))
    panel = panel_from_arrays(readings.epoch, readings.sensor, readings.value, readings.sensors, readings.tz)
    h = 6
    ext_values = np.concatenate([panel.values, np.full((len(panel.sensors), h), np.nan)], axis=1)
    ext = Panel(panel.sensors, panel.start, panel.step, ext_values)
    batch = features(ext, h, street=street_anomaly(ext)).x[:, :, -1]
    assert np.allclose(features_latest(panel, h), batch, equal_nan=True)
    model = fit_latest(panel, h)
    assert model.coef and isinstance(model, Model)
    blocks = block_of_slots(ext)
    expected = model.predict(features(ext, h), blocks, np.arange(len(panel.sensors)),
                             np.full(len(panel.sensors), ext.slots - 1))
    assert np.allclose(forecast_latest(panel, h, model), np.maximum(expected, 0))
