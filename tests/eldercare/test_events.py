"""Each event kind, from the band's readings (or the devices sweep) to an alarm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.eldercare.conftest import ElderWorld

from gongzhi.eldercare import tasks
from gongzhi.eldercare.events import baseline_deviates
from gongzhi.eldercare.models import Vital, Wearable


def test_fall_flag(world: ElderWorld) -> None:
    world.send(("fall", 1), ("heart_rate", 80))
    [alarm] = world.alarms("fall")
    assert alarm.detail["source"] == "device_flag" and alarm.severity == "emergency"
    world.send(("fall", 0))
    assert len(world.alarms("fall")) == 1 and world.alarms("fall")[0].repeat_count == 1


def test_fall_from_impact_then_stillness(world: ElderWorld) -> None:
    t = world.now
    series = [("acc", t, 1.0), ("acc", t + timedelta(seconds=1), 3.4)]
    series += [("acc", t + timedelta(seconds=2 + i), 1.02) for i in range(5)]
    world.send_series(series)
    [alarm] = world.alarms("fall")
    assert alarm.detail["source"] == "acceleration"


def test_impact_then_getting_up_is_no_fall(world: ElderWorld) -> None:
    t = world.now
    # A jump (peak) then walking (accelerations swing): never five still readings in a row.
    series = [("acc", t, 3.0)] + [("acc", t + timedelta(seconds=1 + i), 1.0 if i % 2 else 1.6) for i in range(12)]
    world.send_series(series)
    assert world.alarms("fall") == []


def test_stillness_split_across_batches(world: ElderWorld) -> None:
    t = world.now
    world.send_series([("acc", t, 2.8), ("acc", t + timedelta(seconds=1), 1.0), ("acc", t + timedelta(seconds=2), 1.0)])
    assert world.alarms("fall") == []
    world.send_series([("acc", t + timedelta(seconds=3 + i), 0.98) for i in range(3)])
    assert len(world.alarms("fall")) == 1


def test_sos(world: ElderWorld) -> None:
    world.send(("sos", 1))
    assert world.alarms("sos")[0].status == "active"


def test_low_battery(world: ElderWorld) -> None:
    world.send(("battery", 40))
    assert world.alarms("low_battery") == []
    world.send(("battery", 9))
    [alarm] = world.alarms("low_battery")
    assert alarm.detail["battery"] == 9 and alarm.emergency_at is None
    # Not the doctor's business: the family is asked to charge it.
    assert [(c.role, c.user_id) for c in world.calls(alarm)] == [("family", world.son.id)]


def test_news2_medium_on_partial_vitals(world: ElderWorld) -> None:
    world.send(("heart_rate", 118), ("spo2", 93), ("temperature", 38.4))  # 2 + 2 + 1 = 5
    [alarm] = world.alarms("vitals")
    assert (alarm.detail["news2_total"], alarm.detail["news2_band"], alarm.severity) == (5, "medium", "urgent")
    assert "systolic_bp" in alarm.detail["missing"]
    assert alarm.emergency_at is None  # medium: urgent response, no 120


def test_news2_high_calls_120(world: ElderWorld) -> None:
    world.send(("heart_rate", 135), ("spo2", 90), ("temperature", 39.4))  # 3 + 3 + 2 = 8
    [alarm] = world.alarms("vitals")
    assert alarm.detail["news2_band"] == "high" and alarm.emergency_at == world.now
    assert [c.role for c in world.calls(alarm)] == ["doctor", "emergency"]


def test_medium_then_high_upgrades_and_calls_120_once(world: ElderWorld) -> None:
    world.send(("heart_rate", 118), ("spo2", 93), ("temperature", 38.4))
    world.advance(30)
    world.send(("heart_rate", 135), ("spo2", 90), ("temperature", 39.4))
    world.advance(30)
    world.send(("heart_rate", 136), ("spo2", 90), ("temperature", 39.4))
    [alarm] = world.alarms("vitals")
    assert (alarm.repeat_count, alarm.severity) == (3, "emergency")
    assert [c.role for c in world.calls(alarm)].count("emergency") == 1


def test_normal_vitals_are_stored_and_raise_nothing(world: ElderWorld) -> None:
    world.send(("heart_rate", 72), ("spo2", 97), ("temperature", 36.6), ("heart_rate_bogus", 1))
    assert world.alarms() == []
    vital = world.session.scalars(select(Vital).where(Vital.elder_id == world.elder.id)).one()
    assert (vital.pulse, vital.news2_total, vital.news2_band) == (72, 0, "low")


def test_baseline_deviation_needs_consecutive_readings(world: ElderWorld) -> None:
    start = world.now
    for i in range(20):  # the elder's own normal: 60–64 bpm
        world.send(("heart_rate", 60 + i % 5), at=start + timedelta(minutes=i))
    # 88 bpm scores 0 in NEWS2 but is far off this elder's median.
    world.send(("heart_rate", 88), at=start + timedelta(minutes=21))
    world.send(("heart_rate", 62), at=start + timedelta(minutes=22))  # back to normal: streak resets
    world.send(("heart_rate", 88), at=start + timedelta(minutes=23))
    world.send(("heart_rate", 89), at=start + timedelta(minutes=24))
    assert world.alarms("baseline") == []
    world.send(("heart_rate", 90), at=start + timedelta(minutes=25))
    [alarm] = world.alarms("baseline")
    assert alarm.detail["streak"] == 3 and alarm.detail["median"] in (62, 62.0)
    assert world.alarms("vitals") == []


def test_baseline_rule() -> None:
    history = [70.0, 71, 69, 70, 72, 70, 68, 70, 71, 70]
    assert not baseline_deviates(80, history, 4.0)  # within 4 × max(MAD, 3 bpm) = 12
    assert baseline_deviates(83, history, 4.0)
    assert not baseline_deviates(150, history[:5], 4.0)  # too little history for a baseline


def test_inactivity_in_daytime_only(world: ElderWorld) -> None:
    # 08:00 Shanghai = 00:00 UTC. Steps at 08:30, then the band keeps reporting pulse but no steps.
    day = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    world.clock.set(day + timedelta(minutes=30))
    world.send(("steps", 120), ("heart_rate", 70))
    for minutes in (60, 120, 180, 209):
        world.clock.set(day + timedelta(minutes=minutes))
        world.send(("heart_rate", 70), ("steps", 0))
        assert tasks.sweep(world.session, world.now) == 0, minutes
    world.clock.set(day + timedelta(minutes=211))  # 3 h after the last steps
    world.send(("heart_rate", 70))
    assert tasks.sweep(world.session, world.now) == 1
    assert len(world.alarms("inactivity")) == 1
    assert tasks.sweep(world.session, world.now) == 0  # the open alarm is not raised again


def test_no_inactivity_alarm_at_night(world: ElderWorld) -> None:
    # 23:00 Shanghai: sleeping is not inactivity.
    night = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    band = world.session.scalars(select(Wearable)).one()
    band.last_steps_at = night - timedelta(hours=8)
    world.clock.set(night)
    world.send(("heart_rate", 60))
    assert tasks.sweep(world.session, world.now) == 0


def test_unbound_band_is_bound_by_owner_ref_or_ignored(world: ElderWorld) -> None:
    from gongzhi.devices.handlers import DeviceInfo, Reading
    from gongzhi.eldercare.events import handle_readings

    stray = DeviceInfo(id=9, code="BAND-X", kind="wearable", grid_id=None, lat=None, lng=None, owner_ref=None)
    handle_readings(world.session, stray, [Reading("sos", world.now, 1)], world.now)
    assert world.alarms() == []
    owned = DeviceInfo(id=10, code="BAND-2", kind="wearable", grid_id=None, lat=None, lng=None,
                       owner_ref=f"elder:{world.elder.id}")
    handle_readings(world.session, owned, [Reading("sos", world.now, 1)], world.now)
    assert len(world.alarms("sos")) == 1
