"""Device registry, credentials and stored readings."""

from __future__ import annotations

from gongzhi.db import Base

__all__ = ["Base"]
