"""Road congestion levels now and +30 min from the detectors' forecasts, and detour advisories
sent once per congestion episode to the residents following the area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.clock import FrozenClock, local
from gongzhi.devices import service as devices
from gongzhi.devices.handlers import Reading
from gongzhi.devices.models import Device
from gongzhi.errors import Conflict, Invalid
from gongzhi.notify import service as notify
from gongzhi.notify.models import OutboxMessage
from gongzhi.sensing import tasks, traffic
from gongzhi.sensing.models import Advisory, RoadSegment
from gongzhi.simulate.traffic import TrafficSpec, generate

DAYS = 8
PER_DAY = 288


@dataclass
class Street:
    session: Session
    clock: FrozenClock
    detectors: list[Device]
    counts: np.ndarray  # (detectors, slots); slot DAYS*PER_DAY is the clock's start
    segment: RoadSegment
    follower_c1: int
    follower_g3: int

    def feed(self, minutes: int, scale: float = 1.0) -> None:
        """Move the clock `minutes` on, storing each detector's 5-minute counts on the way."""
        for _ in range(minutes // 5):
            self.clock.advance(timedelta(minutes=5))
            now = self.clock.now()
            k = DAYS * PER_DAY + round((now - START) / timedelta(minutes=5))
            devices.store(self.session, [
                (d, [Reading("vehicle_count", now, float(round(self.counts[n, k] * scale)))])
                for n, d in enumerate(self.detectors)
            ], now)

    def messages(self) -> list[OutboxMessage]:
        return list(self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "sensing.advisory").order_by(OutboxMessage.id)
        ))


START = factories.T0


@pytest.fixture
def street(session: Session, clock: FrozenClock) -> Street:
    return make_street(session, clock)


def make_street(session: Session, clock: FrozenClock) -> Street:
    """Grids, two detectors in G1 with eight days of history up to the clock, a segment over them,
    and residents following C1 (above G1) and G3."""
    traffic.clear_model_cache()
    areas = factories.build_area_tree(session, clock.now())
    resident = factories.make_user(session, "resident_c1", "resident")
    other = factories.make_user(session, "resident_g3", "resident", language="en")
    notify.subscribe(session, user_id=resident.id, subject_type="area", subject_id=areas["C1"].id, now=clock.now())
    notify.subscribe(session, user_id=other.id, subject_type="area", subject_id=areas["G3"].id, now=clock.now())
    spec = TrafficSpec(detectors=2, days=DAYS + 1, start=local(START) - timedelta(days=DAYS),
                       incidents_per_day=0.0, seed=11)
    _, times, counts = generate(spec)
    dets = []
    lng, lat = factories.point_in("G1")
    for n in range(2):
        device, _ = devices.register_device(
            session, code=f"TD-{n + 1}", kind="traffic_detector", grid_id=areas["G1"].id,
            lat=lat, lng=lng + 0.001 * n,
            expected_interval_s=300, now=times[0] - timedelta(hours=1))
        dets.append(device)
    # Eight days of history, a day per batch, through the ingestion path.
    for day in range(DAYS):
        batch = [(d, [Reading("vehicle_count", times[k], counts[n, k])
                      for k in range(day * PER_DAY, (day + 1) * PER_DAY)]) for n, d in enumerate(dets)]
        devices.store(session, batch, times[(day + 1) * PER_DAY - 1])
    # Ordinary traffic in the test's hours runs at about 40% of capacity.
    capacity = 2.5 * float(counts[:, DAYS * PER_DAY : DAYS * PER_DAY + 48].mean())
    segment = traffic.create_segment(
        session, code="SEG-1", name="保俶路（北山街—天目山路）", grid_id=areas["G1"].id,
        detector_codes=["TD-1", "TD-2"], capacity=capacity, alternative="经曙光路、杭大路绕行", now=clock.now())
    return Street(session, clock, dets, counts, segment, resident.id, other.id)


def test_levels_by_volume_capacity_band_and_speed() -> None:
    assert traffic.level_of(0.3) == "free"
    assert traffic.level_of(0.65) == "slow"
    assert traffic.level_of(0.85) == "congested"
    assert traffic.level_of(1.2) == "severe"
    assert traffic.level_of(None) == "unknown"
    # A jam moves few vehicles: a crawling speed raises a low count's level.
    assert traffic.level_of(0.3, speed_kmh=12.0) == "congested"
    assert traffic.level_of(0.3, speed_kmh=20.0) == "slow"
    assert traffic.level_of(1.2, speed_kmh=50.0) == "severe"


