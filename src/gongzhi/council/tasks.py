"""Periodic council work for `gongzhi worker`: the next regular meetings and their notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gongzhi.council import service


def sweep(session: Session, now: datetime) -> int:
    """Create the next two regular meetings of every active council (idempotent) and send the notice of
    each scheduled meeting within its council's notice period. Returns meetings created + noticed."""
    return service.sweep(session, now)
