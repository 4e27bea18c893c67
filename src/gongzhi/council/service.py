"""Council rules: seats and quotas, meetings and their states, quorum, motions and votes, minutes,
action items that become cases.

No HTTP here. Functions take the caller's Session and `now`, flush, never commit. Counting is done
under the motion's row lock (`_locked_motion`): casting a vote and closing a motion both hold it, so
a vote can never land after the tally nor be counted twice. Weights and rules are in `voting.py`.

Who may do what (checked here, not in the routes):
* manage a council (seats, quotas, members, recurrence): admins and officials whose area covers it;
* run a meeting (schedule, agenda, notice, open, attendance, motions, close): its chair, vice-chair
  or secretary in term, or a manager;
* edit minutes: the secretary in term, or a manager; publish them: the secretary or chair, or a manager;
* vote: a member in term on the motion's roll (present when it opened), for themself; a runner
  records the votes of members recorded by name only (they have no account);
* see a council page and its published minutes: anyone whose area lies in or above the community;
  meeting pages (attendance, live tally): managers, staff in scope and the council's members.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import SUPERVISOR_ROLES, Unit, User
from gongzhi.auth.scope import area_path, in_scope
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import SHANGHAI, local
from gongzhi.council import (
    messages,  # noqa: F401  (registers the catalogue)
    voting,
)
from gongzhi.council.models import (
    ATTENDANCE_MODES,
    MEETING_KINDS,
    POSITIONS,
    QUOTA_SCALE,
    RECURRENCE_KINDS,
    RUNNER_POSITIONS,
    ActionItem,
    AgendaDocument,
    AgendaItem,
    Attendance,
    Council,
    CouncilMember,
    Meeting,
    Motion,
    SeatGroup,
    Vote,
)
from gongzhi.db import keep_loaded, lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

DEFAULT_GROUPS: tuple[tuple[str, str, str, int], ...] = (
    ("residents", "居民代表", "Resident representatives", 500),
    ("property", "物业公司", "Property company", 300),
    ("social_org", "社会组织", "Social organisations", 200),
)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DAYS_AHEAD = 2 * 366  # meetings are planned at most two years ahead
# Case status -> accountability status of an action item (Decidim's "accountability").
PROGRESS = {
    "new": "not_started",
    "dispatched": "not_started",
    "reopened": "in_progress",
    "accepted": "in_progress",
    "in_progress": "in_progress",
    "resolved": "done",
    "closed": "done",
    "rejected": "cancelled",
    "duplicate": "cancelled",
}
TOPICS = {"council_meeting_notice": "council.meeting.notice",
          "council_minutes_published": "council.minutes.published"}
SUBJECT_COUNCIL = "council"
SUBJECT_MEETING = "council_meeting"
SUBJECT_MOTION = "council_motion"


# ---------------------------------------------------------------- small helpers


def today(now: datetime) -> date:
    """The date in Shanghai: terms and due dates are local dates."""
    return local(now).date()


def _text(value: str, field: str, maximum: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid("council_field_required", field=field)
    if len(value) > maximum:
        raise Invalid("council_field_too_long", field=field, max=maximum)
    if "\x00" in value:
        raise Invalid("value_not_storable")
    return value


def _actor_name(user: User | None) -> str:
    return "" if user is None else (user.display_name or user.username)


def _log(session: Session, actor: User | None, kind: str, subject_type: str, subject_id: int,
         data: dict[str, Any], now: datetime) -> None:
    audit.append(session, kind=kind, subject_type=subject_type, subject_id=subject_id,
                 actor_id=actor.id if actor else None, actor_name=_actor_name(actor), data=data, now=now)


def _notify(session: Session, users: Sequence[User], key: str, params: dict[str, Any], now: datetime,
            ref: str) -> int:
    """One notice per active person through the outbox (console, and e-mail when they have one)."""
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        subject = translate(f"notice.{key}.subject", user.language, **params)
        body = translate(f"notice.{key}.body", user.language, **params)
        topic = TOPICS[key]
        notify.enqueue(session, channel="console", recipient=f"user:{user.id}", subject=subject, body=body,
                       topic=topic, ref=ref, now=now)
        if user.email:
            notify.enqueue(session, channel="email", recipient=user.email, subject=subject, body=body,
                           topic=topic, ref=ref, now=now)
    return len(seen)


def quota_fraction(group: SeatGroup) -> Fraction:
    return Fraction(group.quota, QUOTA_SCALE)


def in_term(member: CouncilMember, on: date) -> bool:
    return member.term_start <= on and (member.term_end is None or on <= member.term_end)


# ---------------------------------------------------------------- scope and roles


def _area(session: Session, council: Council) -> Area:
    return geo.get_area_by_id(session, council.area_id)


def can_view(session: Session, user: User, council: Council) -> bool:
    """Whose area lies in or above the community: residents of it, staff over it."""
    viewer = area_path(session, user)
    target = _area(session, council).path
    return in_scope(viewer, target) or in_scope(target, viewer)


def can_manage(session: Session, user: User, council: Council) -> bool:
    return user.role in SUPERVISOR_ROLES and in_scope(area_path(session, user), _area(session, council).path)


def member_for(session: Session, user: User, council_id: int, on: date) -> CouncilMember | None:
    """The user's seat in the council on that date (None when they hold none)."""
    rows = session.scalars(
        select(CouncilMember).where(CouncilMember.council_id == council_id, CouncilMember.user_id == user.id)
        .order_by(CouncilMember.id)
    )
    return next((m for m in rows if in_term(m, on)), None)


def can_run(session: Session, user: User, council: Council, now: datetime) -> bool:
    if can_manage(session, user, council):
        return True
    seat = member_for(session, user, council.id, today(now))
    return seat is not None and seat.position in RUNNER_POSITIONS


def can_edit_minutes(session: Session, user: User, council: Council, now: datetime) -> bool:
    if can_manage(session, user, council):
        return True
    seat = member_for(session, user, council.id, today(now))
    return seat is not None and seat.position == "secretary"


def can_publish_minutes(session: Session, user: User, council: Council, now: datetime) -> bool:
    if can_manage(session, user, council):
        return True
    seat = member_for(session, user, council.id, today(now))
    return seat is not None and seat.position in ("secretary", "chair")


