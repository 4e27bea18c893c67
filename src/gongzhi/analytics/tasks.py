"""Background work for analytics: keep the case roll-ups current, close surveys whose time is up.

Refreshing here means a dashboard request seldom has days to recompute itself (it still refreshes
first if anything changed since, so its figures are exact either way).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics.models import Survey
from gongzhi.cases import stats as case_stats


def close_due_surveys(session: Session, now: datetime) -> int:
    """Open surveys past their closing time become closed (answers already stop at closes_at)."""
    due = list(session.scalars(select(Survey).where(Survey.status == "open", Survey.closes_at <= now)
                               .with_for_update(skip_locked=True)))
    for survey in due:
        survey.status = "closed"
        survey.closed_at = survey.closes_at
    session.flush()
    return len(due)


def sweep(session: Session, now: datetime) -> int:
    return case_stats.refresh(session, now) + close_due_surveys(session, now)
