"""Turn a band's readings into vitals and alarms: fall, SOS, abnormal vitals (NEWS2 on the band's
partial vitals, or the elder's own baseline), low battery; and silence and daytime inactivity.

Reading keys (aliases accepted): heart_rate|pulse, spo2, temperature|temp, systolic_bp|sbp,
respiration_rate|respiration, steps, battery, fall (1 = the band's own fall detector fired),
sos (1 = button pressed), acc|acceleration (magnitude in g, raw accelerometer).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gongzhi.clock import local
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.eldercare import news2
from gongzhi.eldercare.models import Alarm, Elder, ElderCareConfig, Vital, Wearable
from gongzhi.eldercare.service import get_config, raise_alarm

VITAL_KEYS = {
    "heart_rate": "pulse", "pulse": "pulse", "hr": "pulse",
    "spo2": "spo2",
    "temperature": "temperature", "temp": "temperature", "body_temp": "temperature",
    "systolic_bp": "systolic_bp", "sbp": "systolic_bp",
    "respiration_rate": "respiration_rate", "respiration": "respiration_rate", "rr": "respiration_rate",
}
ACC_KEYS = ("acc", "acceleration", "acc_g")
# Plausible ranges: a band's glitch (pulse 0, SpO2 0 while the band is off the wrist) is not a vital sign.
_PLAUSIBLE = {
    "pulse": (20.0, 250.0), "spo2": (50.0, 100.0), "temperature": (30.0, 43.0),
    "systolic_bp": (50.0, 260.0), "respiration_rate": (3.0, 60.0),
}
BASELINE_WINDOW = 30  # the elder's last readings the median is taken over
BASELINE_MIN = 10  # no baseline before this many readings
STILL_TOLERANCE_G = 0.15  # |a − 1 g| below this counts as lying still
STILL_WINDOW = timedelta(seconds=30)  # stillness must follow the impact within this


# Built once: constructing the statement per reading batch costs more than running it.
_BAND_QUERY = (
    select(Wearable, Elder).join(Elder, Elder.id == Wearable.elder_id).where(Wearable.device_code == bindparam("code"))
)
SEEN_RESOLUTION = timedelta(seconds=60)  # last_seen_at / last_steps_at move in steps of a minute at most


def handle_readings(session: Session, device: DeviceInfo, readings: Sequence[Reading], now: datetime) -> None:
    """The devices module's readings handler for kind `wearable` (runs in ingestion's transaction).

    One query per band (its binding and elder); the vitals rows and band updates of a whole
    ingestion batch are flushed together at its end (no autoflush in between).
    """
    with session.no_autoflush:
        found = session.execute(_BAND_QUERY, {"code": device.code}).first()
        if found is None:
            band = _bind_by_owner_ref(session, device, now)
            if band is None:
                return  # a band nobody bound yet: its readings stay in devices, no alarms
            elder = session.get_one(Elder, band.elder_id)
        else:
            band, elder = found
        if not elder.is_active:
            return
        _handle(session, band, elder, readings, now)


def _handle(session: Session, band: Wearable, elder: Elder, readings: Sequence[Reading], now: datetime) -> None:
    cfg = get_config(session)
    moments: dict[datetime, dict[str, float]] = {}
    for r in readings:
        key = r.key.lower()
        ts = r.ts
        if key in VITAL_KEYS:
            name = VITAL_KEYS[key]
            lo, hi = _PLAUSIBLE[name]
            if lo <= r.value <= hi:
                moments.setdefault(ts, {})[name] = r.value
        elif key == "steps":
            if r.value > 0 and (band.last_steps_at is None or ts - band.last_steps_at >= SEEN_RESOLUTION):
                band.last_steps_at = ts
        elif key == "battery":
            if band.battery != r.value:
                band.battery = r.value
            if r.value < cfg.low_battery_percent:
                raise_alarm(session, elder=elder, kind="low_battery", now=now,
                            detail={"battery": r.value})
        elif key == "fall" and r.value >= 1:
            raise_alarm(session, elder=elder, kind="fall", now=now, severity="emergency",
                        detail={"source": "device_flag", "at": ts.isoformat()})
        elif key == "sos" and r.value >= 1:
            raise_alarm(session, elder=elder, kind="sos", now=now, severity="emergency",
                        detail={"at": ts.isoformat()})
        elif key in ACC_KEYS:
            _acceleration(session, band, elder, cfg, ts, r.value, now)
    latest = max(r.ts for r in readings)
    if band.last_seen_at is None or latest - band.last_seen_at >= SEEN_RESOLUTION:
        band.last_seen_at = latest
    if band.silent_since is not None:
        band.silent_since = None
    for ts in sorted(moments):
        _vitals(session, band, elder, cfg, ts, moments[ts], now)


def _bind_by_owner_ref(session: Session, device: DeviceInfo, now: datetime) -> Wearable | None:
    ref = device.owner_ref or ""
    if not (ref.startswith("elder:") and ref[6:].isdigit()):
        return None
    elder = session.get(Elder, int(ref[6:]))
    if elder is None:
        return None
    band = Wearable(device_code=device.code, elder_id=elder.id, bound_at=now, still_count=0, deviation_streak=0,
                    pulse_window=[])
    session.add(band)
    session.flush()
    return band


def _acceleration(session: Session, band: Wearable, elder: Elder, cfg: ElderCareConfig, ts: datetime,
                  g: float, now: datetime) -> None:
    """Impact peak, then stillness: `still_readings` readings near 1 g within STILL_WINDOW of the peak."""
    if g >= cfg.impact_g:
        band.impact_at = ts
        band.still_count = 0
        return
    if band.impact_at is None:
        return
    if ts - band.impact_at > STILL_WINDOW:
        band.impact_at = None  # they got up (or the window passed without enough stillness)
        band.still_count = 0
        return
    if abs(g - 1.0) <= STILL_TOLERANCE_G:
        band.still_count += 1
        if band.still_count >= cfg.still_readings:
            raise_alarm(session, elder=elder, kind="fall", now=now, severity="emergency",
                        detail={"source": "acceleration", "impact_at": band.impact_at.isoformat()})
            band.impact_at = None
            band.still_count = 0
    else:
        band.still_count = 0  # moving again: not lying still


def _vitals(session: Session, band: Wearable, elder: Elder, cfg: ElderCareConfig, ts: datetime,
            values: dict[str, float], now: datetime) -> None:
    result = news2.score_partial(
        pulse=values.get("pulse"), spo2=values.get("spo2"), temperature=values.get("temperature"),
        systolic_bp=values.get("systolic_bp"), respiration_rate=values.get("respiration_rate"),
        spo2_scale=elder.spo2_scale,
    )
    history = [float(x) for x in (band.pulse_window or [])]
    session.add(Vital(elder_id=elder.id, ts=ts, news2_total=result.total, news2_band=result.band, **values))
    if result.band in ("medium", "high"):
        raise_alarm(session, elder=elder, kind="vitals", now=now,
                    severity="emergency" if result.band == "high" else "urgent",
                    detail={"news2_total": result.total, "news2_band": result.band, "scores": result.scores,
                            "missing": list(result.missing), "values": values, "at": ts.isoformat()})
    if "pulse" in values:
        _baseline(session, band, elder, cfg, values["pulse"], history, ts, now)
        band.pulse_window = [*history, values["pulse"]][-BASELINE_WINDOW:]  # a new list: the change is seen


def baseline_deviates(value: float, history: Sequence[float], k: float) -> bool:
    """Beyond k·MAD of the elder's own rolling median (MAD scaled to σ, floored at 3 bpm so a very
    steady history does not make every beat a deviation)."""
    if len(history) < BASELINE_MIN:
        return False
    median = statistics.median(history)
    mad = statistics.median(abs(h - median) for h in history) * 1.4826
    return abs(value - median) > k * max(mad, 3.0)


def _baseline(session: Session, band: Wearable, elder: Elder, cfg: ElderCareConfig, pulse: float,
              history: Sequence[float], ts: datetime, now: datetime) -> None:
    if baseline_deviates(pulse, history, cfg.baseline_k):
        band.deviation_streak += 1
        if band.deviation_streak >= cfg.baseline_consecutive:
            raise_alarm(session, elder=elder, kind="baseline", now=now, severity="urgent",
                        detail={"pulse": pulse, "median": statistics.median(history), "at": ts.isoformat(),
                                "streak": band.deviation_streak})
    else:
        band.deviation_streak = 0


def handle_silence(session: Session, device: DeviceInfo, last_seen: datetime | None, now: datetime) -> None:
    """The devices sweep says the band has been silent past its expected interval."""
    band = session.scalar(select(Wearable).where(Wearable.device_code == device.code))
    if band is None:
        band = _bind_by_owner_ref(session, device, now)
        if band is None:
            return
    elder = session.get(Elder, band.elder_id)
    if elder is None or not elder.is_active:
        return
    band.silent_since = now
    raise_alarm(session, elder=elder, kind="silence", now=now,
                detail={"device": device.code, "last_seen": last_seen.isoformat() if last_seen else None})


def inactivity_sweep(session: Session, now: datetime, *, batch: int = 500) -> int:
    """Daytime only: elders whose band has reported no steps for `inactivity_minutes` (counted from
    the later of the last steps and today's day start), and who have no open inactivity alarm."""
    cfg = get_config(session)
    here = local(now)
    if not cfg.day_start_hour <= here.hour < cfg.day_end_hour:
        return 0
    day_start = here.replace(hour=cfg.day_start_hour, minute=0, second=0, microsecond=0)
    span = timedelta(minutes=cfg.inactivity_minutes)
    if now - day_start < span:
        return 0
    cutoff = now - span
    open_kinds = select(Alarm.elder_id).where(Alarm.kind == "inactivity", Alarm.open_key.is_not(None))
    stmt = (
        select(Wearable)
        .join(Elder, Elder.id == Wearable.elder_id)
        .where(Elder.is_active.is_(True), Wearable.silent_since.is_(None), Wearable.last_seen_at.is_not(None),
               Wearable.last_seen_at >= cutoff, Wearable.elder_id.not_in(open_kinds),
               (Wearable.last_steps_at.is_(None)) | (Wearable.last_steps_at < cutoff))
        .order_by(Wearable.id)
        .limit(batch)
    )
    raised = 0
    for band in session.scalars(stmt).all():
        since = max(band.last_steps_at or band.bound_at, day_start)
        if now - since < span:
            continue
        elder = session.get_one(Elder, band.elder_id)
        _, created = raise_alarm(session, elder=elder, kind="inactivity", now=now,
                                 detail={"since": since.isoformat(),
                                         "minutes": int((now - since).total_seconds() // 60)})
        raised += int(created)
    return raised
