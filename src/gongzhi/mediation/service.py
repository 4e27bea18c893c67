"""The mediation rules: filing, triage, routing and matching, first contact, sessions, evidence, outcome.

No HTTP here. Functions take the caller's Session and `now`, flush, never commit. Every state change
writes an audit entry (subject `dispute`); the case (source `dispute`) carries the spine's timeline.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth import pii
from gongzhi.auth import service as accounts
from gongzhi.auth.models import SUPERVISOR_ROLES, Unit, User
from gongzhi.auth.scope import area_path
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case
from gongzhi.cases.schemas import CaseIn
from gongzhi.clock import local
from gongzhi.db import lock_for_update
from gongzhi.errors import Conflict, Forbidden, Invalid, NotFound
from gongzhi.geo import service as geo
from gongzhi.geo.models import Area
from gongzhi.i18n import translate
from gongzhi.mediation import (
    matching,
    messages,  # noqa: F401  (registers the catalogue)
    triage_service,
)
from gongzhi.mediation.models import (
    OPEN_STATUSES,
    TIER_FOR_LEVEL,
    TIER_FOR_RISK,
    TYPES,
    Dispute,
    DisputeParty,
    Evidence,
    MediationSession,
    Mediator,
)
from gongzhi.mediation.schemas import DisputeIn, PartyIn
from gongzhi.notify import service as notify

CATEGORY = "dispute"
# First contact (DOMAIN.md): 24 h, 1 h for high risk.
FIRST_CONTACT = {"low": timedelta(hours=24), "medium": timedelta(hours=24), "high": timedelta(hours=1)}
FOLLOWUP_AFTER = timedelta(days=30)
REPEAT_WINDOW = timedelta(days=365)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
STAFF_INTAKE_ROLES = frozenset({"grid_worker", "mediator", "admin", "official", "dept_staff"})
CORRECT_ROLES = frozenset({"mediator", "admin", "official"})
_FILENAME_BAD = re.compile(r"[\\/\x00-\x1f]")


@dataclass(frozen=True)
class PartyView:
    id: int
    role: str
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool


# ---------------------------------------------------------------- small helpers


def name_of(user: User | None) -> str:
    return cases.actor_name(user)


def log_event(session: Session, dispute: Dispute, actor: User | None, action: str, now: datetime,
         **data: Any) -> None:
    audit.append(
        session, kind=f"dispute.{action}", subject_type="dispute", subject_id=dispute.id,
        actor_id=actor.id if actor else None, actor_name=name_of(actor), data={"action": action, **data}, now=now,
    )


def _key(prefix: str, *parts: str) -> str:
    """A registry key: a hash, so the key itself carries no personal data."""
    raw = "|".join(p.strip().lower() for p in parts)
    return prefix + hashlib.sha256(raw.encode()).hexdigest()[:24]


def _household_key(address: str) -> str:
    compact = re.sub(r"\s+", "", address)
    return _key("h:", compact) if compact else ""


def _person_key(party: PartyIn | DisputeParty, grid_code: str) -> str:
    if party.id_number:
        return _key("p:", "id", party.id_number)
    if party.phone:
        return _key("p:", "phone", party.phone)
    return _key("p:", "name", party.name, grid_code)


def dispute_number(dispute: Dispute) -> str:
    return f"TJ{local(dispute.created_at):%Y%m%d}{dispute.id:05d}"


def notify_user(session: Session, user: User, key: str, now: datetime, ref: str, **params: Any) -> None:
    if not user.is_active:
        return
    notify.enqueue(
        session, channel="console", recipient=f"user:{user.id}",
        subject=translate(f"{key}.subject", user.language, **params),
        body=translate(f"{key}.body", user.language, **params), topic=key.removeprefix("notice."),
        ref=ref, now=now,
    )


# ---------------------------------------------------------------- scope


def scoped_disputes(session: Session, user: User) -> Select[Dispute]:
    """The one query every read of disputes goes through."""
    stmt = select(Dispute)
    mine = or_(Dispute.resident_id == user.id, Dispute.filed_by_id == user.id)
    if user.role in (*SUPERVISOR_ROLES, "grid_worker", "mediator"):
        path = area_path(session, user)
        own = mine
        if user.role == "mediator":
            own = or_(mine, Dispute.mediator_id.in_(select(Mediator.id).where(Mediator.user_id == user.id)))
        if path is None:
            return stmt.where(own)
        in_area = Dispute.grid_id.in_(select(Area.id).where(Area.path.startswith(path, autoescape=True)))
        return stmt.where(or_(in_area, own))
    return stmt.where(mine)


def get_dispute(session: Session, user: User, dispute_id: int, *, for_update: bool = False) -> Dispute:
    stmt = scoped_disputes(session, user).where(Dispute.id == dispute_id)
    if for_update:
        stmt = lock_for_update(stmt, session)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("mediation_dispute_not_found")
    return found


def dispute_for_case(session: Session, user: User, case_id: int) -> Dispute | None:
    return session.scalar(scoped_disputes(session, user).where(Dispute.case_id == case_id))


def _is_mediator_of(session: Session, user: User, dispute: Dispute) -> bool:
    if dispute.mediator_id is None:
        return False
    med = session.get(Mediator, dispute.mediator_id)
    return med is not None and med.user_id == user.id


def _is_supervisor_of(session: Session, user: User, dispute: Dispute) -> bool:
    if user.role not in SUPERVISOR_ROLES:
        return False
    path = area_path(session, user)
    grid = session.get(Area, dispute.grid_id)
    return path is not None and grid is not None and grid.path.startswith(path)


def _require_handler(session: Session, user: User, dispute: Dispute) -> None:
    """The assigned mediator or a supervisor of the area may work the record."""
    if not (_is_mediator_of(session, user, dispute) or _is_supervisor_of(session, user, dispute)):
        raise Forbidden("mediation_forbidden")


# ---------------------------------------------------------------- mediators


def tier_of_area(area: Area) -> str:
    tier = TIER_FOR_LEVEL.get(area.level)
    if tier is None:
        raise Invalid("mediation_mediator_area_invalid")
    return tier


def upsert_mediator(
    session: Session, *, actor: User | None, user: User, now: datetime, specialties: Sequence[str] | None = None,
    capacity: int | None = None, available: bool | None = None,
) -> Mediator:
    """Create or update a mediator's profile. Tier from their area's level; place from its centre."""
    if actor is not None and actor.role not in SUPERVISOR_ROLES:
        raise Forbidden("mediation_forbidden")
    if user.role != "mediator" or user.area_id is None:
        raise Invalid("mediation_not_a_mediator", username=user.username)
    area = geo.get_area_by_id(session, user.area_id)
    if actor is not None:
        path = area_path(session, actor)
        if path is None or not area.path.startswith(path):
            raise Forbidden("mediation_forbidden")
    bad = [s for s in specialties or () if s not in TYPES]
    if bad:
        raise Invalid("mediation_type_invalid", type=bad[0])
    med = session.scalar(select(Mediator).where(Mediator.user_id == user.id))
    if med is None:
        med = Mediator(user_id=user.id, tier=tier_of_area(area), area_id=area.id, specialties=[], capacity=8,
                       available=True, lat=area.centroid_lat, lng=area.centroid_lng, created_at=now)
        session.add(med)
    med.tier, med.area_id = tier_of_area(area), area.id
    if specialties is not None:
        med.specialties = sorted(set(specialties))
    if capacity is not None:
        med.capacity = capacity
    if available is not None:
        med.available = available
    session.flush()
    audit.append(session, kind="mediation.mediator", subject_type="mediator", subject_id=med.id,
                 actor_id=actor.id if actor else None, actor_name=name_of(actor),
                 data={"tier": med.tier, "specialties": med.specialties, "capacity": med.capacity,
                       "available": med.available}, now=now)
    return med


def ensure_mediator_profiles(session: Session, now: datetime) -> int:
    """Give every active mediator account a profile (defaults) so routing can see them."""
    have = select(Mediator.user_id)
    users = session.scalars(
        select(User).where(User.role == "mediator", User.is_active.is_(True), User.area_id.is_not(None),
                           User.id.not_in(have))
    ).all()
    made = 0
    for user in users:
        area = geo.get_area_by_id(session, user.area_id) if user.area_id else None
        if area is None or area.level not in TIER_FOR_LEVEL:
            continue
        upsert_mediator(session, actor=None, user=user, now=now)
        made += 1
    return made


def mediators_in_scope(session: Session, user: User) -> list[tuple[Mediator, User, Area]]:
    """Mediators whose area lies in the caller's subtree (what a supervisor may configure)."""
    path = area_path(session, user)
    if path is None:
        return []
    rows = session.execute(
        select(Mediator, User, Area).join(User, User.id == Mediator.user_id).join(Area, Area.id == Mediator.area_id)
        .where(Area.path.startswith(path, autoescape=True)).order_by(Mediator.tier, Area.path, Mediator.id)
    )
    return [(m, u, a) for m, u, a in rows]


