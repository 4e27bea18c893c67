"""Readings from city devices become work: late-night crowds, smoke and gas alarms, doors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories

from gongzhi.audit.models import AuditEntry
from gongzhi.auth.models import Unit, User
from gongzhi.cases.models import Case, CaseUnit, Category
from gongzhi.clock import SHANGHAI, FrozenClock
from gongzhi.devices import handlers
from gongzhi.devices.handlers import DeviceInfo, Reading
from gongzhi.notify.models import OutboxMessage
from gongzhi.sensing import handlers as _registered  # noqa: F401
from gongzhi.sensing import service
from gongzhi.sensing.crowd import History, tail_probability
from gongzhi.sensing.models import Episode


@dataclass
class Place:
    session: Session
    clock: FrozenClock
    worker: User
    points: dict[str, tuple[float, float]]
    grid_id: int

    def device(self, kind: str, code: str = "DEV-1", device_id: int = 1) -> DeviceInfo:
        lat, lng = self.points["G1"]
        return DeviceInfo(id=device_id, code=code, kind=kind, grid_id=self.grid_id, lat=lat, lng=lng,
                          owner_ref="东门广场")

    def feed(self, device: DeviceInfo, key: str, value: float, at: datetime) -> None:
        handlers.dispatch(self.session, device, [Reading(key, at, value)], at)
        self.session.flush()


@pytest.fixture
def place(session: Session, clock: FrozenClock) -> Place:
    points = factories.make_area_tree(session, clock.now())
    factories.make_unit(session, code="U-POLICE", kind="police", area_code="D1")
    factories.make_unit(session, code="U-FIRE", kind="fire", area_code="D1")
    factories.make_unit(session, code="U-PROP", name="一社区物业", kind="property", area_code="C1")
    worker = factories.make_user(session, "worker_g1", "grid_worker", area_code="G1")
    grid = factories.area_by_code(session, "G1")
    return Place(session, clock, worker, points, grid.id)


def _by_category(session: Session, category: str) -> list[Case]:
    return list(session.scalars(
        select(Case).join(Category, Category.id == Case.category_id)
        .where(Case.source == "sensing", Category.code == category).order_by(Case.id)
    ))


def _history(place: Place, device: DeviceInfo, nights: int, level: int) -> datetime:
    """`nights` weeks of ordinary counts every hour of the week; returns the Monday after."""
    start = datetime(2026, 10, 5, tzinfo=SHANGHAI)  # a Monday
    for week in range(nights):
        for hour in range(7 * 24):
            at = start + timedelta(weeks=week, hours=hour)
            usual = level if 1 <= at.hour < 5 else 40
            place.feed(device, "people_count", usual + (hour % 3), at)
    return start + timedelta(weeks=nights)


def test_tail_probability_is_negative_binomial_when_counts_are_overdispersed() -> None:
    calm = History(n=30, total=60.0, total_sq=60.0 * 2 + 30 * 0.0)  # mean 2, variance ~2: Poisson
    assert tail_probability(12, calm).model == "poisson"
    bursty = History(n=30, total=60.0, total_sq=30 * (9.0 + 4.0))  # mean 2, variance ~9.3
    v = tail_probability(12, bursty)
    assert v.model == "negative_binomial"
    # The same count is far less surprising at a place whose counts come in bursts.
    assert v.probability > 100 * tail_probability(12, calm).probability
    assert tail_probability(0, calm).probability == pytest.approx(1.0)


def test_a_late_night_crowd_opens_one_suspicious_case_for_the_grid_worker(place: Place) -> None:
    counter = place.device("people_counter")
    monday = _history(place, counter, nights=3, level=2)
    night = monday + timedelta(days=1, hours=2)  # Tuesday 02:00
    place.feed(counter, "people_count", 25, night)
    found = _by_category(place.session, "suspicious")
    assert len(found) == 1
    case = found[0]
    assert case.assignee_id == place.worker.id and case.priority == "P1"
    assert "东门广场" in case.title and "25" in case.description
    episode = place.session.scalars(select(Episode).where(Episode.kind == "crowd")).one()
    assert episode.case_id == case.id and episode.evidence["first"]["count"] == 25
    assert episode.evidence["first"]["probability"] < 1e-4
    # Repeats in the same episode update the case instead of opening another.
    place.feed(counter, "people_count", 31, night + timedelta(minutes=15))
    assert len(_by_category(place.session, "suspicious")) == 1
    place.session.refresh(episode)
    assert episode.count == 2 and episode.evidence["peak"]["count"] == 31
    notes = place.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "case", AuditEntry.subject_id == str(case.id))).all()
    assert any("31" in (e.data.get("note") or "") for e in notes)
    # Quiet for longer than an episode lasts: a new crowd is a new case.
    place.feed(counter, "people_count", 28, night + timedelta(hours=2))
    assert len(_by_category(place.session, "suspicious")) == 2


def test_the_same_count_by_day_or_at_a_busy_place_opens_nothing(place: Place) -> None:
    counter = place.device("people_counter")
    monday = _history(place, counter, nights=3, level=2)
    place.feed(counter, "people_count", 25, monday + timedelta(days=1, hours=14))  # afternoon
    busy = place.device("people_counter", code="DEV-2", device_id=2)
    monday2 = _history(place, busy, nights=3, level=30)
    place.feed(busy, "people_count", 36, monday2 + timedelta(days=1, hours=2))  # a usual night there
    assert _by_category(place.session, "suspicious") == []
    # Without enough history nothing can be unusual yet.
    fresh = place.device("people_counter", code="DEV-3", device_id=3)
    place.feed(fresh, "people_count", 50, monday + timedelta(days=1, hours=2))
    assert _by_category(place.session, "suspicious") == []


def test_smoke_alarm_opens_a_p1_fire_case_with_the_property_company_and_repeats_update_it(
    place: Place,
) -> None:
    smoke = place.device("smoke_detector", code="SMK-1", device_id=7)
    at = place.clock.now()
    place.feed(smoke, "smoke", 0, at)  # all clear: nothing
    assert _by_category(place.session, "fire_hazard") == []
    place.feed(smoke, "smoke", 1, at)
    found = _by_category(place.session, "fire_hazard")
    assert len(found) == 1
    case = found[0]
    assert case.priority == "P1" and case.assignee_id == place.worker.id
    units = place.session.scalars(select(CaseUnit.unit_id).where(CaseUnit.case_id == case.id)).all()
    prop = place.session.scalars(select(Unit).where(Unit.code == "U-PROP")).one()
    assert prop.id in units
    assert case.accept_due_at == at + timedelta(minutes=15)
    for k in range(3):
        place.feed(smoke, "smoke", 1, at + timedelta(minutes=k + 1))
    assert len(_by_category(place.session, "fire_hazard")) == 1
    episode = place.session.scalars(select(Episode).where(Episode.kind == "smoke")).one()
    assert episode.count == 4
    # Once the case is closed, the next alarm is a new case.
    case.status = "closed"
    place.session.flush()
    place.feed(smoke, "smoke", 1, at + timedelta(minutes=10))
    assert len(_by_category(place.session, "fire_hazard")) == 2


def test_gas_alarm_is_its_own_episode(place: Place) -> None:
    gas = place.device("gas_detector", code="GAS-1", device_id=8)
    place.feed(gas, "gas", 1, place.clock.now())
    assert [c.title for c in _by_category(place.session, "fire_hazard")] == ["燃气泄漏报警：东门广场"]


def test_gas_concentration_alarms_at_the_configured_level(place: Place) -> None:
    gas = place.device("gas_detector", code="GAS-3", device_id=11)
    at = place.clock.now()
    place.feed(gas, "gas_ppm", 3.2, at)  # an ordinary kitchen
    place.feed(gas, "gas_ppm", 999, at + timedelta(minutes=1))
    assert _by_category(place.session, "fire_hazard") == []
    place.feed(gas, "gas_ppm", 1000, at + timedelta(minutes=2))
    assert len(_by_category(place.session, "fire_hazard")) == 1


def test_door_forced_or_left_open_at_night_tells_the_grid_worker_once(place: Place) -> None:
    door = place.device("door_lock", code="DOOR-1", device_id=9)
    night = datetime(2026, 11, 24, 1, 30, tzinfo=SHANGHAI)
    day = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)

    def notices() -> list[str]:
        return list(place.session.scalars(select(OutboxMessage.topic).where(
            OutboxMessage.recipient == f"user:{place.worker.id}", OutboxMessage.topic.like("sensing.%"))))

    place.feed(door, "open_seconds", 900, day)  # by day: the shop is open
    assert notices() == []
    place.feed(door, "open_seconds", 900, night)
    place.feed(door, "open_seconds", 1200, night + timedelta(minutes=5))
    assert notices() == ["sensing.door_open"]
    place.feed(door, "forced", 1, night + timedelta(minutes=6))
    assert sorted(notices()) == ["sensing.door_forced", "sensing.door_open"]
    assert place.session.scalar(select(func.count()).select_from(Case).where(Case.source == "sensing")) == 0


def test_quiet_episodes_are_closed_by_the_sweep(place: Place) -> None:
    gas = place.device("gas_detector", code="GAS-2", device_id=10)
    at = place.clock.now()
    place.feed(gas, "gas", 1, at)
    assert service.close_quiet_episodes(place.session, at + timedelta(minutes=30)) == 0
    assert service.close_quiet_episodes(place.session, at + timedelta(minutes=61)) == 1
