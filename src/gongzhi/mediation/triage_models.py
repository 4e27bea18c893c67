"""Triage corrections made by mediators, kept as training examples."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