def mediator_loads(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Dispute.mediator_id, func.count())
        .where(Dispute.mediator_id.is_not(None), Dispute.status.in_(("assigned", "in_mediation")))
        .group_by(Dispute.mediator_id)
    )
    return {int(m): int(n) for m, n in rows if m is not None}


def offers(session: Session, *, lock: bool = False) -> list[matching.Offer]:
    stmt = select(Mediator).join(User, User.id == Mediator.user_id).where(User.is_active.is_(True))
    if lock:
        # Two workers matching at once must not both fill a mediator's last slot.
        stmt = lock_for_update(stmt.order_by(Mediator.id), session)
    mediators = list(session.scalars(stmt))
    # Counted after the locks are held, so a batch another worker just committed is included.
    loads = mediator_loads(session)
    return [
        matching.Offer(key=m.id, tier=m.tier, area_id=m.area_id, specialties=frozenset(m.specialties),
                       lat=m.lat, lng=m.lng, load=loads.get(m.id, 0), capacity=m.capacity, available=m.available)
        for m in mediators
    ]


# ---------------------------------------------------------------- intake


def _clean_parties(parties: Sequence[PartyIn]) -> list[PartyIn]:
    roles = [p.role for p in parties]
    if "applicant" not in roles or "respondent" not in roles:
        raise Invalid("mediation_parties_required")
    out = []
    for p in parties:
        phone = ""
        if p.phone:
            normal = pii.normalize_phone(p.phone)
            if normal is None:
                raise Invalid("mediation_phone_invalid", name=p.name)
            phone = normal
        id_number = ""
        if p.id_number:
            normal_id = pii.normalize_id_number(p.id_number)
            if normal_id is None:
                raise Invalid("mediation_id_number_invalid", name=p.name)
            id_number = normal_id
        out.append(p.model_copy(update={"phone": phone, "id_number": id_number}))
    return out


