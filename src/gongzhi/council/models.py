"""Councils, seat groups, members, meetings, motions and votes."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
