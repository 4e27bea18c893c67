"""The case rules: intake, routing, SLA clocks, the state machine, scope, escalation, follow-up.

No HTTP here. Every function takes the caller's Session and `now`, flushes, never commits:
a state change, its timeline entry (audit chain) and its outbox messages commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.audit.models import AuditEntry
from gongzhi.auth import pii
from gongzhi.auth import service as accounts
from gongzhi.auth.models import SUPERVISOR_ROLES, Unit, User
from gongzhi.auth.scope import area_path
from gongzhi.auth.service import Person, UnitRef
from gongzhi.cases import (
    messages,  # noqa: F401  (registers the catalogue)
    reference,
)
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.models import (
    OPEN_STATUSES,
    PRIORITIES,
    TERMINAL_STATUSES,
    Case,
    CaseUnit,
    Category,
)
from gongzhi.cases.reference import CategoryInfo
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import SHANGHAI, local
from gongzhi.config import get_settings
from gongzhi.db import batched_inserts, insert_rows, keep_loaded, lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.coords import gcj02_to_wgs84
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

# action -> statuses it may start from; the target status is in _TARGET (None = unchanged).
_FROM: dict[str, tuple[str, ...]] = {
    "dispatch": ("new", "dispatched", "reopened"),
    "accept": ("dispatched",),
    "return": ("dispatched", "accepted"),
    "start": ("accepted",),
    "resolve": ("accepted", "in_progress"),
    "close": ("resolved",),
    "rate": ("resolved",),
    "reject": ("new", "dispatched"),
    "duplicate": ("new", "dispatched", "accepted"),
    "reopen": ("resolved", "closed"),
    "escalate": OPEN_STATUSES,
    "comment": (*OPEN_STATUSES, "resolved"),
}
_TARGET: dict[str, str | None] = {
    "dispatch": "dispatched",
    "accept": "accepted",
    "return": "new",
    "start": "in_progress",
    "resolve": "resolved",
    "close": "closed",
    "rate": "closed",
    "reject": "rejected",
    "duplicate": "duplicate",
    "reopen": "reopened",
    "escalate": None,
    "comment": None,
}
ACTIONS = tuple(_FROM)
_NOTE_REQUIRED = ("return", "resolve", "reject", "reopen")
# Staff reading a reporter's phone do it to call back; a resident reporter already knows their own.
_CONTACT_ROLES = ("admin", "official", "grid_worker", "dept_staff")
REOPEN_WINDOW_DAYS = 7
# A rating below this (1 or 2 of 5) reopens the case instead of closing it.
RATING_REOPEN_BELOW = 3

_SYSTEM = None  # actor of automatic steps


@dataclass(frozen=True)
class TimelineItem:
    seq: int
    at: datetime
    actor_name: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str
    data: dict[str, Any]


# Reference data reaches the rules either as rows (transitions) or as cached snapshots (intake).
CategoryLike = Category | CategoryInfo
UnitLike = Unit | UnitRef
PersonLike = User | Person


@dataclass
class Intake:
    """A case created in this request, with what intake already holds for its response."""

    case: Case
    category: CategoryInfo
    grid: Area
    unit: UnitRef | None
    assignee: Person | None
    entries: list[AuditEntry] = field(default_factory=list)


@dataclass(frozen=True)
class SweepReport:
    escalated: int
    auto_closed: int


def case_number(case: Case) -> str:
    return f"GZ{local(case.created_at):%Y%m%d}{case.id:06d}"


def actor_name(user: User | None, lang: str = "zh") -> str:
    if user is None:
        return translate("system_actor", lang)
    return user.display_name or user.username


# ---------------------------------------------------------------- categories


def list_categories(session: Session, *, public_only: bool = False) -> list[Category]:
    stmt = select(Category).where(Category.is_active.is_(True)).order_by(Category.sort_order, Category.id)
    if public_only:
        stmt = stmt.where(Category.public.is_(True))
    return list(session.scalars(stmt))


def _check_attributes(cat: CategoryLike, given: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Validate answers to the category's extra questions; return them and any priority they raise to."""
    defs = {d["code"]: d for d in cat.attributes}
    for code in given:
        if code not in defs:
            raise Invalid("case_attribute_unknown", code=code)
    raised: str | None = None
    clean: dict[str, Any] = {}
    for code, d in defs.items():
        question = d.get("description", code)
        value = given.get(code)
        if value is None or value == "":
            if d.get("required"):
                raise Invalid("case_attribute_required", question=question)
            continue
        kind = d.get("datatype", "string")
        if kind in ("singlevaluelist", "multivaluelist"):
            allowed = {str(v["key"]) for v in d.get("values", [])}
            parts = str(value).split(",") if kind == "multivaluelist" else [str(value)]
            if not parts or any(p not in allowed for p in parts):
                raise Invalid("case_attribute_invalid", question=question)
            value = ",".join(parts)
        elif kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise Invalid("case_attribute_invalid", question=question) from None
            if value != value or value in (float("inf"), float("-inf")):
                raise Invalid("case_attribute_invalid", question=question)
        elif kind == "datetime":
            # ISO 8601; a time without a zone is taken as Shanghai time, stored with its offset.
            try:
                when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                raise Invalid("case_attribute_invalid", question=question) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=SHANGHAI)
            value = when.isoformat()
        else:
            value = str(value)
        clean[code] = value
        bump = d.get("raise_priority", {}).get(str(value))
        if bump and (raised is None or bump < raised):
            raised = bump
    return clean, raised


