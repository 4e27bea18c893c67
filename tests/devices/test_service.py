from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.devices.helpers import Recorder, ms
from tests.factories import T0, area_by_code, make_area_tree

from gongzhi.audit.models import AuditEntry
from gongzhi.auth.service import hash_token
from gongzhi.devices import handlers, service
from gongzhi.devices.config import DeviceSettings
from gongzhi.devices.models import Device, DeviceReading, DeviceRollup
from gongzhi.errors import Conflict, Forbidden, Invalid, Unauthorized

KIND = "svc_test_kind"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    handlers.register(KIND, rec)
    yield rec
    handlers._handlers[KIND].remove(rec)


def _count(session: Session, device: Device) -> int:
    return session.scalar(select(func.count()).select_from(DeviceReading).where(DeviceReading.device_id == device.id)) or 0


def test_register_stores_only_hashes_and_token_authenticates(session: Session) -> None:
    make_area_tree(session)
    grid = area_by_code(session, "G1")
    device, token = service.register_device(
        session, code="W-001", kind="wearable", grid_id=grid.id, owner_ref="elder:1", expected_interval_s=60, now=T0
    )
    assert token not in (device.token_hash, device.mqtt_password_hash)
    assert device.token_hash == hash_token(token)
    assert device.mqtt_password_hash.startswith("$7$101$")
    assert service.authenticate(session, token).id == device.id
    assert service.device_info(device).owner_ref == "elder:1"
    assert service.devices_for_owner(session, "elder:1", kind="wearable") == [device]
    # Registration is in the audit chain.
    kinds = session.scalars(select(AuditEntry.kind).where(AuditEntry.subject_type == "device",
                                                         AuditEntry.subject_id == str(device.id))).all()
    assert "device.registered" in kinds


def test_register_rejects_bad_input(session: Session) -> None:
    service.register_device(session, code="X1", kind="smoke_detector", now=T0)
    with pytest.raises(Conflict):
        service.register_device(session, code="X1", kind="smoke_detector", now=T0)
    with pytest.raises(Invalid):
        service.register_device(session, code="bad/code", kind="smoke_detector", now=T0)
    with pytest.raises(Invalid):
        service.register_device(session, code="X2", kind="toaster", now=T0)
    with pytest.raises(Invalid):
        service.register_device(session, code="X3", kind="wearable", expected_interval_s=1, now=T0)
    with pytest.raises(Invalid):
        service.register_device(session, code="X4", kind="wearable", lat=30.0, now=T0)


def test_rotate_and_disable(session: Session) -> None:
    device, old = service.register_device(session, code="D1X", kind="door_lock", now=T0)
    new = service.rotate_token(session, device, now=T0)
    assert new != old
    with pytest.raises(Unauthorized):
        service.authenticate(session, old)
    assert service.authenticate(session, new).id == device.id
    service.set_enabled(session, device, False, now=T0)
    with pytest.raises(Forbidden):
        service.authenticate(session, new)
    with pytest.raises(Forbidden):
        service.ingest(session, device, {"open": 1}, T0)


def test_every_payload_form_and_dedupe(session: Session, recorder: Recorder) -> None:
    device, _ = service.register_device(session, code="P1", kind=KIND, now=T0)
    t1 = T0 - timedelta(minutes=2)
    r = service.ingest(session, device, {"temp": 21.5, "alarm": True}, T0)
    assert (r.stored, r.duplicates) == (2, 0)
    r = service.ingest(session, device, {"ts": ms(t1), "values": {"temp": 20}}, T0)
    assert r.stored == 1
    r = service.ingest(session, device, [{"ts": ms(t1), "values": {"temp": 20}}, {"ts": ms(t1) + 1, "values": {"temp": 19}}], T0)
    assert (r.stored, r.duplicates) == (1, 1)
    # The same payload again: stored once, the handler sees nothing new.
    before = len(recorder.readings)
    r = service.ingest(session, device, {"temp": 21.5, "alarm": True}, T0)
    assert (r.stored, r.duplicates) == (0, 2)
    assert len(recorder.readings) == before
    assert _count(session, device) == 4
    got = {(x.key, x.ts, x.value) for x in recorder.readings}
    assert got == {("temp", T0, 21.5), ("alarm", T0, 1.0), ("temp", t1, 20.0),
                   ("temp", t1 + timedelta(milliseconds=1), 19.0)}
    assert device.last_seen_at == T0


