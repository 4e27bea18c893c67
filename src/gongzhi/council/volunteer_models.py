"""Volunteer teams, members, patrol shifts, check-ins and patrol reports."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
