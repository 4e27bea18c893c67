"""Periodic city-brain work for the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gongzhi.sensing.service import close_quiet_episodes
from gongzhi.sensing.traffic import refresh


def sweep(session: Session, now: datetime) -> int:
    """Close quiet alarm episodes, then refresh road congestion (advisories sent and episodes ended)."""
    return close_quiet_episodes(session, now) + refresh(session, now)
