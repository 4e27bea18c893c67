"""Detector forecasts 30 (up to 60) minutes ahead: a linear blend of what the detector did last,
its usual level for that time of week, yesterday at that time, and the street-wide anomaly.

Every feature of a forecast for slot j is computed from readings at or before its origin
i = j - H (H = horizon in slots), so a forecast never sees its own future. The coefficients are
refitted once per day of origins from samples whose targets lie before that day began (rolling
origin), by least squares, separately for five blocks of the day (night, morning peak, day,
evening peak, evening), because how fast a detector returns to its usual level differs between
a rush hour and the night.

Series live on a regular grid of slots (the detectors' reporting interval), one row per
detector, NaN where nothing was reported; all arrays here are (detectors, slots).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Hours at which the blocks of the day start (target's local wall time).
DAY_BLOCKS = (0, 6, 10, 16, 20)
FEATURES = ("last", "last3", "week_target", "week_origin", "recent_target", "recent_origin",
            "day_target", "day_origin", "street_anomaly")
# Weight of the most recent week in the recent-weeks level (the rest: older weeks, decaying).
RECENT_WEIGHT = 0.5
TRAIN_DAYS = 28
MAX_SAMPLES = 400_000
RIDGE = 1e-3
ROBUST_ROUNDS = 2


@dataclass
class Panel:
    """Readings on a regular grid: values[s, k] is detector s at start + k*step (NaN: none)."""

    sensors: list[str]
    start: datetime
    step: timedelta
    values: Array
    misaligned: bool = False  # some readings lie off the slot times

    @property
    def slots(self) -> int:
        return int(self.values.shape[1])

    def slot_of(self, ts: datetime) -> int:
        return round((ts - self.start) / self.step)

    def slots_of(self, epoch: NDArray[np.float64]) -> NDArray[np.int64]:
        return np.round((epoch - self.start.timestamp()) / self.step.total_seconds()).astype(np.int64)

    def time_of(self, slot: int) -> datetime:
        return self.start + slot * self.step


def infer_step_seconds(epoch: NDArray[np.float64], sensor: NDArray[np.int64]) -> float:
    """The reporting interval: the most common gap between a detector's consecutive readings."""
    order = np.lexsort((epoch, sensor))
    e, d = epoch[order], sensor[order]
    gaps = np.round(np.diff(e))
    gaps = gaps[(np.diff(d) == 0) & (gaps > 0)]
    if len(gaps) == 0:
        raise ValueError("cannot infer the interval: no detector has two readings at different times")
    values, counts = np.unique(gaps, return_counts=True)
    return float(values[np.argmax(counts)])  # ties: the shorter gap (np.unique sorts ascending)


def panel_from_arrays(epoch: NDArray[np.float64], sensor: NDArray[np.int64], value: NDArray[np.float64],
                      sensors: list[str], tz: tzinfo, step: timedelta | None = None) -> Panel:
    """Put readings on the grid (epoch seconds, sensor index, value); a repeated slot keeps the later row."""
    if len(epoch) == 0:
        raise ValueError("no readings")
    step_s = step.total_seconds() if step else infer_step_seconds(epoch, sensor)
    t0 = float(epoch.min())
    slots = np.round((epoch - t0) / step_s).astype(np.int64)
    values = np.full((len(sensors), int(slots.max()) + 1), np.nan)
    values[sensor, slots] = value  # later rows overwrite earlier ones
    start = datetime.fromtimestamp(t0, UTC).astimezone(tz)
    misaligned = bool(np.any(np.abs(epoch - (t0 + slots * step_s)) > 1.0))
    return Panel(sensors, start, timedelta(seconds=step_s), values, misaligned)


def build_panel(rows: Sequence[tuple[datetime, str, float]], step: timedelta | None = None) -> Panel:
    """build a Panel from (aware timestamp, sensor, value) rows."""
    if not rows:
        raise ValueError("no readings")
    sensors = sorted({r[1] for r in rows})
    index = {s: n for n, s in enumerate(sensors)}
    epoch = np.array([r[0].timestamp() for r in rows])
    sensor = np.array([index[r[1]] for r in rows], dtype=np.int64)
    value = np.array([r[2] for r in rows], dtype=np.float64)
    tz = rows[0][0].tzinfo or UTC
    return panel_from_arrays(epoch, sensor, value, sensors, tz, step)


# ---------------------------------------------------------------- features


