"""sensing.stats: advisories in force and alert episodes open at an instant, per grid, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from tests import factories
from tests.sensing.test_traffic import Street, street  # noqa: F401  (the fixture)

from gongzhi.clock import FrozenClock
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import Reading
from gongzhi.sensing import service as sensing
from gongzhi.sensing import stats, traffic
from gongzhi.sensing.models import Advisory, Episode, RoadSegment

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_a_real_advisory_is_listed_while_in_force(session: Session, street: Street) -> None:  # noqa: F811
    street.feed(5)
    traffic.refresh(session, street.clock.now())
    street.feed(30, scale=3.5)
    traffic.refresh(session, street.clock.now())
    now = street.clock.now()
    g1 = street.segment.grid_id
    count, items = stats.active_advisories(session, [g1], now)
    assert count == 1
    item = items[0]
    assert item["segment"] == "保俶路（北山街—天目山路）" and item["grid_code"] == "G1" and item["url"] == "/citybrain"
    assert item["alternative"] == "经曙光路、杭大路绕行"
    assert item["label"].startswith("保俶路（北山街—天目山路）：") and "%" in item["label"]
    assert datetime.fromisoformat(item["issued_at"]) <= now
    other = factories.area_by_code(session, "G3").id
    assert stats.active_advisories(session, [other], now) == (0, [])
    # Before it was issued it was not in force.
    assert stats.active_advisories(session, [g1], datetime.fromisoformat(item["issued_at"]) - timedelta(seconds=1))[0] == 0


def _segment(session: Session, code: str, grid_id: int) -> RoadSegment:
    seg = RoadSegment(code=code, name=f"路段{code}", grid_id=grid_id, detector_codes=["TD-X"], capacity=100.0,
                      alternative="绕行", created_at=T0)
    session.add(seg)
    session.flush()
    return seg


def test_in_force_rules_and_order(session: Session) -> None:
    areas = factories.build_area_tree(session)
    g1, g3 = areas["G1"].id, areas["G3"].id
    s1, s3 = _segment(session, "A", g1), _segment(session, "B", g3)
    now = T0

    def advisory(seg: RoadSegment, issued: timedelta, closed: timedelta | None = None) -> Advisory:
        a = Advisory(segment_id=seg.id, grid_id=seg.grid_id, issued_at=now + issued, level="congested", ratio=0.9,
                     alternative="绕行", recipients=0, closed_at=None if closed is None else now + closed)
        session.add(a)
        session.flush()
        return a

    old_open = advisory(s1, -timedelta(hours=3))
    closed_before = advisory(s1, -timedelta(hours=2), -timedelta(hours=1))
    closed_after = advisory(s3, -timedelta(hours=1), timedelta(minutes=5))  # still in force at now
    future = advisory(s3, timedelta(minutes=1))
    count, items = stats.active_advisories(session, [g1, g3], now)
    assert count == 2
    assert [i["id"] for i in items] == [closed_after.id, old_open.id]
    assert items[0]["label"] == "路段B：拥堵（约为通行能力的 90%）"
    assert stats.active_advisories(session, [g1, g3], now, lang="en")[1][0]["label"] == \
        "路段B: congested (about 90% of capacity)"
    count, items = stats.active_advisories(session, [g1, g3], now, limit=1)
    assert count == 2 and [i["id"] for i in items] == [closed_after.id]
    # An hour earlier, the one closed at now - 1 h was in force, the later ones not yet.
    assert [i["id"] for i in stats.active_advisories(session, [g1], now - timedelta(hours=1, minutes=30))[1]] == [
        closed_before.id, old_open.id]
    assert future.id not in [i["id"] for i in stats.active_advisories(session, [g3], now)[1]]
    assert stats.active_advisories(session, [], now) == (0, [])


def test_open_alerts(session: Session, clock: FrozenClock) -> None:
    areas = factories.build_area_tree(session)
    g1, g2, g3 = areas["G1"].id, areas["G2"].id, areas["G3"].id
    now = T0
    lng, lat = factories.point_in("G1")
    smoke, _ = devices.register_device(session, code="SMK-1", kind="smoke_detector", grid_id=g1, lat=lat, lng=lng,
                                       owner_ref="宝石一网格 3 幢", now=now - timedelta(days=1))
    # A real smoke alarm 10 minutes ago: an episode with its case.
    sensing.handle_alarm(session, devices.device_info(smoke), [Reading("smoke", now - timedelta(minutes=10), 1.0)],
                         now - timedelta(minutes=10))
    session.flush()

    def episode(kind: str, grid_id: int, opened: timedelta, last: timedelta, closed: timedelta | None = None) -> Episode:
        e = Episode(device_id=900 + grid_id, device_code=f"DEV-{kind}", kind=kind, grid_id=grid_id, place=f"{kind}地点",
                    opened_at=now + opened, last_at=now + last, closed_at=None if closed is None else now + closed,
                    count=1, evidence={})
        session.add(e)
        session.flush()
        return e

    crowd = episode("crowd", g2, -timedelta(minutes=5), -timedelta(minutes=1))
    episode("gas", g3, -timedelta(hours=3), -timedelta(hours=2))  # quiet for 2 h: over (60 min rule)
    episode("crowd", g3, -timedelta(hours=1), -timedelta(minutes=30), -timedelta(minutes=20))  # closed
    episode("door_forced", g1, -timedelta(minutes=2), -timedelta(minutes=2))  # not an alert kind
    gas = episode("gas", g3, -timedelta(hours=1), -timedelta(minutes=59))  # repeat within the hour: open

    count, items = stats.open_alerts(session, [g1, g2, g3], now)
    assert count == 3
    assert [i["kind"] for i in items] == ["crowd", "smoke", "gas"]  # newest opened first
    assert items[0]["id"] == crowd.id and items[0]["url"] == "/citybrain" and items[0]["grid_code"] == "G2"
    assert items[0]["label"] == "异常聚集：crowd地点"
    fire = items[1]
    assert fire["case_id"] is not None and fire["url"] == f"/cases/{fire['case_id']}"
    assert fire["label"] == "烟雾报警：宝石一网格 3 幢" and fire["opened_at"] == "2026-11-23T01:50:00+00:00"
    assert items[2]["id"] == gas.id
    assert stats.open_alerts(session, [g1, g2, g3], now, kinds=("door_forced",))[0] == 1
    assert stats.open_alerts(session, [g1], now) [0] == 1
    assert stats.open_alerts(session, [g1, g2, g3], now, limit=2)[0] == 3
    # Two minutes later the gas episode has gone quiet for over an hour.
    assert stats.open_alerts(session, [g3], now + timedelta(minutes=2)) == (0, [])
    assert stats.open_alerts(session, [], now) == (0, [])
