"""Periodic device work: silence detection, and folding old readings into hourly rollups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.db import lock_for_update
from gongzhi.devices import handlers, service
from gongzhi.devices.config import DeviceSettings, get_device_settings
from gongzhi.devices.models import Device, DeviceEvent

SILENCE_BATCH = 500


def sweep_silence(session: Session, now: datetime, *, batch: int = SILENCE_BATCH) -> int:
    """Open a silence episode for each enabled device past `silent_after`: one event, one handler call.

    Rows are claimed with SKIP LOCKED, so several workers share the work without double events;
    the episode stays open (silent_since set) until the device's next reading.
    """
    stmt = (
        select(Device)
        .where(
            Device.enabled.is_(True),
            Device.silent_since.is_(None),
            Device.silent_after.is_not(None),
            Device.silent_after < now,
        )
        .order_by(Device.silent_after)
        .limit(batch)
    )
    devices = list(session.scalars(lock_for_update(stmt, session, skip_locked=True)))
    for device in devices:
        device.silent_since = now
        session.add(DeviceEvent(
            device_id=device.id, kind="silent", at=now,
            data={
                "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
                "expected_interval_s": device.expected_interval_s,
            },
        ))
        handlers.dispatch_silence(session, service.device_info(device), device.last_seen_at, now)
    session.flush()
    return len(devices)


def sweep(session: Session, now: datetime, *, settings: DeviceSettings | None = None) -> int:
    """The worker's devices pass: silence episodes opened plus raw readings folded into rollups."""
    done = sweep_silence(session, now)
    done += service.prune(session, now, settings=settings or get_device_settings())
    return done
