"""Periodic city-brain work for the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gongzhi.sensing.service import close_quiet_episodes


def sweep(session: Session, now: datetime) -> int:
    return close_quiet_episodes(session, now)
