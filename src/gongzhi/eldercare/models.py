"""Elders, wearables bound to them, vitals, events and alarms with their escalation steps."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
