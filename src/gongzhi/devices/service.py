"""Device registry, credentials and telemetry ingestion (no HTTP, no MQTT here).

Ingestion, for one request or one MQTT batch, in the caller's transaction:
parse and validate every payload (pure; a bad one raises before anything is written),
drop in-batch duplicates, insert all readings with one multi-row
INSERT … ON CONFLICT (device_id, key, ts) DO NOTHING RETURNING (so we learn which are new),
update the devices' last_seen, and hand only the new readings to the handlers of each
device's kind. The caller commits; a handler that raises rolls all of it back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Double,
    Integer,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, subtree_area_ids
from gongzhi.auth.service import hash_token
from gongzhi.clock import local
from gongzhi.db import is_postgres
from gongzhi.devices import handlers
from gongzhi.devices import messages as _messages  # noqa: F401  (registers the i18n keys)
from gongzhi.devices.config import DeviceSettings, get_device_settings
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.devices.models import KINDS, Device, DeviceDayCount, DeviceEvent, DeviceReading, DeviceRollup
from gongzhi.errors import AppError, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gongzhi.geo.models import Area

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
KEY_MAX = 64
MIN_INTERVAL_S = 10
MAX_INTERVAL_S = 7 * 24 * 3600
# Mosquitto 2.0's own defaults for `$7$` (PBKDF2-SHA512) password hashes.
MQTT_PBKDF2_ITERATIONS = 101
MQTT_SALT_BYTES = 12
# Largest epoch-ms a datetime can hold; anything beyond is a bad timestamp, not an overflow.
_MAX_MS = 253_402_300_799_000


class TelemetryError(AppError):
    """A payload we refuse as a whole (ThingsBoard answers 400 for these)."""

    status_code = 400


@dataclass(frozen=True)
class IngestResult:
    received: int  # readings in the payload (after in-payload duplicates were dropped)
    stored: int  # readings new to the database
    duplicates: int  # readings already stored (or repeated within the payload)


# --------------------------------------------------------------------------- credentials


def new_token() -> str:
    # URL-safe so it fits in /api/v1/{token}/telemetry and in an MQTT password.
    return secrets.token_urlsafe(24)


def mqtt_password_hash(password: str, *, salt: bytes | None = None, iterations: int = MQTT_PBKDF2_ITERATIONS) -> str:
    """Mosquitto's `$7$` format: PBKDF2-SHA512, `$7$<iterations>$<b64 salt>$<b64 digest>`."""
    salt = salt if salt is not None else secrets.token_bytes(MQTT_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _set_token(device: Device, now: datetime) -> str:
    token = new_token()
    device.token_hash = hash_token(token)
    device.mqtt_password_hash = mqtt_password_hash(token)
    device.token_rotated_at = now
    return token


# --------------------------------------------------------------------------- registry


def _check_len(field: str, value: str | None, maximum: int) -> None:
    if value is not None and len(value) > maximum:
        raise Invalid("device_field_too_long", field=field, max=maximum)


def known_kinds() -> tuple[str, ...]:
    """The built-in kinds plus any kind a module registered handlers for."""
    extra = sorted(set(handlers._handlers) | set(handlers._silence_handlers))
    return tuple(dict.fromkeys((*KINDS, *extra)))


def _check_interval(expected_interval_s: int | None) -> None:
    if expected_interval_s is not None and not MIN_INTERVAL_S <= expected_interval_s <= MAX_INTERVAL_S:
        raise Invalid("device_interval_invalid")


def _check_location(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise Invalid("device_location_invalid")
    if lat is not None and lng is not None and not (
        math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
    ):
        raise Invalid("device_location_invalid")


def _check_grid(session: Session, grid_id: int | None) -> None:
    if grid_id is not None and session.get(Area, grid_id) is None:
        raise NotFound("not_found")


def _silent_after(device: Device, since: datetime, settings: DeviceSettings) -> datetime | None:
    if device.expected_interval_s is None:
        return None
    return since + timedelta(seconds=device.expected_interval_s * settings.silence_grace)


def register_device(
    session: Session,
    *,
    code: str,
    kind: str,
    grid_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    owner_ref: str | None = None,
    expected_interval_s: int | None = None,
    name: str = "",
    now: datetime,
    actor: User | None = None,
    settings: DeviceSettings | None = None,
) -> tuple[Device, str]:
    """Register a device; returns it and its plain access token (shown once, only hashes are kept)."""
    s = settings or get_device_settings()
    if not CODE_RE.match(code):
        raise Invalid("device_code_invalid")
    if kind not in known_kinds():
        raise Invalid("device_kind_invalid", kind=kind)
    _check_len("name", name, 100)
    _check_len("owner_ref", owner_ref, 100)
    _check_interval(expected_interval_s)
    _check_location(lat, lng)
    _check_grid(session, grid_id)
    if session.scalar(select(Device.id).where(Device.code == code)) is not None:
        raise Conflict("device_code_taken", code=code)
    device = Device(
        code=code, kind=kind, name=name, grid_id=grid_id, lat=lat, lng=lng, owner_ref=owner_ref,
        expected_interval_s=expected_interval_s, enabled=True, created_at=now, updated_at=now,
    )
    token = _set_token(device, now)
    # A device that never reports is silent too, counted from its registration.
    device.silent_after = _silent_after(device, now, s)
    session.add(device)
    session.flush()
    _audit(session, device, "device.registered", actor, now, {"code": code, "kind": kind, "grid_id": grid_id})
    return device, token


def _audit(session: Session, device: Device, kind: str, actor: User | None, now: datetime, data: dict[str, Any]) -> None:
    audit.append(
        session, kind=kind, subject_type="device", subject_id=device.id,
        actor_id=actor.id if actor else None, actor_name=actor.username if actor else "system",
        data=data, now=now,
    )


def update_device(
    session: Session,
    device: Device,
    *,
    now: datetime,
    actor: User | None = None,
    settings: DeviceSettings | None = None,
    **changes: Any,
) -> Device:
    """Change name, grid_id, lat/lng, owner_ref or expected_interval_s (e.g. a wearable handed to another elder)."""
    allowed = {"name", "grid_id", "lat", "lng", "owner_ref", "expected_interval_s"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    _check_len("name", changes.get("name"), 100)
    _check_len("owner_ref", changes.get("owner_ref"), 100)
    if "expected_interval_s" in changes:
        _check_interval(changes["expected_interval_s"])
    if "lat" in changes or "lng" in changes:
        _check_location(changes.get("lat", device.lat), changes.get("lng", device.lng))
    if "grid_id" in changes:
        _check_grid(session, changes["grid_id"])
    for field, value in changes.items():
        setattr(device, field, value)
    if "expected_interval_s" in changes:
        device.silent_after = _silent_after(device, device.last_seen_at or now, settings or get_device_settings())
    device.updated_at = now
    session.flush()
    _audit(session, device, "device.updated", actor, now, {k: v for k, v in changes.items()})
    return device


def set_enabled(
    session: Session, device: Device, enabled: bool, *, now: datetime, actor: User | None = None,
    settings: DeviceSettings | None = None,
) -> Device:
    """Enable or disable; a disabled device's data is refused (403) and it is never reported silent."""
    if device.enabled == enabled:
        return device
    device.enabled = enabled
    device.updated_at = now
    if enabled:
        # Silence counts afresh from re-enabling, not from before it was switched off.
        device.silent_since = None
        device.silent_after = _silent_after(device, now, settings or get_device_settings())
    session.flush()
    _audit(session, device, "device.enabled" if enabled else "device.disabled", actor, now, {"code": device.code})
    return device


def rotate_token(session: Session, device: Device, *, now: datetime, actor: User | None = None) -> str:
    """A new access token; the old one stops working at once (HTTP at once, MQTT with the next auth file)."""
    token = _set_token(device, now)
    device.updated_at = now
    session.flush()
    _audit(session, device, "device.token_rotated", actor, now, {"code": device.code})
    return token


def device_info(device: Device) -> DeviceInfo:
    return DeviceInfo(
        id=device.id, code=device.code, kind=device.kind, grid_id=device.grid_id,
        lat=device.lat, lng=device.lng, owner_ref=device.owner_ref,
    )


def get_device(session: Session, device_id: int) -> Device | None:
    return session.get(Device, device_id)


def get_device_by_code(session: Session, code: str) -> Device | None:
    return session.scalar(select(Device).where(Device.code == code))


def require_device(session: Session, code: str) -> Device:
    device = get_device_by_code(session, code)
    if device is None:
        raise NotFound("device_not_found", code=code)
    return device


def devices_by_codes(session: Session, codes: Iterable[str]) -> dict[str, Device]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    if is_postgres(session):
        # One array parameter instead of an IN list of hundreds of placeholders (an MQTT batch).
        cond = Device.code == any_(bindparam("codes", wanted, type_=postgresql.ARRAY(String)))
    else:
        cond = Device.code.in_(wanted)
    return {d.code: d for d in session.scalars(select(Device).where(cond))}


def devices_for_owner(session: Session, owner_ref: str, *, kind: str | None = None) -> list[Device]:
    stmt = select(Device).where(Device.owner_ref == owner_ref)
    if kind is not None:
        stmt = stmt.where(Device.kind == kind)
    return list(session.scalars(stmt.order_by(Device.id)))


def device_for_token(session: Session, token: str) -> Device | None:
    if not token:
        return None
    return session.scalar(select(Device).where(Device.token_hash == hash_token(token)))


def authenticate(session: Session, token: str) -> Device:
    """The enabled device of `token`: 401 unknown token, 403 disabled (ThingsBoard's answers)."""
    device = device_for_token(session, token)
    if device is None:
        raise Unauthorized("device_token_invalid")
    if not device.enabled:
        raise Forbidden("device_disabled")
    return device


def visible_devices(session: Session, viewer: User) -> Select[Device]:
    """The one scoped read: devices in the viewer's area subtree (ungridded ones: only a root-area viewer)."""
    path = area_path(session, viewer)
    in_tree = Device.grid_id.in_(subtree_area_ids(path))
    if path is not None and path.count("/") == 2:  # "/<id>/": the viewer's area is a root
        return select(Device).where(or_(in_tree, Device.grid_id.is_(None)))
    return select(Device).where(in_tree)


def visible_device(session: Session, viewer: User, code: str) -> Device:
    device = session.scalar(visible_devices(session, viewer).where(Device.code == code))
    if device is None:
        if get_device_by_code(session, code) is not None:
            raise Forbidden("device_out_of_scope")
        raise NotFound("device_not_found", code=code)
    return device


def list_devices(
    session: Session, viewer: User, *, kind: str | None = None, enabled: bool | None = None,
    silent: bool | None = None, limit: int = 100, offset: int = 0,
) -> list[Device]:
    stmt = visible_devices(session, viewer)
    if kind is not None:
        stmt = stmt.where(Device.kind == kind)
    if enabled is not None:
        stmt = stmt.where(Device.enabled.is_(enabled))
    if silent is not None:
        stmt = stmt.where(Device.silent_since.is_not(None) if silent else Device.silent_since.is_(None))
    return list(session.scalars(stmt.order_by(Device.code).limit(limit).offset(offset)))


# --------------------------------------------------------------------------- payload parsing


def parse_json(body: bytes, *, settings: DeviceSettings | None = None) -> Any:
    s = settings or get_device_settings()
    if len(body) > s.max_body_bytes:
        raise TelemetryError("telemetry_too_large", limit=s.max_body_bytes)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise TelemetryError("telemetry_not_json", detail=str(exc)[:120]) from None


def _value(key: str, raw: Any) -> float:
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int):
        try:
            value = float(raw)
        except OverflowError:
            raise TelemetryError("telemetry_not_numeric", name=key[:KEY_MAX], value=str(raw)[:60]) from None
    elif isinstance(raw, float):
        value = raw
    else:
        raise TelemetryError("telemetry_not_numeric", name=key[:KEY_MAX], value=json.dumps(raw, ensure_ascii=False)[:60])
    if not math.isfinite(value):
        raise TelemetryError("telemetry_not_numeric", name=key[:KEY_MAX], value=str(raw)[:60])
    return value


def _ts(raw: Any, now: datetime, s: DeviceSettings) -> datetime:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= _MAX_MS:
        raise TelemetryError("telemetry_bad_ts", value=json.dumps(raw)[:40])
    ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=raw)
    if ts > now + timedelta(seconds=s.future_skew_seconds):
        raise TelemetryError("telemetry_future", ts=raw, skew=s.future_skew_seconds)
    if ts < now - timedelta(days=s.retention_days):
        raise TelemetryError("telemetry_ancient", ts=raw, days=s.retention_days)
    return ts


def _values(values: Any, ts: datetime, out: list[Reading]) -> None:
    if not isinstance(values, dict):
        raise TelemetryError("telemetry_bad_shape", detail="values")
    if not values:
        raise TelemetryError("telemetry_empty")
    for key, raw in values.items():
        if not key or len(key) > KEY_MAX or not key.isprintable():
            raise TelemetryError("telemetry_bad_key", name=json.dumps(key, ensure_ascii=False)[:80])
        out.append(Reading(key=key, ts=ts, value=_value(key, raw)))


def parse_payload(payload: Any, now: datetime, *, settings: DeviceSettings | None = None) -> list[Reading]:
    """ThingsBoard's telemetry forms → readings (ordered by ts; in-payload repeats of (key, ts): first wins).

    `{"k": v, …}` (ts = now), `{"ts": ms, "values": {…}}`, or a list of either.
    Raises TelemetryError for the whole payload at the first bad part: all or nothing.
    """
    s = settings or get_device_settings()
    items = payload if isinstance(payload, list) else [payload]
    out: list[Reading] = []
    for item in items:
        if not isinstance(item, dict) or not item:
            if isinstance(item, dict):
                raise TelemetryError("telemetry_empty")
            raise TelemetryError("telemetry_bad_shape", detail=type(item).__name__)
        if "ts" in item or "values" in item:
            if set(item) != {"ts", "values"}:
                raise TelemetryError("telemetry_bad_shape", detail="ts/values")
            _values(item["values"], _ts(item["ts"], now, s), out)
        else:
            _values(item, now, out)
        if len(out) > s.max_readings_per_request:
            raise TelemetryError("telemetry_too_many", limit=s.max_readings_per_request)
    if not out:
        raise TelemetryError("telemetry_empty")
    seen: set[tuple[str, datetime]] = set()
    unique = []
    for r in out:
        if (r.key, r.ts) not in seen:
            seen.add((r.key, r.ts))
            unique.append(r)
    unique.sort(key=lambda r: r.ts)
    return unique


# --------------------------------------------------------------------------- storage


def _insert_for(session: Session, table: Table) -> Any:
    # Both dialects spell ON CONFLICT the same way but need their own construct.
    return (postgresql.insert(table) if is_postgres(session) else sqlite.insert(table))


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[tuple[int, str, datetime]]:
    """Multi-row INSERT … ON CONFLICT DO NOTHING RETURNING: the keys that were new."""
    if not rows:
        return set()
    table: Table = DeviceReading.__table__  # type: ignore[assignment]
    if is_postgres(session):
        # One statement with four array parameters: psycopg sends arrays in binary and the server
        # unnests them, far cheaper than parsing a VALUES list of thousands of placeholders.
        source = func.unnest(
            bindparam("d", [r["device_id"] for r in rows], type_=postgresql.ARRAY(Integer)),
            bindparam("k", [r["key"] for r in rows], type_=postgresql.ARRAY(String)),
            bindparam("t", [r["ts"] for r in rows], type_=postgresql.ARRAY(DateTime(timezone=True))),
            bindparam("v", [r["value"] for r in rows], type_=postgresql.ARRAY(Double)),
        ).table_valued("device_id", "key", "ts", "value").render_derived()
        pg_stmt = (
            postgresql.insert(table)
            .from_select(["device_id", "key", "ts", "value"],
                         select(source.c.device_id, source.c.key, source.c.ts, source.c.value))
            .on_conflict_do_nothing(index_elements=["device_id", "key", "ts"])
            .returning(table.c.device_id, table.c.key, table.c.ts)
        )
        return {(d, k, t) for d, k, t in session.execute(pg_stmt)}
    stmt = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=["device_id", "key", "ts"])
        .returning(table.c.device_id, table.c.key, table.c.ts)
    )
    # A list of parameter sets: SQLAlchemy's insertmanyvalues sends pages of multi-row VALUES.
    result = session.execute(stmt, rows)
    return {(d, k, t) for d, k, t in result}