# ---------------------------------------------------------------- intake and routing


def _place(session: Session, data: CaseIn) -> tuple[Area, float | None, float | None]:
    lat, lng = data.lat, data.lng
    if (lat is None) != (lng is None):
        raise Invalid("case_location_required")
    if lat is not None and lng is not None and data.coord == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    if data.grid_code:
        try:
            grid = geo.get_area(session, data.grid_code)
        except NotFound:
            raise Invalid("case_grid_not_found", code=data.grid_code) from None
        if grid.level != "grid":
            raise Invalid("case_grid_not_found", code=data.grid_code)
        return grid, lat, lng
    if lat is None or lng is None:
        raise Invalid("case_location_required")
    found = geo.locate_grid(session, lat, lng)
    if found is None:
        raise Invalid("case_location_outside")
    return found, lat, lng


def route_unit(session: Session, kind: str, grid: Area) -> Unit | None:
    """The active unit of `kind` whose jurisdiction is the nearest area above (or at) the grid."""
    chain = geo.ancestors(session, grid)  # grid first, root last
    units = session.scalars(
        select(Unit).where(
            Unit.kind == kind, Unit.is_active.is_(True), Unit.area_id.in_([a.id for a in chain])
        )
    ).all()
    depth = {a.id: i for i, a in enumerate(chain)}
    return min(units, key=lambda u: (depth[u.area_id], u.id), default=None)


def grid_worker_of(session: Session, grid: Area) -> User | None:
    workers = accounts.users_with_role_in_area(session, role="grid_worker", area_id=grid.id)
    return min(workers, key=lambda u: u.id, default=None)


def _clock_for(session: Session, case: Case, category: CategoryLike) -> tuple[int, str, int, str]:
    policy = reference.sla_clock(session, case.priority)
    if policy is None:
        raise Invalid("category_not_found", code=case.priority)
    return (
        category.accept_amount or policy.accept_amount,
        category.accept_unit or policy.accept_unit,
        category.resolve_amount or policy.resolve_amount,
        category.resolve_unit or policy.resolve_unit,
    )


_SOURCES_FOR_RESIDENTS = ("citizen", "open311")


def create_case(session: Session, *, actor: User | None, data: CaseIn, now: datetime) -> Case:
    """Intake: place in its grid, route to the responsible unit and the grid's worker, start the clocks."""
    return intake(session, actor=actor, data=data, now=now).case


def intake(
    session: Session,
    *,
    actor: User | None,
    data: CaseIn,
    now: datetime,
    internal: bool = False,
    priority: str | None = None,
) -> Intake:
    """create_case, returning also the category, grid, unit, assignee and timeline entries it wrote
    (so the response needs no second read of what this request just created).

    internal=True: a feature module's service files the case after its own checks (e.g. a resident
    filing a dispute through mediation), so the source check for residents does not apply.
    priority: a feature module's own judgement (a smoke alarm is P1 whatever the category says)."""
    if priority is not None and priority not in PRIORITIES:
        raise Invalid("case_priority_unknown", priority=priority)
    if not internal and data.source not in _SOURCES_FOR_RESIDENTS and (actor is None or actor.role == "resident"):
        raise Forbidden("case_source_forbidden", source=data.source)
    category = reference.category(session, data.category)
    if category is None:
        raise Invalid("category_not_found", code=data.category)
    if not category.public and data.source in _SOURCES_FOR_RESIDENTS:
        raise Invalid("category_not_public", code=category.code)
    attributes, raised = _check_attributes(category, data.attributes)
    grid, lat, lng = _place(session, data)

    reporter_name = data.reporter_name
    reporter_phone = data.reporter_phone
    if actor is not None and actor.role == "resident":
        reporter_name = reporter_name or actor.display_name
        reporter_phone = reporter_phone or actor.phone
    # Route and start the clocks before the insert, so the case is written once, in its final state.
    unit = reference.routed_unit(session, category.unit_kind, grid)
    worker = reference.grid_worker(session, grid)
    keep_loaded(session, grid)
    case = Case(
        created_at=now,
        updated_at=now,
        source=data.source,
        external_ref=data.external_ref,
        category_id=category.id,
        priority=priority or raised or category.default_priority,
        status="new",
        title=data.title or data.description[:40],
        description=data.description,
        address=data.address,
        lat=lat,
        lng=lng,
        grid_id=grid.id,
        reporter_id=actor.id if actor is not None and actor.role == "resident" else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        attributes=attributes,
        anonymous=data.anonymous,
    )
    routed = unit is not None or worker is not None
    if routed:
        _set_dispatch(session, case, category, unit, worker, now)
    else:
        _await_dispatch(session, case, category, now)
    # The busiest write path: the case, its timeline entries and its notices are each written with
    # one INSERT (the id first, for the timeline), not through the unit of work's per-row flush.
    insert_rows(session, [case])
    done = Intake(case=case, category=category, grid=grid, unit=unit, assignee=worker)
    with batched_inserts(session):
        done.entries.append(
            _log(session, case, actor, "create", None, "new", now, note="", extra={"source": data.source})
        )
        if routed:
            done.entries.append(
                _announce_dispatch(
                    session, case, category, unit, worker, actor=None, before="new", now=now, note="", grid=grid
                )
            )
        _announce_to_area_followers(session, case, category, grid, actor, now)
    return done