def _place(session: Session, data: DisputeIn) -> tuple[Area, float | None, float | None]:
    if (data.lat is None) != (data.lng is None):
        raise Invalid("mediation_location_required")
    if data.grid_code:
        try:
            grid = geo.get_area(session, data.grid_code)
        except NotFound:
            raise Invalid("mediation_grid_not_found", code=data.grid_code) from None
        if grid.level != "grid":
            raise Invalid("mediation_grid_not_found", code=data.grid_code)
        return grid, data.lat, data.lng
    if data.lat is None or data.lng is None:
        raise Invalid("mediation_location_required")
    found = geo.locate_grid(session, data.lat, data.lng)
    if found is None:
        raise Invalid("mediation_location_outside")
    return found, data.lat, data.lng


def prior_disputes(session: Session, person_keys: set[str], household_keys: set[str], since: datetime) -> int:
    """Earlier disputes (since `since`) with any of these people or households as a party."""
    conds = []
    if person_keys:
        conds.append(DisputeParty.person_key.in_(sorted(person_keys)))
    if household_keys:
        conds.append(DisputeParty.household_key.in_(sorted(household_keys)))
    if not conds:
        return 0
    stmt = (
        select(func.count(func.distinct(DisputeParty.dispute_id)))
        .join(Dispute, Dispute.id == DisputeParty.dispute_id)
        .where(or_(*conds), Dispute.created_at >= since)
    )
    return int(session.scalar(stmt) or 0)


