"""eldercare.stats: alarm response by cohort (raised_at), percentiles, coverage rules, open alarms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests import factories
from tests.eldercare.conftest import ElderWorld, make_world

import gongzhi.eldercare.handlers  # noqa: F401  (the wearable handler, as the app registers it)
from gongzhi.clock import FrozenClock
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.eldercare import service, stats
from gongzhi.eldercare.events import handle_readings, handle_silence
from gongzhi.eldercare.models import Alarm, Elder
from gongzhi.eldercare.stats import AlarmTotals, Coverage, percentile
from gongzhi.i18n import translate

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NOV = (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
NOV_DEC = (NOV[0], datetime(2026, 12, 31, 16, 0, tzinfo=UTC))


def add_elder(w: ElderWorld, name: str, grid: str, seq: int, *, doctor: bool = True) -> Elder:
    data = service.ElderData(name=name, id_number=factories.id_number("19400101", seq=f"{seq:03d}"), grid_code=grid,
                             doctor_username="yisheng" if doctor else None)
    return service.create_elder(w.session, actor=w.admin, data=data, now=w.now)


def band(w: ElderWorld, elder: Elder, code: str, *, registered_interval: int | None = None) -> DeviceInfo:
    """Bind a band; optionally register it in the devices registry with an expected interval."""
    service.bind_wearable(w.session, actor=w.admin, elder=elder, device_code=code, now=w.now)
    if registered_interval is None:
        return DeviceInfo(id=0, code=code, kind="wearable", grid_id=elder.grid_id, lat=None, lng=None,
                          owner_ref=f"elder:{elder.id}")
    device, _ = devices.register_device(w.session, code=code, kind="wearable", grid_id=elder.grid_id,
                                        owner_ref=f"elder:{elder.id}", expected_interval_s=registered_interval,
                                        now=w.now)
    return devices.device_info(device)


def test_percentile_is_linear_interpolation() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([300.0, 60.0, 700.0], 0.5) == 300.0
    assert percentile([60.0, 300.0, 700.0], 0.9) == pytest.approx(620.0)  # h = 1.8: 300 + 0.8 × 400
    assert percentile([500.0, 1300.0], 0.5) == 900.0  # even count: mean of the middle two


# ---------------------------------------------------------------- alarms


@pytest.fixture
def alarms(session: Session, clock: FrozenClock) -> tuple[ElderWorld, dict[str, Alarm], dict[str, int]]:
    """a1 fall (ack 60 s, on scene 500 s, closed), a2 SOS (ack 700 s, on scene 1300 s), a3 vitals in
    G2 never answered, a4 low battery, a5 inactivity in G3 at 23:59:59 Nov 30 local (ack 300 s),
    a6 SOS in G3 at 00:00 Dec 1 local."""
    w = make_world(session, clock)
    e1 = w.elder  # G1
    e2 = add_elder(w, "李建国", "G1", 201)
    e3 = add_elder(w, "王桂兰", "G2", 202)
    e4 = add_elder(w, "赵福生", "G3", 203)
    e5 = add_elder(w, "钱淑珍", "G3", 204)

    def raise_(elder: Elder, kind: str, at: datetime) -> Alarm:
        alarm, created = service.raise_alarm(session, elder=elder, kind=kind, now=at)
        assert created
        return alarm

    def ack(a: Alarm, after: float) -> None:
        service.acknowledge(session, actor=w.admin, alarm_id=a.id, now=a.raised_at + timedelta(seconds=after))

    def scene(a: Alarm, after: float) -> None:
        service.on_scene(session, actor=w.admin, alarm_id=a.id, now=a.raised_at + timedelta(seconds=after))

    a1 = raise_(e1, "fall", T0)
    ack(a1, 60)
    scene(a1, 500)
    service.close(session, actor=w.admin, alarm_id=a1.id, outcome="resolved", note="已处置",
                  now=T0 + timedelta(minutes=30))
    a2 = raise_(e2, "sos", T0 + timedelta(hours=1))
    ack(a2, 700)
    scene(a2, 1300)
    a3 = raise_(e3, "vitals", T0 + timedelta(hours=2))
    a4 = raise_(e1, "low_battery", T0 + timedelta(hours=3))
    a5 = raise_(e4, "inactivity", datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC))
    ack(a5, 300)
    a6 = raise_(e5, "sos", datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    grids = {c: factories.area_by_code(session, c).id for c in ("G1", "G2", "G3")}
    return w, {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6}, grids


Alarms = tuple[ElderWorld, dict[str, Alarm], dict[str, int]]


def test_alarm_totals_november(session: Session, alarms: Alarms) -> None:
    _, _, g = alarms
    got = stats.alarm_totals(session, list(g.values()), *NOV)
    # a1, a2, a3, a5 (a4 low battery is not a medical alarm; a6 is December).
    # ack [60, 300, 700]: median 300, p90 300 + 0.8 × 400 = 620; scene [500, 1300]: median 900.
    total = got[None]
    assert total.ack_p90_seconds is not None and total.scene_p90_seconds is not None
    assert abs(total.ack_p90_seconds - 620.0) < 1e-9 and abs(total.scene_p90_seconds - 1220.0) < 1e-9
    assert got == {None: AlarmTotals(
        raised=4, acknowledged=3, on_scene=2, ack_within_10min=2, ack_median_seconds=300.0,
        ack_p90_seconds=total.ack_p90_seconds, scene_median_seconds=900.0, scene_p90_seconds=total.scene_p90_seconds,
        scene_within_10min=1)}


def test_alarm_totals_groups(session: Session, alarms: Alarms) -> None:
    _, _, g = alarms
    by_grid = stats.alarm_totals(session, list(g.values()), *NOV, group="grid")
    assert {k: (v.raised, v.acknowledged, v.ack_median_seconds) for k, v in by_grid.items()} == {
        g["G1"]: (2, 2, 380.0), g["G2"]: (1, 0, None), g["G3"]: (1, 1, 300.0)}
    by_kind = stats.alarm_totals(session, list(g.values()), *NOV, group="kind")
    assert {k: v.raised for k, v in by_kind.items()} == {"fall": 1, "sos": 1, "vitals": 1, "inactivity": 1}
    with_battery = stats.alarm_totals(session, list(g.values()), *NOV, group="kind", include_non_medical=True)
    assert with_battery["low_battery"].raised == 1 and with_battery["low_battery"].acknowledged == 0
    assert stats.alarm_totals(session, [g["G2"]], *NOV)[None] == AlarmTotals(raised=1)
    assert stats.alarm_totals(session, [], *NOV) == {None: AlarmTotals()}


def test_alarm_month_boundary_in_shanghai(session: Session, alarms: Alarms) -> None:
    _, _, g = alarms
    by_month = stats.alarm_totals(session, list(g.values()), *NOV_DEC, group="month")
    assert {k: v.raised for k, v in by_month.items()} == {date(2026, 11, 1): 4, date(2026, 12, 1): 1}
    assert stats.alarm_totals(session, [g["G3"]], NOV[1], NOV_DEC[1])[None].raised == 1


def test_active_alarms_newest_first_and_masked(session: Session, alarms: Alarms) -> None:
    _, a, g = alarms
    count, items = stats.active_alarms(session, list(g.values()))
    assert count == 5  # a1 closed; a2 on scene, a3/a4/a6 active, a5 acknowledged
    assert [i["id"] for i in items] == [a["a6"].id, a["a5"].id, a["a4"].id, a["a3"].id, a["a2"].id]
    first = items[0]
    assert first["elder"] == "钱*珍" and "钱淑珍" not in str(items) and "张秀英" not in str(items)
    assert first["label"] == f"{translate('eldercare.kind.sos')} · 钱*珍 · {translate('eldercare.state.active')}"
    assert first["grid_code"] == "G3" and first["raised_at"] == "2026-11-30T16:00:00+00:00"
    assert first["url"] == f"/eldercare/elders/{a['a6'].elder_id}"
    assert stats.active_alarms(session, [g["G3"]], limit=1)[0] == 2
    assert [i["id"] for i in stats.active_alarms(session, [g["G3"]], limit=1)[1]] == [a["a6"].id]
    assert stats.active_alarms(session, []) == (0, [])


# ---------------------------------------------------------------- coverage


def test_coverage_rules(session: Session, clock: FrozenClock) -> None:
    w = make_world(session, clock)
    now = w.now
    g = {c: factories.area_by_code(session, c).id for c in ("G1", "G2", "G3")}
    # e1: doctor, band reported now → covered.
    w.send(("battery", 80))
    # e2: doctor, band silent (the devices sweep told eldercare) → not covered.
    e2 = add_elder(w, "李建国", "G1", 201)
    b2 = band(w, e2, "BAND-002")
    handle_readings(session, b2, [Reading("battery", now - timedelta(minutes=5), 80.0)], now)
    handle_silence(session, b2, now - timedelta(minutes=5), now)
    # e3: band fine, no doctor → not covered.
    e3 = add_elder(w, "王桂兰", "G2", 202, doctor=False)
    handle_readings(session, band(w, e3, "BAND-003"), [Reading("battery", now, 80.0)], now)
    # e4: registered band (60 s interval) last seen 10 min ago: past its silence window (150 s)
    # although the sweep has not run yet → not covered.
    e4 = add_elder(w, "赵福生", "G3", 203)
    band(w, e4, "BAND-004", registered_interval=60)
    d4 = devices.require_device(session, "BAND-004")
    devices.store(session, [(d4, [Reading("battery", now - timedelta(minutes=10), 80.0)])], now - timedelta(minutes=10))
    # e5: band last reported 25 h ago → not covered.
    e5 = add_elder(w, "钱淑珍", "G3", 204)
    handle_readings(session, band(w, e5, "BAND-005"), [Reading("battery", now - timedelta(hours=25), 80.0)], now)
    # e6: deactivated → not registered at all.
    e6 = add_elder(w, "孙大海", "G1", 205)
    handle_readings(session, band(w, e6, "BAND-006"), [Reading("battery", now, 80.0)], now)
    e6.is_active = False
    # e7: registered band (1 h interval) seen 10 min ago → covered.
    e7 = add_elder(w, "周玉梅", "G3", 206)
    band(w, e7, "BAND-007", registered_interval=3600)
    d7 = devices.require_device(session, "BAND-007")
    devices.store(session, [(d7, [Reading("battery", now - timedelta(minutes=10), 80.0)])], now - timedelta(minutes=10))
    session.flush()

    grids = list(g.values())
    assert stats.coverage(session, grids, now) == {None: Coverage(registered=6, covered=2)}
    assert stats.coverage(session, grids, now, group="grid") == {
        g["G1"]: Coverage(2, 1), g["G2"]: Coverage(1, 0), g["G3"]: Coverage(3, 1)}
    by_grid = stats.coverage(session, grids, now, group="grid")
    assert sum(by_grid.values(), Coverage(0, 0)) == Coverage(6, 2)
    # A day later nobody has reported: nobody is covered.
    assert stats.coverage(session, grids, now + timedelta(hours=25)) == {None: Coverage(6, 0)}
    # The silent band reports again: e2 is covered once more.
    handle_readings(session, b2, [Reading("battery", now, 81.0)], now)
    session.flush()
    assert stats.coverage(session, [g["G1"]], now) == {None: Coverage(2, 2)}
    assert stats.coverage(session, [], now) == {None: Coverage(0, 0)}
