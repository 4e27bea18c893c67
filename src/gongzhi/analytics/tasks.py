"""Background work for analytics: refresh statistics roll-ups, survey reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def sweep(session: Session, now: datetime) -> int:
    return 0