def file_dispute(session: Session, *, actor: User, data: DisputeIn, now: datetime, channel: str = "web") -> Dispute:
    """A resident files their own dispute, or staff take it by phone for a resident (channel 'phone').

    Places it in its grid, runs the triage (with the parties' history as repeats), files the case
    (source `dispute`), and routes it: high risk is matched at once and the police liaison told; the
    rest wait for the next batch (tasks.sweep)."""
    if actor.role == "resident":
        resident: User | None = actor
        if data.resident_username:
            raise Forbidden("mediation_forbidden")
    elif actor.role in STAFF_INTAKE_ROLES:
        resident = None
        if data.resident_username:
            resident = accounts.get_user_by_username(session, data.resident_username)
            if resident is None or resident.role != "resident":
                raise Invalid("mediation_resident_not_found", username=data.resident_username)
        channel = "phone" if channel == "web" else channel
    else:
        raise Forbidden("mediation_forbidden")
    parties = _clean_parties(data.parties)
    grid, lat, lng = _place(session, data)
    if actor.role != "resident":
        path = area_path(session, actor)
        if path is None or not grid.path.startswith(path):
            raise Forbidden("mediation_out_of_area")

    person_keys = {_person_key(p, grid.code) for p in parties}
    household_keys = {k for k in (_household_key(p.address) for p in parties) if k}
    repeats = prior_disputes(session, person_keys, household_keys, now - REPEAT_WINDOW)
    amount = Decimal(str(data.amount)) if data.amount is not None else None
    result = triage_service.triage_text(session, data.description, amount=amount, people=data.people,
                                        repeats=repeats)

    applicant = next(p for p in parties if p.role == "applicant")
    intake = cases.intake(
        session,
        actor=resident if resident is not None else actor,
        internal=True,
        data=CaseIn(
            category=CATEGORY, description=data.description, title=data.description[:40],
            lat=lat, lng=lng, grid_code=grid.code, address=data.address, source="dispute",
            reporter_name=applicant.name, reporter_phone=applicant.phone, attributes={"risk": result.risk},
        ),
        now=now,
    )
    case = intake.case
    if resident is not None and actor.role != "resident":
        # Phone intake: the case belongs to the resident so they can follow it.
        notify.subscribe(session, user_id=resident.id, subject_type="case", subject_id=str(case.id), now=now)
    dispute = Dispute(
        case_id=case.id, created_at=now, updated_at=now, filed_by_id=actor.id,
        resident_id=resident.id if resident is not None else None, channel=channel, grid_id=grid.id, lat=lat,
        lng=lng, address=data.address, description=data.description, amount=data.amount, people=data.people,
        prior_attempts=data.prior_attempts, repeats=repeats, type=result.type, risk=result.risk,
        confidence=float(result.confidence), reasons=list(result.reasons),
        type_scores={k: float(v) for k, v in dict(result.type_scores).items()}, corrected=False,
        status="waiting", tier=TIER_FOR_RISK[result.risk], first_contact_due_at=now + FIRST_CONTACT[result.risk],
        escalate_at=now + FIRST_CONTACT[result.risk],
        next_check_at=now,
    )
    session.add(dispute)
    session.flush()
    for p in parties:
        session.add(DisputeParty(
            dispute_id=dispute.id, role=p.role, name=p.name, phone=p.phone, id_number=p.id_number,
            address=p.address, household_key=_household_key(p.address), person_key=_person_key(p, grid.code),
        ))
    log_event(session, dispute, actor, "filed", now, case_id=case.id, channel=channel, type=result.type,
         risk=result.risk, confidence=round(float(result.confidence), 3), reasons=list(result.reasons)[:10],
         repeats=repeats)
    if result.risk == "high":
        route_now(session, dispute, now)
        alert_police(session, dispute, now)
    session.flush()
    return dispute


# ---------------------------------------------------------------- routing and matching


def need_of(session: Session, dispute: Dispute, grid: Area | None = None) -> matching.Need:
    grid = grid or geo.get_area_by_id(session, dispute.grid_id)
    ids = frozenset(int(p) for p in grid.path.strip("/").split("/") if p)
    lat, lng = dispute.lat, dispute.lng
    if lat is None or lng is None:
        lat, lng = grid.centroid_lat, grid.centroid_lng
    return matching.Need(key=dispute.id, type=dispute.type, tier=dispute.tier, areas=ids, lat=lat, lng=lng)