def can_see_meetings(session: Session, user: User, council: Council) -> bool:
    """Meeting records (attendance, open votes): staff in scope and anyone who holds or held a seat."""
    if user.role != "resident" and user.role != "council_member" and can_view(session, user, council):
        return True
    seat = session.scalar(select(CouncilMember.id).where(
        CouncilMember.council_id == council.id, CouncilMember.user_id == user.id).limit(1))
    return seat is not None


def _require(ok: bool) -> None:
    if not ok:
        raise Forbidden("council_forbidden")


def visible_councils(session: Session, user: User) -> list[Council]:
    """The one read of councils: those whose community lies in or above the user's area."""
    path = area_path(session, user)
    if path is None:
        return []
    ancestors = [int(i) for i in path.strip("/").split("/") if i]
    stmt = (
        select(Council).join(Area, Council.area_id == Area.id)
        .where((Area.path.startswith(path, autoescape=True)) | Council.area_id.in_(ancestors))
        .order_by(Council.id)
    )
    return list(session.scalars(stmt))


def get_council(session: Session, user: User, council_id: int) -> Council:
    council = session.get(Council, council_id)
    if council is None or not can_view(session, user, council):
        raise NotFound("council_not_found")
    return council


def get_meeting(session: Session, user: User, meeting_id: int, *, published_only: bool = False) -> Meeting:
    """A meeting the user may see (404 otherwise); residents see only published minutes."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("council_meeting_not_found")
    council = get_council(session, user, meeting.council_id)
    if published_only:
        if meeting.status != "minutes_published" and not can_see_meetings(session, user, council):
            raise NotFound("council_meeting_not_found")
    elif not can_see_meetings(session, user, council):
        raise NotFound("council_meeting_not_found")
    return meeting


# ---------------------------------------------------------------- councils, seats, members


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name: str
    quota: int  # per mille
    name_en: str = ""


def _check_group_specs(specs: Sequence[GroupSpec]) -> None:
    if not specs:
        raise Invalid("council_groups_required")
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise Invalid("council_group_duplicate")
    if any(s.quota <= 0 for s in specs) or sum(s.quota for s in specs) != QUOTA_SCALE:
        raise Invalid("council_quota_sum", total=f"{sum(s.quota for s in specs) / 10:g}")


def create_council(
    session: Session, *, actor: User, area_code: str, name: str, now: datetime,
    groups: Sequence[GroupSpec] | None = None, description: str = "", location: str = "",
    quorum: Fraction = voting.HALF,
) -> Council:
    """A council for a community (or village); default seats 50/30/20."""
    try:
        area = geo.get_area(session, area_code)
    except NotFound:
        raise Invalid("council_area_not_community", code=area_code) from None
    if area.level not in ("community", "village"):
        raise Invalid("council_area_not_community", code=area_code)
    if actor.role not in SUPERVISOR_ROLES or not in_scope(area_path(session, actor), area.path):
        raise Forbidden("council_forbidden")
    specs = list(groups) if groups else [GroupSpec(c, n, q, e) for c, n, e, q in DEFAULT_GROUPS]
    _check_group_specs(specs)
    _check_quorum(quorum)
    council = Council(
        area_id=area.id, name=_text(name, "name", 100), description=_text(description, "description", 4000,
                                                                           required=False),
        location=_text(location, "location", 200, required=False), quorum_num=quorum.numerator,
        quorum_den=quorum.denominator, created_at=now,
    )
    session.add(council)
    session.flush()
    for i, spec in enumerate(specs):
        session.add(SeatGroup(council_id=council.id, code=_text(spec.code, "code", 32), name=_text(spec.name, "name", 100),
                              name_en=spec.name_en[:100], quota=spec.quota, position=i))
    session.flush()
    _log(session, actor, "council.create", SUBJECT_COUNCIL, council.id,
         {"area": area.code, "groups": {s.code: s.quota for s in specs}}, now)
    return council


def _check_quorum(quorum: Fraction) -> None:
    if not 0 <= quorum < 1:
        raise Invalid("council_quorum_invalid")


def update_council(
    session: Session, *, actor: User, council_id: int, now: datetime, quorum: Fraction | None = None,
    recurrence: str | None = None, week: int | None = None, weekday: int | None = None,
    day: int | None = None, meeting_minute: int | None = None, location: str | None = None,
    notice_days: int | None = None, name: str | None = None,
) -> Council:
    council = get_council(session, actor, council_id)
    _require(can_manage(session, actor, council))
    changes: dict[str, Any] = {}
    if quorum is not None:
        _check_quorum(quorum)
        council.quorum_num, council.quorum_den = quorum.numerator, quorum.denominator
        changes["quorum"] = voting.frac_text(quorum)
    if recurrence is not None:
        if recurrence not in RECURRENCE_KINDS:
            raise Invalid("council_recurrence_invalid")
        council.recurrence = recurrence
        changes["recurrence"] = recurrence
    if week is not None:
        if week not in (1, 2, 3, 4, -1):
            raise Invalid("council_recurrence_invalid")
        council.recurrence_week = week
        changes["week"] = week
    if weekday is not None:
        if not 0 <= weekday <= 6:
            raise Invalid("council_recurrence_invalid")
        council.recurrence_weekday = weekday
        changes["weekday"] = weekday
    if day is not None:
        if not 1 <= day <= 28:
            raise Invalid("council_recurrence_invalid")
        council.recurrence_day = day
        changes["day"] = day
    if meeting_minute is not None:
        if not 0 <= meeting_minute < 24 * 60:
            raise Invalid("council_recurrence_invalid")
        council.meeting_minute = meeting_minute
        changes["meeting_minute"] = meeting_minute
    if location is not None:
        council.location = _text(location, "location", 200, required=False)
        changes["location"] = council.location
    if notice_days is not None:
        if not 0 <= notice_days <= 30:
            raise Invalid("council_recurrence_invalid")
        council.notice_days = notice_days
        changes["notice_days"] = notice_days
    if name is not None:
        council.name = _text(name, "name", 100)
        changes["name"] = council.name
    session.flush()
    _log(session, actor, "council.update", SUBJECT_COUNCIL, council.id, changes, now)
    return council


def seat_groups(session: Session, council_id: int) -> list[SeatGroup]:
    return list(session.scalars(
        select(SeatGroup).where(SeatGroup.council_id == council_id).order_by(SeatGroup.position, SeatGroup.id)
    ))


def set_groups(session: Session, *, actor: User, council_id: int, groups: Sequence[GroupSpec],
               now: datetime) -> list[SeatGroup]:
    """Replace the seat groups and quotas (must add up to 100%). A group with members cannot be removed."""
    council = get_council(session, actor, council_id)
    _require(can_manage(session, actor, council))
    _check_group_specs(groups)
    existing = {g.code: g for g in seat_groups(session, council.id)}
    wanted = {s.code for s in groups}
    for code, group in existing.items():
        if code not in wanted:
            used = session.scalar(select(func.count()).select_from(CouncilMember)
                                  .where(CouncilMember.group_id == group.id))
            if used:
                raise Conflict("council_group_has_members", group=group.name)
            session.delete(group)
    for i, spec in enumerate(groups):
        found = existing.get(spec.code)
        if found is None:
            found = SeatGroup(council_id=council.id, code=_text(spec.code, "code", 32), quota=spec.quota)
            session.add(found)
        found.name = _text(spec.name, "name", 100)
        found.name_en = spec.name_en[:100]
        found.quota = spec.quota
        found.position = i
    session.flush()
    _log(session, actor, "council.seats", SUBJECT_COUNCIL, council.id, {s.code: s.quota for s in groups}, now)
    return seat_groups(session, council.id)


def members(session: Session, council_id: int, *, on: date | None = None) -> list[CouncilMember]:
    """All members, or only those in term on `on`; by group, then position, then id."""
    rows = list(session.scalars(
        select(CouncilMember).where(CouncilMember.council_id == council_id).order_by(CouncilMember.id)
    ))
    if on is not None:
        rows = [m for m in rows if in_term(m, on)]
    rank = {p: i for i, p in enumerate(POSITIONS)}
    return sorted(rows, key=lambda m: (m.group_id, rank.get(m.position, 9), m.id))


def add_member(
    session: Session, *, actor: User, council_id: int, group_code: str, now: datetime,
    user_id: int | None = None, name: str = "", organisation: str = "", position: str = "member",
    term_start: date | None = None, term_end: date | None = None,
) -> CouncilMember:
    council = get_council(session, actor, council_id)
    _require(can_manage(session, actor, council))
    group = session.scalar(select(SeatGroup).where(SeatGroup.council_id == council.id,
                                                   SeatGroup.code == group_code))
    if group is None:
        raise Invalid("council_group_not_found", code=group_code)
    if position not in POSITIONS:
        raise Invalid("council_position_invalid", position=position)
    start = term_start or today(now)
    if term_end is not None and term_end < start:
        raise Invalid("council_term_invalid")
    user = None
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise Invalid("council_user_not_found")
        if user.role == "resident" or user.role == "volunteer":
            # A seat is a role of its own: residents elected to it get a council_member account.
            raise Invalid("council_user_role", role=translate(f"role.{user.role}"))
        if session.scalar(select(CouncilMember.id).where(
                CouncilMember.council_id == council.id, CouncilMember.user_id == user.id,
                (CouncilMember.term_end.is_(None)) | (CouncilMember.term_end >= start))) is not None:
            raise Conflict("council_member_exists")
        name = name or user.display_name or user.username
    name = _text(name, "name", 100)
    if position != "member":
        for other in members(session, council.id, on=start):
            if other.position == position:
                raise Conflict("council_position_taken", position=translate(f"council.position.{position}"))
    member = CouncilMember(
        council_id=council.id, group_id=group.id, user_id=user.id if user else None, name=name,
        organisation=_text(organisation, "organisation", 100, required=False), position=position,
        term_start=start, term_end=term_end, created_at=now,
    )
    session.add(member)
    session.flush()
    _log(session, actor, "council.member_add", SUBJECT_COUNCIL, council.id,
         {"member_id": member.id, "group": group.code, "position": position, "user_id": member.user_id,
          "term_start": start.isoformat(), "term_end": term_end.isoformat() if term_end else None}, now)
    return member


def end_term(session: Session, *, actor: User, member_id: int, end: date, now: datetime) -> CouncilMember:
    member = session.get(CouncilMember, member_id)
    if member is None:
        raise NotFound("council_member_not_found")
    council = get_council(session, actor, member.council_id)
    _require(can_manage(session, actor, council))
    if end < member.term_start:
        raise Invalid("council_term_invalid")
    member.term_end = end
    session.flush()
    _log(session, actor, "council.member_end", SUBJECT_COUNCIL, council.id,
         {"member_id": member.id, "term_end": end.isoformat()}, now)
    return member


# ---------------------------------------------------------------- meetings


def _nth_weekday(year: int, month: int, week: int, weekday: int) -> date:
    if week == -1:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def regular_dates(council: Council, after: date, count: int) -> list[date]:
    """The next `count` regular meeting dates strictly after `after` (empty without a rule)."""
    if council.recurrence == "none" or count <= 0:
        return []
    out: list[date] = []
    year, month = after.year, after.month
    while len(out) < count:
        if council.recurrence == "nth_weekday":
            d = _nth_weekday(year, month, council.recurrence_week, council.recurrence_weekday)
        else:
            d = date(year, month, council.recurrence_day)
        if d > after:
            out.append(d)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _local_start(council: Council, day: date) -> datetime:
    hh, mm = divmod(council.meeting_minute, 60)
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI).astimezone(UTC)


def meetings_of(session: Session, council_id: int) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.council_id == council_id)
                                .order_by(Meeting.starts_at, Meeting.id)))


def generate_meetings(session: Session, council: Council, now: datetime, *, count: int = 2,
                      actor: User | None = None) -> list[Meeting]:
    """Make sure the next `count` regular meetings exist (idempotent); returns the ones created."""
    existing = {local(m.starts_at).date() for m in meetings_of(session, council.id) if m.kind == "regular"}
    created = []
    for day in regular_dates(council, today(now) - timedelta(days=1), count):
        if day in existing:
            continue
        starts = _local_start(council, day)
        if starts <= now:
            continue
        meeting = Meeting(
            council_id=council.id, kind="regular", starts_at=starts,
            ends_at=starts + timedelta(minutes=council.duration_minutes), location=council.location,
            title=translate("council.meeting.regular_title", name=council.name, month=f"{day.year}-{day.month:02d}"),
            status="scheduled", created_at=now,
        )
        session.add(meeting)
        created.append(meeting)
    if created:
        session.flush()
        for m in created:
            _log(session, actor, "council.meeting_schedule", SUBJECT_MEETING, m.id,
                 {"council_id": council.id, "kind": "regular", "starts_at": m.starts_at.isoformat()}, now)
    return created


def schedule_meeting(
    session: Session, *, actor: User, council_id: int, starts_at: datetime, now: datetime,
    kind: str = "extraordinary", title: str = "", duration_minutes: int | None = None, location: str | None = None,
    online_link: str = "",
) -> Meeting:
    council = get_council(session, actor, council_id)
    _require(can_run(session, actor, council, now))
    if kind not in MEETING_KINDS:
        raise Invalid("council_meeting_kind_invalid")
    if starts_at.tzinfo is None:
        raise Invalid("council_time_naive")
    if starts_at <= now:
        raise Invalid("council_meeting_in_past")
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise Invalid("council_meeting_too_far", days=MAX_DAYS_AHEAD)
    duration = duration_minutes or council.duration_minutes
    if not 10 <= duration <= 24 * 60:
        raise Invalid("council_duration_invalid")
    default_title = translate("council.meeting.extra_title" if kind == "extraordinary"
                              else "council.meeting.regular_title", name=council.name,
                              month=f"{local(starts_at):%Y-%m}")
    meeting = Meeting(
        council_id=council.id, kind=kind, title=_text(title, "title", 200, required=False) or default_title,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=duration),
        location=_text(location if location is not None else council.location, "location", 200, required=False),
        online_link=_text(online_link, "online_link", 300, required=False), status="scheduled", created_at=now,
    )
    session.add(meeting)
    session.flush()
    _log(session, actor, "council.meeting_schedule", SUBJECT_MEETING, meeting.id,
         {"council_id": council.id, "kind": kind, "starts_at": starts_at.isoformat()}, now)
    return meeting


def _meeting_for_update(session: Session, actor: User, meeting_id: int) -> tuple[Meeting, Council]:
    meeting = get_meeting(session, actor, meeting_id)
    locked = session.scalars(lock_for_update(select(Meeting).where(Meeting.id == meeting.id), session)
                             .execution_options(populate_existing=True)).one()
    return locked, session.get_one(Council, locked.council_id)


def _state(meeting: Meeting, *allowed: str, lang: str = "zh") -> None:
    if meeting.status not in allowed:
        raise Conflict("council_meeting_state", status=translate(f"council.state.{meeting.status}", lang))


def agenda(session: Session, meeting_id: int) -> list[AgendaItem]:
    """Carried-over overdue action items first, then the items in their order."""
    rows = session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                           .order_by(AgendaItem.position, AgendaItem.id))
    return sorted(rows, key=lambda a: (a.action_item_id is None, a.position, a.id))


def add_agenda_item(session: Session, *, actor: User, meeting_id: int, title: str, now: datetime,
                    description: str = "") -> AgendaItem:
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_run(session, actor, council, now))
    _state(meeting, "scheduled", "noticed", "in_session")
    top = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting_id=meeting.id, position=(top or 0) + 1, title=_text(title, "title", 200),
                      description=_text(description, "description", 20000, required=False), created_at=now)
    session.add(item)
    session.flush()
    _log(session, actor, "council.agenda_add", SUBJECT_MEETING, meeting.id,
         {"item_id": item.id, "title": item.title}, now)
    return item


def add_document(session: Session, *, actor: User, item_id: int, title: str, now: datetime, body: str = "",
                 filename: str = "", content_type: str = "", content: bytes | None = None) -> AgendaDocument:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("council_item_not_found")
    meeting, council = _meeting_for_update(session, actor, item.meeting_id)
    _require(can_run(session, actor, council, now))
    _state(meeting, "scheduled", "noticed", "in_session")
    if content is not None and len(content) > MAX_DOCUMENT_BYTES:
        raise Invalid("council_document_too_large", max=MAX_DOCUMENT_BYTES // (1024 * 1024))
    if not body.strip() and not content:
        raise Invalid("council_document_empty")
    doc = AgendaDocument(
        item_id=item.id, title=_text(title, "title", 200), body=_text(body, "body", 50000, required=False),
        filename=_text(filename, "filename", 200, required=False) if content else "",
        content_type=(content_type or "application/octet-stream")[:100] if content else "",
        size=len(content) if content else 0, sha256=hashlib.sha256(content).hexdigest() if content else "",
        content=content or None, created_at=now,
    )
    session.add(doc)
    session.flush()
    _log(session, actor, "council.document_add", SUBJECT_MEETING, meeting.id,
         {"item_id": item.id, "document_id": doc.id, "sha256": doc.sha256, "filename": doc.filename}, now)
    return doc


def documents(session: Session, item_ids: Sequence[int]) -> dict[int, list[AgendaDocument]]:
    out: dict[int, list[AgendaDocument]] = {i: [] for i in item_ids}
    if item_ids:
        for d in session.scalars(select(AgendaDocument).where(AgendaDocument.item_id.in_(item_ids))
                                 .order_by(AgendaDocument.id)):
            out[d.item_id].append(d)
    return out


def get_document(session: Session, user: User, document_id: int) -> AgendaDocument:
    doc = session.get(AgendaDocument, document_id)
    if doc is None:
        raise NotFound("council_document_not_found")
    item = session.get_one(AgendaItem, doc.item_id)
    get_meeting(session, user, item.meeting_id, published_only=True)
    return doc


def carry_overdue(session: Session, meeting: Meeting, now: datetime) -> list[AgendaItem]:
    """Put each overdue, unfinished action item of the council at the head of this meeting's agenda
    (once per meeting). Called when the meeting is noticed and again when it opens."""
    have = set(session.scalars(select(AgendaItem.action_item_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.action_item_id.is_not(None))))
    added = []
    for view in action_item_views(session, meeting.council_id, now):
        if not view.overdue or view.item.id in have:
            continue
        item = AgendaItem(
            meeting_id=meeting.id, position=0, action_item_id=view.item.id,
            title=translate("council.agenda.overdue_title", title=view.item.title),
            description=translate("council.agenda.overdue_body", due=view.item.due_on.isoformat(),
                                  owner=view.owner, status=translate(f"council.progress.{view.progress}"),
                                  number=view.case_number),
            created_at=now,
        )
        session.add(item)
        added.append(item)
    if added:
        session.flush()
    return added


def notice_meeting(session: Session, *, actor: User | None, meeting_id: int, now: datetime) -> Meeting:
    """scheduled → noticed: overdue action items go first on the agenda; each member in term is told."""
    if actor is None:
        meeting = session.scalars(lock_for_update(select(Meeting).where(Meeting.id == meeting_id), session)
                                  .execution_options(populate_existing=True)).one()
        council = session.get_one(Council, meeting.council_id)
    else:
        meeting, council = _meeting_for_update(session, actor, meeting_id)
        _require(can_run(session, actor, council, now))
    _state(meeting, "scheduled")
    carry_overdue(session, meeting, now)
    meeting.status = "noticed"
    meeting.noticed_at = now
    titles = [a.title for a in agenda(session, meeting.id)]
    people = [session.get_one(User, m.user_id) for m in members(session, council.id, on=local(meeting.starts_at).date())
              if m.user_id is not None]
    params = {"council": council.name, "title": meeting.title, "when": f"{local(meeting.starts_at):%Y-%m-%d %H:%M}",
              "where": meeting.location or meeting.online_link or "-", "agenda": "；".join(titles) or "-",
              "url": f"/councils/meetings/{meeting.id}"}
    sent = _notify(session, people, "council_meeting_notice", params, now, ref=f"council_meeting:{meeting.id}")
    session.flush()
    _log(session, actor, "council.meeting_notice", SUBJECT_MEETING, meeting.id, {"notified": sent}, now)
    return meeting


# ---------------------------------------------------------------- attendance and quorum


def attendance(session: Session, meeting_id: int) -> list[Attendance]:
    return list(session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)
                                .order_by(Attendance.checked_in_at, Attendance.id)))


def check_in(session: Session, *, actor: User, meeting_id: int, now: datetime, member_id: int | None = None,
             mode: str = "in_person") -> Attendance:
    """A member checks in (in person or online), or a runner records someone's presence."""
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _state(meeting, "noticed", "in_session")
    if mode not in ATTENDANCE_MODES:
        raise Invalid("council_mode_invalid")
    on = today(now)
    own = member_for(session, actor, council.id, on)
    if member_id is None:
        if own is None:
            raise Forbidden("council_not_member")
        member = own
    else:
        found = session.get(CouncilMember, member_id)
        if found is None or found.council_id != council.id:
            raise NotFound("council_member_not_found")
        member = found
        if (own is None or own.id != member.id) and not can_run(session, actor, council, now):
            raise Forbidden("council_forbidden")
    if not in_term(member, on):
        raise Conflict("council_member_out_of_term", name=member.name)
    row = session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                  Attendance.member_id == member.id))
    if row is not None:
        row.mode = mode
    else:
        row = Attendance(meeting_id=meeting.id, member_id=member.id, mode=mode, checked_in_at=now)
        session.add(row)
    session.flush()
    _log(session, actor, "council.check_in", SUBJECT_MEETING, meeting.id,
         {"member_id": member.id, "mode": mode}, now)
    return row