def test_segment_needs_real_traffic_detectors(session: Session, clock: FrozenClock) -> None:
    areas = factories.build_area_tree(session, clock.now())
    devices.register_device(session, code="SMK-1", kind="smoke_detector", grid_id=areas["G1"].id, now=clock.now())
    devices.register_device(session, code="TD-9", kind="traffic_detector", grid_id=areas["G1"].id, now=clock.now())
    kw = {"name": "路段", "grid_id": areas["G1"].id, "capacity": 50.0, "alternative": "", "now": clock.now()}
    with pytest.raises(Invalid) as err:
        traffic.create_segment(session, code="S1", detector_codes=["SMK-1"], **kw)  # type: ignore[arg-type]
    assert err.value.code == "sensing.segment_detector_invalid"
    with pytest.raises(Invalid):
        traffic.create_segment(session, code="S1", detector_codes=["NOPE"], **kw)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        traffic.create_segment(session, code="S1", detector_codes=[], **kw)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        traffic.create_segment(session, code="S1", detector_codes=["TD-9"],
                               **{**kw, "capacity": 0.0})  # type: ignore[arg-type]
    traffic.create_segment(session, code="S1", detector_codes=["TD-9"], **kw)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        traffic.create_segment(session, code="S1", detector_codes=["TD-9"], **kw)  # type: ignore[arg-type]


def test_ordinary_traffic_is_free_flow_and_sends_nothing(street: Street) -> None:
    street.feed(5)
    tasks.sweep(street.session, street.clock.now())
    seg = street.segment
    assert seg.level_now == "free" and seg.level_next == "free"
    assert seg.ratio_now is not None and 0 < seg.ratio_now < 0.6
    assert seg.ratio_next is not None and 0 < seg.ratio_next < 0.6
    assert seg.refreshed_at == street.clock.now()
    assert street.messages() == []


def test_forecast_congestion_sends_one_detour_advisory_per_episode(street: Street) -> None:
    street.feed(5)
    traffic.refresh(street.session, street.clock.now())
    # A surge: three times the usual flow for an hour.
    street.feed(30, scale=3.5)
    assert traffic.refresh(street.session, street.clock.now()) == 1
    seg = street.segment
    assert seg.level_now == "severe"
    assert seg.level_next in traffic.ADVISE_LEVELS
    msgs = street.messages()
    # Only the resident following the grid's community; not the one following another grid.
    assert [m.recipient for m in msgs] == [f"user:{street.follower_c1}"]
    assert "经曙光路、杭大路绕行" in msgs[0].body and "保俶路" in msgs[0].subject
    advisory = street.session.scalars(select(Advisory)).one()
    assert advisory.recipients == 1 and advisory.closed_at is None

    # Still congested: the same episode, nobody told again.
    for _ in range(6):
        street.feed(5, scale=3.5)
        traffic.refresh(street.session, street.clock.now())
    assert len(street.messages()) == 1

    # Back to normal: the episode ends only after a while of free flow now and forecast.
    closed_at = None
    for _ in range(36):
        street.feed(5)
        traffic.refresh(street.session, street.clock.now())
        if advisory.closed_at is not None:
            closed_at = advisory.closed_at
            break
    assert closed_at is not None
    assert seg.level_now == "free"
    assert len(street.messages()) == 1

    # A new surge is a new episode: a second advisory.
    street.feed(30, scale=3.5)
    traffic.refresh(street.session, street.clock.now())
    assert len(street.messages()) == 2
    assert len(list(street.session.scalars(select(Advisory)))) == 2


def test_stale_detectors_give_no_level_and_no_advisory(street: Street) -> None:
    street.feed(5, scale=3.5)
    street.clock.advance(timedelta(hours=2))  # the detectors fell silent
    traffic.refresh(street.session, street.clock.now())
    assert street.segment.level_now == "unknown" and street.segment.level_next == "unknown"
    assert street.messages() == []