def _apply_match(session: Session, dispute: Dispute, mediator: Mediator, match: matching.Match,
                 now: datetime, *, mode: str) -> None:
    user = session.get_one(User, mediator.user_id)
    dispute.mediator_id = mediator.id
    dispute.status = "assigned"
    dispute.assigned_at = now
    dispute.match_cost = round(match.cost, 4)
    dispute.match_reasons = {k: round(v, 3) for k, v in match.terms.items()} | {"mode": mode,
                                                                               "mediator_tier": mediator.tier}
    dispute.next_check_at = dispute.escalate_at
    dispute.updated_at = now
    log_event(session, dispute, None, "assigned", now, mediator_id=mediator.id, mediator=name_of(user), mode=mode,
         cost=dispute.match_cost, terms=dispute.match_reasons)
    cases.assign(session, case_id=dispute.case_id, unit=None, assignee=user, actor=None, now=now,
                 note=translate("mediation.match_note", tier=translate(f"mediation.tier.{mediator.tier}")))
    due = dispute.first_contact_due_at
    notify_user(session, user, "notice.mediation_assigned", now, f"dispute:{dispute.id}",
                number=dispute_number(dispute), type=translate(f"mediation.type.{dispute.type}", user.language),
                risk=translate(f"mediation.risk.{dispute.risk}", user.language),
                due=f"{local(due):%m-%d %H:%M}" if due else "")


def route_now(session: Session, dispute: Dispute, now: datetime) -> bool:
    """Immediate assignment (high risk, or a re-route): the cheapest eligible mediator."""
    found = matching.best_single(need_of(session, dispute), offers(session, lock=True))
    if found is None:
        dispute.next_check_at = now  # stays waiting; the sweep retries and the clock still runs
        log_event(session, dispute, None, "no_mediator", now, tier=dispute.tier)
        return False
    _apply_match(session, dispute, session.get_one(Mediator, found.offer), found, now, mode="immediate")
    return True


def assign_waiting(session: Session, now: datetime, *, limit: int = 2000) -> int:
    """Batch: every waiting dispute to a mediator at minimum total cost (caseload limits respected)."""
    stmt = (select(Dispute).where(Dispute.status == "waiting").order_by(Dispute.created_at, Dispute.id)
            .limit(limit))
    return assign_batch(session, list(session.scalars(lock_for_update(stmt, session, skip_locked=True))), now)


def assign_batch(session: Session, waiting: list[Dispute], now: datetime) -> int:
    """Match these (claimed, waiting) disputes together at minimum total cost."""
    if not waiting:
        return 0
    grid_ids = {d.grid_id for d in waiting}
    grids = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(grid_ids)))}
    needs = [need_of(session, d, grids[d.grid_id]) for d in waiting]
    found = matching.assign(needs, offers(session, lock=True))
    by_id = {d.id: d for d in waiting}
    for m in found:
        _apply_match(session, by_id[m.need], session.get_one(Mediator, m.offer), m, now, mode="batch")
    session.flush()
    return len(found)


def alert_police(session: Session, dispute: Dispute, now: datetime) -> None:
    """High risk: the police liaison (the police unit serving the grid) hears at once, by the outbox."""
    grid = geo.get_area_by_id(session, dispute.grid_id)
    unit: Unit | None = cases.route_unit(session, "police", grid)
    params = {"number": dispute_number(dispute), "grid": grid.name, "reasons": "；".join(dispute.reasons[:5]),
              "description": dispute.description[:200]}
    if unit is not None:
        for person in accounts.users_with_unit(session, unit_id=unit.id):
            notify_user(session, person, "notice.mediation_police", now, f"dispute:{dispute.id}", **params)
        if unit.webhook_url:
            notify.enqueue(session, channel="webhook", recipient=unit.webhook_url,
                           subject=translate("notice.mediation_police.subject", **params),
                           body=translate("notice.mediation_police.body", **params),
                           topic="mediation_police", ref=f"dispute:{dispute.id}", now=now)
    log_event(session, dispute, None, "police_alerted", now, unit=unit.code if unit else None)


# ---------------------------------------------------------------- correction (re-routes)