def _announce_to_area_followers(
    session: Session, case: Case, category: CategoryLike, grid: Area, actor: User | None, now: datetime
) -> None:
    """Residents following the area hear of each new report there (one indexed query when none do)."""
    ids = set(area_follower_ids(session, grid.path)) - ({actor.id} if actor is not None else set())
    if not ids:
        return
    people = list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    params = _notice_params(session, case, category, grid=grid) | {
        "status": _status_label(case.status),
        "note": "",
    }
    _notify_users(session, people, "case.status", case, now, params)


def _await_dispatch(session: Session, case: Case, category: CategoryLike, now: datetime) -> None:
    """Nobody to route to yet: the dispatcher works against the accept clock, and the sweep escalates."""
    accept_amount, accept_unit, _, _ = _clock_for(session, case, category)
    case.accept_due_at = reference.work_calendar(session).deadline(now, accept_amount, accept_unit)
    case.next_check_at = case.accept_due_at


def _dispatch(
    session: Session,
    case: Case,
    category: Category,
    unit: Unit | None,
    assignee: User | None,
    *,
    actor: User | None,
    now: datetime,
    note: str,
) -> None:
    before = case.status
    _set_dispatch(session, case, category, unit, assignee, now)
    _announce_dispatch(session, case, category, unit, assignee, actor=actor, before=before, now=now, note=note)


def assign(
    session: Session,
    *,
    case_id: int,
    unit: Unit | None,
    assignee: User | None,
    actor: User | None,
    now: datetime,
    note: str = "",
    keep_unit: bool = True,
) -> Case:
    """Dispatch by a feature module's own rules (e.g. mediator matching); actor None = the system.
    unit None keeps the case's unit, or clears it with keep_unit=False (a council decision that names
    only a person hands the case to that person instead of the category's unit).

    The caller has checked that the assignee may work the case; locks the case row (PostgreSQL)."""
    case = session.scalar(lock_for_update(select(Case).where(Case.id == case_id), session))
    if case is None:
        raise NotFound("case_not_found")
    category = session.get_one(Category, case.category_id)
    if unit is None and keep_unit and case.unit_id is not None:
        unit = session.get(Unit, case.unit_id)
    _dispatch(session, case, category, unit, assignee, actor=actor, now=now, note=note)
    return case


def _set_dispatch(
    session: Session,
    case: Case,
    category: CategoryLike,
    unit: UnitLike | None,
    assignee: PersonLike | None,
    now: datetime,
) -> None:
    """Hand the case to the unit and person, and start the accept clock (and the resolve clock once)."""
    accept_amount, accept_unit, resolve_amount, resolve_unit = _clock_for(session, case, category)
    needs_calendar = "working_days" in (accept_unit, resolve_unit)
    calendar = reference.work_calendar(session) if needs_calendar else WorkCalendar()
    case.unit_id = unit.id if unit else None
    case.assignee_id = assignee.id if assignee else None
    case.status = "dispatched"
    case.dispatched_at = now
    case.accepted_at = None
    case.accept_due_at = calendar.deadline(now, accept_amount, accept_unit)
    if case.resolve_due_at is None:
        case.resolve_due_at = calendar.deadline(now, resolve_amount, resolve_unit)
    case.next_check_at = case.accept_due_at
    case.updated_at = now


def _announce_dispatch(
    session: Session,
    case: Case,
    category: CategoryLike,
    unit: UnitLike | None,
    assignee: PersonLike | None,
    *,
    actor: User | None,
    before: str,
    now: datetime,
    note: str,
    grid: Area | None = None,
) -> AuditEntry:
    """The timeline entry and the notices to the assignee, the unit's staff and the unit's robot."""
    entry = _log(
        session,
        case,
        actor,
        "dispatch",
        before,
        "dispatched",
        now,
        note=note,
        extra={"unit": unit.code if unit else None, "assignee_id": assignee.id if assignee else None},
    )
    recipients: list[PersonLike] = [assignee] if assignee else []
    if unit is not None:
        recipients += reference.unit_staff(session, unit.id)
    params = _notice_params(session, case, category, grid=grid, unit=unit)
    _notify_users(session, recipients, "case.dispatched", case, now, params)
    if unit is not None and unit.webhook_url:
        _webhook(session, unit.webhook_url, "case.dispatched", case, now, params)
    return entry


