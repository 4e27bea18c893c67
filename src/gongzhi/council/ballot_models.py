"""Owners, floor areas and owners' ballots (业主表决, Civil Code art. 278)."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
