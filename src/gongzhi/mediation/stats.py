"""Figures of 数字枫桥 for the measures and dashboards (issue 8): disputes per period, outcomes, clocks.

Cohort rule: a dispute belongs to the window in which it was FILED (`created_at` in the UTC half-open
window [start, end)); its grid is `Dispute.grid_id`. Outcomes are counted as they stand when asked
(a dispute filed in May and concluded in June counts as concluded in May's cohort).

Statuses (models.STATUSES): waiting → assigned → in_mediation → agreement | failed | withdrawn.
All figures are aggregated in SQL (conditional sums), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gongzhi.clock import SHANGHAI, local, local_time, utc
from gongzhi.geo.service import codes_by_id
from gongzhi.i18n import register, translate
from gongzhi.mediation.models import OPEN_STATUSES, Dispute
from gongzhi.mediation.service import dispute_number, is_overdue

register({
    "mediation.stats.high_risk_label": ("{number} · {type} · {status}", "{number} · {type} · {status}"),
})

DisputeGroup = Literal["total", "grid", "month", "type", "tier"]
# Concluded by mediation: an agreement, or failed and referred to court/arbitration (contract).
CONCLUDED = ("agreement", "failed")
# Resolved: the dispute needs no more work at the grassroots: settled by agreement, or withdrawn
# by the applicant (the parties settled or dropped it). Failed = referred on, so not resolved here.
RESOLVED = ("agreement", "withdrawn")


@dataclass(frozen=True)
class DisputeTotals:
    """Counts over the disputes filed in a window (each counted once, by its status now).

    filed                 disputes created in the window (every status)
    concluded             status agreement or failed (mediation ran to a result; withdrawn is not)
    agreements            status agreement                 → mediation success = agreements / concluded
    resolved              status agreement or withdrawn    → resolution rate = resolved / filed
    high_risk             risk "high" (after any mediator correction)
    first_contacted       first_contact_at set (contact recorded, or a session held)
    first_contact_on_time first_contact_at <= first_contact_due_at (24 h; 1 h for high risk)
    withdrawn             status withdrawn (extra, so callers can pick another definition)
    """

    filed: int = 0
    concluded: int = 0
    agreements: int = 0
    resolved: int = 0
    high_risk: int = 0
    first_contact_on_time: int = 0
    first_contacted: int = 0
    withdrawn: int = 0

    def __add__(self, other: DisputeTotals) -> DisputeTotals:
        return DisputeTotals(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _month_starts(start: datetime, end: datetime) -> list[tuple[datetime, date]]:
    """(UTC instant, key) for each local month boundary inside (start, end), plus start's month."""
    first = local(start).date().replace(day=1)
    out: list[tuple[datetime, date]] = [(utc(start), first)]
    day = first
    while True:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        instant = datetime(day.year, day.month, 1, tzinfo=SHANGHAI)
        if instant >= end:
            return out
        out.append((utc(instant), day))


def _month_key(start: datetime, end: datetime) -> tuple[ColumnElement[Any], list[date]]:
    """A SQL expression numbering the local month of created_at (0, 1, …), and the key per number."""
    bounds = _month_starts(start, end)
    if len(bounds) == 1:
        return literal(0, Integer), [bounds[0][1]]
    whens = [(Dispute.created_at < instant, i) for i, (instant, _) in enumerate(bounds[1:])]
    return case(*whens, else_=len(bounds) - 1), [key for _, key in bounds]


def dispute_totals(session: Session, grid_ids: Sequence[int], start: datetime, end: datetime, *,
                   group: DisputeGroup = "total") -> dict[object, DisputeTotals]:
    """Dispute counts (see DisputeTotals) of the disputes filed in [start, end) in the grids.

    Keys: "total" → None; "grid" → grid id; "month" → date of the 1st of the local (Shanghai) month;
    "type" → dispute type code; "tier" → village | town | city. Missing keys mean zero.
    """
    if group == "total":
        out: dict[object, DisputeTotals] = {None: DisputeTotals()}
    else:
        out = {}
    if not grid_ids:
        return out
    labels: list[date] = []
    key: ColumnElement[Any] | InstrumentedAttribute[Any]
    if group == "total":
        key = literal(0, Integer)  # one row: no GROUP BY at all
    elif group == "grid":
        key = Dispute.grid_id
    elif group == "type":
        key = Dispute.type
    elif group == "tier":
        key = Dispute.tier
    elif group == "month":
        key, labels = _month_key(start, end)
    else:
        raise ValueError(f"unknown group {group!r}")
    k = key.label("k")
    stmt = (
        select(
            k,
            func.count(Dispute.id),
            _count_if(Dispute.status.in_(CONCLUDED)),
            _count_if(Dispute.status == "agreement"),
            _count_if(Dispute.status.in_(RESOLVED)),
            _count_if(Dispute.risk == "high"),
            _count_if(and_(Dispute.first_contact_at.is_not(None), Dispute.first_contact_due_at.is_not(None),
                           Dispute.first_contact_at <= Dispute.first_contact_due_at)),
            _count_if(Dispute.first_contact_at.is_not(None)),
            _count_if(Dispute.status == "withdrawn"),
        )
        .where(Dispute.grid_id.in_(list(grid_ids)), Dispute.created_at >= start, Dispute.created_at < end)
    )
    if group != "total":
        stmt = stmt.group_by(k)
    for row in session.execute(stmt):
        raw, *counts = row
        totals = DisputeTotals(*(int(c) for c in counts))
        if group == "total":
            out[None] = totals
        elif group == "month":
            out[labels[int(raw)]] = totals
        else:
            out[raw] = totals
    return out


def open_high_risk(session: Session, grid_ids: Sequence[int], *, limit: int = 20, lang: str = "zh",
                   now: datetime | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Open (waiting / assigned / in mediation) high-risk disputes in the grids: (count, the `limit`
    longest open, oldest first). Items carry no personal data (number, type, status, grid, times).
    `overdue` (first-contact clock passed) is filled when `now` is given."""
    if not grid_ids:
        return 0, []
    where = (Dispute.grid_id.in_(list(grid_ids)), Dispute.risk == "high", Dispute.status.in_(OPEN_STATUSES))
    total = int(session.scalar(select(func.count(Dispute.id)).where(*where)) or 0)
    rows = list(session.scalars(select(Dispute).where(*where).order_by(Dispute.created_at, Dispute.id).limit(limit)))
    codes = codes_by_id(session, {d.grid_id for d in rows})
    items = []
    for d in rows:
        number = dispute_number(d)
        type_label = translate(f"mediation.type.{d.type}", lang)
        status_label = translate(f"mediation.status.{d.status}", lang)
        items.append({
            "id": d.id, "number": number, "type": d.type, "type_label": type_label, "status": d.status,
            "status_label": status_label, "tier": d.tier, "grid_id": d.grid_id, "grid_code": codes.get(d.grid_id, ""),
            "created_at": utc(d.created_at).isoformat(), "created_local": local_time(d.created_at),
            "first_contact_due_at": utc(d.first_contact_due_at).isoformat() if d.first_contact_due_at else None,
            "overdue": is_overdue(d, now) if now is not None else None,
            "label": translate("mediation.stats.high_risk_label", lang, number=number, type=type_label,
                               status=status_label),
            "url": f"/mediation/disputes/{d.id}",
        })
    return total, items
