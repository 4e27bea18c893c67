"""Analytics tables: households and residents, surveys, pilots."""

from __future__ import annotations

from gongzhi.db import Base  # noqa: F401
