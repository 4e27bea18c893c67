"""Background work of owners' ballots and volunteers, for `worker.run_once`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gongzhi.council import ballots, volunteers


def sweep(session: Session, now: datetime) -> int:
    """Close ballots past their closing time (evaluating art. 278), credit forgotten check-outs up to
    the shift's end, mark never-started past shifts missed. Rows are claimed with SKIP LOCKED on
    PostgreSQL, so several workers can run this at once. Returns the number of things done."""
    return ballots.sweep(session, now) + volunteers.sweep(session, now)
