"""Resident reporting around the case spine: nearby open reports (duplicates), the public view,
following a report or an area, and moderation of abusive text or photos.

No HTTP here; services flush, never commit. Moderation is a timeline entry (audit chain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import media as case_media
from gongzhi.cases import (
    messages,  # noqa: F401  (registers the catalogue)
    service,
)
from gongzhi.cases.models import OPEN_STATUSES, Case, CaseMedia, Category
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.notify import service as notify

NEARBY_METRES = 50.0
NEARBY_HOURS = 72
NEARBY_LIMIT = 5
EARTH_RADIUS_M = 6_371_000.0
# Only residents' reports have a public page; internal cases (disputes, elder alarms) never do.
PUBLIC_SOURCES = ("citizen", "open311")
MODERATION_REASON_MAX = 500


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine); exact enough at 50 m."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Nearby:
    case: Case
    metres: float


def nearby_open(
    session: Session,
    *,
    category: str,
    lat: float,
    lng: float,
    now: datetime,
    radius_m: float = NEARBY_METRES,
    hours: int = NEARBY_HOURS,
    limit: int = NEARBY_LIMIT,
) -> list[Nearby]:
    """Open public reports of the category within `radius_m` filed in the last `hours`, nearest first.

    A bounding box narrows the rows in SQL (indexes on created_at/category); the exact distance is
    computed here, so it behaves the same on SQLite and PostgreSQL."""
    cat = session.scalar(select(Category).where(Category.code == category))
    if cat is None:
        raise Invalid("category_not_found", code=category)
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    rows = session.scalars(
        select(Case).where(
            Case.category_id == cat.id,
            Case.status.in_(OPEN_STATUSES),
            Case.source.in_(PUBLIC_SOURCES),
            Case.created_at >= now - timedelta(hours=hours),
            Case.lat.between(lat - dlat, lat + dlat),
            Case.lng.between(lng - dlng, lng + dlng),
        )
    ).all()
    found = [
        Nearby(c, distance_m(lat, lng, c.lat, c.lng))
        for c in rows
        if c.lat is not None and c.lng is not None
    ]
    found = [n for n in found if n.metres <= radius_m]
    found.sort(key=lambda n: (n.metres, -n.case.id))
    return found[:limit]


def public_case(session: Session, case_id: int) -> Case:
    """A report anyone may look at (its public view hides the reporter and moderated content)."""
    case = session.get(Case, case_id)
    if case is None or case.source not in PUBLIC_SOURCES:
        raise NotFound("case_not_found")
    category = session.get(Category, case.category_id)
    if category is None or not category.public:
        raise NotFound("case_not_found")
    return case


def can_view_private(session: Session, user: User | None, case: Case) -> bool:
    """The reporter and staff whose scope covers the case see the full (own-scope) page."""
    if user is None:
        return False
    found = session.scalar(service.scoped_cases(session, user).where(Case.id == case.id).with_only_columns(Case.id))
    return found is not None


# ---------------------------------------------------------------- photos after filing


def add_photo(
    session: Session, *, user: User, case_id: int, data: bytes, content_type: str | None, now: datetime
) -> CaseMedia:
    """A photo added after filing: by the reporter (while the case is open) or by staff handling it
    (e.g. the repair done). Recorded in the timeline."""
    case = service.get_case(session, user, case_id, for_update=True)
    reporter = case.reporter_id is not None and case.reporter_id == user.id
    staff = user.role != "resident"
    if not (reporter or staff):
        raise Forbidden("case_action_forbidden", action=translate("case_action.add_photo"))
    if case.status not in (*OPEN_STATUSES, "resolved"):
        raise Conflict(
            "case_transition_illegal",
            status=translate(f"case_status.{case.status}"),
            action=translate("case_action.add_photo"),
        )
    photo = case_media.attach_photo(session, case, data, content_type=content_type, actor=user, now=now)
    case.updated_at = now
    service._log(
        session, case, user, "add_photo", case.status, case.status, now, note="", extra={"media_id": photo.id}
    )
    return photo


# ---------------------------------------------------------------- following


def follow_case(session: Session, *, user: User, case_id: int, now: datetime) -> Case:
    case = public_case(session, case_id)
    notify.subscribe(session, user_id=user.id, subject_type="case", subject_id=str(case.id), now=now)
    return case


def unfollow_case(session: Session, *, user: User, case_id: int) -> bool:
    return notify.unsubscribe(session, user_id=user.id, subject_type="case", subject_id=str(case_id))


def is_following(session: Session, user: User, case_id: int) -> bool:
    return user.id in notify.subscribers(session, "case", str(case_id))


def follow_area(session: Session, *, user: User, area_code: str, now: datetime) -> Area:
    """Follow every report in an area (a grid, community or street): new ones and status changes."""
    try:
        area = geo.get_area(session, area_code)
    except NotFound:
        raise Invalid("subscription_target_invalid") from None
    notify.subscribe(session, user_id=user.id, subject_type="area", subject_id=str(area.id), now=now)
    return area


def unfollow_area(session: Session, *, user: User, area_code: str) -> bool:
    try:
        area = geo.get_area(session, area_code)
    except NotFound:
        return False
    return notify.unsubscribe(session, user_id=user.id, subject_type="area", subject_id=str(area.id))


def followed_areas(session: Session, user: User) -> list[Area]:
    from gongzhi.notify.models import Subscription

    ids = session.scalars(
        select(Subscription.subject_id).where(Subscription.user_id == user.id, Subscription.subject_type == "area")
    ).all()
    numeric = [int(i) for i in ids if i.isdigit()]
    return list(session.scalars(select(Area).where(Area.id.in_(numeric)).order_by(Area.path))) if numeric else []


def followed_cases(session: Session, user: User, *, limit: int = 50) -> list[Case]:
    from gongzhi.notify.models import Subscription

    ids = session.scalars(
        select(Subscription.subject_id).where(Subscription.user_id == user.id, Subscription.subject_type == "case")
    ).all()
    numeric = [int(i) for i in ids if i.isdigit() and len(i) < 11]
    if not numeric:
        return []
    stmt = (
        select(Case)
        .where(Case.id.in_(numeric), Case.source.in_(PUBLIC_SOURCES))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- moderation


def can_moderate(session: Session, user: User, case: Case) -> bool:
    """Admins and officials over the case's area, and its grid's worker (first to see the report)."""
    if user.role in ("admin", "official"):
        return service._is_supervisor_of(session, user, case)
    return user.role == "grid_worker" and user.area_id is not None and user.area_id == case.grid_id


def _moderation_case(session: Session, user: User, case_id: int) -> Case:
    case = service.get_case(session, user, case_id, for_update=True)
    if not can_moderate(session, user, case):
        raise Forbidden("moderation_forbidden")
    return case


def _reason(reason: str, hiding: bool) -> str:
    reason = reason.strip()
    if hiding and not reason:
        raise Invalid("moderation_reason_required")
    if len(reason) > MODERATION_REASON_MAX:
        raise Invalid("moderation_reason_too_long", max=MODERATION_REASON_MAX)
    return reason


def set_text_hidden(
    session: Session, *, user: User, case_id: int, hidden: bool, reason: str, now: datetime
) -> Case:
    """Hide (or restore) the report's description and title from the public view; staff still see it."""
    reason = _reason(reason, hidden)
    case = _moderation_case(session, user, case_id)
    if case.description_hidden == hidden:
        return case
    case.description_hidden = hidden
    case.updated_at = now
    service._log(
        session, case, user, "hide_text" if hidden else "show_text", case.status, case.status, now, note=reason
    )
    session.flush()
    return case