def correct_triage(session: Session, *, user: User, dispute_id: int, type: str, risk: str, now: datetime,
                   note: str = "") -> Dispute:
    """A mediator or supervisor overrides the machine; kept as a training example; a new tier re-routes."""
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    if user.role not in CORRECT_ROLES:
        raise Forbidden("mediation_forbidden")
    if dispute.status not in OPEN_STATUSES:
        raise Conflict("mediation_concluded")
    if type not in TYPES or risk not in TIER_FOR_RISK:
        raise Invalid("mediation_type_invalid", type=type)
    before = {"type": dispute.type, "risk": dispute.risk}
    triage_service.record_correction(session, text=dispute.description, type=type, risk=risk, by_user_id=user.id,
                                     now=now, dispute_case_id=dispute.case_id)
    dispute.type, dispute.risk, dispute.corrected = type, risk, True
    dispute.reasons = [*dispute.reasons, translate("mediation.corrected_reason", name=name_of(user))]
    dispute.updated_at = now
    log_event(session, dispute, user, "corrected", now, before=before, after={"type": type, "risk": risk}, note=note)
    new_tier = TIER_FOR_RISK[risk]
    if new_tier != dispute.tier:
        # A different pool: the new mediator starts from first contact with a fresh clock.
        dispute.tier = new_tier
        dispute.mediator_id = None
        dispute.status = "waiting"
        dispute.first_contact_at = None
        dispute.first_contact_due_at = dispute.escalate_at = now + FIRST_CONTACT[risk]
        dispute.match_reasons, dispute.match_cost, dispute.assigned_at = {}, None, None
        dispute.next_check_at = now
        if risk == "high":
            route_now(session, dispute, now)
    if risk == "high" and before["risk"] != "high":
        alert_police(session, dispute, now)
    session.flush()
    return dispute


# ---------------------------------------------------------------- the record


def record_contact(session: Session, *, user: User, dispute_id: int, now: datetime, note: str = "") -> Dispute:
    """The assigned mediator reached the parties: stops the first-contact clock, accepts the case."""
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    if not _is_mediator_of(session, user, dispute):
        raise Forbidden("mediation_forbidden")
    if dispute.status != "assigned":
        raise Conflict("mediation_state_invalid", status=translate(f"mediation.status.{dispute.status}"))
    dispute.first_contact_at = now
    dispute.status = "in_mediation"
    dispute.next_check_at = dispute.escalate_at = None
    dispute.updated_at = now
    log_event(session, dispute, user, "contacted", now, note=note,
         late=bool(dispute.first_contact_due_at and now > dispute.first_contact_due_at))
    case = cases.get_case(session, user, dispute.case_id)
    if case.status == "dispatched":
        cases.transition(session, user=user, case_id=case.id, action="accept", now=now, note=note)
    session.flush()
    return dispute


def add_session(session: Session, *, user: User, dispute_id: int, held_at: datetime, place: str,
                attendees: str, notes: str, now: datetime) -> MediationSession:
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    _require_handler(session, user, dispute)
    if dispute.status not in OPEN_STATUSES:
        raise Conflict("mediation_concluded")
    if held_at.tzinfo is None:
        raise Invalid("mediation_time_invalid")
    if held_at > now + timedelta(days=365) or held_at < dispute.created_at - timedelta(days=1):
        raise Invalid("mediation_time_invalid")
    if not place.strip():
        raise Invalid("mediation_place_required")
    row = MediationSession(dispute_id=dispute.id, held_at=held_at, place=place.strip(), attendees=attendees.strip(),
                           notes=notes.strip(), recorded_by_id=user.id, created_at=now)
    session.add(row)
    if dispute.status == "assigned":
        # Meeting the parties is a first contact too.
        dispute.first_contact_at = now
        dispute.status = "in_mediation"
        dispute.next_check_at = dispute.escalate_at = None
    dispute.updated_at = now
    session.flush()
    log_event(session, dispute, user, "session", now, session_id=row.id, held_at=held_at.isoformat(), place=row.place,
         attendees=row.attendees[:500], notes_sha256=hashlib.sha256(row.notes.encode()).hexdigest())
    return row