# ---------------------------------------------------------------- scope


def scoped_cases(session: Session, user: User) -> Select[Case]:
    """The one query every read of cases goes through: only what this user may see."""
    mine = or_(Case.reporter_id == user.id, Case.assignee_id == user.id)
    stmt = select(Case)
    if user.role in (*SUPERVISOR_ROLES, "grid_worker"):
        path = area_path(session, user)
        if path is not None:
            in_area = Case.grid_id.in_(select(Area.id).where(Area.path.startswith(path)))
            return stmt.where(or_(in_area, mine))
        return stmt.where(mine)
    if user.role == "dept_staff" and user.unit_id is not None:
        co = select(CaseUnit.case_id).where(CaseUnit.unit_id == user.unit_id)
        return stmt.where(or_(Case.unit_id == user.unit_id, Case.id.in_(co), mine))
    if user.role == "resident":
        # A resident also follows the original of any report of theirs marked duplicate.
        originals = select(Case.duplicate_of_id).where(
            Case.reporter_id == user.id, Case.duplicate_of_id.is_not(None)
        )
        return stmt.where(or_(mine, Case.id.in_(originals)))
    return stmt.where(mine)


def get_case(session: Session, user: User, case_id: int, *, for_update: bool = False) -> Case:
    stmt = scoped_cases(session, user).where(Case.id == case_id)
    if for_update:
        stmt = lock_for_update(stmt, session)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("case_not_found")
    return found


def due_expr() -> Any:
    """The deadline that matters now: accept until accepted, then resolve."""
    return sql_case((Case.accepted_at.is_(None), Case.accept_due_at), else_=Case.resolve_due_at)


def list_cases(
    session: Session,
    user: User,
    *,
    statuses: list[str] | None = None,
    open_only: bool = False,
    order: str = "due",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    stmt = scoped_cases(session, user)
    if statuses:
        stmt = stmt.where(Case.status.in_(statuses))
    elif open_only:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if order == "due":
        due = due_expr()
        # Open cases by nearest deadline (so overdue first); the rest newest first.
        stmt = stmt.order_by(
            Case.status.not_in(OPEN_STATUSES),
            due.is_(None),
            due.asc(),
            Case.created_at.desc(),
            Case.id.desc(),
        )
    else:
        stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset))), total


def due_info(case: Case, now: datetime) -> tuple[str, datetime | None, bool]:
    """Which clock runs ("accept", "resolve" or ""), its deadline, and whether it is missed."""
    if case.status not in OPEN_STATUSES:
        return "", None, False
    if case.accepted_at is None:
        if case.accept_due_at is None:
            return "", None, False
        return "accept", case.accept_due_at, now > case.accept_due_at
    if case.resolve_due_at is None:
        return "", None, False
    return "resolve", case.resolve_due_at, now > case.resolve_due_at


# ---------------------------------------------------------------- permissions


def _is_supervisor_of(session: Session, user: User, case: Case) -> bool:
    if user.role not in SUPERVISOR_ROLES or case.grid_id is None:
        return False
    path = area_path(session, user)
    grid = session.get(Area, case.grid_id)
    return path is not None and grid is not None and grid.path.startswith(path)


def _is_handler(session: Session, user: User, case: Case) -> bool:
    """The assignee, staff of the lead unit, or the grid's own worker."""
    if case.assignee_id == user.id:
        return True
    if user.role == "dept_staff" and user.unit_id is not None and user.unit_id == case.unit_id:
        return True
    return user.role == "grid_worker" and user.area_id is not None and user.area_id == case.grid_id


def _is_co_handler(session: Session, user: User, case: Case) -> bool:
    if user.role != "dept_staff" or user.unit_id is None:
        return False
    found = session.scalar(
        select(CaseUnit.id).where(CaseUnit.case_id == case.id, CaseUnit.unit_id == user.unit_id)
    )
    return found is not None


def _roles_allow(session: Session, user: User, case: Case, action: str) -> bool:
    reporter = case.reporter_id is not None and case.reporter_id == user.id
    if action in ("rate", "reopen") and reporter:
        return True
    supervisor = _is_supervisor_of(session, user, case)
    if user.role == "admin" and supervisor and action != "rate":
        return True
    if supervisor and action in ("dispatch", "escalate", "reject", "duplicate", "close", "comment", "reopen"):
        return True
    handler = _is_handler(session, user, case)
    if handler and action in ("accept", "start", "resolve", "comment", "return"):
        # Returning (退单) is the unit's answer to a wrong routing; a grid worker verifies instead.
        return action != "return" or user.role != "grid_worker" or case.unit_id is None
    if handler and user.role == "grid_worker" and action in ("reject", "duplicate"):
        return True
    return action == "comment" and (reporter or _is_co_handler(session, user, case))


def allowed_actions(session: Session, user: User, case: Case, now: datetime) -> list[str]:
    out = []
    for action in ACTIONS:
        if case.status not in _FROM[action]:
            continue
        if action == "reopen" and not _within_reopen_window(case, now):
            continue
        if _roles_allow(session, user, case, action):
            out.append(action)
    return out