def set_photo_hidden(
    session: Session, *, user: User, media_id: int, hidden: bool, reason: str, now: datetime
) -> CaseMedia:
    """Hide (or restore) one photo: its URL answers 404 to the public while hidden."""
    reason = _reason(reason, hidden)
    photo = case_media.get_media(session, media_id)
    if photo is None:
        raise NotFound("media_not_found")
    case = _moderation_case(session, user, photo.case_id)
    if photo.hidden == hidden:
        return photo
    photo.hidden = hidden
    photo.hidden_at = now if hidden else None
    photo.hidden_by_id = user.id if hidden else None
    case.updated_at = now
    service._log(
        session,
        case,
        user,
        "hide_photo" if hidden else "show_photo",
        case.status,
        case.status,
        now,
        note=reason,
        extra={"media_id": photo.id},
    )
    session.flush()
    return photo


def photo_visible_to(session: Session, user: User | None, photo: CaseMedia) -> bool:
    """Public photos of public reports are open; hidden ones only to those who can moderate them,
    and photos of internal cases only within the viewer's scope."""
    case = session.get(Case, photo.case_id)
    if case is None:
        return False
    if user is not None and can_view_private(session, user, case):
        return not photo.hidden or can_moderate(session, user, case)
    if photo.hidden:
        return False
    try:
        public_case(session, case.id)
    except NotFound:
        return False
    return True