def add_evidence(session: Session, *, user: User, dispute_id: int, filename: str, content_type: str,
                 data: bytes, now: datetime) -> Evidence:
    """Stores the file with its SHA-256 and writes the hash into the audit chain (tamper evidence)."""
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    _require_handler(session, user, dispute)
    if not data:
        raise Invalid("mediation_evidence_empty")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise Invalid("mediation_evidence_too_large", mb=EVIDENCE_MAX_BYTES // (1024 * 1024))
    name = _FILENAME_BAD.sub("_", filename.strip())[:200] or "evidence"
    digest = hashlib.sha256(data).hexdigest()
    row = Evidence(dispute_id=dispute.id, filename=name, content_type=(content_type or "application/octet-stream")[:100],
                   size=len(data), sha256=digest, data=data, uploaded_by_id=user.id, created_at=now)
    session.add(row)
    dispute.updated_at = now
    session.flush()
    log_event(session, dispute, user, "evidence", now, evidence_id=row.id, filename=name, size=len(data), sha256=digest)
    return row


def evidence_audit_seqs(session: Session, dispute: Dispute) -> dict[int, int]:
    """Evidence id -> the seq of the audit entry holding its hash."""
    out: dict[int, int] = {}
    for e in audit.entries_for(session, "dispute", dispute.id):
        if e.kind == "dispute.evidence":
            out[int(e.data.get("evidence_id", 0))] = e.seq
    return out


def get_evidence(session: Session, *, user: User, dispute_id: int, evidence_id: int) -> Evidence:
    dispute = get_dispute(session, user, dispute_id)
    if user.role == "resident":
        raise Forbidden("mediation_forbidden")
    row = session.scalar(select(Evidence).where(Evidence.id == evidence_id, Evidence.dispute_id == dispute.id))
    if row is None:
        raise NotFound("mediation_evidence_not_found")
    return row


def conclude(session: Session, *, user: User, dispute_id: int, outcome: str, now: datetime, note: str = "",
             terms: str = "", referred_to: str = "none") -> Dispute:
    """Agreement (with its terms), failed (referred to court or arbitration) or withdrawn; resolves the
    case and schedules the follow-up visit 30 days on."""
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    _require_handler(session, user, dispute)
    if dispute.status not in OPEN_STATUSES:
        raise Conflict("mediation_concluded")
    if dispute.mediator_id is None:
        raise Conflict("mediation_no_mediator")
    if outcome not in ("agreement", "failed", "withdrawn"):
        raise Invalid("mediation_outcome_invalid")
    terms, note = terms.strip(), note.strip()
    if outcome == "agreement" and not terms:
        raise Invalid("mediation_terms_required")
    if outcome == "failed" and referred_to not in ("court", "arbitration"):
        raise Invalid("mediation_referral_required")
    dispute.status = outcome
    dispute.outcome_note = note
    dispute.agreement_terms = terms if outcome == "agreement" else ""
    dispute.referred_to = referred_to if outcome == "failed" else ""
    dispute.concluded_at = now
    dispute.followup_due_at = now + FOLLOWUP_AFTER
    dispute.escalate_at = None
    dispute.next_check_at = dispute.followup_due_at  # the sweep reminds the mediator then
    dispute.updated_at = now
    log_event(session, dispute, user, "concluded", now, outcome=outcome, referred_to=dispute.referred_to, note=note,
         terms_sha256=hashlib.sha256(terms.encode()).hexdigest() if terms else "")
    case = session.scalar(cases.scoped_cases(session, user).where(Case.id == dispute.case_id))
    if case is not None:
        resolution = translate(f"mediation.outcome.{outcome}") + (f"：{note}" if note else "")
        if case.status == "dispatched" and case.assignee_id == user.id:
            cases.transition(session, user=user, case_id=case.id, action="accept", now=now)
        if case.status in ("accepted", "in_progress") and (case.assignee_id == user.id or user.role == "admin"):
            cases.transition(session, user=user, case_id=case.id, action="resolve", now=now, note=resolution)
    session.flush()
    return dispute


def record_followup(session: Session, *, user: User, dispute_id: int, note: str, now: datetime) -> Dispute:
    dispute = get_dispute(session, user, dispute_id, for_update=True)
    if not (_is_mediator_of(session, user, dispute) or _is_supervisor_of(session, user, dispute)
            or (user.role == "grid_worker" and user.area_id == dispute.grid_id)):
        raise Forbidden("mediation_forbidden")
    if dispute.concluded_at is None:
        raise Conflict("mediation_not_concluded")
    if dispute.followup_done_at is not None:
        raise Conflict("mediation_followup_done")
    if not note.strip():
        raise Invalid("mediation_note_required")
    dispute.followup_done_at = now
    dispute.followup_note = note.strip()
    dispute.next_check_at = None
    dispute.updated_at = now
    log_event(session, dispute, user, "followup", now, note=dispute.followup_note)
    session.flush()
    return dispute


# ---------------------------------------------------------------- reading


def parties(session: Session, dispute: Dispute) -> list[DisputeParty]:
    return list(session.scalars(select(DisputeParty).where(DisputeParty.dispute_id == dispute.id)
                                .order_by(DisputeParty.id)))


def party_views(session: Session, *, user: User, dispute: Dispute, now: datetime,
                reveal: bool = False) -> list[PartyView]:
    """Parties masked by role; `reveal` (a PII-reading role) shows them in full and logs the read."""
    rows = parties(session, dispute)
    if reveal:
        if not pii.can_read_pii(user):
            raise Forbidden("mediation_pii_forbidden")
        audit.log_pii_read(session, actor_id=user.id, actor_name=name_of(user), subject_type="dispute",
                           subject_id=dispute.id, fields=["name", "phone", "id_number", "address"], now=now)
        return [PartyView(p.id, p.role, p.name, p.phone, p.id_number, p.address, False) for p in rows]
    return [
        PartyView(p.id, p.role, pii.mask_name(p.name), pii.mask_phone(p.phone), pii.mask_id_number(p.id_number),
                  mask_address(p.address), True)
        for p in rows
    ]


def mask_address(address: str) -> str:
    """Keep the first part (road, estate), hide the house number: 和睦路12号3幢201 -> 和睦路****."""
    if len(address) <= 4:
        return "*" * len(address)
    keep = max(3, len(address) // 3)
    return address[:keep] + "****"


def sessions_of(session: Session, dispute: Dispute) -> list[MediationSession]:
    return list(session.scalars(select(MediationSession).where(MediationSession.dispute_id == dispute.id)
                                .order_by(MediationSession.held_at, MediationSession.id)))


def evidence_of(session: Session, dispute: Dispute) -> list[Evidence]:
    return list(session.scalars(select(Evidence).where(Evidence.dispute_id == dispute.id).order_by(Evidence.id)))


def mediator_user(session: Session, dispute: Dispute) -> User | None:
    if dispute.mediator_id is None:
        return None
    med = session.get(Mediator, dispute.mediator_id)
    return session.get(User, med.user_id) if med else None


def mediator_of_user(session: Session, user: User) -> Mediator | None:
    return session.scalar(select(Mediator).where(Mediator.user_id == user.id))


def caseload(session: Session, user: User) -> list[Dispute]:
    """A mediator's open disputes and concluded ones with a follow-up still to do, most urgent first."""
    med = mediator_of_user(session, user)
    if med is None:
        return []
    stmt = select(Dispute).where(
        Dispute.mediator_id == med.id,
        or_(Dispute.status.in_(OPEN_STATUSES), Dispute.followup_done_at.is_(None)),
    )
    rows = list(session.scalars(stmt))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda d: (d.status not in OPEN_STATUSES, d.first_contact_at is not None,
                                       d.first_contact_due_at or d.followup_due_at or far, d.id))


def list_disputes(session: Session, user: User, *, status: str | None = None, tier: str | None = None,
                  type: str | None = None, overdue_at: datetime | None = None, limit: int = 200,
                  offset: int = 0) -> tuple[list[Dispute], int]:
    stmt = scoped_disputes(session, user)
    if status:
        stmt = stmt.where(Dispute.status == status)
    if tier:
        stmt = stmt.where(Dispute.tier == tier)
    if type:
        stmt = stmt.where(Dispute.type == type)
    if overdue_at is not None:
        stmt = stmt.where(Dispute.status.in_(("waiting", "assigned")), Dispute.first_contact_due_at < overdue_at)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(Dispute.created_at.desc(), Dispute.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def board(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """The street's mediation board: counts by tier, type and status, and the overdue list."""
    base = scoped_disputes(session, user).subquery()

    def counts(col: Any) -> dict[str, int]:
        return {str(k): int(n) for k, n in session.execute(select(col, func.count()).group_by(col))}
    by_tier = counts(base.c.tier)
    by_type = counts(base.c.type)
    by_status = counts(base.c.status)
    overdue, _ = list_disputes(session, user, overdue_at=now, limit=100)
    concluded = sum(by_status.get(s, 0) for s in ("agreement", "failed", "withdrawn"))
    return {
        "by_tier": by_tier, "by_type": by_type, "by_status": by_status, "overdue": overdue,
        "total": sum(by_status.values()), "success_rate": (by_status.get("agreement", 0) / concluded) if concluded else None,
    }


def is_overdue(dispute: Dispute, now: datetime) -> bool:
    return (dispute.status in ("waiting", "assigned") and dispute.first_contact_due_at is not None
            and now > dispute.first_contact_due_at)
