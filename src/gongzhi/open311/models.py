"""Open311 client applications and their API keys."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