def forward_fill(y: Array) -> Array:
    """Each slot's latest reading at or before it (NaN before the first)."""
    n = y.shape[1]
    idx = np.where(np.isnan(y), -1, np.arange(n))
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = np.take_along_axis(y, np.maximum(idx, 0), axis=1)
    out[idx < 0] = np.nan
    return out


def shift(y: Array, k: int) -> Array:
    """y[:, j - k] at j (NaN where j - k < 0)."""
    out = np.full_like(y, np.nan)
    if k < y.shape[1]:
        out[:, k:] = y[:, : y.shape[1] - k]
    return out


def seasonal_mean(y: Array, period: int) -> Array:
    """Mean of y[:, j - period], y[:, j - 2*period], … (every earlier season; NaN when none)."""
    total = np.zeros_like(y)
    count = np.zeros_like(y)
    for begin in range(period, y.shape[1], period):
        end = min(begin + period, y.shape[1])
        prev = y[:, begin - period : end - period]
        ok = ~np.isnan(prev)
        total[:, begin:end] = total[:, begin - period : end - period] + np.where(ok, prev, 0.0)
        count[:, begin:end] = count[:, begin - period : end - period] + ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def seasonal_recent(y: Array, period: int, weight: float = RECENT_WEIGHT) -> Array:
    """Exponentially weighted mean of the same slot in earlier seasons, the latest weighing most."""
    level = np.full_like(y, np.nan)
    for begin in range(period, y.shape[1], period):
        end = min(begin + period, y.shape[1])
        prev = y[:, begin - period : end - period]
        before = level[:, begin - period : end - period]
        blended = np.where(np.isnan(before), prev, weight * prev + (1 - weight) * before)
        level[:, begin:end] = np.where(np.isnan(prev), before, blended)
    return level


def _fill(primary: Array, *fallbacks: Array) -> Array:
    out = primary.copy()
    for fb in fallbacks:
        out = np.where(np.isnan(out), fb, out)
    return out


@dataclass
class Features:
    """Feature stack X[f, s, j] for targets j with origin j - horizon, and the baselines."""

    horizon: int
    x: Array  # (len(FEATURES), detectors, slots)
    persistence: Array
    weekly_average: Array
    seasoned: NDArray[np.bool_]  # a week of history stands behind the target (no fallback features)


def street_anomaly(panel: Panel, *, sample: int = 512) -> Array:
    """Per slot, the median detector's relative departure from its usual level (a holiday, a storm),
    from at most `sample` detectors spread over the list; clipped, 0 where unknown."""
    week = round(timedelta(days=7) / panel.step)
    pick = np.unique(np.linspace(0, len(panel.sensors) - 1, min(sample, len(panel.sensors))).astype(np.int64))
    y = panel.values[pick]
    last = forward_fill(y)
    usual = seasonal_mean(y, week)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(usual > 0, last / usual - 1.0, np.nan)
    street = np.full(y.shape[1], np.nan)
    has = ~np.all(np.isnan(rel), axis=0)
    street[has] = np.nanmedian(rel[:, has], axis=0)
    street = np.clip(np.nan_to_num(street), -0.9, 3.0)
    if panel.misaligned:
        # Detectors report at different offsets within a slot: another detector's reading in the
        # origin slot may be later than this one's origin, so use the slot before.
        street = np.concatenate([[0.0], street[:-1]])
    return street