def check_out(session: Session, *, actor: User, meeting_id: int, member_id: int, now: datetime) -> None:
    """A member leaves: no longer present for quorum or for motions opened from now on."""
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _state(meeting, "noticed", "in_session")
    own = member_for(session, actor, council.id, today(now))
    if (own is None or own.id != member_id) and not can_run(session, actor, council, now):
        raise Forbidden("council_forbidden")
    row = session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                  Attendance.member_id == member_id))
    if row is None:
        raise NotFound("council_member_not_found")
    session.delete(row)
    session.flush()
    _log(session, actor, "council.check_out", SUBJECT_MEETING, meeting.id, {"member_id": member_id}, now)


def _present_in_term(session: Session, meeting: Meeting, on: date) -> dict[int, list[CouncilMember]]:
    """group id -> members present and in term."""
    present = set(session.scalars(select(Attendance.member_id).where(Attendance.meeting_id == meeting.id)))
    out: dict[int, list[CouncilMember]] = {}
    for m in members(session, meeting.council_id, on=on):
        if m.id in present:
            out.setdefault(m.group_id, []).append(m)
    return out


def quorum_now(session: Session, meeting: Meeting, now: datetime) -> voting.QuorumResult:
    council = session.get_one(Council, meeting.council_id)
    on = today(now)
    in_term_by_group: dict[int, int] = {}
    for m in members(session, council.id, on=on):
        in_term_by_group[m.group_id] = in_term_by_group.get(m.group_id, 0) + 1
    present = _present_in_term(session, meeting, on)
    rows = [voting.SeatGroupPresence(g.code, g.name, quota_fraction(g), in_term_by_group.get(g.id, 0),
                                     len(present.get(g.id, []))) for g in seat_groups(session, council.id)]
    return voting.quorum(rows, Fraction(council.quorum_num, council.quorum_den))


