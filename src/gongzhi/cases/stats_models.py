"""Tables behind case statistics (owned by the cases module)."""

from __future__ import annotations

from gongzhi.db import Base  # noqa: F401
