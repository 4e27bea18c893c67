"""Periodic elderly-care work for `gongzhi worker`: escalate unanswered alarms, find daytime inactivity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

import gongzhi.eldercare.handlers  # noqa: F401  (the worker also runs the devices silence sweep)
from gongzhi.eldercare.events import inactivity_sweep
from gongzhi.eldercare.service import escalate_due


def sweep(session: Session, now: datetime) -> int:
    """Things done: alarms escalated one step plus inactivity alarms raised.

    Due alarms are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share them.
    """
    return escalate_due(session, now) + inactivity_sweep(session, now)
