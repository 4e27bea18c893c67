"""Pilot records (owned by analytics reports)."""

from __future__ import annotations

from gongzhi.db import Base  # noqa: F401
