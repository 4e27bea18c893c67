"""The demo seeding plays disputes out through the real rules (in the test's rolled-back session)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.clock import FrozenClock
from gongzhi.mediation.models import Dispute, Mediator
from gongzhi.simulate.district import build_district
from gongzhi.simulate.mediation_demo import seed_mediation


def test_seed_mediation_on_the_demo_street(session: Session, clock: FrozenClock) -> None:
    end = clock.now()
    start = end - timedelta(days=60)
    district = build_district(session, start - timedelta(days=1), 7)
    stats = seed_mediation(session, district, start=start, end=end, seed=7, n=30)
    assert stats.disputes == 30 and not stats.errors
    assert session.scalar(select(func.count()).select_from(Mediator)) == 6
    statuses = dict(session.execute(select(Dispute.status, func.count()).group_by(Dispute.status)).all())
    concluded = sum(statuses.get(s, 0) for s in ("agreement", "failed", "withdrawn"))
    assert concluded >= 15 and statuses.get("agreement", 0) >= concluded * 0.7
    assert session.scalar(select(func.count()).select_from(Dispute).where(Dispute.followup_done_at.is_not(None)))
    assert audit.verify(session).ok
