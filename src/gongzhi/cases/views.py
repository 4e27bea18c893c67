"""Case -> API shape, with personal data masked and labels in the caller's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from gongzhi.auth.models import Unit, User
from gongzhi.auth.pii import mask_name, mask_phone
from gongzhi.auth.service import Person, UnitRef
from gongzhi.cases import service
from gongzhi.cases.models import Case, Category
from gongzhi.cases.reference import CategoryInfo
from gongzhi.cases.schemas import CaseDetail, CaseOut, PersonRef, Ref, TimelineOut
from gongzhi.geo.models import Area
from gongzhi.i18n import translate

M = TypeVar("M", bound=BaseModel)


def reporter_contact(case: Case, viewer: User) -> tuple[str, str]:
    """The reporter's name and phone as `viewer` may see them: plain to the reporter, masked to all
    others (staff reach the reporter through the case's actions, never by reading the number)."""
    if case.reporter_id is not None and case.reporter_id == viewer.id:
        return case.reporter_name, case.reporter_phone
    return mask_name(case.reporter_name), mask_phone(case.reporter_phone)


def _build(
    model: type[M],
    session: Session,
    case: Case,
    viewer: User,
    now: datetime,
    lang: str,
    *,
    category: Category | CategoryInfo,
    grid: Area | None,
    unit: Unit | UnitRef | None,
    co_units: list[Unit],
    assignee: User | Person | None,
    esc_area: Area | None,
    **extra: Any,
) -> M:
    _, _, overdue = service.due_info(case, now)
    reporter_name, reporter_phone = reporter_contact(case, viewer)

    def name_of(thing: Area | Unit | UnitRef) -> str:
        return (thing.name_en or thing.name) if lang == "en" else thing.name

    return model(
        id=case.id,
        number=service.case_number(case),
        source=case.source,
        status=case.status,
        status_label=translate(f"case_status.{case.status}", lang),
        priority=case.priority,
        priority_label=translate(f"case_priority.{case.priority}", lang),
        category=Ref(code=category.code, name=category.name_en if lang == "en" else category.name_zh),
        title=case.title,
        description=case.description,
        address=case.address,
        lat=case.lat,
        lng=case.lng,
        grid=Ref(code=grid.code, name=name_of(grid)) if grid else None,
        unit=Ref(code=unit.code, name=name_of(unit)) if unit else None,
        co_units=[Ref(code=u.code, name=name_of(u)) for u in co_units],
        assignee=PersonRef(id=assignee.id, name=assignee.display_name or assignee.username)
        if assignee
        else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        created_at=case.created_at,
        dispatched_at=case.dispatched_at,
        accept_due_at=case.accept_due_at,
        resolve_due_at=case.resolve_due_at,
        accepted_at=case.accepted_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        overdue=overdue,
        escalation_level=case.escalation_level,
        escalation_area=Ref(code=esc_area.code, name=name_of(esc_area)) if esc_area else None,
        resolution_note=case.resolution_note,
        rating=case.rating,
        duplicate_of_id=case.duplicate_of_id,
        reopen_count=case.reopen_count,
        attributes=case.attributes,
        allowed_actions=service.allowed_actions(session, viewer, case, now),
        **extra,
    )


def _stored(model: type[M], session: Session, case: Case, viewer: User, now: datetime, lang: str,
            **extra: Any) -> M:
    return _build(
        model,
        session,
        case,
        viewer,
        now,
        lang,
        category=session.get_one(Category, case.category_id),
        grid=session.get(Area, case.grid_id) if case.grid_id else None,
        unit=session.get(Unit, case.unit_id) if case.unit_id else None,
        co_units=service.co_units(session, case),
        assignee=session.get(User, case.assignee_id) if case.assignee_id else None,
        esc_area=session.get(Area, case.escalation_area_id) if case.escalation_area_id else None,
        **extra,
    )


def case_out(session: Session, case: Case, viewer: User, now: datetime, lang: str) -> CaseOut:
    return _stored(CaseOut, session, case, viewer, now, lang)


def _timeline(items: list[service.TimelineItem], lang: str) -> list[TimelineOut]:
    return [
        TimelineOut(
            seq=i.seq,
            at=i.at,
            actor=i.actor_name,
            action=i.action,
            action_label=translate(f"case_action.{i.action}", lang),
            from_status=i.from_status,
            to_status=i.to_status,
            note=i.note,
        )
        for i in items
    ]


def case_detail(session: Session, case: Case, viewer: User, now: datetime, lang: str) -> CaseDetail:
    timeline = _timeline(service.timeline_of(session, case), lang)
    return _stored(CaseDetail, session, case, viewer, now, lang, timeline=timeline)


def intake_detail(session: Session, done: service.Intake, viewer: User, now: datetime, lang: str) -> CaseDetail:
    """case_detail for a case created in this request, from what intake holds in memory: a new case
    has no co-handling units and no escalation yet, and its timeline is the entries just written."""
    case = done.case
    return _build(
        CaseDetail,
        session,
        case,
        viewer,
        now,
        lang,
        category=done.category,
        grid=done.grid,
        unit=done.unit,
        co_units=[],
        assignee=done.assignee,
        esc_area=None,
        timeline=_timeline(service.timeline_items(done.entries), lang),
    )