@pytest.mark.parametrize(
    "payload",
    [
        {"temp": "hot"},
        {"temp": None},
        {"temp": {"nested": 1}},
        {"temp": [1, 2]},
        {"temp": 10**400},
        {"t\u0000": 1},
        {"ts": 1, "values": {"temp": 1}},  # ancient (1970)
        {"ts": "now", "values": {"temp": 1}},
        {"ts": 1.5, "values": {"temp": 1}},
        {"ts": 10**18, "values": {"temp": 1}},
        {"ts": 1},
        {"values": {"temp": 1}},
        {"ts": 1, "values": {"temp": 1}, "extra": 2},
        {},
        [],
        "text",
        5,
        [{"ok": 1}, "x"],
        {"": 1},
    ],
)
def test_bad_payload_refused_whole(session: Session, recorder: Recorder, payload: object) -> None:
    device, _ = service.register_device(session, code="B1", kind=KIND, now=T0)
    with pytest.raises(service.TelemetryError):
        # A good part before the bad one must not be stored either.
        service.ingest(session, device, [{"good": 1}, payload] if isinstance(payload, dict) else payload, T0)
    assert _count(session, device) == 0
    assert recorder.calls == []


def test_future_and_retention_bounds(session: Session) -> None:
    settings = DeviceSettings(future_skew_seconds=60, retention_days=7)
    device, _ = service.register_device(session, code="F1", kind="wearable", now=T0)
    ok_future = T0 + timedelta(seconds=59)
    service.ingest(session, device, {"ts": ms(ok_future), "values": {"hr": 70}}, T0, settings=settings)
    with pytest.raises(service.TelemetryError) as err:
        service.ingest(session, device, {"ts": ms(T0 + timedelta(seconds=61)), "values": {"hr": 70}}, T0,
                       settings=settings)
    assert err.value.code == "telemetry_future"
    with pytest.raises(service.TelemetryError) as err:
        service.ingest(session, device, {"ts": ms(T0 - timedelta(days=7, seconds=1)), "values": {"hr": 70}}, T0,
                       settings=settings)
    assert err.value.code == "telemetry_ancient"


def test_store_batches_many_devices_and_dispatches_new_only(session: Session, recorder: Recorder) -> None:
    a, _ = service.register_device(session, code="BA", kind=KIND, now=T0)
    b, _ = service.register_device(session, code="BB", kind=KIND, now=T0)
    service.ingest(session, a, {"ts": ms(T0), "values": {"x": 1}}, T0)
    recorder.calls.clear()
    ra = service.parse_payload([{"ts": ms(T0), "values": {"x": 1}}, {"ts": ms(T0) - 5, "values": {"x": 2}}], T0)
    rb = service.parse_payload({"ts": ms(T0), "values": {"x": 3}}, T0)
    # Device a twice in one batch (an MQTT redelivery next to the original): counted once.
    results = service.store(session, [(a, ra), (b, rb), (a, ra)], T0)
    assert [(r.stored, r.duplicates) for r in results] == [(1, 1), (1, 0), (0, 2)]
    by_code = {d.code: [x.value for x in rs] for d, rs in recorder.calls}
    assert by_code == {"BA": [2.0], "BB": [3.0]}


def test_prune_folds_old_hours_into_rollups(session: Session) -> None:
    settings = DeviceSettings(retention_days=2, rollup_retention_days=10)
    device, _ = service.register_device(session, code="R1", kind="traffic_detector", now=T0)
    base = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    values = [(base + timedelta(minutes=5 * i), float(i)) for i in range(24)]  # two hours, 12 each
    service.store(session, [(device, [service.Reading(key="count", ts=t, value=v) for t, v in values])],
                  base, settings=settings)
    before = service.hourly(session, device.id, "count", base, base + timedelta(hours=2))
    later = base + timedelta(days=2, hours=1, minutes=30)  # cutoff = base + 1 h: only the first hour goes
    assert service.prune(session, later, settings=settings) == 12
    assert _count(session, device) == 12
    rollups = session.scalars(select(DeviceRollup).where(DeviceRollup.device_id == device.id)).all()
    assert [(r.hour, r.count, r.min, r.max, r.sum) for r in rollups] == [(base, 12, 0.0, 11.0, 66.0)]
    # The hourly view is the same before and after pruning.
    after = service.hourly(session, device.id, "count", base, base + timedelta(hours=2))
    assert after == before
    assert [(h.count, h.avg) for h in after] == [(12, 5.5), (12, 17.5)]
    # Rollups go too once past their own retention.
    service.prune(session, base + timedelta(days=11), settings=settings)
    assert session.scalar(select(func.count()).select_from(DeviceRollup).where(DeviceRollup.device_id == device.id)) == 0


def test_merge_rollups_adds_to_existing(session: Session) -> None:
    device, _ = service.register_device(session, code="R2", kind="traffic_detector", now=T0)
    hour = datetime(2026, 11, 1, 3, tzinfo=UTC)
    service._merge_rollups(session, hour, {(device.id, "k"): [2, 1.0, 5.0, 6.0]})
    service._merge_rollups(session, hour, {(device.id, "k"): [1, -1.0, 2.0, -1.0]})
    r = session.scalars(select(DeviceRollup).where(DeviceRollup.device_id == device.id)).one()
    assert (r.count, r.min, r.max, r.sum) == (3, -1.0, 5.0, 5.0)