def _quorum_doc(q: voting.QuorumResult) -> dict[str, Any]:
    return {"present": voting.frac_text(q.present_weight), "threshold": voting.frac_text(q.threshold), "met": q.met}


def open_meeting(session: Session, *, actor: User, meeting_id: int, now: datetime) -> Meeting:
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_run(session, actor, council, now))
    _state(meeting, "noticed")
    carry_overdue(session, meeting, now)
    q = quorum_now(session, meeting, now)
    meeting.status = "in_session"
    meeting.opened_at = now
    meeting.quorum_at_open = _quorum_doc(q)
    session.flush()
    _log(session, actor, "council.meeting_open", SUBJECT_MEETING, meeting.id, {"quorum": meeting.quorum_at_open}, now)
    return meeting


# ---------------------------------------------------------------- motions and votes


def motions_of(session: Session, meeting_id: int) -> list[Motion]:
    return list(session.scalars(select(Motion).where(Motion.meeting_id == meeting_id)
                                .order_by(Motion.opened_at, Motion.id)))


def open_motion(
    session: Session, *, actor: User, meeting_id: int, title: str, now: datetime, text: str = "",
    rule: str = "simple_majority", abstentions: str = "excluded", secret: bool = False,
    agenda_item_id: int | None = None,
) -> Motion:
    """Put a motion to the vote. Needs quorum; its roll is fixed now (members present and in term)."""
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_run(session, actor, council, now))
    _state(meeting, "in_session")
    if rule not in voting.RULES:
        raise Invalid("council_rule_invalid", rule=rule)
    if abstentions not in voting.ABSTENTIONS:
        raise Invalid("council_rule_invalid", rule=abstentions)
    if agenda_item_id is not None:
        item = session.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != meeting.id:
            raise Invalid("council_item_not_found")
    q = quorum_now(session, meeting, now)
    if not q.met:
        raise Conflict("council_quorum_not_met", present=voting.pct(q.present_weight), needed=voting.pct(q.threshold))
    present = _present_in_term(session, meeting, today(now))
    roll = {str(g.id): [m.id for m in present.get(g.id, [])] for g in seat_groups(session, council.id)}
    motion = Motion(
        meeting_id=meeting.id, agenda_item_id=agenda_item_id, title=_text(title, "title", 200),
        text=_text(text, "text", 20000, required=False), rule=rule, abstentions=abstentions, secret=secret,
        status="open", roll=roll, counts={k: {"yes": 0, "no": 0, "abstain": 0} for k in roll},
        opened_at=now, opened_by_id=actor.id,
    )
    session.add(motion)
    session.flush()
    _log(session, actor, "council.motion_open", SUBJECT_MOTION, motion.id,
         {"meeting_id": meeting.id, "rule": rule, "abstentions": abstentions, "secret": secret,
          "quorum": _quorum_doc(q), "roll": roll}, now)
    return motion