def features(panel: Panel, horizon: int, rows: NDArray[np.int64] | None = None,
             street: Array | None = None) -> Features:
    """Features for every target slot of the detectors `rows` (all by default), each from readings
    at or before its origin only."""
    y = panel.values if rows is None else panel.values[rows]
    week = round(timedelta(days=7) / panel.step)
    day = round(timedelta(days=1) / panel.step)
    if not 1 <= horizon < day:
        raise ValueError("horizon must be at least one interval and less than a day")
    if street is None:
        street = street_anomaly(panel)
    filled = forward_fill(y)
    last_o = filled
    last3_o = np.nanmean(np.stack([filled, shift(filled, 1), shift(filled, 2)]), axis=0)
    week_t = seasonal_mean(y, week)  # at target j: seasons j - week … (all <= origin as horizon < week)
    recent_t = seasonal_recent(y, week)
    day_t = shift(y, day)

    # Move origin-time quantities to their target slot.
    last = shift(last_o, horizon)
    last3 = shift(last3_o, horizon)
    week_o = shift(week_t, horizon)
    recent_o = shift(recent_t, horizon)
    day_o = shift(day_t, horizon)
    anomaly = shift(np.broadcast_to(street, y.shape).copy(), horizon)

    week_t_f = _fill(week_t, recent_t, day_t, last)
    week_o_f = _fill(week_o, recent_o, day_o, last)
    recent_t_f = _fill(recent_t, week_t_f)
    recent_o_f = _fill(recent_o, week_o_f)
    day_t_f = _fill(day_t, week_t_f)
    day_o_f = _fill(day_o, week_o_f)
    x = np.stack([
        last, _fill(last3, last), week_t_f, week_o_f, recent_t_f, recent_o_f, day_t_f, day_o_f,
        np.nan_to_num(anomaly) * week_t_f,
    ])
    seasoned = ~np.isnan(week_t) & ~np.isnan(week_o) & ~np.isnan(day_t) & ~np.isnan(day_o)
    return Features(horizon=horizon, x=x, persistence=last, weekly_average=_fill(week_t, last), seasoned=seasoned)


# ---------------------------------------------------------------- the model


@dataclass
class Model:
    """Coefficients per block of the day; `fitted_through` is the last target slot it learnt from."""

    coef: dict[int, Array] = field(default_factory=dict)
    fitted_through: int = -1

    def predict(self, feats: Features, blocks: NDArray[np.int64], s: NDArray[np.int64],
                j: NDArray[np.int64]) -> Array:
        x = feats.x[:, s, j].T  # (n, features)
        out = np.full(len(j), np.nan)
        for block, beta in self.coef.items():
            sel = blocks[j] == block
            # Row-wise sums, not a BLAS product: a row's result must not depend on its neighbours.
            out[sel] = (x[sel] * beta).sum(axis=1)
        missing = np.isnan(out)
        out[missing] = _default_blend(x[missing])
        return out


def _default_blend(x: Array) -> Array:
    # Before any fit: half the last reading, half the usual level.
    return 0.5 * x[:, 0] + 0.5 * x[:, 2]


def block_of_slots(panel: Panel) -> NDArray[np.int64]:
    """The block of the day (index into DAY_BLOCKS) of every slot, by its wall-clock hour."""
    hours = np.array([panel.time_of(k).hour for k in range(panel.slots)])
    return np.searchsorted(np.array(DAY_BLOCKS), hours, side="right").astype(np.int64) - 1


