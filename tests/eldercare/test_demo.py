"""The demo seeding: elders in every grid, bands through devices ingestion, alarms in several states."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories  # noqa: F401  (fast password hashing)

from gongzhi.clock import FrozenClock
from gongzhi.eldercare import service
from gongzhi.eldercare.models import Alarm, Vital
from gongzhi.simulate.district import build_district
from gongzhi.simulate.eldercare_demo import seed_eldercare


def test_seed_eldercare(session: Session, clock: FrozenClock) -> None:
    now = clock.now()
    district = build_district(session, now - timedelta(days=2), 7)
    demo = seed_eldercare(session, district, now, seed=7, elders_per_grid=2, history_hours=6)
    assert len(demo.elders) == 2 * len(district.grids)
    assert session.scalar(select(Vital.id).limit(1)) is not None and demo.readings > 0
    alarms = {a.kind: a for a in session.scalars(select(Alarm))}
    assert {"sos", "fall", "vitals"} <= set(alarms)
    assert alarms["fall"].status == "on_scene" and alarms["sos"].status == "active"
    assert alarms["vitals"].detail["news2_band"] == "medium"
    official = session.scalars(select(service.User).where(service.User.username == "jiedao")).one()
    rows = service.coverage(session, official, now)
    registered = sum(r.registered for r in rows)
    covered = sum(r.covered for r in rows)
    assert registered == len(demo.elders) and 0.7 < covered / registered < 1.0
