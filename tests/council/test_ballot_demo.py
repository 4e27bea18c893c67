"""The demo seeding of ballots and volunteers runs through the real services on the demo street."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import T0

from gongzhi.cases.models import Case
from gongzhi.council.ballot_models import Ballot
from gongzhi.simulate.ballots_demo import demo_logins, seed_ballots_and_volunteers
from gongzhi.simulate.district import build_district


def test_demo_seeding(session: Session) -> None:
    district = build_district(session, T0 - timedelta(days=30), seed=7)
    summary = seed_ballots_and_volunteers(session, district, T0, seed=7)
    assert summary.owners >= 40 and summary.ballots == 4 and summary.teams >= 4
    assert summary.credited_minutes > 0 and summary.warning_cases >= 1
    by_status = {b.title: (b.status, b.passed) for b in session.scalars(select(Ballot))}
    assert by_status["续聘现物业服务企业（三年）"] == ("closed", True)
    assert by_status["续筹专项维修资金（每平方米 20 元）"] == ("closed", False)
    assert by_status["2幢、3幢加装电梯"][0] == "open"
    assert session.scalar(select(Case.id).where(Case.source == "volunteer")) is not None
    assert demo_logins(session)