def _within_reopen_window(case: Case, now: datetime) -> bool:
    since = case.resolved_at or case.closed_at
    return since is None or now - since <= timedelta(days=REOPEN_WINDOW_DAYS)


# ---------------------------------------------------------------- transitions


def transition(
    session: Session,
    *,
    user: User,
    case_id: int,
    action: str,
    now: datetime,
    note: str = "",
    unit_code: str | None = None,
    assignee_id: int | None = None,
    duplicate_of: int | None = None,
    rating: int | None = None,
    lang: str = "zh",
    fixed: bool | None = None,
) -> Case:
    """Apply one action. Holds a row lock on the case (PostgreSQL) so two people cannot both take it.

    `rate` takes the questionnaire: `rating` 1–5 and `fixed` (was the problem fixed?); a rating of
    1–2 or fixed=False reopens the case instead of closing it (RATING_REOPEN_BELOW)."""
    case = get_case(session, user, case_id, for_update=True)
    if action not in _FROM:
        raise Invalid("case_transition_illegal", status=_status_label(case.status, lang), action=action)
    if case.status not in _FROM[action]:
        raise Conflict(
            "case_transition_illegal",
            status=_status_label(case.status, lang),
            action=translate(f"case_action.{action}", lang),
        )
    if not _roles_allow(session, user, case, action):
        raise Forbidden("case_action_forbidden", action=translate(f"case_action.{action}", lang))
    note = note.strip()
    if action in _NOTE_REQUIRED and not note:
        raise Invalid("case_note_required", action=translate(f"case_action.{action}", lang))

    before = case.status
    category = session.get_one(Category, case.category_id)
    if action == "dispatch":
        unit, assignee = _dispatch_targets(session, case, unit_code, assignee_id)
        _dispatch(session, case, category, unit, assignee, actor=user, now=now, note=note)
        _notify_followers(session, case, category, actor=user, action=action, before=before, note=note, now=now)
        return case
    if action == "escalate":
        _escalate(session, case, category, actor=user, reason="manual", now=now, note=note)
        return case

    extra: dict[str, Any] = {}
    if action == "accept":
        case.accepted_at = now
        case.next_check_at = case.resolve_due_at
    elif action == "return":
        extra["unit"] = _unit_code(session, case.unit_id)
        case.return_count += 1
        case.unit_id = None
        case.accepted_at = None
        _await_dispatch(session, case, category, now)
    elif action == "resolve":
        case.resolved_at = now
        case.resolution_note = note
        # The follow-up clock: no rating in N hours closes it.
        case.next_check_at = now + timedelta(hours=get_settings().rating_wait_hours)
    elif action == "rate" and (
        (rating is not None and rating < RATING_REOPEN_BELOW) or fixed is False
    ):
        # The resident is not satisfied: the case goes back to dispatch, like a reopen, and the
        # rating stays on record (it is the reason).
        if not _within_reopen_window(case, now):
            raise Conflict("case_reopen_window_passed", days=REOPEN_WINDOW_DAYS)
        case.rating = rating
        case.rating_fixed = fixed
        case.rating_comment = note
        extra |= {"rating": rating, "fixed": fixed, "reopened": True}
        case.reopen_count += 1
        case.resolved_at = None
        case.accepted_at = None
        case.resolve_due_at = None
        _await_dispatch(session, case, category, now)
        case.status = "reopened"
        case.updated_at = now
        _log(session, case, user, action, before, "reopened", now, note=note, extra=extra)
        _after_transition(session, case, category, "reopen", note, now)
        _notify_followers(session, case, category, actor=user, action=action, before=before, note=note, now=now)
        return case
    elif action in ("close", "rate"):
        if action == "rate":
            if rating is None:
                raise Invalid("case_rating_required")
            case.rating = rating
            case.rating_fixed = fixed
            case.rating_comment = note
            extra["rating"] = rating
            if fixed is not None:
                extra["fixed"] = fixed
        case.closed_at = now
        case.next_check_at = None
    elif action == "reject":
        case.closed_at = now
        case.next_check_at = None
    elif action == "duplicate":
        original = _duplicate_target(session, user, case, duplicate_of)
        case.duplicate_of_id = original.id
        case.closed_at = now
        case.next_check_at = None
        extra["duplicate_of"] = original.id
        if case.reporter_id is not None:
            notify.subscribe(
                session, user_id=case.reporter_id, subject_type="case", subject_id=str(original.id), now=now
            )
    elif action == "reopen":
        if not _within_reopen_window(case, now):
            raise Conflict("case_reopen_window_passed", days=REOPEN_WINDOW_DAYS)
        case.reopen_count += 1
        case.resolved_at = None
        case.closed_at = None
        case.rating = None
        case.accepted_at = None
        case.resolve_due_at = None  # a fresh resolve clock starts at the next dispatch
        # Back to dispatch: the dispatcher works against the accept clock, from now.
        _await_dispatch(session, case, category, now)

    after = _TARGET[action] or case.status
    case.status = after
    case.updated_at = now
    _log(session, case, user, action, before, after, now, note=note, extra=extra)
    _after_transition(session, case, category, action, note, now)
    _notify_followers(session, case, category, actor=user, action=action, before=before, note=note, now=now)
    return case