def _count_days(session: Session, new: set[tuple[int, str, datetime]]) -> None:
    """Add the newly stored readings to their device's local-day counters (one upsert per batch).

    Rows go in (device, day) order so two batches touching the same devices lock them in the same
    order and cannot deadlock.
    """
    if not new:
        return
    per: dict[tuple[int, date], int] = {}
    for device_id, _, ts in new:
        key = (device_id, local(ts).date())
        per[key] = per.get(key, 0) + 1
    table: Table = DeviceDayCount.__table__  # type: ignore[assignment]
    ins = _insert_for(session, table)
    stmt = ins.on_conflict_do_update(index_elements=["device_id", "day"],
                                     set_={"count": table.c.count + ins.excluded.count})
    session.execute(stmt, [{"device_id": d, "day": day, "count": n} for (d, day), n in sorted(per.items())])


def store(
    session: Session,
    batch: Sequence[tuple[Device, Sequence[Reading]]],
    now: datetime,
    *,
    settings: DeviceSettings | None = None,
) -> list[IngestResult]:
    """Store parsed readings of several devices at once, mark them seen, hand the new readings on."""
    s = settings or get_device_settings()
    rows: list[dict[str, Any]] = []
    claimed: set[tuple[int, str, datetime]] = set()
    for device, readings in batch:
        for r in readings:
            k = (device.id, r.key, r.ts)
            if k not in claimed:  # the same reading twice in one batch (e.g. an MQTT resend)
                claimed.add(k)
                rows.append({"device_id": device.id, "key": r.key, "ts": r.ts, "value": float(r.value)})
    new = _insert_new(session, rows)
    _count_days(session, new)
    results: list[IngestResult] = []
    fresh_by_device: dict[int, tuple[Device, list[Reading]]] = {}
    for device, readings in batch:
        fresh = [r for r in readings if (device.id, r.key, r.ts) in new]
        new.difference_update((device.id, r.key, r.ts) for r in fresh)  # a repeat in the batch is no longer new
        results.append(IngestResult(received=len(readings), stored=len(fresh), duplicates=len(readings) - len(fresh)))
        entry = fresh_by_device.setdefault(device.id, (device, []))
        entry[1].extend(fresh)
    for device, fresh in fresh_by_device.values():
        _mark_seen(session, device, now, s)
        if fresh:
            fresh.sort(key=lambda r: r.ts)
            handlers.dispatch(session, device_info(device), fresh, now)
    session.flush()
    return results