def fit(panel: Panel, feats: Features, rows: NDArray[np.int64], blocks: NDArray[np.int64],
        through: int) -> Model:
    """Least squares on the detectors `rows` (those `feats` was built for), targets in
    (through - TRAIN_DAYS days, through], one fit per block of the day."""
    day = round(timedelta(days=1) / panel.step)
    lo = max(0, through - TRAIN_DAYS * day)
    y = panel.values[rows, lo : through + 1]
    x = feats.x[:, :, lo : through + 1]
    ok = ~np.isnan(y) & ~np.any(np.isnan(x), axis=0)
    seasoned = ok & feats.seasoned[:, lo : through + 1]
    # Learn from targets with a week of history behind them, as every later forecast has, once
    # there are a couple of days of them; the first week's stand-in features behave differently.
    if seasoned.sum() >= 2 * day * max(1, len(rows) // 2):
        ok = seasoned
    s_idx, j_rel = np.nonzero(ok)
    model = Model(fitted_through=through)
    if len(j_rel) > MAX_SAMPLES:  # an even thinning keeps every block and detector represented
        keep = np.linspace(0, len(j_rel) - 1, MAX_SAMPLES).astype(np.int64)
        s_idx, j_rel = s_idx[keep], j_rel[keep]
    for block in range(len(DAY_BLOCKS)):
        sel = blocks[lo + j_rel] == block
        if sel.sum() < 10 * len(FEATURES):
            continue
        # Fresh contiguous copies: the same numbers in the same layout give bit-identical sums,
        # whatever the rest of the series holds (a forecast must not change with later data).
        xb = np.ascontiguousarray(x[:, s_idx[sel], j_rel[sel]].T)
        yb = np.ascontiguousarray(y[s_idx[sel], j_rel[sel]])
        # Ridge, scaled to the data, keeps the solution stable when features nearly coincide
        # (e.g. the weekly and recent levels in the first weeks).
        model.coef[block] = _robust_least_squares(xb, yb)
    return model


def _robust_least_squares(x: Array, y: Array, rounds: int = ROBUST_ROUNDS) -> Array:
    """Ridge least squares, then a few Huber reweightings: residuals beyond 3 robust standard
    deviations (a stuck or broken detector, a closed road) count linearly, not squared, so they
    cannot drag the coefficients every other detector's forecast depends on."""
    ridge = RIDGE * np.eye(x.shape[1])
    weights = np.ones(len(y))
    beta = np.zeros(x.shape[1])
    for _ in range(rounds + 1):
        xw = x * weights[:, None]
        gram = xw.T @ x
        beta = np.linalg.solve(gram + ridge * np.trace(gram) / x.shape[1], xw.T @ y)
        residual = np.abs(y - x @ beta)
        cut = 3.0 * 1.4826 * float(np.median(residual)) or 1.0
        weights = np.minimum(1.0, cut / np.maximum(residual, 1e-12))
    return beta


@dataclass(frozen=True)
class Forecasts:
    predicted: Array  # for the requested (sensor, slot) pairs
    persistence: Array
    weekly_average: Array


TRAIN_SENSORS = 256  # detectors the coefficients are learnt from (spread over the list)
CHUNK = 128  # detectors whose features are in memory at once


def rolling_forecast(panel: Panel, horizon: int, targets_s: NDArray[np.int64],
                     targets_j: NDArray[np.int64]) -> Forecasts:
    """Forecast each (detector, slot) target from data up to its origin, refitting once per day of
    origins on targets before that day began. Memory stays bounded: the coefficients are learnt
    from at most TRAIN_SENSORS detectors, and features are built CHUNK detectors at a time."""
    blocks = block_of_slots(panel)
    street = street_anomaly(panel)
    day = round(timedelta(days=1) / panel.step)
    origins = targets_j - horizon
    # Model k is fitted on targets up to slot k*day - 1 (< every origin of day k), used for origins in day k.
    versions = np.floor_divide(np.maximum(origins, 0), day)
    train = np.unique(np.linspace(0, len(panel.sensors) - 1,
                                  min(TRAIN_SENSORS, len(panel.sensors))).astype(np.int64))
    train_feats = features(panel, horizon, train, street)
    models = {int(v): fit(panel, train_feats, train, blocks, int(v) * day - 1) if v > 0 else Model()
              for v in np.unique(versions)}
    del train_feats

    predicted = np.full(len(targets_j), np.nan)
    persistence = np.full(len(targets_j), np.nan)
    weekly = np.full(len(targets_j), np.nan)
    wanted = np.unique(targets_s)
    for begin in range(0, len(wanted), CHUNK):
        rows = wanted[begin : begin + CHUNK]
        feats = features(panel, horizon, rows, street)
        local = np.full(len(panel.sensors), -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        in_chunk = local[targets_s] >= 0
        for version, model in models.items():
            sel = in_chunk & (versions == version)
            if sel.any():
                predicted[sel] = model.predict(feats, blocks, local[targets_s[sel]], targets_j[sel])
        persistence[in_chunk] = feats.persistence[local[targets_s[in_chunk]], targets_j[in_chunk]]
        weekly[in_chunk] = feats.weekly_average[local[targets_s[in_chunk]], targets_j[in_chunk]]
    # A detector with nothing before its origin: its usual level if known, else nothing to go on.
    predicted = np.where(np.isnan(predicted), weekly, predicted)
    first_origin = int(origins.min(initial=panel.slots))
    if np.nanmin(panel.values[:, : max(first_origin, 0) + 1], initial=np.inf) >= 0:
        predicted = np.maximum(predicted, 0.0)  # the history has no negative values: neither will these
    return Forecasts(predicted, persistence, weekly)


def _last_valid(y: Array, upto: int) -> Array:
    """Each row's latest non-NaN value at or before column `upto` (forward_fill's value there)."""
    window = y[:, : upto + 1]
    ok = ~np.isnan(window)
    idx = upto - np.argmax(ok[:, ::-1], axis=1)
    out: Array = window[np.arange(len(y)), idx]
    out[~ok.any(axis=1)] = np.nan
    return out


def _seasonal_at(y: Array, slot: int, period: int) -> tuple[Array, Array]:
    """seasonal_mean and seasonal_recent at one slot: from y[:, slot - k*period], k >= 1."""
    cols = list(range(slot - period, -1, -period))[::-1]  # oldest first
    mean = np.full(len(y), np.nan)
    recent = np.full(len(y), np.nan)
    if cols:
        mean = _nanmean_rows([y[:, c] for c in cols])
        for c in cols:
            prev = y[:, c]
            blended = np.where(np.isnan(recent), prev, RECENT_WEIGHT * prev + (1 - RECENT_WEIGHT) * recent)
            recent = np.where(np.isnan(prev), recent, blended)
    return mean, recent


def _column(y: Array, slot: int) -> Array:
    return y[:, slot].copy() if 0 <= slot < y.shape[1] else np.full(len(y), np.nan)


def features_latest(panel: Panel, horizon: int) -> Array:
    """The feature matrix (features, detectors) of each detector's target `horizon` slots after the
    panel's last slot: the same values `features` gives that slot, computed from the few columns
    they need, so refreshing 20,000 detectors costs milliseconds per feature."""
    y = panel.values
    week = round(timedelta(days=7) / panel.step)
    day = round(timedelta(days=1) / panel.step)
    origin = y.shape[1] - 1
    target = origin + horizon
    last = _last_valid(y, origin)
    last3 = _nanmean_rows([last, _last_or_nan(y, origin - 1), _last_or_nan(y, origin - 2)])
    week_t, recent_t = _seasonal_at(y, target, week)
    week_o, recent_o = _seasonal_at(y, origin, week)
    day_t, day_o = _column(y, target - day), _column(y, origin - day)
    street = _street_at(panel, origin)

    week_t_f = _fill(week_t, recent_t, day_t, last)
    week_o_f = _fill(week_o, recent_o, day_o, last)
    return np.stack([
        last, _fill(last3, last), week_t_f, week_o_f, _fill(recent_t, week_t_f), _fill(recent_o, week_o_f),
        _fill(day_t, week_t_f), _fill(day_o, week_o_f), street * week_t_f,
    ])


def _last_or_nan(y: Array, upto: int) -> Array:
    return _last_valid(y, upto) if upto >= 0 else np.full(len(y), np.nan)


def _nanmean_rows(parts: list[Array]) -> Array:
    stack = np.stack(parts)
    count = (~np.isnan(stack)).sum(axis=0)
    total = np.nansum(stack, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _street_at(panel: Panel, origin: int) -> float:
    """street_anomaly's value at the origin slot (for the slot after it)."""
    if panel.misaligned:
        origin -= 1
    if origin < 0:
        return 0.0
    week = round(timedelta(days=7) / panel.step)
    pick = np.unique(np.linspace(0, len(panel.sensors) - 1, min(512, len(panel.sensors))).astype(np.int64))
    y = panel.values[pick]
    last = _last_valid(y, origin)
    usual, _ = _seasonal_at(y, origin, week)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(usual > 0, last / usual - 1.0, np.nan)
    if np.all(np.isnan(rel)):
        return 0.0
    return float(np.clip(np.nanmedian(rel), -0.9, 3.0))


def forecast_latest(panel: Panel, horizon: int, model: Model) -> Array:
    """Every detector's forecast for `horizon` slots after the panel's last slot."""
    x = features_latest(panel, horizon).T
    target_time = panel.time_of(panel.slots - 1 + horizon)
    block = int(np.searchsorted(np.array(DAY_BLOCKS), target_time.hour, side="right")) - 1
    beta = model.coef.get(block)
    out = (x * beta).sum(axis=1) if beta is not None else _default_blend(x)
    if np.nanmin(panel.values, initial=np.inf) >= 0:
        out = np.maximum(out, 0.0)
    return out


def fit_latest(panel: Panel, horizon: int) -> Model:
    """The model the next forecasts use: fitted on every target up to the panel's last slot."""
    rows = np.unique(np.linspace(0, len(panel.sensors) - 1,
                                 min(TRAIN_SENSORS, len(panel.sensors))).astype(np.int64))
    feats = features(panel, horizon, rows, street_anomaly(panel))
    return fit(panel, feats, rows, block_of_slots(panel), panel.slots - 1)


def horizon_slots(horizon: timedelta, step: timedelta) -> int:
    """Slots between origin and target: the origin is the last slot at or before target - horizon."""
    return max(1, int(np.ceil(horizon / step - 1e-9)))
