"""Disputes, parties, mediators, sessions, evidence, outcomes and the risk registry."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