def _locked_motion(session: Session, motion_id: int) -> Motion:
    """The motion, row-locked until the transaction ends (PostgreSQL; SQLite has one writer).
    Every change to its counts or status happens under this lock."""
    stmt = lock_for_update(select(Motion).where(Motion.id == motion_id), session)
    motion = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if motion is None:
        raise NotFound("council_motion_not_found")
    return motion


def _visible_motion(session: Session, user: User, motion_id: int) -> tuple[Motion, Meeting, Council]:
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound("council_motion_not_found")
    meeting = get_meeting(session, user, motion.meeting_id)
    return motion, meeting, session.get_one(Council, meeting.council_id)


def cast_vote(session: Session, *, actor: User, motion_id: int, choice: str, now: datetime,
              member_id: int | None = None) -> Vote:
    """One vote per member per motion, counted under the motion's row lock. A closed motion refuses."""
    if choice not in voting.CHOICES:
        raise Invalid("council_choice_invalid", choice=choice)
    _motion, _meeting, council = _visible_motion(session, actor, motion_id)
    motion = _locked_motion(session, motion_id)
    if motion.status != "open":
        raise Conflict("council_motion_closed")
    own = member_for(session, actor, council.id, today(now))
    if member_id is None or (own is not None and own.id == member_id):
        if own is None:
            raise Forbidden("council_not_member")
        member = own
    else:
        found = session.get(CouncilMember, member_id)
        if found is None or found.council_id != council.id:
            raise NotFound("council_member_not_found")
        # Only members without an account are voted for, by someone who runs the meeting.
        if found.user_id is not None or not can_run(session, actor, council, now):
            raise Forbidden("council_vote_for_other")
        member = found
    group_key = next((g for g, ids in motion.roll.items() if member.id in ids), None)
    if group_key is None:
        raise Forbidden("council_not_on_roll")
    already = session.scalar(select(Vote.id).where(Vote.motion_id == motion.id, Vote.member_id == member.id))
    if already is not None:
        raise Conflict("council_already_voted")
    vote = Vote(motion_id=motion.id, member_id=member.id, choice=None if motion.secret else choice, cast_at=now,
                recorded_by_id=actor.id if actor.id != (member.user_id or -1) else None)
    try:
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError:
        raise Conflict("council_already_voted") from None
    counts = {k: dict(v) for k, v in motion.counts.items()}
    counts[group_key][choice] = int(counts[group_key].get(choice, 0)) + 1
    motion.counts = counts
    session.flush()
    data: dict[str, Any] = {"motion_id": motion.id, "member_id": member.id}
    if not motion.secret:
        data["choice"] = choice
    _log(session, actor, "council.vote", SUBJECT_MOTION, motion.id, data, now)
    return vote