def _after_transition(
    session: Session, case: Case, category: Category, action: str, note: str, now: datetime
) -> None:
    params = _notice_params(session, case, category)
    if action == "resolve":
        params |= {"note": note, "hours": get_settings().rating_wait_hours}
        reporter = session.get(User, case.reporter_id) if case.reporter_id else None
        followers = _followers(session, case)
        _notify_users(session, [u for u in [reporter, *followers] if u], "case.resolved", case, now, params)
    elif action == "return":
        params |= {"note": note, "unit": params["unit"]}
        _notify_users(session, _supervisors(session, case, start_level=1), "case.returned", case, now, params)
    elif action == "reopen":
        params |= {"note": note}
        people = [session.get(User, case.assignee_id)] if case.assignee_id else []
        people += _supervisors(session, case, start_level=1)
        _notify_users(session, [p for p in people if p], "case.reopened", case, now, params)


def _dispatch_targets(
    session: Session, case: Case, unit_code: str | None, assignee_id: int | None
) -> tuple[Unit | None, User | None]:
    if not unit_code and not assignee_id:
        raise Invalid("case_dispatch_target_required")
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code, Unit.is_active.is_(True)))
        if unit is None:
            raise Invalid("unit_not_found", code=unit_code)
    assignee = None
    if assignee_id:
        assignee = session.get(User, assignee_id)
        if assignee is None or not assignee.is_active or assignee.role == "resident":
            raise Invalid("case_assignee_invalid")
        if not _covers_case(session, assignee, case):
            raise Invalid("case_assignee_invalid")
    elif case.grid_id is not None:
        # Re-routing to a unit keeps the grid's worker as first responder.
        grid = session.get_one(Area, case.grid_id)
        assignee = grid_worker_of(session, grid)
    return unit, assignee


def _covers_case(session: Session, person: User, case: Case) -> bool:
    """The person works where the case is: their area, or their unit's jurisdiction, covers the grid."""
    grid = session.get(Area, case.grid_id) if case.grid_id else None
    if grid is None:
        return False
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    area_id = unit.area_id if unit is not None else person.area_id
    area = session.get(Area, area_id) if area_id else None
    return area is not None and grid.path.startswith(area.path)


def _duplicate_target(session: Session, user: User, case: Case, original_id: int | None) -> Case:
    if original_id is None:
        raise Invalid("case_duplicate_target_required")
    if original_id == case.id:
        raise Invalid("case_duplicate_self")
    original = session.scalar(scoped_cases(session, user).where(Case.id == original_id))
    if original is None or original.status in ("duplicate", "rejected"):
        raise Invalid("case_duplicate_target_invalid")
    return original


def add_co_unit(
    session: Session, *, user: User, case_id: int, unit_code: str, now: datetime, note: str = ""
) -> CaseUnit:
    """协办: the lead unit (or a supervisor) brings in another unit."""
    case = get_case(session, user, case_id, for_update=True)
    lead_staff = user.role == "dept_staff" and user.unit_id is not None and user.unit_id == case.unit_id
    if not (lead_staff or _is_supervisor_of(session, user, case)):
        raise Forbidden("case_action_forbidden", action=translate("case_action.add_unit"))
    if case.status in TERMINAL_STATUSES:
        raise Conflict(
            "case_transition_illegal",
            status=_status_label(case.status),
            action=translate("case_action.add_unit"),
        )
    unit = session.scalar(select(Unit).where(Unit.code == unit_code, Unit.is_active.is_(True)))
    if unit is None:
        raise Invalid("unit_not_found", code=unit_code)
    if unit.id == case.unit_id:
        raise Conflict("case_unit_already_lead")
    return bring_in_unit(session, case, unit, now=now, actor=user, note=note)


def bring_in_unit(
    session: Session, case: Case, unit: Unit, *, now: datetime, actor: User | None = None, note: str = ""
) -> CaseUnit:
    """Add `unit` as a co-handling unit (协办), log it and tell its staff. No permission check: callers
    are add_co_unit (which checks) and feature modules acting on their own rules (e.g. a smoke alarm
    brings in the property company). Idempotent."""
    existing = session.scalar(
        select(CaseUnit).where(CaseUnit.case_id == case.id, CaseUnit.unit_id == unit.id)
    )
    if existing is not None or unit.id == case.unit_id:
        return existing or CaseUnit(case_id=case.id, unit_id=unit.id, added_at=now)
    link = CaseUnit(case_id=case.id, unit_id=unit.id, added_at=now, added_by_id=actor.id if actor else None)
    session.add(link)
    case.updated_at = now
    _log(session, case, actor, "add_unit", case.status, case.status, now, note=note, extra={"unit": unit.code})
    category = session.get_one(Category, case.category_id)
    params = _notice_params(session, case, category)
    _notify_users(
        session,
        accounts.users_with_unit(session, unit_id=unit.id, role="dept_staff"),
        "case.dispatched",
        case,
        now,
        params,
    )
    session.flush()
    return link