def test_fitted_model_is_cached_and_refitted_after_the_interval(street: Street) -> None:
    street.feed(5)
    traffic.refresh(street.session, street.clock.now())
    (key, (fitted_at, model)), = traffic._models.items()
    assert fitted_at == street.clock.now() and model.coef  # two weeks of data: a real fit
    street.feed(30)
    traffic.refresh(street.session, street.clock.now())
    assert traffic._models[key][1] is model
    street.feed(traffic.REFIT_MINUTES)
    traffic.refresh(street.session, street.clock.now())
    assert traffic._models[key][1] is not model
    assert traffic._models[key][0] == street.clock.now()


def test_forecast_versus_actual_tracks_the_detector(street: Street) -> None:
    street.feed(60)
    cmp = traffic.forecast_vs_actual(street.session, "TD-1", street.clock.now(), hours=24)
    assert len(cmp.times) == len(cmp.actual) == len(cmp.predicted) >= 280
    actual = np.array([a for a in cmp.actual if a is not None])
    # Better than always guessing the day's mean level.
    assert cmp.mae is not None and cmp.mae < 0.5 * float(np.mean(np.abs(actual - actual.mean())))


def test_cached_history_matches_a_fresh_read_including_late_readings(street: Street) -> None:
    street.feed(5)
    traffic.refresh(street.session, street.clock.now())
    street.feed(30)
    # A reading that arrives late (stamped 20 minutes ago, after the last refresh read that far).
    late_at = street.clock.now() - timedelta(minutes=22)
    devices.store(street.session, [(street.detectors[0], [Reading("vehicle_count", late_at, 7.0)])],
                  street.clock.now())
    traffic.refresh(street.session, street.clock.now())
    now = street.clock.now()
    fresh, _ = traffic._history(street.session, ["TD-1", "TD-2"], now - timedelta(days=traffic.HISTORY_DAYS),
                                now + timedelta(seconds=1))
    cached = [(ts, code, v) for (_, code), (_, values) in traffic._series.items() for ts, v in values.items()]
    assert sorted(cached) == sorted(fresh)
    assert (late_at, "TD-1", 7.0) in cached


def test_a_crawling_speed_makes_ordinary_counts_congested_now(street: Street) -> None:
    street.feed(5)
    now = street.clock.now()
    devices.store(street.session, [(d, [Reading("speed_kmh", now, 11.0)]) for d in street.detectors], now)
    traffic.refresh(street.session, now)
    assert street.segment.ratio_now is not None and street.segment.ratio_now < 0.6
    assert street.segment.speed_now == 11.0 and street.segment.level_now == "congested"
    assert street.segment.level_next == "free"  # the forecast is of counts; no advisory
    assert street.messages() == []
    # An old speed reading does not count.
    street.feed(30)
    traffic.refresh(street.session, street.clock.now())
    assert street.segment.speed_now is None and street.segment.level_now == "free"


def test_advisory_in_each_follower_language(street: Street, session: Session) -> None:
    g1 = factories.area_by_code(session, "G1")
    notify.subscribe(session, user_id=street.follower_g3, subject_type="area", subject_id=g1.id,
                     now=street.clock.now())
    street.feed(5)
    traffic.refresh(session, street.clock.now())
    street.feed(30, scale=3.5)
    traffic.refresh(session, street.clock.now())
    by_user = {m.recipient: m for m in street.messages()}
    assert "绕行提示" in by_user[f"user:{street.follower_c1}"].subject
    english = by_user[f"user:{street.follower_g3}"]
    assert english.subject.startswith("Detour advice: 保俶路") and "Baoshi Grid 1" in english.body


def test_an_advisory_whose_detectors_fall_silent_ends(street: Street) -> None:
    street.feed(5)
    traffic.refresh(street.session, street.clock.now())
    street.feed(30, scale=3.5)
    traffic.refresh(street.session, street.clock.now())
    advisory = street.session.scalars(select(Advisory)).one()
    street.clock.advance(timedelta(minutes=25))  # silent: no data now or ahead
    traffic.refresh(street.session, street.clock.now())
    assert street.segment.level_now == "unknown" and advisory.closed_at is None
    street.clock.advance(traffic.FREE_TO_CLOSE)
    traffic.refresh(street.session, street.clock.now())
    assert advisory.closed_at == street.clock.now()