def motion_tally(session: Session, motion: Motion) -> voting.TallyResult:
    groups = seat_groups(session, session.get_one(Meeting, motion.meeting_id).council_id)
    rows = []
    for g in groups:
        c = motion.counts.get(str(g.id), {})
        rows.append(voting.GroupVotes(g.code, g.name, quota_fraction(g), len(motion.roll.get(str(g.id), [])),
                                      int(c.get("yes", 0)), int(c.get("no", 0)), int(c.get("abstain", 0))))
    rule = motion.rule if motion.rule in voting.RULES else "simple_majority"
    return voting.tally(rows, rule, abstentions="included" if motion.abstentions == "included" else "excluded")


def votes_cast(session: Session, motion_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Vote).where(Vote.motion_id == motion_id)) or 0)


def voted_member_ids(session: Session, motion_id: int) -> set[int]:
    """Who has voted (kept for secret ballots too: it is what stops a second vote)."""
    return set(session.scalars(select(Vote.member_id).where(Vote.motion_id == motion_id)))


def open_ballot_votes(session: Session, motion: Motion) -> list[tuple[CouncilMember, str]]:
    """Who voted how, for open ballots only; a secret ballot answers with nobody's choice."""
    if motion.secret:
        return []
    rows = session.execute(select(CouncilMember, Vote.choice).join(Vote, Vote.member_id == CouncilMember.id)
                           .where(Vote.motion_id == motion.id).order_by(Vote.id))
    return [(m, c or "") for m, c in rows]


def close_motion(session: Session, *, actor: User, motion_id: int, now: datetime) -> voting.TallyResult:
    _motion, _meeting, council = _visible_motion(session, actor, motion_id)
    _require(can_run(session, actor, council, now))
    motion = _locked_motion(session, motion_id)
    if motion.status != "open":
        raise Conflict("council_motion_closed")
    result = motion_tally(session, motion)
    motion.status = "closed"
    motion.closed_at = now
    motion.result = "passed" if result.passed else "failed"
    session.flush()
    _log(session, actor, "council.motion_close", SUBJECT_MOTION, motion.id,
         {"result": motion.result, "yes": voting.frac_text(result.yes), "no": voting.frac_text(result.no),
          "abstain": voting.frac_text(result.abstain), "votes": votes_cast(session, motion.id)}, now)
    return result


