"""Per-process caches of the reference data intake reads, checked against version tokens.

Categories, SLA clocks, the holiday calendar, routing (grid + unit kind -> unit), a grid's worker
and a unit's staff change rarely and are read by every intake. They are cached as immutable
snapshots (never ORM objects) in a gongzhi.db.SnapshotCache; a flush that changes a watched row
writes a fresh random token in the same transaction (gongzhi.db.watch), and every request reads
all tokens with one query, so an edit is seen by the next request of every process and a
rolled-back edit never leaves a stale snapshot looking current.

The rules themselves stay in service.py (route_unit, grid_worker_of) and calendar.py; this module
only remembers their answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth import service as accounts
from gongzhi.auth.models import User
from gongzhi.auth.service import Person, UnitRef, person, unit_ref
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.models import CalendarDay, Category, SlaPolicy
from gongzhi.db import SnapshotCache, watch
from gongzhi.geo.models import Area
from gongzhi.geo.versioning import AREAS_TOKEN

CATEGORIES_TOKEN = "cases.categories"
SLA_TOKEN = "cases.sla"
CALENDAR_TOKEN = "cases.calendar"
watch(CATEGORIES_TOKEN, Category)
watch(SLA_TOKEN, SlaPolicy)
watch(CALENDAR_TOKEN, CalendarDay)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class CategoryInfo:
    """An active category, as intake and the case views read it."""

    id: int
    code: str
    name_zh: str
    name_en: str
    unit_kind: str
    default_priority: str
    accept_amount: int | None
    accept_unit: str | None
    resolve_amount: int | None
    resolve_unit: str | None
    attributes: tuple[Mapping[str, Any], ...]
    public: bool


@dataclass(frozen=True)
class SlaClock:
    accept_amount: int
    accept_unit: str
    resolve_amount: int
    resolve_unit: str


_categories: SnapshotCache[None, Mapping[str, CategoryInfo]] = SnapshotCache(CATEGORIES_TOKEN)
_sla: SnapshotCache[str, SlaClock | None] = SnapshotCache(SLA_TOKEN)
_calendar: SnapshotCache[None, WorkCalendar] = SnapshotCache(CALENDAR_TOKEN)
_routes: SnapshotCache[tuple[int, str], UnitRef | None] = SnapshotCache(accounts.UNITS_TOKEN, AREAS_TOKEN)
_workers: SnapshotCache[int, Person | None] = SnapshotCache(accounts.USERS_TOKEN)
_staff: SnapshotCache[int, tuple[Person, ...]] = SnapshotCache(accounts.USERS_TOKEN)


def _category_info(c: Category) -> CategoryInfo:
    return CategoryInfo(
        id=c.id,
        code=c.code,
        name_zh=c.name_zh,
        name_en=c.name_en,
        unit_kind=c.unit_kind,
        default_priority=c.default_priority,
        accept_amount=c.accept_amount,
        accept_unit=c.accept_unit,
        resolve_amount=c.resolve_amount,
        resolve_unit=c.resolve_unit,
        attributes=_freeze(list(c.attributes or [])),
        public=c.public,
    )


def category(session: Session, code: str) -> CategoryInfo | None:
    """The active category with this code, or None."""

    # One snapshot of every active category (a small table), so unknown codes sent by clients
    # cannot grow the cache.
    def build() -> Mapping[str, CategoryInfo]:
        rows = session.scalars(select(Category).where(Category.is_active.is_(True)))
        return MappingProxyType({c.code: _category_info(c) for c in rows})

    return _categories.get(session, None, build).get(code)


def sla_clock(session: Session, priority: str) -> SlaClock | None:
    def build() -> SlaClock | None:
        p = session.get(SlaPolicy, priority)
        if p is None:
            return None
        return SlaClock(p.accept_amount, p.accept_unit, p.resolve_amount, p.resolve_unit)

    return _sla.get(session, priority, build)


def work_calendar(session: Session) -> WorkCalendar:
    """Every calendar exception (a few dozen rows a year); WorkCalendar is never mutated."""

    def build() -> WorkCalendar:
        rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
        return WorkCalendar((d, w) for d, w in rows)

    return _calendar.get(session, None, build)


def routed_unit(session: Session, kind: str, grid: Area) -> UnitRef | None:
    """service.route_unit's answer for (grid, kind), remembered until a unit or an area changes."""
    from gongzhi.cases import service

    def build() -> UnitRef | None:
        unit = service.route_unit(session, kind, grid)
        return unit_ref(unit) if unit is not None else None

    return _routes.get(session, (grid.id, kind), build)


def grid_worker(session: Session, grid: Area) -> Person | None:
    """service.grid_worker_of's answer, remembered until an account's role, area or status changes."""
    from gongzhi.cases import service

    def build() -> Person | None:
        worker = service.grid_worker_of(session, grid)
        return person(worker) if worker is not None else None

    return _workers.get(session, grid.id, build)


def unit_staff(session: Session, unit_id: int) -> tuple[Person, ...]:
    """Active dept_staff of the unit (accounts.users_with_unit), remembered like grid_worker."""

    def build() -> tuple[Person, ...]:
        users: list[User] = accounts.users_with_unit(session, unit_id=unit_id, role="dept_staff")
        return tuple(person(u) for u in users)

    return _staff.get(session, unit_id, build)


def clear() -> None:
    for cache in (_categories, _sla, _calendar, _routes, _workers, _staff):
        cache.clear()