def case_by_id(session: Session, case_id: int) -> Case:
    """A case by id without a caller's scope: for feature modules acting on cases they filed."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found")
    return case


def is_open(session: Session, case_id: int) -> bool:
    """Whether the case still awaits work (for modules that keep one case per episode)."""
    status = session.scalar(select(Case.status).where(Case.id == case_id))
    return status in OPEN_STATUSES


def system_note(session: Session, case: Case, *, note: str, now: datetime, extra: dict[str, Any] | None = None) -> None:
    """A timeline comment by the system (a repeated device alarm, new evidence) on an open case."""
    case.updated_at = now
    _log(session, case, None, "comment", case.status, case.status, now, note=note, extra=extra or {})


def co_units(session: Session, case: Case) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .join(CaseUnit, CaseUnit.unit_id == Unit.id)
            .where(CaseUnit.case_id == case.id)
            .order_by(CaseUnit.id)
        )
    )


def reveal_contact(session: Session, *, user: User, case_id: int, now: datetime) -> tuple[str, str]:
    """Unmasked reporter contact for staff who must call back; every such read is logged."""
    case = get_case(session, user, case_id)
    if user.role not in _CONTACT_ROLES or not pii.can_read_pii(user):
        raise Forbidden("case_contact_forbidden")
    audit.log_pii_read(
        session,
        actor_id=user.id,
        actor_name=actor_name(user),
        subject_type="case",
        subject_id=case.id,
        fields=["reporter_name", "reporter_phone"],
        now=now,
    )
    return case.reporter_name, case.reporter_phone


# ---------------------------------------------------------------- escalation sweep


def _escalate(
    session: Session,
    case: Case,
    category: Category,
    *,
    actor: User | None,
    reason: str,
    now: datetime,
    note: str = "",
) -> None:
    grid = session.get_one(Area, case.grid_id) if case.grid_id else None
    chain = geo.ancestors(session, grid) if grid else []
    if chain and case.escalation_level >= len(chain) - 1 and actor is not None:
        raise Conflict("case_escalation_top")
    level = min(case.escalation_level + 1, max(len(chain) - 1, 0))
    target = chain[level] if chain else None
    case.escalation_level = level
    case.escalation_area_id = target.id if target else None
    case.escalated_at = now
    case.updated_at = now
    _log(
        session,
        case,
        actor,
        "escalate",
        case.status,
        case.status,
        now,
        note=note,
        extra={"reason": reason, "level": level, "area": target.code if target else None},
    )
    params = _notice_params(session, case, category) | {
        "reason": translate(f"escalation_reason.{reason}"),
        "area": target.name if target else "",
        "level": level,
    }
    _notify_users(
        session, _supervisors(session, case, start_level=level), "case.escalated", case, now, params
    )
    hook = get_settings().supervisor_webhook_url
    if hook:
        _webhook(session, hook, "case.escalated", case, now, params)


def sweep(session: Session, now: datetime, *, batch: int = 200) -> SweepReport:
    """Escalate missed clocks one level up the area tree; close resolved cases nobody rated in time.

    Claims due rows with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers can sweep at once.
    """
    stmt = (
        select(Case)
        .where(
            Case.next_check_at.is_not(None),
            Case.next_check_at <= now,
            Case.status.in_((*OPEN_STATUSES, "resolved")),
        )
        .order_by(Case.next_check_at, Case.id)
        .limit(batch)
    )
    stmt = lock_for_update(stmt, session, skip_locked=True)
    escalated = closed = 0
    for case in session.scalars(stmt).all():
        category = session.get_one(Category, case.category_id)
        if case.status == "resolved":
            case.status = "closed"
            case.closed_at = now
            case.next_check_at = None
            case.updated_at = now
            _log(session, case, None, "auto_close", "resolved", "closed", now, note="")
            closed += 1
            continue
        missed = "accept" if case.accepted_at is None else "resolve"
        _escalate(session, case, category, actor=None, reason=missed, now=now)
        # Each further miss climbs again: a fresh clock of the same length starts now.
        accept_amount, accept_unit, resolve_amount, resolve_unit = _clock_for(session, case, category)
        amount, unit = (accept_amount, accept_unit) if missed == "accept" else (resolve_amount, resolve_unit)
        case.next_check_at = reference.work_calendar(session).deadline(now, amount, unit)
        escalated += 1
    session.flush()
    return SweepReport(escalated=escalated, auto_closed=closed)


# ---------------------------------------------------------------- timeline and notifications


def timeline(session: Session, user: User, case_id: int) -> list[TimelineItem]:
    case = get_case(session, user, case_id)
    return timeline_of(session, case)


def timeline_of(session: Session, case: Case) -> list[TimelineItem]:
    return timeline_items(audit.entries_for(session, "case", case.id))


def timeline_items(entries: Sequence[AuditEntry]) -> list[TimelineItem]:
    """A case's timeline from its audit entries (read back, or just written by this request)."""
    items = []
    for e in entries:
        if not e.kind.startswith("case."):
            continue
        d = e.data
        items.append(
            TimelineItem(
                seq=e.seq,
                at=e.at,
                actor_name=e.actor_name,
                action=str(d.get("action", "")),
                from_status=d.get("from"),
                to_status=d.get("to"),
                note=str(d.get("note", "")),
                data=d,
            )
        )
    return items