def close_meeting(session: Session, *, actor: User, meeting_id: int, now: datetime, lang: str = "zh") -> Meeting:
    """in_session → closed; the draft minutes are written from the record."""
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_run(session, actor, council, now))
    _state(meeting, "in_session")
    if any(m.status == "open" for m in motions_of(session, meeting.id)):
        raise Conflict("council_motions_open")
    meeting.status = "closed"
    meeting.closed_at = now
    meeting.minutes = draft_minutes(session, meeting, now, lang=lang)
    session.flush()
    _log(session, actor, "council.meeting_close", SUBJECT_MEETING, meeting.id, {}, now)
    return meeting


# ---------------------------------------------------------------- minutes


def _member_names(session: Session, ids: Sequence[int]) -> dict[int, CouncilMember]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(CouncilMember).where(CouncilMember.id.in_(ids)))}


def explain(result: voting.TallyResult, lang: str = "zh") -> list[str]:
    """Each condition of the rule with its figures, in the reader's language."""
    lines = []
    for c in result.conditions:
        mark = translate("council.cond.holds" if c.holds else "council.cond.fails", lang)
        lines.append(f"{translate(c.key, lang, **c.params)} {mark}")
    return lines


def group_lines(result: voting.TallyResult, lang: str = "zh") -> list[str]:
    return [
        translate("council.minutes.group_line", lang, name=s.name, quota=voting.pct(s.quota, 0), eligible=s.eligible,
                  weight=voting.frac_text(s.weight), y=s.counts[0], n=s.counts[1], a=s.counts[2],
                  yes=voting.pct(s.yes), no=voting.pct(s.no), abstain=voting.pct(s.abstain))
        for s in result.groups
    ]


def draft_minutes(session: Session, meeting: Meeting, now: datetime, *, lang: str = "zh") -> str:
    """会议纪要 from the record: attendance, quorum, each motion with its tally and result, action items."""
    council = session.get_one(Council, meeting.council_id)

    def t(key: str, **p: Any) -> str:
        return translate(key, lang, **p)

    groups = {g.id: g for g in seat_groups(session, council.id)}
    rows = attendance(session, meeting.id)
    people = _member_names(session, [a.member_id for a in rows])
    out = [t("council.minutes.heading", title=meeting.title), ""]
    out.append(t("council.minutes.when", when=f"{local(meeting.opened_at or meeting.starts_at):%Y-%m-%d %H:%M}",
                 end=f"{local(meeting.closed_at or now):%H:%M}", where=meeting.location or meeting.online_link or "-"))
    out.append("")
    out.append(t("council.minutes.attendance", n=len(rows)))
    for a in rows:
        m = people[a.member_id]
        g = groups.get(m.group_id)
        out.append(f"- {m.name}（{g.name if g else ''}，{t('council.position.' + m.position)}，"
                   f"{t('council.mode.' + a.mode)}）")
    q = meeting.quorum_at_open or {}
    if q:
        present = Fraction(str(q.get("present", "0")))
        threshold = Fraction(str(q.get("threshold", "1/2")))
        out.append(t("council.minutes.quorum", present=voting.pct(present), threshold=voting.pct(threshold),
                     result=t("council.quorum.met" if q.get("met") else "council.quorum.not_met")))
    out.append("")
    out.append(t("council.minutes.agenda"))
    for i, item in enumerate(agenda(session, meeting.id), start=1):
        out.append(f"{i}. {item.title}")
    out.append("")
    motions = motions_of(session, meeting.id)
    out.append(t("council.minutes.motions", n=len(motions)))
    for i, motion in enumerate(motions, start=1):
        result = motion_tally(session, motion)
        verdict = t(f"council.result.{motion.result}") if motion.result else t("council.result.open")
        out.append(t("council.minutes.motion", i=i, title=motion.title,
                     rule=t(f"council.rule.{motion.rule}") + (
                         t(f"council.abstentions.{motion.abstentions}") if motion.rule == "two_thirds" else ""),
                     ballot=t("council.ballot.secret" if motion.secret else "council.ballot.open"), result=verdict))
        out.append("   " + t("council.minutes.totals", yes=voting.pct(result.yes), no=voting.pct(result.no),
                                abstain=voting.pct(result.abstain), votes=votes_cast(session, motion.id)))
        out.extend("   " + line for line in explain(result, lang))
        out.extend("   " + line for line in group_lines(result, lang))
        for ai in session.scalars(select(ActionItem).where(ActionItem.motion_id == motion.id).order_by(ActionItem.id)):
            out.append("   " + t("council.minutes.action", title=ai.title, due=ai.due_on.isoformat(),
                                     owner=_owner_name(session, ai)))
    return "\n".join(out) + "\n"


def edit_minutes(session: Session, *, actor: User, meeting_id: int, text: str, now: datetime) -> Meeting:
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_edit_minutes(session, actor, council, now))
    _state(meeting, "closed")
    meeting.minutes = _text(text, "minutes", 100000)
    meeting.minutes_edited_at = now
    session.flush()
    _log(session, actor, "council.minutes_edit", SUBJECT_MEETING, meeting.id,
         {"sha256": hashlib.sha256(meeting.minutes.encode()).hexdigest()}, now)
    return meeting


def publish_minutes(session: Session, *, actor: User, meeting_id: int, now: datetime) -> Meeting:
    """closed → minutes_published: the public page shows them; subscribers and members are told."""
    meeting, council = _meeting_for_update(session, actor, meeting_id)
    _require(can_publish_minutes(session, actor, council, now))
    _state(meeting, "closed")
    if not meeting.minutes.strip():
        raise Invalid("council_minutes_empty")
    meeting.status = "minutes_published"
    meeting.minutes_published_at = now
    ids = set(notify.subscribers(session, SUBJECT_COUNCIL, council.id))
    ids |= {m.user_id for m in members(session, council.id, on=today(now)) if m.user_id is not None}
    people = [u for u in (session.get(User, i) for i in sorted(ids)) if u is not None]
    sent = _notify(session, people, "council_minutes_published",
                   {"council": council.name, "title": meeting.title, "url": f"/councils/minutes/{meeting.id}"},
                   now, ref=f"council_meeting:{meeting.id}")
    session.flush()
    _log(session, actor, "council.minutes_publish", SUBJECT_MEETING, meeting.id,
         {"notified": sent, "sha256": hashlib.sha256(meeting.minutes.encode()).hexdigest()}, now)
    return meeting


