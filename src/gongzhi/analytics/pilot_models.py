"""Pilot records (owned by analytics reports): what was tried where, from when, and why.

A pilot is the before/after line a report is drawn around: an area, a local start date
(Asia/Shanghai), the problem it answers (问题), the measures taken (措施) and the measure codes
to judge it by (成效). Targets are optional figures in each measure's own unit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base


class Pilot(Base):
    __tablename__ = "analytics_pilots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)  # local day the measures began
    problem: Mapped[str] = mapped_column(Text, default="")
    # Measures taken, one line each (措施); kept as a list so the report can number them.
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    measure_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code -> target value
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