def _log(
    session: Session,
    case: Case,
    actor: User | None,
    action: str,
    before: str | None,
    after: str | None,
    now: datetime,
    *,
    note: str,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    data: dict[str, Any] = {"action": action, "from": before, "to": after, "note": note}
    if extra:
        data |= extra
    return audit.append(
        session,
        kind="case.created" if action == "create" else "case.transition",
        subject_type="case",
        subject_id=case.id,
        actor_id=actor.id if actor else None,
        actor_name=actor_name(actor),
        data=data,
        now=now,
    )


def _status_label(status: str, lang: str = "zh") -> str:
    return translate(f"case_status.{status}", lang)


def _unit_code(session: Session, unit_id: int | None) -> str | None:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.code if unit else None


def _notice_params(
    session: Session,
    case: Case,
    category: CategoryLike,
    *,
    grid: Area | None = None,
    unit: UnitLike | None = None,
) -> dict[str, Any]:
    """Text for notices. `grid` and `unit` may be given when the caller holds the case's own."""
    if grid is None or grid.id != case.grid_id:
        grid = session.get(Area, case.grid_id) if case.grid_id else None
    if unit is None or unit.id != case.unit_id:
        unit = session.get(Unit, case.unit_id) if case.unit_id else None
    due = case.accept_due_at if case.accepted_at is None else case.resolve_due_at
    return {
        "number": case_number(case),
        "category": category.name_zh,
        "priority": translate(f"case_priority.{case.priority}"),
        "grid": grid.name if grid else "",
        "unit": unit.name if unit else "",
        "description": case.description[:200],
        "due": f"{local(due):%m-%d %H:%M}" if due else "",
    }


def _followers(session: Session, case: Case) -> list[User]:
    ids = notify.subscribers(session, "case", str(case.id))
    return [u for u in (session.get(User, i) for i in ids) if u is not None]


def area_follower_ids(session: Session, grid_path: str) -> list[int]:
    """Users following the grid or any area above it (subscriptions to ("area", area id))."""
    return list(notify.area_followers(session, [i for i in grid_path.strip("/").split("/") if i]))


def _notify_followers(
    session: Session,
    case: Case,
    category: CategoryLike,
    *,
    actor: User | None,
    action: str,
    before: str | None,
    note: str,
    now: datetime,
) -> None:
    """Tell the reporter and everyone following the case or its area that the status changed.

    The resolve notice (with the rating request) already went to the reporter and case followers.
    Staff comments and escalations change no status and stay internal."""
    if case.status == before:
        return
    ids: set[int] = set()
    if action != "resolve":
        ids |= set(notify.subscribers(session, "case", str(case.id)))
        if case.reporter_id is not None:
            ids.add(case.reporter_id)
    grid = session.get(Area, case.grid_id) if case.grid_id else None
    if grid is not None:
        ids |= set(area_follower_ids(session, grid.path))
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return
    people = list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    params = _notice_params(session, case, category, grid=grid) | {
        "status": _status_label(case.status),
        "note": note if action in ("resolve", "reject", "reopen") else "",
    }
    _notify_users(session, people, "case.status", case, now, params)


def _supervisors(session: Session, case: Case, *, start_level: int) -> list[User]:
    """Admins/officials of the escalation level's area, climbing until someone is found."""
    if case.grid_id is None:
        return []
    return accounts.supervisors_above(session, session.get_one(Area, case.grid_id), start_level=start_level)


def _notify_users(
    session: Session, users: Sequence[PersonLike], topic: str, case: Case, now: datetime, params: dict[str, Any]
) -> None:
    key = topic.replace(".", "_")
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        subject = translate(f"notice.{key}.subject", user.language, **params)
        body = translate(f"notice.{key}.body", user.language, **params)
        ref = f"case:{case.id}"
        notify.enqueue(
            session,
            channel="console",
            recipient=f"user:{user.id}",
            subject=subject,
            body=body,
            topic=topic,
            ref=ref,
            now=now,
        )
        if user.email:
            notify.enqueue(
                session,
                channel="email",
                recipient=user.email,
                subject=subject,
                body=body,
                topic=topic,
                ref=ref,
                now=now,
            )


def _webhook(
    session: Session, url: str, topic: str, case: Case, now: datetime, params: dict[str, Any]
) -> None:
    key = topic.replace(".", "_")
    notify.enqueue(
        session,
        channel="webhook",
        recipient=url,
        subject=translate(f"notice.{key}.subject", **params),
        body=translate(f"notice.{key}.body", **params),
        topic=topic,
        ref=f"case:{case.id}",
        now=now,
    )