def subscribe(session: Session, *, user: User, council_id: int, now: datetime) -> None:
    council = get_council(session, user, council_id)
    notify.subscribe(session, user_id=user.id, subject_type=SUBJECT_COUNCIL, subject_id=council.id, now=now)


def unsubscribe(session: Session, *, user: User, council_id: int) -> None:
    council = get_council(session, user, council_id)
    notify.unsubscribe(session, user_id=user.id, subject_type=SUBJECT_COUNCIL, subject_id=council.id)


def is_subscribed(session: Session, user: User, council_id: int) -> bool:
    return user.id in notify.subscribers(session, SUBJECT_COUNCIL, council_id)


# ---------------------------------------------------------------- action items (cases)


@dataclass(frozen=True)
class ActionItemView:
    item: ActionItem
    case_status: str | None
    case_number: str
    progress: str  # not_started | in_progress | done | cancelled
    overdue: bool
    owner: str


def _owner_name(session: Session, item: ActionItem) -> str:
    if item.owner_user_id:
        user = session.get(User, item.owner_user_id)
        if user is not None:
            return user.display_name or user.username
    if item.owner_unit_id:
        unit = session.get(Unit, item.owner_unit_id)
        if unit is not None:
            return unit.name
    return ""


def action_item_views(session: Session, council_id: int, now: datetime) -> list[ActionItemView]:
    """Each action item with its progress read from its case (the council page's accountability list)."""
    items = list(session.scalars(select(ActionItem).where(ActionItem.council_id == council_id)
                                 .order_by(ActionItem.due_on, ActionItem.id)))
    case_ids = [i.case_id for i in items if i.case_id]
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
    day = today(now)
    out = []
    for item in items:
        case = found.get(item.case_id) if item.case_id else None
        status = case.status if case else None
        progress = PROGRESS.get(status or "new", "not_started")
        out.append(ActionItemView(
            item=item, case_status=status, case_number=cases.case_number(case) if case else "",
            progress=progress, overdue=item.due_on < day and progress in ("not_started", "in_progress"),
            owner=_owner_name(session, item),
        ))
    return out


def create_action_item(
    session: Session, *, actor: User, motion_id: int, title: str, due_on: date, now: datetime,
    description: str = "", owner_unit_code: str | None = None, owner_user_id: int | None = None,
    grid_code: str | None = None, category: str = "other",
) -> ActionItem:
    """A passed motion's follow-up becomes a case (source `council`) handed to its owner."""
    _motion, meeting, council = _visible_motion(session, actor, motion_id)
    _require(can_run(session, actor, council, now))
    motion = _locked_motion(session, motion_id)
    if motion.result != "passed":
        raise Conflict("council_motion_not_passed")
    if due_on < today(now):
        raise Invalid("council_due_in_past")
    if due_on > today(now) + timedelta(days=5 * 366):
        raise Invalid("council_due_too_far")
    title = _text(title, "title", 200)
    description = _text(description, "description", 3000, required=False)
    unit = None
    if owner_unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == owner_unit_code, Unit.is_active.is_(True)))
        if unit is None:
            raise Invalid("unit_not_found", code=owner_unit_code)
    owner = None
    if owner_user_id is not None:
        owner = session.get(User, owner_user_id)
        if owner is None or not owner.is_active or owner.role == "resident":
            raise Invalid("council_owner_invalid")
    if unit is None and owner is None:
        raise Invalid("council_owner_required")
    area = _area(session, council)
    if grid_code:
        try:
            grid = geo.get_area(session, grid_code)
        except NotFound:
            raise Invalid("council_grid_invalid", code=grid_code) from None
        if grid.level != "grid" or not grid.path.startswith(area.path):
            raise Invalid("council_grid_invalid", code=grid_code)
    else:
        grids = geo.grids_under(session, area)
        if not grids:
            raise Invalid("council_grid_invalid", code=area.code)
        grid = min(grids, key=lambda g: g.id)
    item = ActionItem(council_id=council.id, motion_id=motion.id, title=title, description=description,
                      owner_unit_id=unit.id if unit else None, owner_user_id=owner.id if owner else None,
                      due_on=due_on, created_at=now, created_by_id=actor.id)
    session.add(item)
    session.flush()
    body = translate("council.action.case_body", council=council.name, meeting=meeting.title, motion=motion.title,
                     due=due_on.isoformat(), text=description or title)
    data = CaseIn(category=category, description=body[:4000], title=title, grid_code=grid.code, source="council",
                  external_ref=f"council_action:{item.id}")
    case = cases.create_case(session, actor=actor, data=data, now=now)
    # The decision names who does it: hand the case to that owner instead of the category's default unit.
    cases.assign(session, case_id=case.id, unit=unit, assignee=owner, actor=actor, now=now, keep_unit=False,
                 note=translate("council.action.dispatch_note", motion=motion.title, due=due_on.isoformat()))
    item.case_id = case.id
    keep_loaded(session, case)
    session.flush()
    _log(session, actor, "council.action_item", SUBJECT_MOTION, motion.id,
         {"action_item_id": item.id, "case_id": case.id, "due_on": due_on.isoformat(),
          "owner_unit": unit.code if unit else None, "owner_user_id": owner.id if owner else None}, now)
    return item


# ---------------------------------------------------------------- periodic work


def sweep(session: Session, now: datetime) -> int:
    """Generate the next regular meetings and send due notices; returns meetings created + noticed."""
    done = 0
    for council in session.scalars(select(Council).where(Council.is_active.is_(True)).order_by(Council.id)):
        done += len(generate_meetings(session, council, now))
        horizon = now + timedelta(days=council.notice_days)
        due = session.scalars(
            lock_for_update(select(Meeting).where(Meeting.council_id == council.id, Meeting.status == "scheduled",
                                                  Meeting.starts_at <= horizon, Meeting.starts_at > now),
                            session, skip_locked=True).order_by(Meeting.starts_at)
        ).all()
        for meeting in due:
            notice_meeting(session, actor=None, meeting_id=meeting.id, now=now)
            done += 1
    return done
