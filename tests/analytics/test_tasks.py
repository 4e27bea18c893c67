"""The analytics sweep: case roll-ups brought up to date, surveys closed when their time is up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from tests import factories
from tests.analytics.test_measures import make_case

from gongzhi.analytics import surveys, tasks
from gongzhi.analytics.models import Survey
from gongzhi.cases import stats as case_stats
from gongzhi.cases.seed import seed_reference_data

NOW = factories.T0


def test_sweep_brings_the_case_rollups_up_to_date(session: Session) -> None:
    seed_reference_data(session)
    factories.build_area_tree(session)
    session.flush()
    case_stats.refresh(session, NOW)
    make_case(session, "G1", NOW - timedelta(hours=2))
    assert case_stats.is_stale(session)  # the new case's day is waiting in the change log
    assert tasks.sweep(session, NOW) >= 1
    assert not case_stats.is_stale(session)


def test_surveys_past_their_closing_time_are_closed(session: Session) -> None:
    areas = factories.build_area_tree(session)
    admin = factories.make_user(session, "adm", "admin", "S1")
    session.flush()

    def survey(title: str, closes_in: timedelta) -> Survey:
        s = Survey(kind="safety", title=title, area_id=areas["S1"].id, opens_at=NOW - timedelta(days=10),
                   closes_at=NOW + closes_in, status="open", created_by_id=admin.id,
                   created_at=NOW - timedelta(days=11))
        session.add(s)
        return s

    done, running = survey("上一轮", -timedelta(minutes=1)), survey("本轮", timedelta(days=5))
    session.flush()
    assert tasks.close_due_surveys(session, NOW) == 1
    assert (done.status, done.closed_at) == ("closed", done.closes_at)
    assert running.status == "open" and surveys.is_accepting(running, NOW)
    assert tasks.close_due_surveys(session, NOW) == 0
