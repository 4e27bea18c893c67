"""Pilots: create, list and read the records a before/after report is drawn around.

Who: admins and officials create pilots for areas in their subtree; they and grid workers read
the pilots of areas in their own scope. An admin without an area sees every area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.analytics import report_messages  # noqa: F401  (registers the error texts)
from gongzhi.analytics.pilot_models import Pilot
from gongzhi.auth.models import User
from gongzhi.auth.scope import area_path, in_scope, subtree_condition
from gongzhi.errors import Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area

MANAGER_ROLES = frozenset({"admin", "official"})
READER_ROLES = MANAGER_ROLES | {"grid_worker"}
MAX_ACTIONS = 20
MAX_TEXT = 4000
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class PilotData:
    name: str
    area_code: str
    start_date: date
    problem: str = ""
    actions: Sequence[str] = ()
    measure_codes: Sequence[str] = ()
    targets: dict[str, float] = field(default_factory=dict)


def _viewer_path(session: Session, user: User) -> str | None:
    """The caller's scope path; "/" for an admin with no area (everything)."""
    if user.role == "admin" and user.area_id is None:
        return "/"
    return area_path(session, user)


def check_area(session: Session, user: User, area: Area, *, roles: frozenset[str] = READER_ROLES) -> None:
    """403 unless the caller's role may read analytics and the area lies in their subtree."""
    if user.role not in roles:
        raise Forbidden("reports_forbidden")
    if not in_scope(_viewer_path(session, user), area.path):
        raise Forbidden("reports_area_forbidden", area=area.code)


def _known_codes() -> tuple[str, ...]:
    from gongzhi.analytics import measures

    return tuple(measures.MEASURE_CODES)


def _clean(data: PilotData) -> PilotData:
    name = data.name.strip()
    if not name or len(name) > 100:
        raise Invalid("reports_pilot_name")
    if data.start_date < EARLIEST:
        raise Invalid("reports_pilot_start", value=data.start_date.isoformat())
    problem = data.problem.strip()
    actions = [a.strip() for a in data.actions if a.strip()]
    if len(problem) > MAX_TEXT or any(len(a) > MAX_TEXT for a in actions) or len(actions) > MAX_ACTIONS:
        raise Invalid("reports_pilot_text_long", limit=MAX_TEXT, count=MAX_ACTIONS)
    known = _known_codes()
    codes = list(dict.fromkeys(c.strip() for c in data.measure_codes if c.strip()))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid("reports_pilot_measure", value=", ".join(unknown)[:80])
    if not codes:
        raise Invalid("reports_pilot_no_measure")
    targets = {k: float(v) for k, v in data.targets.items() if k in codes}
    return PilotData(name, data.area_code.strip(), data.start_date, problem, actions, codes, targets)


def create_pilot(session: Session, *, actor: User, data: PilotData, now: datetime) -> Pilot:
    clean = _clean(data)
    if not clean.area_code:
        raise Invalid("reports_area_required")
    area = get_area(session, clean.area_code)
    check_area(session, actor, area, roles=MANAGER_ROLES)
    pilot = Pilot(name=clean.name, area_id=area.id, start_date=clean.start_date, problem=clean.problem,
                  actions=list(clean.actions), measure_codes=list(clean.measure_codes), targets=dict(clean.targets),
                  created_by_id=actor.id, created_at=now)
    session.add(pilot)
    session.flush()
    return pilot


def get_area(session: Session, code: str) -> Area:
    """The area by code, as a 404 in our own words."""
    found = session.scalar(select(Area).where(Area.code == code))
    if found is None:
        raise NotFound("reports_area_unknown", area=code[:40])
    return found


def list_pilots(session: Session, user: User) -> list[tuple[Pilot, Area]]:
    """Pilots of areas in the caller's subtree, newest start first."""
    if user.role not in READER_ROLES:
        raise Forbidden("reports_forbidden")
    stmt = (select(Pilot, Area).join(Area, Area.id == Pilot.area_id)
            .where(subtree_condition(_viewer_path(session, user)))
            .order_by(Pilot.start_date.desc(), Pilot.id.desc()))
    return [(p, a) for p, a in session.execute(stmt).all()]


def get_pilot(session: Session, user: User, pilot_id: int) -> tuple[Pilot, Area]:
    pilot = session.get(Pilot, pilot_id) if 0 < pilot_id < 2**31 else None
    if pilot is None:
        raise NotFound("reports_pilot_unknown", id=pilot_id)
    area = geo.get_area_by_id(session, pilot.area_id)
    check_area(session, user, area)
    return pilot, area


def pilot_view(pilot: Pilot, area: Area, lang: str) -> dict[str, object]:
    return {
        "id": pilot.id, "name": pilot.name, "area": {"code": area.code, "name": area_label(area, lang),
                                                      "level": area.level},
        "start_date": pilot.start_date.isoformat(), "problem": pilot.problem, "actions": list(pilot.actions),
        "measure_codes": list(pilot.measure_codes), "targets": dict(pilot.targets),
        "url": f"/pilots/{pilot.id}",
    }


def area_label(area: Area, lang: str) -> str:
    return (area.name_en or area.name) if lang == "en" else area.name


def resolve_area(session: Session, user: User, code: str) -> Area:
    """The asked area, or the caller's own when none is given; checked against the caller's scope."""
    if user.role not in READER_ROLES:
        raise Forbidden("reports_forbidden")
    if not code.strip():
        if user.area_id is None:
            raise Invalid("reports_area_required")
        area = geo.get_area_by_id(session, user.area_id)
    else:
        area = get_area(session, code.strip())
    check_area(session, user, area)
    return area