def _seen_step(device: Device) -> timedelta:
    """How stale last_seen_at may get: a tenth of the interval, at most a minute. Writing it for every
    message of a chatty device would make each reading cost a row update as well as an insert."""
    if device.expected_interval_s:
        return timedelta(seconds=min(60, max(1, device.expected_interval_s // 10)))
    return timedelta(seconds=60)


def _mark_seen(session: Session, device: Device, now: datetime, s: DeviceSettings) -> None:
    if device.last_seen_at is None or now - device.last_seen_at >= _seen_step(device):
        device.last_seen_at = now
        device.silent_after = _silent_after(device, now, s)
    if device.silent_since is not None:
        session.add(DeviceEvent(
            device_id=device.id, kind="resumed", at=now,
            data={"silent_since": device.silent_since.isoformat()},
        ))
        device.silent_since = None


def ingest(
    session: Session, device: Device, payload: Any, now: datetime, *, settings: DeviceSettings | None = None
) -> IngestResult:
    """Parse, validate, dedupe, store and dispatch one payload of one device (all or nothing)."""
    if not device.enabled:
        raise Forbidden("device_disabled")
    readings = parse_payload(payload, now, settings=settings)
    return store(session, [(device, readings)], now, settings=settings)[0]


# --------------------------------------------------------------------------- reading back


def readings(
    session: Session, device_id: int, *, key: str | None = None, since: datetime | None = None,
    until: datetime | None = None, limit: int = 1000,
) -> list[tuple[str, Reading]]:
    """Raw readings, newest first, as (key, Reading)."""
    stmt = select(DeviceReading).where(DeviceReading.device_id == device_id)
    if key is not None:
        stmt = stmt.where(DeviceReading.key == key)
    if since is not None:
        stmt = stmt.where(DeviceReading.ts >= since)
    if until is not None:
        stmt = stmt.where(DeviceReading.ts < until)
    rows = session.scalars(stmt.order_by(DeviceReading.ts.desc(), DeviceReading.key).limit(limit))
    return [(r.key, Reading(key=r.key, ts=r.ts, value=r.value)) for r in rows]


def latest(session: Session, device_id: int) -> dict[str, Reading]:
    """The newest reading of each key of a device."""
    newest = (
        select(DeviceReading.key, func.max(DeviceReading.ts).label("ts"))
        .where(DeviceReading.device_id == device_id)
        .group_by(DeviceReading.key)
        .subquery()
    )
    stmt = select(DeviceReading).join(
        newest, and_(DeviceReading.key == newest.c.key, DeviceReading.ts == newest.c.ts)
    ).where(DeviceReading.device_id == device_id)
    return {r.key: Reading(key=r.key, ts=r.ts, value=r.value) for r in session.scalars(stmt)}


@dataclass(frozen=True)
class HourStat:
    hour: datetime
    count: int
    min: float
    max: float
    avg: float


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def hourly(session: Session, device_id: int, key: str, since: datetime, until: datetime) -> list[HourStat]:
    """Hourly count/min/max/avg: stored rollups for pruned hours, computed from raw readings for the rest."""
    stats: dict[datetime, list[float]] = {}
    for r in session.scalars(
        select(DeviceRollup).where(
            DeviceRollup.device_id == device_id, DeviceRollup.key == key,
            DeviceRollup.hour >= _hour(since), DeviceRollup.hour < until,
        )
    ):
        stats[r.hour] = [r.count, r.min, r.max, r.sum]
    for ts, value in session.execute(
        select(DeviceReading.ts, DeviceReading.value).where(
            DeviceReading.device_id == device_id, DeviceReading.key == key,
            DeviceReading.ts >= _hour(since), DeviceReading.ts < until,
        )
    ):
        h = _hour(ts)
        cur = stats.get(h)
        if cur is None:
            stats[h] = [1, value, value, value]
        else:
            cur[0] += 1
            cur[1] = min(cur[1], value)
            cur[2] = max(cur[2], value)
            cur[3] += value
    return [
        HourStat(hour=h, count=int(c), min=lo, max=hi, avg=total / c)
        for h, (c, lo, hi, total) in sorted(stats.items())
    ]


# --------------------------------------------------------------------------- retention


def prune(session: Session, now: datetime, *, settings: DeviceSettings | None = None, max_hours: int = 24) -> int:
    """Fold raw readings of whole hours past retention into rollups and delete them; drop old rollups.

    The cutoff is an hour boundary at or before now − retention, and ingestion refuses readings older
    than now − retention, so a pruned hour never gets another reading: its rollup is final.
    DELETE … RETURNING hands each row to exactly one worker, so concurrent sweeps never count twice.
    Returns the number of raw readings folded.
    """
    s = settings or get_device_settings()
    cutoff = _hour(now - timedelta(days=s.retention_days))
    folded = 0
    for _ in range(max_hours):
        oldest = session.scalar(select(func.min(DeviceReading.ts)).where(DeviceReading.ts < cutoff))
        if oldest is None:
            break
        start = _hour(oldest)
        end = min(start + timedelta(hours=1), cutoff)
        table: Table = DeviceReading.__table__  # type: ignore[assignment]
        gone = session.execute(
            delete(table).where(table.c.ts >= start, table.c.ts < end)
            .returning(table.c.device_id, table.c.key, table.c.value)
        ).all()
        agg: dict[tuple[int, str], list[float]] = {}
        for device_id, key, value in gone:
            cur = agg.get((device_id, key))
            if cur is None:
                agg[(device_id, key)] = [1, value, value, value]
            else:
                cur[0] += 1
                cur[1] = min(cur[1], value)
                cur[2] = max(cur[2], value)
                cur[3] += value
        _merge_rollups(session, start, agg)
        folded += len(gone)
    rollup_cutoff = _hour(now - timedelta(days=s.rollup_retention_days))
    session.execute(delete(DeviceRollup).where(DeviceRollup.hour < rollup_cutoff))
    session.execute(delete(DeviceDayCount).where(DeviceDayCount.day < local(rollup_cutoff).date()))
    return folded


def _merge_rollups(session: Session, hour: datetime, agg: dict[tuple[int, str], list[float]]) -> None:
    if not agg:
        return
    table: Table = DeviceRollup.__table__  # type: ignore[assignment]
    ins = _insert_for(session, table)
    ex = ins.excluded
    stmt = ins.on_conflict_do_update(
        index_elements=["device_id", "key", "hour"],
        set_={
            "count": table.c.count + ex.count,
            "min": func.min(table.c.min, ex.min) if not is_postgres(session) else func.least(table.c.min, ex.min),
            "max": func.max(table.c.max, ex.max) if not is_postgres(session) else func.greatest(table.c.max, ex.max),
            "sum": table.c.sum + ex.sum,
        },
    )
    session.execute(stmt, [
        {"device_id": d, "key": k, "hour": hour, "count": int(c), "min": lo, "max": hi, "sum": total}
        for (d, k), (c, lo, hi, total) in sorted(agg.items())
    ])
